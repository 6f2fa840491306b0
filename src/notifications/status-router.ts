/**
 * GET /notifications (mounted under /api/v0): each endpoint's delivery state — events
 * queued, whether it is failing, the last error. A plain router: the management API puts
 * its authentication in front of it.
 */
import { Router } from "express";
import type { EndpointStatus } from "./dispatcher.js";

export interface NotificationStatusSource {
  status(): Promise<EndpointStatus[]>;
}

export function notificationsRouter(source: NotificationStatusSource): Router {
  const router = Router();
  router.get("/notifications", async (_req, res) => {
    const endpoints = await source.status();
    res.json({ endpoints });
  });
  return router;
}
