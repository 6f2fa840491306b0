/**
 * The operating side of `berth serve`, beside the API: notification delivery from the
 * outbox, health checks, Prometheus metrics and the debug server (http.debug.addr).
 * main.ts builds it, hands its parts to createApp, and stops it on shutdown.
 */
import { createServer, type Server } from "node:http";
import type { Logger } from "pino";
import type { StorageDriver } from "../storage-drivers/driver.js";
import type { Config } from "./config/types.js";
import { configuredChecks } from "./health/checks.js";
import { HealthMonitor } from "./health/monitor.js";
import { listen } from "./http/listen.js";
import type { MetadataStore } from "./metadata/store.js";
import { createDebugApp } from "./metrics/debug-app.js";
import type { Metrics } from "./metrics/metrics.js";
import { NotificationDispatcher } from "./notifications/dispatcher.js";
import { Notifier } from "./notifications/notifier.js";

/** How long a shutdown waits for queued events to be delivered; the rest is sent after the restart. */
const NOTIFICATION_DRAIN_MS = 3_000;

export interface Operations {
  notifier: Notifier;
  dispatcher: NotificationDispatcher;
  health: HealthMonitor;
  metrics: Metrics;
  /** Stops health checks and the debug server, and drains notification delivery. */
  stop(): Promise<void>;
}

export async function startOperations(deps: {
  config: Config;
  logger: Logger;
  driver: StorageDriver;
  metadata: MetadataStore;
  metrics: Metrics;
}): Promise<Operations> {
  const { config, logger, driver, metadata, metrics } = deps;
  const notifier = new Notifier({ config, outbox: metadata.outbox });
  const dispatcher = new NotificationDispatcher({
    endpoints: config.notifications.endpoints,
    outbox: metadata.outbox,
    logger,
    observer: metrics.deliveryObserver,
  });
  metrics.setOutboxDepthSource(async () => (await dispatcher.status()).filter((endpoint) => !endpoint.disabled));
  const health = new HealthMonitor(configuredChecks(config.health, driver, metadata), logger);
  await health.start();
  await dispatcher.start();

  let debugServer: Server | undefined;
  const { debug } = config.http;
  if (debug) {
    debugServer = createServer(createDebugApp({ debug, health, metrics }));
    await listen(debugServer, { ...config.http, net: "tcp", addr: debug.addr, tls: undefined });
    logger.info({ addr: debug.addr, prometheus: debug.prometheus.enabled }, "debug server listening");
  }

  return {
    notifier,
    dispatcher,
    health,
    metrics,
    async stop() {
      health.stop();
      debugServer?.closeAllConnections();
      debugServer?.close();
      await dispatcher.stop(NOTIFICATION_DRAIN_MS);
    },
  };
}
