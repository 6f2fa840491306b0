#!/usr/bin/env node
/**
 * `npm run bench`: Berth against the reference registry (Debian's docker-registry,
 * registry:2.8) side by side in one run. Prints a table of figures and ratios on stdout,
 * progress on stderr, and writes a JSON report under bench/results/ (gitignored).
 *
 *   npm run bench                        full sizes (512 MiB blobs, 5,000 repos, 10 s load, 4×1 GiB): ~5-15 min
 *   npm run bench -- --quick             scaled down (64 MiB blobs, 1,000 repos, 4×256 MiB): under 3 min
 *   npm run bench -- --only pull,catalog one or more scenarios
 *   npm run bench -- --self-check        registry:2 on both sides: proves the machinery (ratios ≈ 1)
 *   npm run bench -- --output file.json  write the JSON there instead
 */
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchConfig } from "./config.js";
import { printReport, saveReport, type ScenarioReport } from "./report.js";
import { SCENARIOS, type ScenarioContext } from "./scenarios/index.js";
import { repositoryRoot } from "./servers.js";

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

  const scenarios: ScenarioReport[] = [];
  for (const scenario of selected) {
    const context: ScenarioContext = {
      config,
      selfCheck,
      progress: (message) => console.error(`[bench ${stamp()}] ${scenario.name}: ${message}`),
    };
    const started = Date.now();
    context.progress(scenario.description);
    const base = { name: scenario.name, description: scenario.description, loadBefore: loadavg() };
    try {
      const result = await scenario.run(context);
      scenarios.push({ ...base, seconds: (Date.now() - started) / 1000, loadAfter: loadavg(), ...result });
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      context.progress(`FAILED: ${message}`);
      scenarios.push({ ...base, seconds: (Date.now() - started) / 1000, loadAfter: loadavg(), rows: [], error: message });
    }
    context.progress(`done in ${((Date.now() - started) / 1000).toFixed(1)} s (load average ${loadavg().map((l) => l.toFixed(1)).join(" ")})`);
  }

  const report = { startedAt, wallSeconds: (Date.now() - startedAt.getTime()) / 1000, config, selfCheck, scenarios };
  printReport(report);
  const path = saveReport(report, join(repositoryRoot(), "bench", "results"), values.output);
  console.log(`\nresults: ${path}`);
  return scenarios.some((scenario) => scenario.error !== undefined) ? 1 : 0;
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
