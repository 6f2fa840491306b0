/**
 * The append-blob writer on azurite: resuming from what storage holds after a restart, abort()
 * undoing exactly this writer's bytes however many blocks reached the blob, and never leaving a
 * snapshot behind.
 */
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { StorageDriver } from "../driver.js";
import { azureDriver, expectNothingLeftBehind, parametersFor, rawBlobs, rawContainer, uniqueName, useAzurite } from "./azurite-fixture.js";

const azurite = useAzurite();
const MiB = 1024 * 1024;
const BLOCK = MiB;

async function fresh(): Promise<{ driver: StorageDriver; restart: () => StorageDriver; done: () => Promise<void>; raw: ReturnType<typeof rawContainer> }> {
  const server = await azurite();
  const container = uniqueName("writer");
  const parameters = parametersFor(server, { container });
  const driver = azureDriver(parameters, { blockSize: BLOCK });
  const raw = rawContainer(server, container);
  return {
    driver,
    raw,
    restart: () => azureDriver(parameters, { blockSize: BLOCK }),
    done: async () => {
      await expectNothingLeftBehind(driver, raw, "", (path) => path);
      await raw.delete();
    },
  };
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

describe("azure writer", () => {
  it("resumes after a restart from the bytes storage holds", async () => {
    const { driver, restart, done } = await fresh();
    const first = randomBytes(2 * BLOCK + 5000);
    const writer = await driver.writer("/up/data", { append: true });
    await writer.write(first);
    // The process dies here: whole blocks reached the blob, the last 5000 bytes never left memory.
    const afterRestart = restart();
    const resumed = await afterRestart.writer("/up/data", { append: true });
    expect(resumed.size).toBe(2 * BLOCK);
    const rest = randomBytes(3 * BLOCK + 17);
    await resumed.write(rest);
    await resumed.commit();
    const expected = Buffer.concat([first.subarray(0, 2 * BLOCK), rest]);
    expect(sha256(await afterRestart.getContent("/up/data"))).toBe(sha256(expected));
    await done();
  });

  it("aborts back to the old bytes after blocks reached an append blob", async () => {
    const { driver, raw, done } = await fresh();
    const old = randomBytes(BLOCK + 10);
    const writer = await driver.writer("/a/data");
    await writer.write(old);
    await writer.commit();
    const aborted = await driver.writer("/a/data", { append: true });
    await aborted.write(randomBytes(3 * BLOCK));
    expect(aborted.size).toBe(old.length + 3 * BLOCK);
    await aborted.abort();
    expect((await driver.getContent("/a/data")).equals(old)).toBe(true);
    expect(await rawBlobs(raw, "/a/")).toEqual([{ name: "/a/data", snapshot: undefined, blobType: "AppendBlob", size: old.length }]);
    // ...and appending goes on from there.
    const next = await driver.writer("/a/data", { append: true });
    expect(next.size).toBe(old.length);
    await next.write(Buffer.from("tail"));
    await next.commit();
    expect((await driver.getContent("/a/data")).subarray(old.length).toString()).toBe("tail");
    await done();
  });

  it("aborts a fresh writer over an existing file back to that file, and over nothing back to nothing", async () => {
    const { driver, raw, done } = await fresh();
    const kept = randomBytes(BLOCK + 1);
    await driver.putContent("/b/file", kept);
    const replacing = await driver.writer("/b/file");
    expect(replacing.size).toBe(0);
    await replacing.write(randomBytes(2 * BLOCK));
    await replacing.abort();
    expect((await driver.getContent("/b/file")).equals(kept)).toBe(true);
    expect(await rawBlobs(raw, "/b/")).toEqual([{ name: "/b/file", snapshot: undefined, blobType: "BlockBlob", size: kept.length }]);

    const creating = await driver.writer("/b/new", { append: true });
    await creating.write(randomBytes(2 * BLOCK));
    await creating.abort();
    expect(await rawBlobs(raw, "/b/new")).toEqual([]);
    await done();
  });

  it("carries a block blob's bytes into an append blob when appending to it, and aborts that too", async () => {
    const { driver, raw, done } = await fresh();
    const links = Buffer.from("sha256:0123");
    await driver.putContent("/c/file", links);
    const aborted = await driver.writer("/c/file", { append: true });
    await aborted.write(randomBytes(BLOCK));
    await aborted.abort();
    expect(await driver.getContent("/c/file")).toEqual(links);
    const appending = await driver.writer("/c/file", { append: true });
    expect(appending.size).toBe(links.length);
    await appending.write(Buffer.from("+more"));
    await appending.commit();
    expect((await driver.getContent("/c/file")).toString()).toBe("sha256:0123+more");
    expect((await rawBlobs(raw, "/c/"))[0]?.blobType).toBe("AppendBlob");
    await done();
  });

  it("close keeps what was written, cancel removes the file and its restore point", async () => {
    const { driver, raw, done } = await fresh();
    const writer = await driver.writer("/d/data", { append: true });
    await writer.write(randomBytes(BLOCK + 3));
    await writer.close();
    expect((await driver.stat("/d/data")).size).toBe(BLOCK + 3);
    const cancelled = await driver.writer("/d/data", { append: true });
    await cancelled.write(randomBytes(2 * BLOCK));
    await cancelled.cancel();
    expect(await rawBlobs(raw, "/d/")).toEqual([]);
    await expect(writer.write(Buffer.from("x"))).rejects.toThrow(/already closed/);
    await done();
  });

  it("(the after-test check itself) notices a snapshot left behind", async () => {
    const { driver, raw, done } = await fresh();
    await driver.putContent("/f/file", Buffer.from("x"));
    const { snapshot } = await raw.getBlobClient("/f/file").createSnapshot();
    await expect(done()).rejects.toThrow(/snapshots left behind/);
    await raw.getBlobClient("/f/file").withSnapshot(snapshot ?? "").delete();
    await driver.putContent("/f/file", Buffer.from("x"));
    await done();
  });

  it("refuses to interleave with another writer appending to the same blob", async () => {
    const { driver, done } = await fresh();
    await driver.putContent("/e/data", Buffer.alloc(0));
    const one = await driver.writer("/e/data", { append: true });
    await one.write(Buffer.alloc(BLOCK, 1));
    const two = await driver.writer("/e/data", { append: true });
    expect(two.size).toBe(BLOCK);
    await one.write(Buffer.alloc(BLOCK, 2));
    await two.write(Buffer.alloc(10, 3));
    await expect(two.commit()).rejects.toThrow(/append position/i);
    await one.commit();
    const stored = await driver.getContent("/e/data");
    expect(stored.length).toBe(2 * BLOCK);
    expect(stored[BLOCK]).toBe(2);
    await done();
  });
});
