import { constants, PerformanceObserver } from "node:perf_hooks";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { COLLECT_EVERY, noteBlobBytes } from "./young-garbage.js";

/** Young-generation collections V8 reports while `during` runs (entries arrive a moment later). */
async function minorCollections(during: () => void): Promise<number> {
  const kinds: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) kinds.push((entry as unknown as { detail: { kind: number } }).detail.kind);
  });
  observer.observe({ entryTypes: ["gc"] });
  during();
  await new Promise((resolve) => setTimeout(resolve, 100));
  observer.disconnect();
  return kinds.filter((kind) => kind === constants.NODE_PERFORMANCE_GC_MINOR).length;
}

describe("noteBlobBytes", () => {
  it("collects the young generation each time COLLECT_EVERY more bytes have been written", async () => {
    noteBlobBytes(COLLECT_EVERY); // sets the collector up, whatever was counted before
    expect(await minorCollections(() => noteBlobBytes(COLLECT_EVERY))).toBeGreaterThanOrEqual(1);
    expect(await minorCollections(() => Array.from({ length: 10 }, () => noteBlobBytes(COLLECT_EVERY)))).toBeGreaterThanOrEqual(10);
  });

  it("leaves gc() out of other contexts", () => {
    expect(runInNewContext("typeof gc")).toBe("undefined");
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe("undefined");
  });
});
