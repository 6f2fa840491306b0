/**
 * Berth and registry:2.8 (Debian's docker-registry) on the same real Swift, both configured as an
 * operator would (REGISTRY_STORAGE=swift + REGISTRY_STORAGE_SWIFT_* variables):
 * - what registry:2 pushed (skopeo, multi-segment layers, an image index, an unfinished upload)
 *   Berth serves bit for bit, and finishes the upload registry:2 started;
 * - what Berth pushed (skopeo and a chunked upload) registry:2 serves bit for bit;
 * - both leave the same object names and link contents under "<prefix>/files/";
 * - blob GETs are redirected to Swift temp URLs that clients follow;
 * - the OCI conformance suite passes against Berth on Swift.
 */
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatFailures, formatSummary, redirectedToStorage, runConformance } from "../conformance/index.js";
import { OciLayout, sha256, type Descriptor } from "./harness/oci-layout.js";
import { run } from "./harness/run.js";
import { requireProgram, startBerth, startReference, tempDir, type RunningRegistry } from "./harness/servers.js";
import { inspectSwift, startSwift, swiftRegistryEnv, type RunningSwift, type SwiftInspector } from "./harness/swift.js";

const SKOPEO = "/usr/bin/skopeo";
const CONTAINER = "berth-compat";
const MiB = 1024 * 1024;

let swift: RunningSwift;
let inspector: SwiftInspector;
let work: string;
let source: OciLayout;
let one: Descriptor;
let multi: Descriptor;

/** Both registries with 1 MiB segments, so every sizeable layer is a many-segment large object. */
function storageEnv(prefix: string): Record<string, string> {
  return { ...swiftRegistryEnv(swift, { container: CONTAINER, prefix }), REGISTRY_STORAGE_SWIFT_CHUNKSIZE: String(MiB), REGISTRY_STORAGE_DELETE_ENABLED: "true" };
}

const startBerthOn = (prefix: string, env: Record<string, string> = {}) => startBerth({ env: { ...storageEnv(prefix), ...env } });
const startReferenceOn = (prefix: string) => startReference({ env: storageEnv(prefix) });

function skopeo(...args: string[]): Promise<string> {
  return run(SKOPEO, ["--insecure-policy", ...args]);
}

async function push(registry: RunningRegistry, tag: string, repository: string, all = false): Promise<void> {
  await skopeo("copy", "--dest-tls-verify=false", "--preserve-digests", ...(all ? ["--all"] : []), `oci:${source.dir}:${tag}`, `docker://${registry.host}/${repository}`);
}

/** Pulls into a fresh OCI layout and returns sha256 → bytes of every blob that arrived. */
async function pull(registry: RunningRegistry, repository: string, all = false): Promise<Map<string, Buffer>> {
  const dir = join(work, `pulled-${randomBytes(4).toString("hex")}`);
  await skopeo("copy", "--src-tls-verify=false", "--preserve-digests", ...(all ? ["--all"] : []), `docker://${registry.host}/${repository}`, `oci:${dir}:x`);
  const blobs = new Map<string, Buffer>();
  for (const name of readdirSync(join(dir, "blobs", "sha256"))) blobs.set(`sha256:${name}`, readFileSync(join(dir, "blobs", "sha256", name)));
  return blobs;
}

/** Every blob a manifest or index reaches in the source layout. */
function reachable(digest: string): string[] {
  const parsed = JSON.parse(source.readBlob(digest).toString("utf8")) as { config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[] };
  const children = [...(parsed.config ? [parsed.config] : []), ...(parsed.layers ?? [])].map((d) => d.digest);
  return [digest, ...children, ...(parsed.manifests ?? []).flatMap((m) => reachable(m.digest))];
}

function expectSameBlobs(pulled: Map<string, Buffer>, root: Descriptor): void {
  for (const digest of reachable(root.digest)) {
    const bytes = pulled.get(digest);
    expect(bytes, `blob ${digest} was not pulled`).toBeDefined();
    expect(sha256(bytes!)).toBe(digest);
    expect(bytes!.equals(source.readBlob(digest))).toBe(true);
  }
}

/** Object names below "<prefix>/files/" (uploads left out) → link content, or the size of anything else. */
async function filesTree(prefix: string): Promise<Map<string, string>> {
  const tree = new Map<string, string>();
  for (const { name, bytes } of await inspector.list(CONTAINER, `${prefix}/files/`)) {
    const path = name.slice(`${prefix}/files/`.length);
    if (path.includes("/_uploads/")) continue;
    if (path.endsWith("/link")) {
      tree.set(path, await (await inspector.request("GET", `${CONTAINER}/${name}`)).text());
    } else {
      const head = await inspector.head(CONTAINER, name);
      tree.set(path, `${bytes === 0 ? head?.["content-length"] : bytes} bytes`);
    }
  }
  return tree;
}

/**
 * Every object below prefix is a file under "files/" or a segment named as registry:2.8 names
 * them: "segments/" + hex(upload path ‖ 32 random bytes ‖ sha1 of nothing) split after 3 characters.
 */
async function expectOnlyRegistryLayout(prefix: string): Promise<void> {
  const names = (await inspector.list(CONTAINER, `${prefix}/`)).map((o) => o.name);
  const segment = new RegExp(`^${prefix}/segments/([0-9a-f]{3})/([0-9a-f]+)/\\d{16}$`);
  const stray = names.filter((name) => {
    if (name.startsWith(`${prefix}/files/`)) return false;
    const match = segment.exec(name);
    const hex = match ? match[1]! + match[2]! : "";
    const path = Buffer.from(hex.slice(0, -104), "hex").toString("latin1");
    return !(hex.endsWith("da39a3ee5e6b4b0d3255bfef95601890afd80709") && /^\/docker\/registry\/v2\/repositories\/.+\/_uploads\/[0-9a-f-]{36}\/data$/.test(path));
  });
  expect(stray).toEqual([]);
  expect(names.some((name) => name.startsWith(`${prefix}/segments/`))).toBe(true);
}

beforeAll(async () => {
  requireProgram(SKOPEO, "skopeo");
  swift = await startSwift();
  inspector = await inspectSwift(swift);
  work = tempDir("swift-compat");
  source = new OciLayout(join(work, "source"));
  one = source.image({ layerSizes: [2048, 5 * MiB + 123] });
  const amd64 = source.image({ layerSizes: [3 * MiB], platform: { architecture: "amd64", os: "linux" } });
  const arm64 = source.image({ layerSizes: [8192], platform: { architecture: "arm64", os: "linux" } });
  multi = source.index([amd64, arm64]);
  source.tag("one", one);
  source.tag("multi", multi);
});

afterAll(async () => {
  await swift?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("Berth and registry:2.8 sharing a Swift container", () => {
  it("serves what registry:2.8 pushed, and finishes an upload registry:2.8 started", async () => {
    const prefix = "registry2-first";
    const chunk = randomBytes(MiB + 4321);
    const rest = randomBytes(700_000);
    let uploadPath = "";
    const reference = await startReferenceOn(prefix);
    try {
      await push(reference, "one", "compat/one");
      await push(reference, "multi", "compat/multi", true);
      const started = await fetch(`${reference.url}/v2/compat/resumed/blobs/uploads/`, { method: "POST" });
      expect(started.status).toBe(202);
      uploadPath = new URL(started.headers.get("location")!, reference.url).pathname;
      const patched = await fetch(`${reference.url}${uploadPath}?${new URL(started.headers.get("location")!, reference.url).searchParams}`, {
        method: "PATCH",
        headers: { "content-type": "application/octet-stream" },
        body: chunk,
      });
      expect(patched.status).toBe(202);
    } finally {
      await reference.stop();
    }
    await expectOnlyRegistryLayout(prefix);

    const berth = await startBerthOn(prefix);
    try {
      // compat/resumed holds only an upload, so it is no repository yet.
      expect(await (await fetch(`${berth.url}/v2/_catalog`)).json()).toEqual({ repositories: ["compat/multi", "compat/one"] });
      expectSameBlobs(await pull(berth, "compat/one"), one);
      expectSameBlobs(await pull(berth, "compat/multi", true), multi);

      // The upload registry:2 left half done continues on Berth from the size it reports.
      const status = await fetch(`${berth.url}${uploadPath}`);
      expect(status.status).toBe(204);
      expect(status.headers.get("range")).toBe(`0-${chunk.length - 1}`);
      const digest = `sha256:${createHash("sha256").update(chunk).update(rest).digest("hex")}`;
      const done = await fetch(`${berth.url}${uploadPath}?digest=${digest}`, {
        method: "PUT",
        headers: { "content-type": "application/octet-stream", "content-range": `${chunk.length}-${chunk.length + rest.length - 1}` },
        body: rest,
      });
      expect(done.status).toBe(201);
      const blob = await fetch(`${berth.url}/v2/compat/resumed/blobs/${digest}`);
      expect(Buffer.from(await blob.arrayBuffer()).equals(Buffer.concat([chunk, rest]))).toBe(true);
    } finally {
      await berth.stop();
    }
  });

  it("registry:2.8 serves what Berth pushed, chunked uploads included, and both lay the same images out alike", async () => {
    const prefix = "berth-first";
    const parts = [randomBytes(1536 * 1024), randomBytes(1536 * 1024 + 99)];
    const digest = `sha256:${createHash("sha256").update(parts[0]!).update(parts[1]!).digest("hex")}`;
    const berth = await startBerthOn(prefix);
    try {
      await push(berth, "one", "compat/one");
      await push(berth, "multi", "compat/multi", true);
      const started = await fetch(`${berth.url}/v2/compat/chunked/blobs/uploads/`, { method: "POST" });
      let location = new URL(started.headers.get("location")!, berth.url).toString();
      let offset = 0;
      for (const part of parts) {
        const patched = await fetch(location, {
          method: "PATCH",
          headers: { "content-type": "application/octet-stream", "content-range": `${offset}-${offset + part.length - 1}` },
          body: part,
        });
        expect(patched.status).toBe(202);
        location = new URL(patched.headers.get("location")!, berth.url).toString();
        offset += part.length;
      }
      const done = await fetch(`${location}${location.includes("?") ? "&" : "?"}digest=${digest}`, { method: "PUT" });
      expect(done.status).toBe(201);

      // Blob GETs are redirected to a Swift temp URL (skopeo above followed them).
      const redirect = await fetch(`${berth.url}/v2/compat/chunked/blobs/${digest}`, { redirect: "manual" });
      expect(redirect.status).toBe(307);
      expect(redirect.headers.get("location")).toMatch(new RegExp(`^${swift.s3Endpoint}/v1/AUTH_test/${CONTAINER}/${prefix}/files/docker/registry/v2/blobs/sha256/${digest.slice(7, 9)}/${digest.slice(7)}/data\\?temp_url_sig=`));
    } finally {
      await berth.stop();
    }
    await expectOnlyRegistryLayout(prefix);

    const reference = await startReferenceOn(prefix);
    try {
      expectSameBlobs(await pull(reference, "compat/one"), one);
      expectSameBlobs(await pull(reference, "compat/multi", true), multi);
      const blob = await fetch(`${reference.url}/v2/compat/chunked/blobs/${digest}`);
      expect(blob.status).toBe(200);
      expect(Buffer.from(await blob.arrayBuffer()).equals(Buffer.concat(parts))).toBe(true);
    } finally {
      await reference.stop();
    }

    // The same two pushes leave the same names, link contents and sizes below files/.
    const hexes = [...reachable(one.digest), ...reachable(multi.digest)].map((d) => d.slice("sha256:".length));
    const images = (tree: Map<string, string>) =>
      new Map([...tree].filter(([path]) => /\/repositories\/compat\/(one|multi)\//.test(path) || hexes.some((hex) => path.includes(`/blobs/sha256/${hex.slice(0, 2)}/${hex}/`))));
    const byBerth = images(await filesTree(prefix));
    expect(byBerth.size).toBeGreaterThan(20);
    expect(byBerth).toEqual(images(await filesTree("registry2-first")));
  });

  it("passes the OCI conformance suite on Swift", async () => {
    const prefix = "conformance";
    // Redirects on (registry:2's default): blob reads go on to Swift temp URLs, followed as docker follows them.
    const berth = await startBerthOn(prefix);
    try {
      const started = Date.now();
      const report = await runConformance({ url: berth.url, unsupported: [], log: () => undefined });
      console.log(`berth on swift: ${formatSummary(report).join(" / ")} in ${Math.round((Date.now() - started) / 1000)} s`);
      expect(report.results.length).toBeGreaterThan(50);
      expect(report.failed, `failing conformance tests against Berth on Swift:\n${formatFailures(report)}`).toBe(0);
      expect(redirectedToStorage(report), "tests whose blob GET Swift answered through a temp URL").toBeGreaterThan(0);
    } finally {
      await berth.stop();
    }
    await expectOnlyRegistryLayout(prefix);
  });
});
