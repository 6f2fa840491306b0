/**
 * Who is acting on a request, for soft-delete records. Authentication (issue 4) sets
 * `req.actor` to the user's name; until then, and for anonymous requests, it is "anonymous".
 */
import type { Request } from "express";

declare global {
  namespace Express {
    interface Request {
      /** The authenticated user's name, set by the auth middleware. */
      actor?: string;
    }
  }
}

export const ANONYMOUS = "anonymous";

export function actorOf(req: Request): string {
  return req.actor ?? ANONYMOUS;
}
