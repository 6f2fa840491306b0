/**
 * The driver against azurite through a proxy that fails requests the ways a loaded blob service
 * does: transient failures are retried with backoff until they pass or run out (then
 * StorageUnavailableError), client mistakes are not retried, a retried append or delete whose
 * first try landed is recognised, a download cut short resumes, and a move copies server-side.
 */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { StorageDriver } from "../driver.js";
import { PathNotFoundError, StorageError, StorageUnavailableError } from "../errors.js";
import { azureDriver, parametersFor, rawContainer, uniqueName, useAzurite } from "./azurite-fixture.js";
import { FaultProxy } from "../../e2e/harness/fault-proxy.js";

const azurite = useAzurite();
const MiB = 1024 * 1024;
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** The per-attempt deadline of the driver the deadline tests use; the others get a generous one, so a slow (loaded) azurite is not mistaken for a silent one. */
const SHORT_DEADLINE_MS = 1_500;

let proxy: FaultProxy;
let driver: StorageDriver;
let shortDeadline: StorageDriver;
const delays: number[] = [];
const container = uniqueName("faults");

beforeAll(async () => {
  const server = await azurite();
  proxy = await FaultProxy.start(new URL(server.serviceUrl));
  const serviceUrl = `http://127.0.0.1:${proxy.port}/${server.accountName}`;
  const withDeadline = (attemptTimeoutMs: number) =>
    azureDriver(parametersFor(server, { container, max_retries: 3, retry_delay: "20ms" }, serviceUrl), {
      sleep: async (ms) => void delays.push(ms),
      attemptTimeoutMs,
    });
  driver = withDeadline(30_000);
  shortDeadline = withDeadline(SHORT_DEADLINE_MS);
  await driver.putContent("/warm", Buffer.from("container created"));
  // Each driver makes sure of its container on its first write: done here, not in a test.
  await shortDeadline.putContent("/warm", Buffer.from("container created"));
});

afterAll(async () => {
  await proxy?.close();
  await rawContainer(await azurite(), container).deleteIfExists();
});

beforeEach(() => {
  proxy.reset();
  delays.length = 0;
});

const isAppend = (method: string, url: string) => method === "PUT" && url.includes("comp=appendblock");

describe("azure driver under faults", () => {
  it("retries throttling and server errors with jittered backoff until the call passes", async () => {
    proxy.inject({ kind: "status", status: 503, code: "ServerBusy" }, { times: 2 });
    proxy.inject({ kind: "status", status: 500, code: "OperationTimedOut" });
    await driver.putContent("/retried", Buffer.from("landed"));
    expect(proxy.seen.map((request) => request.fault ?? "passed")).toEqual(["status", "status", "status", "passed"]);
    expect(delays).toHaveLength(3);
    delays.forEach((delay, retry) => expect(delay).toBeLessThan(20 * 2 ** retry));
    expect((await driver.getContent("/retried")).toString()).toBe("landed");
  });

  it("retries dropped connections", async () => {
    proxy.inject({ kind: "reset" }, { times: 2 });
    expect((await driver.getContent("/warm")).toString()).toBe("container created");
    expect(proxy.seen.filter((request) => request.fault === "reset")).toHaveLength(2);
  });

  it("gives up waiting on a connection that went silent, and tries again", async () => {
    proxy.inject({ kind: "hang" }, { match: (method) => method === "PUT" });
    const started = Date.now();
    await shortDeadline.putContent("/after-silence", Buffer.from("answered"));
    expect(Date.now() - started).toBeGreaterThanOrEqual(SHORT_DEADLINE_MS - 50);
    expect(proxy.seen.filter((request) => request.method === "PUT").map((request) => request.fault ?? "passed")).toEqual(["hang", "passed"]);
    expect((await driver.getContent("/after-silence")).toString()).toBe("answered");
  });

  it("gives StorageUnavailableError when the retries run out, and changes nothing", async () => {
    proxy.inject({ kind: "status", status: 503, code: "ServerBusy" }, { times: 100 });
    const failed = driver.putContent("/never", Buffer.from("x"));
    await expect(failed).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(failed).rejects.toThrow(/write \/never failed after 4 attempts/);
    expect(proxy.seen).toHaveLength(4);
    proxy.reset();
    await expect(driver.stat("/never")).rejects.toBeInstanceOf(PathNotFoundError);
  });

  it("never retries a client's mistake", async () => {
    proxy.inject({ kind: "status", status: 403, code: "AuthenticationFailed" });
    const failed = driver.getContent("/warm");
    await expect(failed).rejects.toBeInstanceOf(StorageError);
    await expect(failed).rejects.not.toBeInstanceOf(StorageUnavailableError);
    expect(proxy.seen).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it("recognises a retried append whose first try landed, writing no byte twice", async () => {
    const data = randomBytes(9 * MiB);
    const writer = await driver.writer("/appended", { append: true });
    proxy.inject({ kind: "lose-answer" }, { times: 2, match: isAppend });
    await writer.write(data);
    await writer.commit();
    expect(proxy.seen.filter((request) => request.fault === "lose-answer")).toHaveLength(2);
    const stored = await driver.getContent("/appended");
    expect(stored.length).toBe(data.length);
    expect(sha256(stored)).toBe(sha256(data));
  });

  it("recognises a retried delete whose first try landed", async () => {
    await driver.putContent("/doomed/file", Buffer.from("x"));
    proxy.inject({ kind: "lose-answer" }, { match: (method) => method === "DELETE" });
    await driver.delete("/doomed");
    await expect(driver.stat("/doomed")).rejects.toBeInstanceOf(PathNotFoundError);
  });

  it("resumes a download cut short, from where it broke", async () => {
    const data = randomBytes(8 * MiB + 77);
    await driver.putContent("/large", data);
    proxy.inject({ kind: "cut-body", afterBytes: 3 * MiB }, { match: (method) => method === "GET" });
    const back = createHash("sha256");
    let length = 0;
    for await (const chunk of await driver.reader("/large", 5)) {
      back.update(chunk as Buffer);
      length += (chunk as Buffer).length;
    }
    expect(length).toBe(data.length - 5);
    expect(back.digest("hex")).toBe(sha256(data.subarray(5)));
    expect(proxy.seen.filter((request) => request.method === "GET")).toHaveLength(2);
  });

  it("lets a download stream as long as its reader takes: the deadline covers only the wait for the answer", async () => {
    const data = randomBytes(2 * MiB);
    await driver.putContent("/slow", data);
    const back = createHash("sha256");
    const started = Date.now();
    for await (const chunk of await shortDeadline.reader("/slow")) {
      back.update(chunk as Buffer);
      if (Date.now() - started < SHORT_DEADLINE_MS + 700) await new Promise((r) => setTimeout(r, 200));
    }
    expect(Date.now() - started).toBeGreaterThan(SHORT_DEADLINE_MS + 500);
    expect(back.digest("hex")).toBe(sha256(data));
    expect(proxy.seen.filter((request) => request.method === "GET")).toHaveLength(1);
  });

  it("moves with a server-side copy: the bytes never pass through Berth", async () => {
    const data = randomBytes(8 * MiB);
    await driver.putContent("/move/source", data);
    proxy.reset();
    await driver.move("/move/source", "/move/dest");
    expect(proxy.bytesForwarded).toBeLessThan(64 * 1024);
    expect(proxy.seen.some((request) => request.method === "GET" && !request.url.includes("comp="))).toBe(false);
    expect(sha256(await driver.getContent("/move/dest"))).toBe(sha256(data));
    await expect(driver.stat("/move/source")).rejects.toBeInstanceOf(PathNotFoundError);
  });
});
