import { describe, expect, it } from "vitest";
import { parseGoDuration } from "./duration.js";

describe("parseGoDuration", () => {
  it.each([
    ["168h", 168 * 3_600_000],
    ["24h", 86_400_000],
    ["30s", 30_000],
    ["1h30m", 5_400_000],
    ["500ms", 500],
    ["1.5s", 1_500],
    [".5s", 500],
    ["1m30s500ms", 90_500],
    ["250us", 0.25],
    ["250µs", 0.25],
    ["1000000ns", 1],
    ["0", 0],
    ["-1s", -1_000],
    ["+2m", 120_000],
  ])("%s → %d ms", (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each(["", "10", "1d", "s", "1h 30m", "1.5", "h1", "1hh", "--1s", "1e3s"])("rejects %j", (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});
