/**
 * `berth garbage-collect [config] [--dry-run] [--delete-untagged] [--grace DURATION] [--json]`:
 * one collection, as registry:2's garbage-collect, but safe while `berth serve` keeps serving
 * the same storage and database. Progress goes to stderr, the summary to stdout.
 */
import { parseArgs } from "node:util";
import { openDriver } from "../../storage-drivers/index.js";
import { parseGoDuration } from "../config/duration.js";
import { loadConfig } from "../config/index.js";
import { openMetadataStore } from "../metadata/open.js";
import { GarbageCollector, GcBusyError, summaryLine, type GcSummary } from "./collector.js";

export const GC_USAGE = `Usage: berth garbage-collect [config.yml] [--dry-run] [--delete-untagged] [--grace DURATION] [--json]
  --dry-run          report what would be deleted, delete nothing
  --delete-untagged  manifests no tag points at are collected too (default: gc.deleteuntagged)
  --grace DURATION   keep blobs written or linked this recently, e.g. 30m (default: gc.grace, 1h)
  --json             print the run, with its summary, as JSON
`;

/** Exit status: 0 done, 1 failed, 2 usage, 3 another collection holds the lease. */
export async function garbageCollectCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        "dry-run": { type: "boolean" },
        "delete-untagged": { type: "boolean" },
        grace: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    process.stderr.write(`berth garbage-collect: ${error instanceof Error ? error.message : String(error)}\n${GC_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(GC_USAGE);
    return 0;
  }
  if (positionals.length > 1) {
    process.stderr.write(`berth garbage-collect: unexpected arguments: ${positionals.slice(1).join(" ")}\n${GC_USAGE}`);
    return 2;
  }
  const [configPath] = positionals;
  const config = loadConfig(configPath === undefined ? {} : { path: configPath });
  let graceMs = config.gc.grace;
  if (values.grace !== undefined) {
    const ms = parseGoDuration(values.grace);
    if (ms === undefined || ms < 0) {
      process.stderr.write(`berth garbage-collect: --grace: expected a duration like "30s", "10m" or "1h", got ${JSON.stringify(values.grace)}\n`);
      return 2;
    }
    graceMs = ms;
  }
  if (config.storage.driver === "inmemory") process.stderr.write("berth garbage-collect: warning: inmemory storage is empty in a new process\n");
  const driver = await openDriver(config.storage.driver, config.storage.parameters);
  const metadata = await openMetadataStore(config.database);
  try {
    const collector = new GarbageCollector(driver, metadata);
    const run = await collector.collect({
      trigger: "cli",
      dryRun: values["dry-run"] ?? false,
      deleteUntagged: values["delete-untagged"] ?? config.gc.deleteuntagged,
      graceMs,
      uploadAgeMs: config.storage.maintenance.uploadpurging.age,
      progress: (line) => process.stderr.write(`${line}\n`),
    });
    if (values.json) process.stdout.write(`${JSON.stringify(run)}\n`);
    else if (run.summary) process.stdout.write(`${summaryLine(run.summary as unknown as GcSummary)}\n`);
    if (run.state !== "succeeded") {
      process.stderr.write(`berth garbage-collect: run ${run.id} failed: ${run.error ?? "unknown error"}\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    if (error instanceof GcBusyError) {
      process.stderr.write(`berth garbage-collect: ${error.message}\n`);
      return 3;
    }
    throw error;
  } finally {
    await metadata.close();
  }
}
