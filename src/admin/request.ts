/** Small helpers the management API routes share: the JSON body, paging, the caller. */
import type { NextFunction, Request, Response } from "express";
import { invalid } from "../access/errors.js";
import { authorizationOf, type AccessController, type Authorization } from "../auth/controller.js";

export const MAX_PAGE = 1000;

export function jsonBody(req: Request): Record<string, unknown> {
  const value: unknown = req.body;
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid("the body must be a JSON object");
  return value as Record<string, unknown>;
}

export function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw invalid(`${key} must be a string`);
  return value;
}

export function requiredString(body: Record<string, unknown>, key: string): string {
  const value = optionalString(body, key);
  if (value === undefined || value === "") throw invalid(`${key} is required`);
  return value;
}

/** `?n=` (1..1000, 100 by default) and `?last=` as /v2 pages. */
export function pageOf(req: Request): { limit: number; after?: string } {
  const n = typeof req.query.n === "string" ? req.query.n : undefined;
  const last = typeof req.query.last === "string" && req.query.last !== "" ? req.query.last : undefined;
  let limit = 100;
  if (n !== undefined) {
    if (!/^\d{1,4}$/.test(n) || Number(n) < 1 || Number(n) > MAX_PAGE) throw invalid(`n must be an integer from 1 to ${MAX_PAGE}`);
    limit = Number(n);
  }
  return last === undefined ? { limit } : { limit, after: last };
}

export function caller(res: Response): Authorization {
  return authorizationOf(res);
}

/** Routes for logged-in callers: anonymous ones get the controller's challenge (401). */
export function loggedIn(controller: AccessController) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const authorization = caller(res);
    if (authorization.principal.kind === "anonymous" && !authorization.isAdmin) await controller.authorize(req, []);
    next();
  };
}
