#!/usr/bin/env node
/**
 * `npm run bench`: Berth against the reference registry (Debian's docker-registry,
 * registry:2.8) side by side in one run. Prints a table of figures, ratios and targets
 * on stdout, progress on stderr, and writes bench/results/latest.json.
 *
 *   npm run bench                        full sizes (512 MiB blobs, 5,000 repos, 10 s load, 4×1 GiB)
 *   npm run bench -- --quick             scaled down for a smoke run
 *   npm run bench -- --only pull,catalog one or more scenarios
 *   npm run bench -- --self-check        registry:2 on both sides: proves the machinery (ratios ≈ 1)
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { formatTable, type Row } from "./evaluate.js";
import { SCENARIOS, benchConfig, type ScenarioContext } from "./scenarios.js";
import { repositoryRoot } from "./servers.js";

const USAGE = `usage: npm run bench -- [--quick] [--only <scenario>[,<scenario>…]] [--self-check] [--output <file.json>]
scenarios: ${SCENARIOS.map((s) => s.name).join(", ")}`;

interface ScenarioReport {
  name: string;
  description: string;
  seconds: number;
  rows: Row[];
  details?: Record<string, unknown>;
  error?: string;
}

function referenceVersion(): string {
  try {
    return execFileSync("/usr/bin/docker-registry", ["--version"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string", multiple: true },
      "self-check": { type: "boolean", default: false },
      output: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const wanted = (values.only ?? []).flatMap((value) => value.split(",")).map((name) => name.trim()).filter(Boolean);
  const unknown = wanted.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) {
    console.error(`unknown scenario(s): ${unknown.join(", ")}\n${USAGE}`);
    return 2;
  }
  const selected = wanted.length > 0 ? SCENARIOS.filter((s) => wanted.includes(s.name)) : SCENARIOS;
  const config = benchConfig(values.quick);
  const selfCheck = values["self-check"];
  const root = repositoryRoot();
  const output = resolve(values.output ?? join(root, "bench", "results", "latest.json"));

  const runStarted = Date.now();
  const stamp = () => `${((Date.now() - runStarted) / 1000).toFixed(1).padStart(6)}s`;
  console.error(
    `[bench] ${config.mode} run of ${selected.map((s) => s.name).join(", ")}` +
      (selfCheck ? " — SELF-CHECK: registry:2 on both sides" : "") +
      `; ${cpus().length} CPUs, node ${process.version}`,
  );

  const reports: ScenarioReport[] = [];
  for (const scenario of selected) {
    const context: ScenarioContext = {
      config,
      selfCheck,
      progress: (message) => console.error(`[bench ${stamp()}] ${scenario.name}: ${message}`),
    };
    const started = Date.now();
    context.progress(scenario.description);
    try {
      const result = await scenario.run(context);
      reports.push({ name: scenario.name, description: scenario.description, seconds: (Date.now() - started) / 1000, ...result });
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      context.progress(`FAILED: ${message}`);
      reports.push({ name: scenario.name, description: scenario.description, seconds: (Date.now() - started) / 1000, rows: [], error: message });
    }
    context.progress(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  const wallSeconds = (Date.now() - runStarted) / 1000;
  const rows = reports.flatMap((report) => report.rows);
  const failed = reports.filter((report) => report.error !== undefined);

  console.log(`\nBerth vs registry:2 — ${config.mode} run${selfCheck ? " (SELF-CHECK: both sides are registry:2)" : ""}, wall time ${wallSeconds.toFixed(0)} s`);
  console.log("ratio: how many times better Berth is (throughput: Berth/ref; time, latency, memory: ref/Berth); MB = 10^6 bytes\n");
  console.log(formatTable(rows));
  for (const report of failed) console.log(`\n${report.name} FAILED: ${report.error?.split("\n")[0]}`);

  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(
    output,
    `${JSON.stringify(
      {
        startedAt: new Date(runStarted).toISOString(),
        wallSeconds,
        mode: config.mode,
        selfCheck,
        config,
        machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", memoryBytes: totalmem(), node: process.version },
        reference: referenceVersion(),
        rows,
        scenarios: reports,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nresults: ${output}`);
  return failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
