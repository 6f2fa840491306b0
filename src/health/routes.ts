/**
 * Health over HTTP. On the debug address, registry:2's /debug/health: 200 `{}` when every
 * check passes, else 503 with `{check: error}`; POST /debug/health/down and /up switch the
 * manual check. On the main address, /healthz (liveness: the process answers) and /readyz
 * (readiness: 503 with the failing checks). While any check fails, the /v2 API answers 503
 * UNAVAILABLE at once instead of waiting on storage.
 */
import { Router, type NextFunction, type Request, type Response } from "express";
import { RegistryError } from "../registry/errors.js";
import type { HealthMonitor } from "./monitor.js";

type HealthSource = Pick<HealthMonitor, "failures" | "setManualDown">;

export function debugHealthRouter(monitor: HealthSource): Router {
  const router = Router();
  router.get("/debug/health", (_req, res) => {
    const failing = monitor.failures();
    res.status(Object.keys(failing).length === 0 ? 200 : 503).json(failing);
  });
  router.post("/debug/health/down", (_req, res) => {
    monitor.setManualDown(true);
    res.status(200).json(monitor.failures());
  });
  router.post("/debug/health/up", (_req, res) => {
    monitor.setManualDown(false);
    res.status(200).json(monitor.failures());
  });
  return router;
}

export function probeRouter(monitor: HealthSource): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", (_req, res) => {
    const failing = monitor.failures();
    if (Object.keys(failing).length === 0) res.json({ status: "ready" });
    else res.status(503).json({ status: "unavailable", checks: failing });
  });
  return router;
}

/** registry:2's health.Handler: every request is refused while the registry is unhealthy. */
export function unhealthyGate(monitor: HealthSource) {
  return (_req: Request, _res: Response, next: NextFunction): void => {
    const failing = monitor.failures();
    if (Object.keys(failing).length === 0) {
      next();
      return;
    }
    next(new RegistryError("UNAVAILABLE", "health check failed: please see /debug/health", failing));
  };
}
