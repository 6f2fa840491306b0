/**
 * The management API under /api/v0: who is calling is established first (Basic or Bearer,
 * anonymous without credentials); reading repositories and one's own account is open to
 * anonymous callers, everything else needs a login, and each operation checks its own
 * permission (src/access/management.ts). The OpenAPI document is public.
 * Without Berth's own users (auth.berth): search, repositories with their tags, and the document.
 */
import express, { Router, type Request } from "express";
import { identifyCaller } from "../auth/middleware.js";
import type { AccessControl } from "../auth/setup.js";
import type { Config } from "../config/types.js";
import type { Registry } from "../registry/registry.js";
import { accountRouter } from "./account.js";
import { auditRouter } from "./audit.js";
import { ldapRouter } from "./ldap.js";
import { openApiDocument } from "./openapi.js";
import { orgsRouter } from "./orgs.js";
import { repositoriesRouter } from "./repositories.js";
import { loggedIn } from "./request.js";
import { robotsRouter } from "./robots.js";
import { searchApiRouter } from "../search/api-route.js";
import { tagsRouter } from "./tags.js";
import { usersRouter } from "./users.js";

export interface ManagementApiDependencies {
  access: AccessControl;
  config: Config;
  registry: Registry;
}

/** Reads anonymous callers may make. */
function openToAnonymous(req: Request): boolean {
  return (
    req.method === "GET" &&
    (req.path === "/accounts/me" || req.path === "/search" || req.path === "/repositories" || req.path.startsWith("/repositories/"))
  );
}

export function managementApi({ access, config, registry }: ManagementApiDependencies): Router {
  const { metadata } = registry;
  const router = Router();
  const prefix = config.http.prefix.replace(/\/+$/, "");
  router.get("/openapi.json", (req, res) => {
    const base = config.http.host?.replace(/\/+$/, "") ?? `${req.protocol}://${req.get("host") ?? "localhost"}`;
    res.json(openApiDocument(`${base}${prefix}/api/v0`));
  });
  router.use(identifyCaller(access.controller));
  const requireLogin = loggedIn(access.controller);
  router.use((req, res, next) => (openToAnonymous(req) ? next() : requireLogin(req, res, next)));
  router.use(express.json({ limit: "64kb" }));
  // Search works with every access controller (the catalog's filtering), not only auth.berth.
  router.use(searchApiRouter({ metadata, config }));
  const { management, testLogin } = access;
  // Repositories and their tags, with any access control (htpasswd users and everyone without one are admins).
  if (management) {
    router.use(tagsRouter({ registry, config, management }));
    router.use(repositoriesRouter(management));
  }
  if (management && testLogin) {
    router.use(accountRouter(management, testLogin));
    router.use(usersRouter(management));
    router.use(orgsRouter(management));
    router.use(robotsRouter(management));
    if (config.auth.berth) router.use(auditRouter(management, metadata, config.auth.berth));
    router.use(ldapRouter(access.ldapSync));
  }
  return router;
}
