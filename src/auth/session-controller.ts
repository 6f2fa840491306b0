/**
 * The management API's access controller with portal sessions: a request without an
 * Authorization header but with a live session cookie is the session's user, judged by the
 * access model like their Basic or Bearer requests. State-changing requests made with the
 * cookie must carry the session's CSRF token in a header (a cross-site form cannot set one,
 * and SameSite=Strict keeps the cookie off cross-site requests anyway). Browsers' fetch()
 * calls that need a login get a plain 401, not a Basic challenge that would open the
 * browser's own password dialog over the portal.
 */
import type { Request } from "express";
import { RegistryError } from "../registry/errors.js";
import { denied } from "./challenge.js";
import type { AccessController, Authorization } from "./controller.js";
import type { Principal } from "./principal.js";
import { covers } from "./policy-authorization.js";
import type { ResourceAccess } from "./scope.js";
import { cookieValue, CSRF_HEADER, SESSION_COOKIE, sameSecret, type Sessions } from "./sessions.js";
import type { SessionRecord } from "../metadata/session-records.js";

/** Who may sign in to the portal, and who a session's user is now. */
export interface PortalSignIn {
  /** A login as `docker login` makes it (throttled); null for wrong credentials. */
  login(address: string, user: string, password: string): Promise<Principal | null>;
  /** The user behind a session now; null when removed or deactivated (the session then ends). */
  principalOf(session: Pick<SessionRecord, "user" | "source">): Promise<Principal | null>;
  authorization(principal: Principal): Promise<Authorization>;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function signInRequired(message = "sign in first"): RegistryError {
  return new RegistryError("UNAUTHORIZED", message, undefined, 401);
}

/** A fetch() or XHR from a web page (Fetch Metadata), as opposed to a Docker client or curl. */
function fromWebPage(req: Request): boolean {
  const mode = req.headers["sec-fetch-mode"];
  return mode === "cors" || mode === "same-origin";
}

export interface SessionCaller {
  session: SessionRecord;
  authorization: Authorization;
}

export class SessionAwareController implements AccessController {
  /** A request is authenticated, then authorized: its session is looked up once. */
  private readonly seen = new WeakMap<Request, Promise<SessionCaller | null>>();

  constructor(
    private readonly inner: AccessController,
    private readonly sessions: Sessions,
    private readonly signIn: PortalSignIn,
  ) {}

  /** The live session of the request's cookie and its user now, or null. */
  sessionOf(req: Request): Promise<SessionCaller | null> {
    let caller = this.seen.get(req);
    if (!caller) {
      caller = this.lookUp(req);
      this.seen.set(req, caller);
    }
    return caller;
  }

  private async lookUp(req: Request): Promise<SessionCaller | null> {
    const token = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (token === undefined || token === "") return null;
    const session = await this.sessions.resume(token);
    if (!session) return null;
    const principal = await this.signIn.principalOf(session);
    if (!principal) {
      await this.sessions.end(token);
      return null;
    }
    return { session, authorization: await this.signIn.authorization(principal) };
  }

  private async fromCookie(req: Request): Promise<Authorization | null> {
    const caller = await this.sessionOf(req);
    if (!caller) return null;
    if (!SAFE_METHODS.has(req.method)) {
      const presented = req.headers[CSRF_HEADER];
      if (typeof presented !== "string" || !sameSecret(presented, caller.session.csrfToken)) {
        throw new RegistryError("DENIED", `a request made with the portal's session needs its CSRF token in the ${CSRF_HEADER} header`, undefined, 403);
      }
    }
    return caller.authorization;
  }

  async authenticate(req: Request): Promise<Authorization> {
    if (req.headers.authorization === undefined) {
      const authorization = await this.fromCookie(req);
      if (authorization) return authorization;
    }
    return this.inner.authenticate(req);
  }

  async authorize(req: Request, wanted: ResourceAccess[]): Promise<Authorization> {
    if (req.headers.authorization === undefined) {
      const authorization = await this.fromCookie(req);
      if (authorization) {
        if (await covers(authorization, wanted)) return authorization;
        throw denied(wanted);
      }
    }
    try {
      return await this.inner.authorize(req, wanted);
    } catch (error) {
      // The same refusal without the challenge header, so no password dialog opens.
      if (fromWebPage(req) && error instanceof RegistryError && error.status === 401) throw signInRequired(error.message);
      throw error;
    }
  }
}
