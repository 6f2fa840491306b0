import { describe, expect, it } from "vitest";
import { advantage, evaluate, formatNumber, formatRatio, formatTable, mean, median } from "./evaluate.js";

describe("statistics", () => {
  it("median of odd and even counts, unsorted input", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });
  it("mean", () => {
    expect(mean([1, 2, 6])).toBe(3);
  });
});

describe("advantage", () => {
  it("is Berth/ref when higher is better and ref/Berth when lower is better", () => {
    expect(advantage("higher", 300, 100)).toBe(3);
    expect(advantage("lower", 10, 40)).toBe(4);
    expect(advantage("lower", 40, 10)).toBe(0.25);
  });
  it("is null when a figure is missing and handles zeros", () => {
    expect(advantage("higher", null, 1)).toBeNull();
    expect(advantage("higher", 1, Number.NaN)).toBeNull();
    expect(advantage("higher", 5, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(advantage("lower", 0, 0)).toBe(1);
  });
});

describe("the table", () => {
  it("formats figures and ratios", () => {
    expect(formatNumber(1234.56)).toBe("1235");
    expect(formatNumber(123.456)).toBe("123.5");
    expect(formatNumber(1.23456)).toBe("1.235");
    expect(formatNumber(null)).toBe("n/a");
    expect(formatRatio(2)).toBe("2.00×");
    expect(formatRatio(Number.POSITIVE_INFINITY)).toBe("∞");
  });
  it("has one line per row under a header, with the better direction", () => {
    const row = evaluate({ id: "x", label: "pull 64 MiB", unit: "MB/s", better: "higher" }, 200, 100);
    expect(row.ratio).toBe(2);
    const lines = formatTable([row]).split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^scenario\s+\| unit\s+\| better \|\s+Berth \| registry:2 \| ratio$/);
    expect(lines[2]).toMatch(/^pull 64 MiB \| MB\/s \| higher \|\s+200\.0 \|\s+100\.0 \|\s+2\.00×$/);
  });
});
