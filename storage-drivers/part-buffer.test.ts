import { describe, expect, it } from "vitest";
import { PartBuffer } from "./part-buffer.js";

const bytes = (...values: number[]) => Uint8Array.from(values);

describe("PartBuffer", () => {
  it("gathers chunks into parts of its capacity, flushing each full one, and keeps the rest for the next", async () => {
    const part = new PartBuffer(4);
    const sent: number[][] = [];
    const flush = async () => {
      sent.push([...part.bytes()]);
      part.clear();
    };
    await part.gather(bytes(1, 2, 3), flush);
    await part.gather(bytes(4, 5, 6, 7, 8, 9, 10), flush);
    expect(sent).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    expect([...part.bytes()]).toEqual([9, 10]);
    expect(part.total).toBe(10);
  });

  it("copies chunks, so a caller may reuse its buffer, and reuses one buffer for every part", async () => {
    const part = new PartBuffer(3);
    const chunk = bytes(1, 2);
    part.fill(chunk);
    chunk.fill(0);
    expect([...part.bytes()]).toEqual([1, 2]);
    const first = part.bytes().buffer;
    part.clear();
    part.fill(bytes(7));
    expect(part.bytes().buffer).toBe(first);
    expect([...part.bytes()]).toEqual([7]);
  });

  it("keeps its bytes and takes no more of the chunk when a flush fails", async () => {
    const part = new PartBuffer(2);
    await expect(part.gather(bytes(1, 2, 3, 4, 5), () => Promise.reject(new Error("store down")))).rejects.toThrow("store down");
    expect([...part.bytes()]).toEqual([1, 2]);
    expect(part.total).toBe(2);
    expect(part.fill(bytes(9))).toBe(0);
  });

  it("allocates nothing until the first byte, and lets its memory go on release", () => {
    const part = new PartBuffer(64 * 1024 * 1024);
    expect(part.bytes().length).toBe(0);
    part.fill(bytes(1));
    part.release();
    expect(part.length).toBe(0);
    expect(part.bytes().length).toBe(0);
    expect(part.total).toBe(1);
  });

  it("refuses a capacity that is not a positive integer", () => {
    expect(() => new PartBuffer(0)).toThrow(RangeError);
    expect(() => new PartBuffer(1.5)).toThrow(RangeError);
  });
});
