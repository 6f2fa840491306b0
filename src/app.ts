/**
 * createApp: the HTTP application assembled in one readable order — common headers,
 * access log, the token endpoint, the /v2 API behind its access controller, the management
 * API (administrators only where it administers), 404, the one error handler. It never
 * listens; main.ts does.
 */
import express, { type Express } from "express";
import { deletedRouter } from "./admin/deleted.js";
import { gcRouter } from "./admin/gc.js";
import type { Logger } from "pino";
import { openAccess } from "./auth/controller.js";
import { requireAdmin, requireRegistryAccess } from "./auth/middleware.js";
import type { AccessControl } from "./auth/setup.js";
import type { Config } from "./config/types.js";
import type { GcScheduler } from "./gc/scheduler.js";
import { accessLog } from "./http/access-log.js";
import { errorHandler, notFound } from "./http/errors.js";
import { v2Router } from "./http/router.js";
import type { Registry } from "./registry/registry.js";

export interface AppDependencies {
  config: Config;
  registry: Registry;
  logger: Logger;
  /** The gc.schedule of `berth serve`, changeable through /api/v0/gc/schedule. */
  gcScheduler?: GcScheduler;
  /** Authentication and access control; none (everyone may do everything) when absent. */
  access?: AccessControl;
}

export function createApp({ config, registry, logger, gcScheduler, access }: AppDependencies): Express {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("query parser", "simple");

  const configuredHeaders = Object.entries(config.http.headers);
  app.use((_req, res, next) => {
    res.setHeader("Docker-Distribution-API-Version", "registry/2.0");
    for (const [name, values] of configuredHeaders) res.setHeader(name, values);
    next();
  });
  if (!config.log.accesslog.disabled) app.use(accessLog(logger));

  const prefix = config.http.prefix.replace(/\/+$/, "");
  const controller = access?.controller ?? openAccess;
  if (access?.tokenService) app.use(`${prefix}/auth/token`, access.tokenService);
  app.use(`${prefix}/v2`, requireRegistryAccess(controller), v2Router(registry, config));

  // Soft deletes and garbage collection (issue 5).
  app.use(`${prefix}/api/v0`, requireAdmin(controller), gcRouter({ registry, config, ...(gcScheduler ? { scheduler: gcScheduler } : {}) }), deletedRouter({ registry, config }));

  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
