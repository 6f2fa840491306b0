import { describe, expect, it } from "vitest";
import { carryRanges, carryStrategy, checkPartNumber, copyRanges, GiB, MAX_COPY_SIZE, MAX_PART_SIZE, MAX_PARTS, MiB, MIN_PART_SIZE, needsMultipartCopy, rangeHeader, type ByteRange } from "./parts.js";

/** The ranges follow each other without gap or overlap from the first byte to the last. */
function covers(ranges: ByteRange[], size: number): void {
  const gaps = ranges.filter((range, i) => range.start !== (i === 0 ? 0 : ranges[i - 1]!.end + 1));
  expect(gaps).toEqual([]);
  expect(ranges.at(-1)!.end).toBe(size - 1);
}

const length = (range: ByteRange) => range.end - range.start + 1;

describe("S3 part arithmetic", () => {
  it("carries small content by reading it back and larger content by server-side copy", () => {
    expect(carryStrategy(0)).toBe("none");
    expect(carryStrategy(1)).toBe("read");
    expect(carryStrategy(MIN_PART_SIZE - 1)).toBe("read");
    expect(carryStrategy(MIN_PART_SIZE)).toBe("copy");
  });

  it("carries content over 5 GiB in even copy parts, each within AWS's 5 MiB – 5 GiB", () => {
    expect(carryRanges(MIN_PART_SIZE)).toEqual([{ start: 0, end: MIN_PART_SIZE - 1 }]);
    expect(carryRanges(MAX_COPY_SIZE)).toHaveLength(1);
    for (const size of [MAX_COPY_SIZE + 1, 2 * MAX_COPY_SIZE, 2 * MAX_COPY_SIZE + 7, 23 * GiB + 12_345]) {
      const ranges = carryRanges(size);
      expect(ranges).toHaveLength(Math.ceil(size / MAX_COPY_SIZE));
      covers(ranges, size);
      for (const range of ranges) {
        expect(length(range)).toBeLessThanOrEqual(MAX_COPY_SIZE);
        expect(length(range)).toBeGreaterThanOrEqual(MIN_PART_SIZE);
      }
    }
    expect(() => carryRanges(MIN_PART_SIZE - 1)).toThrow(RangeError);
  });

  it("moves by CopyObject up to the threshold and never above 5 GiB", () => {
    expect(needsMultipartCopy(32 * MiB, 32 * MiB)).toBe(false);
    expect(needsMultipartCopy(32 * MiB + 1, 32 * MiB)).toBe(true);
    expect(needsMultipartCopy(MAX_COPY_SIZE, MAX_PART_SIZE)).toBe(false);
    expect(needsMultipartCopy(MAX_COPY_SIZE + 1, MAX_PART_SIZE)).toBe(true);
  });

  it("copies in chunks of multipartcopychunksize, growing them to stay within 10,000 parts", () => {
    const ranges = copyRanges(100 * MiB + 5, 32 * MiB);
    expect(ranges.map(length)).toEqual([32 * MiB, 32 * MiB, 32 * MiB, 4 * MiB + 5]);
    covers(ranges, 100 * MiB + 5);
    const huge = 5 * 1024 * GiB; // S3's largest object, 5 TiB
    const parts = copyRanges(huge, 32 * MiB);
    expect(parts.length).toBeLessThanOrEqual(MAX_PARTS);
    covers(parts, huge);
    expect(Math.max(...parts.map(length))).toBeLessThanOrEqual(MAX_PART_SIZE);
  });

  it("refuses part 10,001 with the reason and the key to change", () => {
    expect(() => checkPartNumber(MAX_PARTS, 10 * MiB)).not.toThrow();
    expect(() => checkPartNumber(MAX_PARTS + 1, 10 * MiB)).toThrow(/at most 10000 parts.*storage\.s3\.chunksize/);
    expect(rangeHeader({ start: 5, end: 9 })).toBe("bytes=5-9");
  });
});
