/**
 * createApp: the HTTP application assembled in one readable order — common headers,
 * access log, the token endpoint, the /v2 API behind its access controller, the management
 * API (administrators only where it administers), 404, the one error handler. It never
 * listens; main.ts does.
 */
import express, { type Express } from "express";
import { apiConsole } from "./admin/api-console.js";
import { deletedRouter } from "./admin/deleted.js";
import { gcRouter } from "./admin/gc.js";
import type { Logger } from "pino";
import { managementApi } from "./admin/router.js";
import { portalSessions } from "./admin/portal/sessions.js";
import { portalStatic } from "./admin/portal/static.js";
import { eventsRouter } from "./admin/events.js";
import { sessionRouter } from "./admin/session.js";
import { settingsRouter } from "./admin/settings.js";
import { clientCertificateCheck } from "./auth/client-certificate.js";
import { openAccess } from "./auth/controller.js";
import { requireAdmin, requireRegistryAccess } from "./auth/middleware.js";
import type { AccessControl } from "./auth/setup.js";
import type { Config } from "./config/types.js";
import type { GcScheduler } from "./gc/scheduler.js";
import { probeRouter, unhealthyGate } from "./health/routes.js";
import type { HealthMonitor } from "./health/monitor.js";
import { accessLog } from "./http/access-log.js";
import { errorHandler, notFound } from "./http/errors.js";
import { v2Router } from "./http/router.js";
import { httpMetrics } from "./metrics/http-middleware.js";
import type { Metrics } from "./metrics/metrics.js";
import { notificationsRouter, type NotificationStatusSource } from "./notifications/status-router.js";
import type { Registry } from "./registry/registry.js";
import { dockerSearchRouter } from "./search/docker-v1.js";

export interface AppDependencies {
  config: Config;
  registry: Registry;
  logger: Logger;
  /** The gc.schedule of `berth serve`, changeable through /api/v0/gc/schedule. */
  gcScheduler?: GcScheduler;
  /** Authentication and access control; none (everyone may do everything) when absent. */
  access?: AccessControl;
  /** Prometheus metrics: every request is counted and timed when present. */
  metrics?: Metrics;
  /** Health checks: /healthz and /readyz, and /v2 answers 503 while a check fails. */
  health?: HealthMonitor;
  /** Notification delivery state, at /api/v0/notifications. */
  notifications?: NotificationStatusSource;
}

export function createApp({ config, registry, logger, access, metrics, health, notifications, gcScheduler }: AppDependencies): Express {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("query parser", "simple");
  if (metrics) app.use(httpMetrics(metrics, config.http.prefix.replace(/\/+$/, "")));

  const configuredHeaders = Object.entries(config.http.headers);
  app.use((_req, res, next) => {
    res.setHeader("Docker-Distribution-API-Version", "registry/2.0");
    for (const [name, values] of configuredHeaders) res.setHeader(name, values);
    next();
  });
  // Probes before the access log: a HEALTHCHECK every few seconds is not worth a log line.
  if (health) app.use(probeRouter(health));
  if (!config.log.accesslog.disabled) app.use(accessLog(logger));
  if (config.http.tls && config.http.tls.clientcas.length > 0) app.use(clientCertificateCheck(config.http.tls));

  const prefix = config.http.prefix.replace(/\/+$/, "");
  const controller = access?.controller ?? openAccess;
  if (access?.tokenService) app.use(`${prefix}/auth/token`, access.tokenService);
  if (health) app.use(`${prefix}/v2`, unhealthyGate(health));
  app.use(`${prefix}/v2`, requireRegistryAccess(controller), v2Router(registry, config));

  // The management API also takes the web portal's session cookie (issue 6); /v2 never does.
  const portal = access?.signIn ? portalSessions(controller, access.signIn, registry.metadata, config) : undefined;
  const apiController = portal?.controller ?? controller;
  app.use(`${prefix}/api/v0`, sessionRouter({ metadata: registry.metadata, open: controller === openAccess, cookiePath: `${prefix}/`, accessModel: Boolean(config.auth.berth), ...(portal ? { portal } : {}) }));

  // Users, organizations, teams, repositories, grants, robot tokens (issue 4).
  if (access) app.use(`${prefix}/api/v0`, managementApi({ access: { ...access, controller: apiController }, config, registry }));

  // Notification delivery state (issue 7), for administrators as the rest of /api/v0.
  if (notifications) app.use(`${prefix}/api/v0`, requireAdmin(apiController), notificationsRouter(notifications));

  // `docker search` (issue 6): registry v1's search, answered from the metadata index.
  app.use(`${prefix}/v1`, dockerSearchRouter({ controller, metadata: registry.metadata }));

  // Soft deletes and garbage collection (issue 5).
  app.use(`${prefix}/api/v0`, requireAdmin(apiController), gcRouter({ registry, config, ...(gcScheduler ? { scheduler: gcScheduler } : {}) }), deletedRouter({ registry, config }));

  // The portal's settings and event log (issue 6), for administrators.
  app.use(`${prefix}/api/v0`, requireAdmin(apiController), settingsRouter({ config, registry, ...(health ? { health } : {}) }), eventsRouter(registry.metadata));

  // The API console (issue 6): Swagger UI over the OpenAPI document, same origin as the API.
  if (config.ui.enabled) app.use(`${prefix}/api/docs`, apiConsole({ prefix }));

  // The web portal's static build (issue 6), at the root.
  if (config.ui.enabled) app.use(`${prefix}/`, portalStatic());

  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
