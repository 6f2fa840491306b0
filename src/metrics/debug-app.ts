/**
 * The debug server on http.debug.addr, as registry:2 has it: /debug/health, and the
 * Prometheus metrics at http.debug.prometheus.path when enabled. Keep it off public networks.
 */
import express, { type Express } from "express";
import type { HttpConfig } from "../config/types.js";
import type { HealthMonitor } from "../health/monitor.js";
import { debugHealthRouter } from "../health/routes.js";
import type { Metrics } from "./metrics.js";

export interface DebugAppDependencies {
  debug: NonNullable<HttpConfig["debug"]>;
  health: HealthMonitor;
  metrics?: Metrics;
}

export function createDebugApp({ debug, health, metrics }: DebugAppDependencies): Express {
  const app = express();
  app.disable("x-powered-by");
  app.use(debugHealthRouter(health));
  if (metrics && debug.prometheus.enabled) {
    app.get(debug.prometheus.path, async (_req, res) => {
      const { contentType, body } = await metrics.scrape();
      res.setHeader("Content-Type", contentType);
      res.send(body);
    });
  }
  app.use((_req, res) => {
    res.status(404).json({ error: "not found" });
  });
  return app;
}
