/** Express middleware putting an access controller in front of the /v2 API and the management API. */
import type { NextFunction, Request, Response } from "express";
import "../gc/actor.js";
import { setAuthorization, type AccessController, type Authorization } from "./controller.js";
import { ADMIN, wantedAccess, type ResourceAccess } from "./scope.js";

function attach(req: Request, res: Response, authorization: Authorization): void {
  setAuthorization(res, authorization);
  // Soft-delete records and audit entries name who acted.
  if (authorization.principal.kind !== "anonymous") req.actor = authorization.principal.name;
}

function guard(controller: AccessController, wanted: (req: Request) => ResourceAccess[]) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    attach(req, res, await controller.authorize(req, wanted(req)));
    next();
  };
}

/** /v2: what the request needs comes from its method and path (see scope.ts). */
export function requireRegistryAccess(controller: AccessController) {
  return guard(controller, (req) => wantedAccess(req.method, req.path));
}

/** Registry-wide administration (garbage collection, the trash): administrators only. */
export function requireAdmin(controller: AccessController) {
  return guard(controller, () => [ADMIN]);
}

/** Identifies the caller (anonymous when no credentials); the routes behind decide what it may do. */
export function identifyCaller(controller: AccessController) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    attach(req, res, await controller.authenticate(req));
    next();
  };
}
