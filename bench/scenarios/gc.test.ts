import { describe, expect, it } from "vitest";
import { checkGcReport, type GcBenchReport } from "./gc.js";

const report = (overrides: Partial<GcBenchReport> = {}): GcBenchReport => ({
  manifests: 10,
  blobs: 50,
  garbage: 10,
  berth: { seconds: 2, deleted: 10 },
  registry2: { seconds: 4, summary: "" },
  sameResult: true,
  blobsLeft: 40,
  ...overrides,
});

describe("checkGcReport", () => {
  it("gives both collection times when both removed exactly the garbage", () => {
    expect(checkGcReport(report())).toEqual({ berth: 2, reference: 4 });
  });
  it("refuses a run where the collectors disagree, Berth removed the wrong count, or registry:2 did not run", () => {
    expect(() => checkGcReport(report({ sameResult: false }))).toThrow(/different blobs/);
    expect(() => checkGcReport(report({ berth: { seconds: 2, deleted: 9 } }))).toThrow(/deleted 9/);
    expect(() => checkGcReport(report({ registry2: null }))).toThrow(/docker-registry/);
  });
});
