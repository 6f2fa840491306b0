#!/usr/bin/env node
/**
 * The berth CLI: serve | reindex | --version | --help.
 * Wiring is explicit: config → driver → metadata → registry → app → listen.
 */
// First, before any other module loads (see the module).
import "./young-generation.js";
import { parseArgs } from "node:util";
import type { Logger } from "pino";
import { openDriver } from "../storage-drivers/index.js";
import type { StorageDriver } from "../storage-drivers/driver.js";
import { ActivityRecorder } from "./admin/activity-recorder.js";
import { createApp } from "./app.js";
import { ACCESS_COMMANDS, ACCESS_HELP, accessCommand, CliUsageError } from "./cli/access.js";
import { plainHttpProblem } from "./auth/plain-http.js";
import { createAccessControl } from "./auth/setup.js";
import { loadConfig } from "./config/index.js";
import type { Config } from "./config/types.js";
import { garbageCollectCommand } from "./gc/cli.js";
import { GarbageCollector } from "./gc/collector.js";
import { purgeUploads } from "./gc/purge-uploads.js";
import { GcScheduler } from "./gc/scheduler.js";
import { Trash } from "./gc/trash.js";
import { createHttpServer, listen } from "./http/listen.js";
import { healthcheckCommand } from "./health/probe.js";
import { createLogger } from "./log.js";
import { Metrics } from "./metrics/metrics.js";
import { startOperations } from "./operations.js";
import { reindex } from "./metadata/reindex.js";
import { openMetadataStore } from "./metadata/open.js";
import type { MetadataStore } from "./metadata/store.js";
import { Registry } from "./registry/registry.js";

const VERSION = "0.1.0";

const HELP = `berth ${VERSION} — a self-hosted OCI container registry, drop-in for registry:2

Usage:
  berth serve [config.yml]     serve the registry (config also from REGISTRY_CONFIGURATION_PATH)
  berth reindex [config.yml]   rebuild the metadata index from storage
  berth garbage-collect [config.yml] [--dry-run] [--delete-untagged] [--grace DURATION]
                               delete unreferenced blobs, online (berth serve may keep running)
  berth migrate-db [config.yml] [--from PATH] [--force]
                               copy the SQLite database (database.path) into the config's PostgreSQL
  berth healthcheck [config.yml]
                               ask the running server's /readyz: exit 0 when ready (the image's HEALTHCHECK)
  berth --version              print the version
  berth --help                 print this help
${ACCESS_HELP}
Every config key can be overridden with REGISTRY_<KEY_PATH>, e.g. REGISTRY_HTTP_ADDR=:5000.
`;

interface Runtime {
  config: Config;
  logger: Logger;
  driver: StorageDriver;
  metadata: MetadataStore;
  metrics: Metrics;
}

async function open(configPath: string | undefined): Promise<Runtime> {
  const config = loadConfig(configPath === undefined ? {} : { path: configPath });
  const logger = createLogger(config.log);
  const metrics = new Metrics();
  const driver = await openDriver(config.storage.driver, config.storage.parameters, { onOperation: metrics.storageObserver });
  const metadata = await openMetadataStore(config.database);
  return { config, logger, driver, metadata, metrics };
}

/** "host:port", ":port" or "port" → listen arguments. */
function schedulePurging(runtime: Runtime): NodeJS.Timeout | undefined {
  const { uploadpurging } = runtime.config.storage.maintenance;
  if (!uploadpurging.enabled || runtime.config.storage.maintenance.readonly.enabled) return undefined;
  const run = async () => {
    try {
      const summary = await purgeUploads(runtime.driver, uploadpurging.age, uploadpurging.dryrun);
      runtime.logger.info({ examined: summary.examined, purged: summary.purged.length, dryRun: uploadpurging.dryrun }, "upload purge done");
    } catch (error) {
      runtime.logger.error({ err: error }, "upload purge failed");
    }
  };
  const timer = setInterval(run, uploadpurging.interval);
  timer.unref();
  return timer;
}

async function serve(configPath: string | undefined): Promise<void> {
  const runtime = await open(configPath);
  const { config, logger, driver, metadata } = runtime;
  if (!(await metadata.isIndexed())) {
    logger.info("metadata index is new: indexing existing storage");
    await reindex(driver, metadata, (line) => logger.info(line));
    await new Trash(driver, metadata).importOrphans();
  }
  const insecure = plainHttpProblem(config);
  if (insecure) throw new Error(`refusing to start: ${insecure}`);
  const access = await createAccessControl({ config, metadata, logger });
  const operations = await startOperations(runtime);
  // Notifications, and the portal's event log beside them.
  const events = new ActivityRecorder(operations.notifier, metadata.activity, (error) => logger.error({ err: error }, "recording activity failed"));
  const registry = new Registry(driver, metadata, events);
  const gcScheduler = new GcScheduler(
    new GarbageCollector(driver, metadata, (run) => operations.metrics.gcRuns.inc({ outcome: run.state })),
    metadata,
    config,
    logger,
  );
  await gcScheduler.start();
  const app = createApp({ config, registry, logger, access, metrics: operations.metrics, health: operations.health, notifications: operations.dispatcher, gcScheduler });
  const server = createHttpServer(config.http, app, logger);
  await listen(server, config.http);
  const tls = Boolean(config.http.tls);
  logger.info({ addr: config.http.addr, net: config.http.net, storage: config.storage.driver, version: VERSION, tls }, "berth listening");
  const purgeTimer = schedulePurging(runtime);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "draining in-flight requests");
    if (purgeTimer) clearInterval(purgeTimer);
    gcScheduler.stop();
    // Notifications keep flowing while requests drain; what is left waits in the outbox.
    const operationsStopped = operations.stop();
    const force = setTimeout(() => {
      logger.warn("drain timeout reached: closing remaining connections");
      server.closeAllConnections();
    }, config.http.draintimeout);
    force.unref();
    server.closeIdleConnections();
    server.close(() => {
      void access.close().then(() => operationsStopped.then(() => metadata.close())).then(() => {
        logger.info("stopped");
        process.exit(0);
      });
    });
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

async function runReindex(configPath: string | undefined): Promise<void> {
  const { driver, metadata } = await open(configPath);
  const summary = await reindex(driver, metadata, (line) => process.stderr.write(`${line}\n`));
  // Soft-deleted items live in the storage trash: bring back their records too.
  const trashed = await new Trash(driver, metadata).importOrphans();
  if (trashed.length > 0) process.stderr.write(`reindex: ${trashed.length} soft-deleted items found in the trash\n`);
  for (const skip of summary.skipped) process.stderr.write(`skipped ${skip.repository}@${skip.digest}: ${skip.reason}\n`);
  await metadata.close();
}

async function main(argv: string[]): Promise<number> {
  // Its own options (--dry-run, --grace, ...): parsed in gc/cli.ts.
  if (argv[0] === "garbage-collect") return garbageCollectCommand(argv.slice(1));
  if (argv[0] === "migrate-db") return (await import("./cli/migrate-db.js")).migrateDbCommand(argv.slice(1));
  // user, org, team, repo, grant, robot, audit: their own options (src/cli/access.ts).
  if (argv[0] !== undefined && ACCESS_COMMANDS.has(argv[0])) {
    return accessCommand(argv).catch((error: unknown) => {
      throw error instanceof CliUsageError ? new UsageError(error.message) : error;
    });
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { version: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.version) {
    process.stdout.write(`berth ${VERSION}\n`);
    return 0;
  }
  const [command = "serve", configPath, ...rest] = positionals;
  if (values.help || command === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(" ")}`);
  switch (command) {
    case "serve":
      await serve(configPath);
      return -1; // keeps running
    case "healthcheck":
      return healthcheckCommand(configPath);
    case "reindex":
      await runReindex(configPath);
      return 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`berth: ${message}\n`);
    if (error instanceof UsageError) process.stderr.write(`run 'berth --help' for usage\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
