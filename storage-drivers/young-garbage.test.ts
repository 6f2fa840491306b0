import { constants, PerformanceObserver } from "node:perf_hooks";
import { runInNewContext } from "node:vm";
import { beforeAll, describe, expect, it } from "vitest";
import type { FileWriter } from "./driver.js";
import { CheckedDriver } from "./checked.js";
import { InMemoryDriver } from "./inmemory/driver.js";
import { COLLECT_EVERY, FULL_COLLECT_EVERY, noteBlobBytes, noteObjectStoreRead, noteObjectStoreWrite, OBJECT_STORE_COLLECT_EVERY } from "./young-garbage.js";

/** Collections of `kind` V8 reports while `during` runs (entries arrive a moment later). */
async function collections(during: () => void, kind = constants.NODE_PERFORMANCE_GC_MINOR): Promise<number> {
  const kinds: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) kinds.push((entry as unknown as { detail: { kind: number } }).detail.kind);
  });
  observer.observe({ entryTypes: ["gc"] });
  during();
  await new Promise((resolve) => setTimeout(resolve, 100));
  observer.disconnect();
  return kinds.filter((seen) => seen === kind).length;
}

describe("noteBlobBytes", () => {
  it("collects the young generation each time COLLECT_EVERY more bytes have been written", async () => {
    noteBlobBytes(COLLECT_EVERY); // sets the collector up, whatever was counted before
    expect(await collections(() => noteBlobBytes(COLLECT_EVERY))).toBeGreaterThanOrEqual(1);
    expect(await collections(() => Array.from({ length: 10 }, () => noteBlobBytes(COLLECT_EVERY)))).toBeGreaterThanOrEqual(10);
  });

  it("never collects the whole heap, however many bytes are read", async () => {
    // Few, large counts: many forced young collections in a row can promote enough for V8 to start a full one itself.
    expect(await collections(() => Array.from({ length: 3 }, () => noteObjectStoreRead(FULL_COLLECT_EVERY)), constants.NODE_PERFORMANCE_GC_MAJOR)).toBe(0);
  });

  it("leaves gc() out of other contexts", () => {
    expect(runInNewContext("typeof gc")).toBe("undefined");
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe("undefined");
  });
});

describe("noteObjectStoreWrite", () => {
  it("collects the whole heap each time FULL_COLLECT_EVERY more bytes have been written, and the young generation every OBJECT_STORE_COLLECT_EVERY", async () => {
    noteObjectStoreWrite(FULL_COLLECT_EVERY); // whatever was counted before
    const major = constants.NODE_PERFORMANCE_GC_MAJOR;
    expect(await collections(() => noteObjectStoreWrite(FULL_COLLECT_EVERY - 1), major)).toBe(0);
    expect(await collections(() => noteObjectStoreWrite(1), major)).toBe(1);
    expect(await collections(() => Array.from({ length: 3 }, () => noteObjectStoreWrite(FULL_COLLECT_EVERY)), major)).toBe(3);
    expect(await collections(() => Array.from({ length: 10 }, () => noteObjectStoreWrite(OBJECT_STORE_COLLECT_EVERY)))).toBeGreaterThanOrEqual(10);
  });
});

describe("CheckedDriver's writers", () => {
  // Few writes, so few young collections (see above); allocated ahead, since 128 MiB of new
  // external memory may make V8 start a full collection itself.
  let chunk: Uint8Array;
  beforeAll(async () => {
    chunk = new Uint8Array(FULL_COLLECT_EVERY / 4);
    await collections(() => undefined);
  });

  /** Full collections while FULL_COLLECT_EVERY bytes go through a checked writer that drops them. */
  async function fullCollectionsWriting(objectStore: boolean): Promise<number> {
    const inner = new InMemoryDriver();
    const discarding: FileWriter = { size: 0, write: async () => undefined, commit: async () => undefined, close: async () => undefined, abort: async () => undefined, cancel: async () => undefined };
    inner.writer = async () => discarding;
    const writer = await new CheckedDriver(inner, { objectStore }).writer("/upload");
    let writes: Promise<void>[] = [];
    const major = await collections(() => {
      writes = Array.from({ length: 4 }, () => writer.write(chunk));
    }, constants.NODE_PERFORMANCE_GC_MAJOR);
    await Promise.all(writes);
    return major;
  }

  it("force full collections for object stores only", async () => {
    expect(await fullCollectionsWriting(true)).toBe(1);
    expect(await fullCollectionsWriting(false)).toBe(0);
  });
});
