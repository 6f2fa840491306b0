#!/usr/bin/env node
/**
 * npm run conformance -- http://127.0.0.1:5000 [options]
 *
 * One line per test (PASS / FAIL / UNSUPPORTED group › name), then "N passed, N failed".
 * Exit code 0 when nothing failed, 1 on any failure, 2 on a usage error.
 */
import { writeFileSync } from "node:fs";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { formatSummary } from "./format.js";
import { PROFILES, profile } from "./profiles.js";
import { runConformance, selectTests } from "./runner.js";
import { ALL_TESTS } from "./tests/index.js";
import { FEATURES, isFeature, type Feature } from "./types.js";

const USAGE = `Usage: node dist/conformance/cli.js <registry-url> [options]

Runs the OCI Distribution conformance suite against a registry (http:// or https://).

Options:
  --namespace <ns>             repositories are created under <ns>/<run id>/ (default: conformance)
  --crossmount-namespace <ns>  source repositories for cross-repository mounts (default: <ns>-mount)
  --only <a,b,...>             only tests matching a group, a feature, or a substring of "group › name"
  --unsupported <f1,f2,...>    features this registry lacks: their failures are reported apart
  --profile <name>             a known registry's unsupported features (${Object.keys(PROFILES).join(", ")})
  --header "Name: value"       an extra request header (repeatable), e.g. Authorization
  --json <file>                also write the full report as JSON
  --list                       list the tests and their features, run nothing
  --help                       this text

Features: ${Object.keys(FEATURES).join(", ")}
`;

function splitList(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((value) => value.split(",")).map((value) => value.trim()).filter(Boolean);
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        namespace: { type: "string" },
        "crossmount-namespace": { type: "string" },
        only: { type: "string", multiple: true },
        unsupported: { type: "string", multiple: true },
        profile: { type: "string" },
        header: { type: "string", multiple: true },
        json: { type: "string" },
        list: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const only = splitList(values.only);
  if (values.list) {
    for (const test of selectTests(ALL_TESTS, only)) {
      process.stdout.write(`${test.group} › ${test.name}${test.features.length ? `  [${test.features.join(", ")}]` : ""}\n`);
    }
    return 0;
  }
  const url = positionals[0];
  if (!url || positionals.length > 1) {
    process.stderr.write(USAGE);
    return 2;
  }
  const unsupported: Feature[] = [];
  try {
    if (values.profile) unsupported.push(...profile(values.profile));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  for (const name of splitList(values.unsupported)) {
    if (!isFeature(name)) {
      process.stderr.write(`unknown feature "${name}"; known: ${Object.keys(FEATURES).join(", ")}\n`);
      return 2;
    }
    unsupported.push(name);
  }
  const headers: Record<string, string> = {};
  for (const line of values.header ?? []) {
    const colon = line.indexOf(":");
    if (colon <= 0) {
      process.stderr.write(`--header needs "Name: value", got "${line}"\n`);
      return 2;
    }
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }

  let report;
  try {
    report = await runConformance({
      url,
      ...(values.namespace ? { namespace: values.namespace } : {}),
      ...(values["crossmount-namespace"] ? { crossmountNamespace: values["crossmount-namespace"] } : {}),
      ...(only.length ? { only } : {}),
      unsupported,
      headers,
      log: (line) => process.stdout.write(`${line}\n`),
    });
  } catch (error) {
    process.stderr.write(`conformance run failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  for (const line of formatSummary(report)) process.stdout.write(`${line}\n`);
  return report.failed > 0 ? 1 : 0;
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
