#!/usr/bin/env node
/**
 * `npm run bench`: Berth against the reference registry (Debian's docker-registry,
 * registry:2.8) side by side in one run, the two taking turns so both see the same load.
 * Prints a table of figures and ratios on stdout, progress on stderr, and writes a JSON report
 * under bench/results/ (gitignored).
 *
 * Scenarios: filesystem push (monolithic, chunked), pull, manifest GET, catalog, RSS; then
 * swift and s3 (one OpenStack Swift with s3api, started on loopback), azure (azurite; Berth
 * alone: Debian's docker-registry has no azure driver); cluster (Berth replicas on PostgreSQL
 * behind nginx, Berth alone); then gc (garbage collection).
 *
 *   npm run bench                        full sizes (512 MiB blobs, 5,000 repos, 10 s load, 4×1 GiB,
 *                                        10,000 manifests for gc): about an hour on a busy 2-core machine
 *   npm run bench -- --quick             scaled down (64 MiB blobs, 1,000 repos, 4×256 MiB, 1,000 manifests): ~15 min
 *   npm run bench -- --only pull,catalog one or more scenarios
 *   npm run bench -- --self-check        registry:2 on both sides: proves the machinery (ratios ≈ 1)
 *   npm run bench -- --output file.json  write the JSON there instead
 */
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchConfig } from "./config.js";
import { printReport, saveReport, type ScenarioReport } from "./report.js";
import { SCENARIOS, type Scenario, type ScenarioContext } from "./scenarios/index.js";
import { repositoryRoot } from "./servers.js";
import { SharedResources } from "./shared.js";

const USAGE = `usage: npm run bench -- [--quick] [--only <scenario>[,<scenario>…]] [--self-check] [--output <file.json>]
scenarios: ${SCENARIOS.map((s) => s.name).join(", ")}`;

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

  const startedAt = new Date();
  const stamp = () => `${((Date.now() - startedAt.getTime()) / 1000).toFixed(1).padStart(6)}s`;
  console.error(
    `[bench] ${config.mode} run of ${selected.map((s) => s.name).join(", ")}` +
      (selfCheck ? " — SELF-CHECK: registry:2 on both sides" : "") +
      `; ${cpus().length} CPUs, node ${process.version}`,
  );
  const [load1] = loadavg();
  if (load1 !== undefined && load1 > cpus().length / 2) {
    console.error(`[bench] WARNING: load average ${load1.toFixed(1)} on ${cpus().length} CPUs before the run: other work on this machine will add noise`);
  }

  const resources = new SharedResources();
  const contextFor = (name: string): ScenarioContext => ({
    config,
    selfCheck,
    progress: (message) => console.error(`[bench ${stamp()}] ${name}: ${message}`),
    shared: (key, start) => resources.get(key, start),
  });
  const loadAtStart = loadavg();
  const scenarios: ScenarioReport[] = [];
  try {
    for (const scenario of selected) scenarios.push(await runScenario(scenario, contextFor(scenario.name)));
  } finally {
    await resources.stopAll((message) => console.error(`[bench] ${message}`));
  }

  const report = { startedAt, wallSeconds: (Date.now() - startedAt.getTime()) / 1000, config, selfCheck, scenarios, loadAtStart, loadAtEnd: loadavg() };
  printReport(report);
  const path = saveReport(report, join(repositoryRoot(), "bench", "results"), values.output);
  console.log(`\nresults: ${path}`);
  return scenarios.some((scenario) => scenario.error !== undefined) ? 1 : 0;
}

/** Runs one scenario; a failure becomes the report's error (the run goes on with the next). */
async function runScenario(scenario: Scenario, context: ScenarioContext): Promise<ScenarioReport> {
  const started = Date.now();
  context.progress(scenario.description);
  const base = { name: scenario.name, description: scenario.description, loadBefore: loadavg() };
  let report: ScenarioReport;
  try {
    const result = await scenario.run(context);
    report = { ...base, seconds: (Date.now() - started) / 1000, loadAfter: loadavg(), ...result };
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    context.progress(`FAILED: ${message}`);
    report = { ...base, seconds: (Date.now() - started) / 1000, loadAfter: loadavg(), rows: [], error: message };
  }
  context.progress(`done in ${((Date.now() - started) / 1000).toFixed(1)} s (load average ${loadavg().map((l) => l.toFixed(1)).join(" ")})`);
  return report;
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
