import { describe, expect, it } from "vitest";
import { RssSampler, parseProcStatus, processTree, readMemory } from "./rss.js";

describe("parseProcStatus", () => {
  it("reads VmRSS and VmHWM in bytes", () => {
    const text = "Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n";
    expect(parseProcStatus(text)).toEqual({ rss: 102400 * 1024, hwm: 204800 * 1024 });
  });
  it("names a missing field", () => {
    expect(() => parseProcStatus("VmRSS:\t1 kB\n")).toThrow(/VmHWM/);
  });
});

describe.runIf(process.platform === "linux")("on this process", () => {
  it("reads its memory, finds it in its own tree and samples it", async () => {
    const memory = readMemory(process.pid);
    expect(memory.rss).toBeGreaterThan(1024 * 1024);
    expect(memory.hwm).toBeGreaterThanOrEqual(memory.rss);
    expect(processTree(process.pid)[0]).toBe(process.pid);
    const sampler = new RssSampler(process.pid, 10);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const summary = sampler.stop();
    expect(summary.samples).toBeGreaterThan(1);
    expect(summary.peakSampled).toBeGreaterThan(0);
  });
});
