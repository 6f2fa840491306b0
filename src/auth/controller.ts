/**
 * AccessController: who is calling (authenticate) and whether they may do what a request
 * needs (authorize). Either returns an Authorization handlers consult for finer questions
 * (which catalog entries to show, whether a mount source may be read), or throws the
 * challenge a client expects.
 */
import type { Request } from "express";
import type { Action } from "../access/decide.js";
import type { Principal } from "./principal.js";
import type { ResourceAccess } from "./scope.js";

export interface Authorization {
  principal: Principal;
  /** Registry-wide administration (the management API's admin endpoints, GC). */
  isAdmin: boolean;
  /** Whether the caller may do `action` on the repository. */
  may(repository: string, action: Action): Promise<boolean>;
  /** Whether the catalog shows the repository to the caller. */
  listable(repository: string): Promise<boolean>;
}

export interface AccessController {
  /** The caller (anonymous without credentials); throws a challenge on bad credentials. */
  authenticate(req: Request): Promise<Authorization>;
  /** The caller, allowed everything `wanted` lists; throws a challenge (401) or DENIED (403) otherwise. */
  authorize(req: Request, wanted: ResourceAccess[]): Promise<Authorization>;
}

/** No access control (no auth section): everyone may do everything, as registry:2 without auth. */
export const UNRESTRICTED: Authorization = {
  principal: { kind: "anonymous" },
  isAdmin: true,
  may: async () => true,
  listable: async () => true,
};

export const openAccess: AccessController = {
  authenticate: async () => UNRESTRICTED,
  authorize: async () => UNRESTRICTED,
};

/** The Authorization the auth middleware attached to this request (unrestricted when there is none). */
export function authorizationOf(res: { locals: Record<string, unknown> }): Authorization {
  return (res.locals.authorization as Authorization | undefined) ?? UNRESTRICTED;
}

export function setAuthorization(res: { locals: Record<string, unknown> }, authorization: Authorization): void {
  res.locals.authorization = authorization;
}

/** The address failed logins are counted against. */
export function clientAddress(req: Request): string {
  return req.socket.remoteAddress ?? "unknown";
}
