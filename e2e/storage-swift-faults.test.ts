/**
 * The swift driver when Swift misbehaves: a proxy between the driver and a real Swift answers
 * 503/429/498, drops connections, cuts bodies short and shortens token lifetimes on demand.
 * Transient failures are retried with backoff, a client's mistake is not, running out of retries
 * is StorageUnavailableError (503 UNAVAILABLE from Berth), tokens are renewed before expiry and
 * after a 401, and a read cut off mid-stream resumes where it stopped. A streamed segment refused
 * before its body is sent again; one cut off mid-body fails the write and keeps what was stored.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CheckedDriver } from "../storage-drivers/checked.js";
import type { StorageDriver } from "../storage-drivers/driver.js";
import { StorageUnavailableError } from "../storage-drivers/errors.js";
import { SwiftHttpError } from "../storage-drivers/swift/client.js";
import { parseSwiftConfig } from "../storage-drivers/swift/config.js";
import { SwiftDriver } from "../storage-drivers/swift/driver.js";
import { startBerth } from "./harness/servers.js";
import { inspectSwift, startSwift, swiftRegistryEnv, type RunningSwift } from "./harness/swift.js";

const CONTAINER = "berth-faults";
const FAST_RETRIES = { maxRetries: 4, baseDelayMs: 5, maxDelayMs: 50 };

type Fault =
  | { status: number; retryAfter?: number; beforeBody?: true }
  | { drop: true }
  | { cutAfter: number }
  | { dropInBody: number }
  | { tokenLifetime: number };

interface Seen {
  method: string;
  path: string;
  range?: string;
  answered: number | "dropped" | "cut" | "forwarded";
  /** Request body bytes that reached the proxy. */
  received: number;
}

/** Forwards to Swift, except for requests a rule picks out for a fault. */
class FaultProxy {
  readonly seen: Seen[] = [];
  private rules: { match: (req: IncomingMessage) => boolean; faults: Fault[] }[] = [];
  private server!: Server;
  url = "";

  constructor(private readonly target: URL) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res, false));
    // Requests with `Expect: 100-continue` (streamed segments): a fault may answer before the body.
    this.server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => this.handle(req, res, true));
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The next requests `match` picks get these faults, one each, in order. */
  inject(match: (req: IncomingMessage) => boolean, ...faults: Fault[]): void {
    this.rules.push({ match, faults });
  }

  reset(): void {
    this.rules = [];
    this.seen.length = 0;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void {
    const rule = this.rules.find((candidate) => candidate.faults.length > 0 && candidate.match(req));
    const fault = rule?.faults.shift();
    const entry: Seen = { method: req.method ?? "", path: decodeURIComponent(req.url ?? ""), range: req.headers.range, answered: "forwarded", received: 0 };
    this.seen.push(entry);
    if (fault && "beforeBody" in fault) {
      entry.answered = fault.status;
      res.writeHead(fault.status, { connection: "close" }).end();
      return;
    }
    if (expectsContinue) res.writeContinue();
    req.on("data", (chunk: Buffer) => (entry.received += chunk.length));
    if (fault && "status" in fault) {
      entry.answered = fault.status;
      req.resume();
      req.on("end", () => res.writeHead(fault.status, fault.retryAfter === undefined ? {} : { "retry-after": String(fault.retryAfter) }).end());
      return;
    }
    if (fault && "drop" in fault) {
      entry.answered = "dropped";
      req.socket.destroy();
      return;
    }
    const { expect: _continue, ...forwarded } = req.headers;
    const upstream = httpRequest(
      { host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: forwarded },
      (answer) => {
        const headers = { ...answer.headers };
        if (fault && "tokenLifetime" in fault) headers["x-auth-token-expires"] = String(fault.tokenLifetime);
        if (typeof entry.answered !== "number" || entry.answered === 0) entry.answered = answer.statusCode ?? 0;
        res.writeHead(answer.statusCode ?? 502, headers);
        if (fault && "cutAfter" in fault) {
          entry.answered = "cut";
          let sent = 0;
          answer.on("data", (chunk: Buffer) => {
            const room = fault.cutAfter - sent;
            if (room > 0) res.write(chunk.subarray(0, room));
            sent += chunk.length;
            if (sent >= fault.cutAfter) {
              answer.destroy();
              res.socket?.destroy();
            }
          });
          return;
        }
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.socket?.destroy());
    if (fault && "dropInBody" in fault) {
      req.on("data", () => {
        if (entry.received < fault.dropInBody) return;
        entry.answered = "dropped";
        upstream.destroy();
        req.socket.destroy();
      });
    }
    req.pipe(upstream);
  }
}

let swift: RunningSwift;
let proxy: FaultProxy;

beforeAll(async () => {
  swift = await startSwift();
  proxy = new FaultProxy(new URL(swift.authUrl));
  await proxy.start();
});

afterAll(async () => {
  await proxy?.stop();
  await swift?.stop();
});

beforeEach(() => proxy.reset());

function driverThroughProxy(prefix: string, retry = FAST_RETRIES): StorageDriver {
  const config = parseSwiftConfig({ authurl: `${proxy.url}/auth/v1.0`, username: swift.user, password: swift.key, container: CONTAINER, prefix });
  return new CheckedDriver(new SwiftDriver(config, { client: { retry } }));
}

const MiB = 1024 * 1024;

function segmentedDriver(prefix: string, streamSegments: boolean): StorageDriver {
  const config = parseSwiftConfig({ authurl: `${proxy.url}/auth/v1.0`, username: swift.user, password: swift.key, container: CONTAINER, prefix, chunksize: MiB, streamsegments: streamSegments });
  return new CheckedDriver(new SwiftDriver(config, { client: { retry: FAST_RETRIES } }));
}

/** PUTs of segment `number` of any large object below the prefix. */
const segmentPut = (prefix: string, number: number) => (req: IncomingMessage) => {
  const path = decodeURIComponent(req.url ?? "").split("?")[0]!;
  return req.method === "PUT" && path.includes(`/${CONTAINER}/${prefix}/segments/`) && path.endsWith(`/${String(number).padStart(16, "0")}`);
};
const segmentPuts = (number: number) => proxy.seen.filter((s) => s.method === "PUT" && s.path.includes("/segments/") && s.path.endsWith(String(number).padStart(16, "0")));

/** Writes like a request body arrives: 64 KiB at a time. The first failure is returned, not thrown. */
async function writeInPieces(writer: { write(chunk: Uint8Array): Promise<void> }, content: Buffer): Promise<unknown> {
  for (let offset = 0; offset < content.length; offset += 64 * 1024) {
    const failure = await writer.write(content.subarray(offset, offset + 64 * 1024)).then(
      () => null,
      (error: unknown) => error,
    );
    if (failure !== null) return failure;
  }
  return null;
}

const objectPath = (prefix: string, path: string) => `/${CONTAINER}/${prefix}/files${path}`;
const to = (method: string, path: string) => (req: IncomingMessage) => req.method === method && decodeURIComponent(req.url ?? "").split("?")[0]!.endsWith(path);

describe("swift driver under faults", () => {
  it("retries 503, 429, Swift's 498 and dropped connections, then succeeds", async () => {
    const prefix = `retry-${randomUUID()}`;
    const driver = driverThroughProxy(prefix);
    await driver.putContent("/warm", Buffer.from("x"));
    proxy.inject(to("PUT", objectPath(prefix, "/file")), { status: 503 }, { status: 429, retryAfter: 0 }, { status: 498 }, { drop: true });
    await driver.putContent("/file", Buffer.from("arrived"));
    const puts = proxy.seen.filter((s) => s.method === "PUT" && s.path.includes("/files/file"));
    expect(puts.map((s) => s.answered)).toEqual([503, 429, 498, "dropped", 201]);
    expect((await driver.getContent("/file")).toString()).toBe("arrived");
  });

  it("gives up after its retries with StorageUnavailableError", async () => {
    const prefix = `unavailable-${randomUUID()}`;
    const driver = driverThroughProxy(prefix);
    await driver.putContent("/warm", Buffer.from("x"));
    proxy.inject(to("GET", objectPath(prefix, "/warm")), ...Array.from({ length: 10 }, () => ({ status: 503 })));
    await expect(driver.getContent("/warm")).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(proxy.seen.filter((s) => s.method === "GET" && s.path.includes("/files/warm")).length).toBe(FAST_RETRIES.maxRetries + 1);
  });

  it("never retries a client's mistake", async () => {
    const prefix = `mistake-${randomUUID()}`;
    const driver = driverThroughProxy(prefix);
    await driver.putContent("/warm", Buffer.from("x"));
    proxy.inject(to("PUT", objectPath(prefix, "/forbidden")), { status: 403 }, { status: 403 });
    const failure = await driver.putContent("/forbidden", Buffer.from("x")).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SwiftHttpError);
    expect((failure as SwiftHttpError).status).toBe(403);
    expect(proxy.seen.filter((s) => s.method === "PUT" && s.path.includes("/files/forbidden")).length).toBe(1);
  });

  it("logs in again when Swift refuses the token, and before a token expires", async () => {
    const prefix = `token-${randomUUID()}`;
    const driver = driverThroughProxy(prefix);
    await driver.putContent("/a", Buffer.from("1"));
    await swift.expireTokens();
    await driver.putContent("/b", Buffer.from("2"));
    const logins = () => proxy.seen.filter((s) => s.path.startsWith("/auth/")).length;
    expect(logins()).toBe(2);
    expect(proxy.seen.some((s) => s.answered === 401)).toBe(true);

    // A token that lives one second is renewed halfway, before Swift could refuse it.
    const shortLived = driverThroughProxy(`${prefix}-short`);
    proxy.reset();
    proxy.inject((req) => (req.url ?? "").startsWith("/auth/"), { tokenLifetime: 1 });
    await shortLived.putContent("/c", Buffer.from("3"));
    await new Promise((r) => setTimeout(r, 600));
    await shortLived.putContent("/d", Buffer.from("4"));
    expect(logins()).toBe(2);
    expect(proxy.seen.some((s) => s.answered === 401)).toBe(false);
  });

  it("a move cut off before the source is deleted leaves the destination whole when the source goes later", async () => {
    // A replica killed between the two steps of a move (CI saw docker pull a layer that failed
    // verification): the upload's cleanup must not take the segments the blob now names.
    const prefix = `move-${randomUUID()}`;
    const config = parseSwiftConfig({ authurl: `${proxy.url}/auth/v1.0`, username: swift.user, password: swift.key, container: CONTAINER, prefix, chunksize: 1024 * 1024 });
    const driver = new CheckedDriver(new SwiftDriver(config, { client: { retry: FAST_RETRIES } }));
    const content = randomBytes(2_500_000);
    const writer = await driver.writer("/uploads/x/data");
    await writer.write(content);
    await writer.commit();
    proxy.inject(to("DELETE", objectPath(prefix, "/uploads/x/data")), ...Array.from({ length: FAST_RETRIES.maxRetries + 1 }, () => ({ status: 503 })));
    await expect(driver.move("/uploads/x/data", "/blobs/b/data")).rejects.toBeInstanceOf(StorageUnavailableError);
    await driver.delete("/uploads/x");
    const chunks: Buffer[] = [];
    for await (const chunk of await driver.reader("/blobs/b/data", 0)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(content), "the moved file after its source was deleted").toBe(true);
  });

  it("resumes a read cut off mid-stream from where it stopped", async () => {
    const prefix = `resume-${randomUUID()}`;
    const driver = driverThroughProxy(prefix);
    const content = randomBytes(3 * 1024 * 1024);
    await driver.putContent("/big", content);
    proxy.inject(to("GET", objectPath(prefix, "/big")), { cutAfter: 1_000_000 });
    const chunks: Buffer[] = [];
    for await (const chunk of await driver.reader("/big", 100)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(content.subarray(100))).toBe(true);
    const gets = proxy.seen.filter((s) => s.method === "GET" && s.path.includes("/files/big"));
    expect(gets.map((s) => s.answered)).toEqual(["cut", 206]);
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(gets[1]!.range ?? "")?.[1]);
    expect(resumedAt).toBeGreaterThan(100);
    expect(resumedAt).toBeLessThanOrEqual(1_000_100);
  });

  it("a streamed segment refused before its body is sent again, and the file is whole", async () => {
    const prefix = `refused-${randomUUID()}`;
    const driver = segmentedDriver(prefix, true);
    const content = randomBytes(2.5 * MiB);
    proxy.inject(segmentPut(prefix, 2), { status: 503, beforeBody: true }, { status: 498, beforeBody: true });
    const writer = await driver.writer("/file");
    expect(await writeInPieces(writer, content)).toBeNull();
    await writer.commit();
    expect((await driver.getContent("/file")).equals(content)).toBe(true);
    expect(segmentPuts(2).map((s) => s.answered)).toEqual([503, 498, 201]);
    expect(segmentPuts(2).map((s) => s.received)).toEqual([0, 0, MiB]);
  });

  it("a streamed segment cut off mid-body fails the write; close() keeps the segments before it, and an append resumes there", async () => {
    const prefix = `cut-${randomUUID()}`;
    const driver = segmentedDriver(prefix, true);
    const content = randomBytes(2.5 * MiB);
    proxy.inject(segmentPut(prefix, 2), { dropInBody: 300_000 });
    const writer = await driver.writer("/upload", { append: true });
    const failure = await writeInPieces(writer, content);
    expect(failure).toBeInstanceOf(StorageUnavailableError);
    expect(String(failure)).toMatch(/failed while being sent/);
    expect(writer.size, "only the stored segment counts").toBe(MiB);
    await writer.close();
    // Sent once: a body partly sent cannot be sent again.
    expect(segmentPuts(2).map((s) => s.answered)).toEqual(["dropped"]);
    expect((await driver.stat("/upload")).size).toBe(MiB);

    const resumed = await driver.writer("/upload", { append: true });
    expect(resumed.size).toBe(MiB);
    expect(await writeInPieces(resumed, content.subarray(MiB))).toBeNull();
    await resumed.commit();
    expect((await driver.getContent("/upload")).equals(content)).toBe(true);
  });

  it("commit() is all or nothing: a last streamed segment failing after its body leaves the path as it was, and no segments", async () => {
    const prefix = `commit-${randomUUID()}`;
    const driver = segmentedDriver(prefix, true);
    await driver.putContent("/kept", Buffer.from("old content"));
    proxy.inject(segmentPut(prefix, 2), { status: 503 });
    const writer = await driver.writer("/kept");
    expect(await writeInPieces(writer, randomBytes(1.5 * MiB))).toBeNull();
    await expect(writer.commit()).rejects.toBeInstanceOf(StorageUnavailableError);
    expect((await driver.getContent("/kept")).toString()).toBe("old content");
    expect(await (await inspectSwift(swift)).list(CONTAINER, `${prefix}/segments/`)).toEqual([]);
  });

  it("with streamsegments false, a segment failing after its body is sent again from memory", async () => {
    const prefix = `gathered-${randomUUID()}`;
    const driver = segmentedDriver(prefix, false);
    const content = randomBytes(2.5 * MiB);
    proxy.inject(segmentPut(prefix, 2), { status: 503 }, { drop: true });
    const writer = await driver.writer("/file");
    expect(await writeInPieces(writer, content)).toBeNull();
    await writer.commit();
    expect((await driver.getContent("/file")).equals(content)).toBe(true);
    expect(segmentPuts(2).map((s) => s.answered)).toEqual([503, "dropped", 201]);
  });

  it("Berth answers 503 UNAVAILABLE while Swift keeps failing, and serves again once it recovers", async () => {
    const prefix = `berth-${randomUUID()}`;
    const berth = await startBerth({
      env: { ...swiftRegistryEnv(swift, { container: CONTAINER, prefix, authUrl: `${proxy.url}/auth/v1.0` }), REGISTRY_STORAGE_REDIRECT_DISABLE: "true" },
    });
    try {
      const startUpload = () => fetch(`${berth.url}/v2/library/app/blobs/uploads/`, { method: "POST" });
      proxy.inject((req) => (req.url ?? "").includes(`/${prefix}/files/`), ...Array.from({ length: 40 }, () => ({ status: 503 })));
      const failing = await startUpload();
      expect(failing.status).toBe(503);
      expect(((await failing.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe("UNAVAILABLE");
      proxy.reset();
      expect((await startUpload()).status).toBe(202);
    } finally {
      await berth.stop();
    }
    const stored = (await (await inspectSwift(swift)).list(CONTAINER, `${prefix}/files/docker/registry/v2/repositories/library/app/_uploads/`)).map((o) => o.name);
    // Only the upload that succeeded was stored: its startedat and (empty) data.
    expect(stored.map((name) => name.split("/").pop()).sort()).toEqual(["data", "startedat"]);
  });
});
