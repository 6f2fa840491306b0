import { describe, expect, it } from "vitest";
import { parseProcStatTicks, treeCpuSeconds } from "./cpu.js";

describe("parseProcStatTicks", () => {
  it("adds utime and stime, whatever the command name holds", () => {
    const line = "4242 (node (my) server) S 1 4242 4242 0 -1 4194560 1000 0 0 0 150 37 0 0 20 0 11 0 100 0 0";
    expect(parseProcStatTicks(line)).toBe(187);
  });
  it("names a line it cannot read", () => {
    expect(() => parseProcStatTicks("1 (x) S")).toThrow(/unexpected/);
  });
});

describe.runIf(process.platform === "linux")("on this process", () => {
  it("grows while this process computes", () => {
    const before = treeCpuSeconds(process.pid);
    const until = Date.now() + 300;
    let spin = 0;
    while (Date.now() < until) spin++;
    expect(spin).toBeGreaterThan(0);
    expect(treeCpuSeconds(process.pid)).toBeGreaterThan(before);
  });
});
