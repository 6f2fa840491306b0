/**
 * Unit tests of the suite's own machinery: the HTTP client (raw paths, cut-short bodies),
 * Link parsing, test selection, failure attribution and the CLI's output contract.
 * The suite's checks themselves are proven against real registries in e2e/conformance.test.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "./cli.js";
import { formatResult, formatSummary } from "./format.js";
import { HttpClient, nextLink } from "./http.js";
import { runConformance, selectTests } from "./runner.js";
import { ALL_TESTS } from "./tests/index.js";
import { FEATURES, GROUPS, type TestResult } from "./types.js";

const servers: Server[] = [];

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A "registry" that only knows GET /v2/ and answers the spec's 404 elsewhere. */
function barelyRegistry(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  req.on("end", () => {
    res.setHeader("Content-Type", "application/json");
    if (req.url === "/v2/") {
      res.setHeader("Docker-Distribution-API-Version", "registry/2.0");
      res.end("{}");
      return;
    }
    res.statusCode = 404;
    res.end(JSON.stringify({ errors: [{ code: "NAME_UNKNOWN", message: "nothing here" }] }));
  });
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  vi.restoreAllMocks();
});

describe("HttpClient", () => {
  it("sends paths exactly as given: no dot-segment removal, no re-encoding", async () => {
    const seen: string[] = [];
    const url = await serve((req, res) => {
      seen.push(req.url ?? "");
      res.end();
    });
    const client = new HttpClient(url);
    for (const path of ["/v2/a/../b/tags/list", "/v2/a/%2e%2e/b", "/v2/a%2fb/x", "/v2/a%00b/x"]) await client.request({ method: "GET", path });
    expect(seen).toEqual(["/v2/a/../b/tags/list", "/v2/a/%2e%2e/b", "/v2/a%2fb/x", "/v2/a%00b/x"]);
  });

  it("keeps a path prefix from the base URL and resolves Location headers", () => {
    const client = new HttpClient("http://127.0.0.1:1/prefix/");
    expect(client.path("/v2/")).toBe("/prefix/v2/");
    expect(client.resolve("/prefix/v2/x/blobs/uploads/u?_state=1")).toBe("/prefix/v2/x/blobs/uploads/u?_state=1");
    expect(client.resolve("http://127.0.0.1:1/v2/y")).toBe("/v2/y");
    expect(client.resolve("http://elsewhere:9/v2/y")).toBe("http://elsewhere:9/v2/y");
  });

  it("reports a body cut short of its Content-Length as truncated, keeping the status", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(416, { "Content-Length": "100" });
      res.write("short");
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const exchange = await new HttpClient(url).request({ method: "GET", path: "/v2/x" });
    expect(exchange.status).toBe(416);
    expect(exchange.truncated).toBe(true);
  });

  it("streams a body without Content-Length (chunked) and sends Content-Length: 0 on an empty POST", async () => {
    const seen: { te?: string; cl?: string; body: string }[] = [];
    const url = await serve((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        seen.push({ te: req.headers["transfer-encoding"], cl: req.headers["content-length"], body });
        res.end();
      });
    });
    const client = new HttpClient(url);
    async function* parts(): AsyncIterable<Uint8Array> {
      yield Buffer.from("ab");
      yield Buffer.from("cd");
    }
    await client.request({ method: "PATCH", path: "/u", body: parts() });
    await client.request({ method: "POST", path: "/p" });
    expect(seen[0]).toEqual({ te: "chunked", cl: undefined, body: "abcd" });
    expect(seen[1]).toEqual({ te: undefined, cl: "0", body: "" });
  });
});

describe("nextLink", () => {
  it("finds rel=next among several links, quoted or not", () => {
    expect(nextLink('</v2/x/tags/list?n=2&last=b>; rel="next"')).toBe("/v2/x/tags/list?n=2&last=b");
    expect(nextLink('<http://h/a>; rel="prev", <http://h/b>; rel=next')).toBe("http://h/b");
    expect(nextLink('<http://h/a>; rel="prev next"')).toBe("http://h/a");
    expect(nextLink('<http://h/a>; rel="nextish"')).toBeNull();
    expect(nextLink(undefined)).toBeNull();
  });
});

describe("test selection", () => {
  it("every test has a group, a unique name and known features", () => {
    const names = new Set<string>();
    for (const test of ALL_TESTS) {
      expect(GROUPS).toContain(test.group);
      for (const feature of test.features) expect(Object.keys(FEATURES)).toContain(feature);
      const key = `${test.group} › ${test.name}`;
      expect(names.has(key), key).toBe(false);
      names.add(key);
    }
    for (const group of GROUPS) expect(ALL_TESTS.some((test) => test.group === group), group).toBe(true);
  });

  it("selects by group, by feature and by substring", () => {
    expect(selectTests(ALL_TESTS, ["api"]).every((t) => t.group === "api")).toBe(true);
    expect(selectTests(ALL_TESTS, ["referrers"]).every((t) => t.features.includes("referrers"))).toBe(true);
    expect(selectTests(ALL_TESTS, ["single post"]).map((t) => t.name)).toEqual(["monolithic upload: single POST ?digest="]);
    expect(selectTests(ALL_TESTS, undefined)).toHaveLength(ALL_TESTS.length);
  });
});

describe("runConformance", () => {
  it("reports passes, genuine failures and excused ones", async () => {
    const url = await serve(barelyRegistry);
    const report = await runConformance({ url, only: ["api", "referrers"], unsupported: ["referrers"] });
    const byName = new Map(report.results.map((r) => [r.name, r]));
    expect(byName.get("GET /v2/ returns 200")?.passed).toBe(true);
    const referrers = report.results.filter((r) => r.features.includes("referrers"));
    expect(referrers.length).toBeGreaterThan(0);
    expect(referrers.every((r) => !r.passed && r.unsupported)).toBe(true);
    expect(report.failed).toBe(0);
    expect(report.unsupported).toBe(referrers.length);
  });

  it("counts everything as a failure when nothing is declared unsupported", async () => {
    const url = await serve(barelyRegistry);
    const report = await runConformance({ url, only: ["referrers"] });
    expect(report.failed).toBe(report.results.length);
    const first = report.results[0];
    expect(first?.failure?.request).toMatch(/^POST \/v2\/conformance\/[0-9a-f]{8}\/referrers\/blobs\/uploads\/ \(Content-Length: 0\)$/);
    expect(first?.failure?.got).toContain("NAME_UNKNOWN");
  });

  it("rejects a namespace that is not a repository name", async () => {
    await expect(runConformance({ url: "http://127.0.0.1:1", namespace: "Bad/../x" })).rejects.toThrow(/namespace/);
  });
});

describe("output", () => {
  const base: TestResult = { group: "push", name: "x", features: [], passed: true, unsupported: false, failures: [], notes: [], durationMs: 1 };

  it("prints one line per test and ends with 'N passed, N failed'", () => {
    expect(formatResult(base)).toBe("PASS push › x");
    const failed = { ...base, passed: false, failure: { message: "status 500", request: "GET /v2/", expected: "200", got: "500" } };
    failed.failures = [failed.failure];
    expect(formatResult(failed)).toBe("FAIL push › x — status 500; request: GET /v2/; expected: 200; got: 500");
    const report = { url: "", namespace: "", startedAt: "", durationMs: 0, passed: 3, failed: 1, unsupported: 0, results: [] };
    expect(formatSummary(report).at(-1)).toBe("3 passed, 1 failed");
  });

  it("the CLI exits 1 on failures and its last line is the summary", async () => {
    const url = await serve(barelyRegistry);
    const out: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    const code = await main([url, "--only", "api,tags/list of an unknown"]);
    const lines = out.join("").trimEnd().split("\n");
    expect(code).toBe(0);
    expect(lines.at(-1)).toBe("3 passed, 0 failed");
    const failing = await main([url, "--only", "GET manifest by tag"]);
    expect(failing).toBe(1);
    expect(out.join("").trimEnd().split("\n").at(-1)).toBe("0 passed, 1 failed");
  });

  it("the CLI rejects unknown features and a missing URL with exit code 2", async () => {
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    expect(await main([])).toBe(2);
    expect(await main(["http://127.0.0.1:1", "--unsupported", "warp-drive"])).toBe(2);
  });
});
