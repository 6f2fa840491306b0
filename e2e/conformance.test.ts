/**
 * The project's OCI conformance suite (conformance/) against real servers:
 * - Berth (dist/src/main.js) must pass every test, optional features included;
 * - registry:2.8 must pass every test outside the features its profile lists, which proves the
 *   suite asks only for what a real registry does, and every listed gap must really be a gap.
 */
import { describe, expect, it } from "vitest";
import { formatFailures, formatSummary, profile, runConformance, type ConformanceReport, type Feature } from "../conformance/index.js";
import { startBerth, startReference, type RunningRegistry } from "./harness/servers.js";

async function runAgainst(start: () => Promise<RunningRegistry>, unsupported: Feature[] = []): Promise<{ report: ConformanceReport; lines: string[] }> {
  const registry = await start();
  const lines: string[] = [];
  try {
    const report = await runConformance({ url: registry.url, unsupported, log: (line) => lines.push(line) });
    return { report, lines };
  } finally {
    await registry.stop();
  }
}

function summary(kind: string, report: ConformanceReport): string {
  return `${kind}: ${formatSummary(report).join(" / ")}`;
}

describe("OCI conformance suite", () => {
  it("Berth passes every test", async () => {
    const { report } = await runAgainst(() => startBerth());
    console.log(summary("berth", report));
    expect(report.results.length).toBeGreaterThan(50);
    expect(report.failed, `failing conformance tests against Berth:\n${formatFailures(report)}`).toBe(0);
  });

  it("registry:2.8 passes every test outside its profile's unsupported features", async () => {
    const unsupported = profile("registry2");
    const { report } = await runAgainst(() => startReference(), unsupported);
    console.log(summary("registry:2.8", report));
    expect(report.failed, `tests the reference registry fails (a suite bug, or a gap missing from the registry2 profile):\n${formatFailures(report)}`).toBe(0);

    // Every feature the profile excuses must really be missing, or the profile hides regressions.
    const used = new Set<Feature>();
    for (const result of report.results) {
      if (result.passed || !result.unsupported) continue;
      for (const failure of result.failures) if (failure.feature) used.add(failure.feature);
      for (const feature of result.features) if (unsupported.includes(feature)) used.add(feature);
    }
    const needless = unsupported.filter((feature) => !used.has(feature));
    expect(needless, "features the registry2 profile lists although registry:2.8 passed all their tests").toEqual([]);
  });
});
