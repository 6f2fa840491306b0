/** The run's report: the table on stdout and the JSON file under bench/results/. */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { BenchConfig } from "./config.js";
import { formatTable, type Row } from "./evaluate.js";

export interface ScenarioReport {
  name: string;
  description: string;
  seconds: number;
  /** os.loadavg() (1, 5, 15 min) before and after: other work on the machine adds noise. */
  loadBefore: number[];
  loadAfter: number[];
  rows: Row[];
  details?: Record<string, unknown>;
  error?: string;
}

export interface RunReport {
  startedAt: Date;
  wallSeconds: number;
  config: BenchConfig;
  selfCheck: boolean;
  scenarios: ScenarioReport[];
  /** os.loadavg() when the run started and when it ended: how busy the (shared) machine was. */
  loadAtStart: number[];
  loadAtEnd: number[];
}

const loadText = (load: readonly number[]) => load.map((value) => value.toFixed(2)).join(", ");

function referenceVersion(): string {
  try {
    return execFileSync("/usr/bin/docker-registry", ["--version"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

export function printReport(report: RunReport): void {
  const { config, selfCheck, scenarios } = report;
  console.log(`\nBerth vs registry:2 — ${config.mode} run${selfCheck ? " (SELF-CHECK: both sides are registry:2)" : ""}, wall time ${report.wallSeconds.toFixed(0)} s`);
  console.log("ratio = how many times better Berth is, in the 'better' direction (higher: Berth / registry:2; lower: registry:2 / Berth).");
  console.log("ratio > 1: Berth better; < 1: registry:2 better. MB = 10^6 bytes. CPU s/GB: server CPU seconds per 10^9 bytes moved.");
  console.log(`load average (1, 5, 15 min) at the start: ${loadText(report.loadAtStart)}; at the end: ${loadText(report.loadAtEnd)}; ${cpus().length} CPUs.\n`);
  console.log(formatTable(scenarios.flatMap((scenario) => scenario.rows)));
  for (const scenario of scenarios) {
    if (scenario.error !== undefined) console.log(`\n${scenario.name} FAILED: ${scenario.error.split("\n")[0]}`);
  }
}

/**
 * Writes `<time>-<mode>.json` (and a copy as `latest-<mode>.json`) under `resultsDir`, or only
 * `output` when given. Returns the path written.
 */
export function saveReport(report: RunReport, resultsDir: string, output?: string): string {
  const suffix = `${report.config.mode}${report.selfCheck ? "-self-check" : ""}`;
  const stamp = report.startedAt.toISOString().replace(/[:.]/g, "-");
  const path = resolve(output ?? join(resultsDir, `${stamp}-${suffix}.json`));
  const json = {
    startedAt: report.startedAt.toISOString(),
    wallSeconds: report.wallSeconds,
    mode: report.config.mode,
    selfCheck: report.selfCheck,
    config: report.config,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", memoryBytes: totalmem(), node: process.version },
    loadAtStart: report.loadAtStart,
    loadAtEnd: report.loadAtEnd,
    reference: referenceVersion(),
    rows: report.scenarios.flatMap((scenario) => scenario.rows),
    scenarios: report.scenarios,
  };
  const text = `${JSON.stringify(json, null, 2)}\n`;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  if (output === undefined) writeFileSync(join(resultsDir, `latest-${suffix}.json`), text);
  return path;
}
