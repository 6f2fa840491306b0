import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BLOCK_SIZE, PatternBlob, chunkRanges } from "./data.js";

const concat = (parts: Iterable<Buffer>) => Buffer.concat([...parts]);

describe("PatternBlob", () => {
  it("is deterministic per seed and differs between seeds and blocks", () => {
    const a = new PatternBlob(7, 3 * BLOCK_SIZE);
    expect(concat(a.chunks()).equals(concat(new PatternBlob(7, 3 * BLOCK_SIZE).chunks()))).toBe(true);
    expect(a.block(0).equals(new PatternBlob(8, 3 * BLOCK_SIZE).block(0))).toBe(false);
    expect(a.block(0).equals(a.block(1))).toBe(false);
  });

  it("yields exactly `size` bytes, in blocks of at most one MiB, for any range", () => {
    const blob = new PatternBlob(1, 2 * BLOCK_SIZE + 123);
    const whole = concat(blob.chunks());
    expect(whole.length).toBe(blob.size);
    expect([...blob.chunks()].every((chunk) => chunk.length <= BLOCK_SIZE)).toBe(true);
    const start = BLOCK_SIZE - 5;
    const end = 2 * BLOCK_SIZE + 7;
    expect(concat(blob.chunks(start, end)).equals(whole.subarray(start, end))).toBe(true);
    expect(() => [...blob.chunks(0, blob.size + 1)]).toThrow(RangeError);
  });

  it("digests what it yields", () => {
    const blob = new PatternBlob(3, BLOCK_SIZE + 10);
    const expected = `sha256:${createHash("sha256").update(concat(blob.chunks())).digest("hex")}`;
    expect(blob.digest()).toBe(expected);
  });

  it("handles empty and tiny blobs", () => {
    expect(concat(new PatternBlob(1, 0).chunks()).length).toBe(0);
    expect(concat(new PatternBlob(1, 3).chunks()).length).toBe(3);
  });
});

describe("chunkRanges", () => {
  it("covers [0, size) in consecutive ranges, the last one shorter", () => {
    expect(chunkRanges(10, 4)).toEqual([
      [0, 4],
      [4, 8],
      [8, 10],
    ]);
    expect(chunkRanges(0, 4)).toEqual([]);
    expect(() => chunkRanges(10, 0)).toThrow(RangeError);
  });
});
