/**
 * Signing in to the web portal, under /api/v0:
 *   GET    /session   who the portal's caller is: {signIn, accessModel, account, csrfToken, expiresAt}
 *                     signIn: "available" | "not-needed" (no access control) | "unavailable"
 *                     (an external token issuer decides who is who)
 *   POST   /session   {username, password} → the same, and the HttpOnly session cookie
 *   DELETE /session   signs out (the cookie is removed, the session forgotten)
 * Logins are checked by the configured authenticator (managed users, LDAP, htpasswd) with the
 * same throttle as `docker login`; robot accounts cannot sign in. Sign-ins, failed ones and
 * sign-outs go to the audit log.
 */
import express, { Router, type Request, type Response } from "express";
import { forbidden, invalid } from "../access/errors.js";
import { clientAddress, type Authorization } from "../auth/controller.js";
import { principalName } from "../auth/principal.js";
import { signInRequired, type PortalSignIn, type SessionAwareController, type SessionCaller } from "../auth/session-controller.js";
import { cookieValue, SESSION_COOKIE, sessionCookie, type Sessions } from "../auth/sessions.js";
import type { MetadataStore } from "../metadata/store.js";
import { jsonBody, requiredString } from "./request.js";

export interface SessionApiDependencies {
  metadata: MetadataStore;
  /** Absent without access control (everyone is an administrator) or with an external token issuer. */
  portal?: { sessions: Sessions; signIn: PortalSignIn; controller: SessionAwareController };
  /** With no access control at all, the portal needs no sign-in. */
  open: boolean;
  /** The cookie's path (http.prefix + "/"). */
  cookiePath: string;
  /** Berth's own users, organizations, teams and robots are managed here (auth.berth). */
  accessModel: boolean;
}

export interface AccountView {
  name: string;
  role: string;
  source: string;
  isAdmin: boolean;
}

function accountView(authorization: Authorization): AccountView {
  const { principal } = authorization;
  return {
    name: principalName(principal),
    role: principal.kind === "user" ? principal.role : authorization.isAdmin ? "admin" : "none",
    source: principal.kind === "user" ? principal.source : principal.kind,
    isAdmin: authorization.isAdmin,
  };
}

export function sessionRouter({ metadata, portal, open, cookiePath, accessModel }: SessionApiDependencies): Router {
  const router = Router();
  const audit = (actor: string, action: string, target: string, detail: Record<string, unknown> | null) =>
    metadata.access.addAudit({ at: new Date().toISOString(), actor, action, target, detail });
  const setCookie = (req: Request, res: Response, value: string, maxAgeMs: number) =>
    res.setHeader("Set-Cookie", sessionCookie(value, { path: cookiePath, secure: req.secure, maxAge: Math.floor(maxAgeMs / 1000) }));
  const view = (caller: SessionCaller | null) => {
    if (!portal) {
      const account = open ? { name: "", role: "admin", source: "none", isAdmin: true } : null;
      return { signIn: open ? "not-needed" : "unavailable", accessModel, account, csrfToken: null, expiresAt: null };
    }
    if (!caller) return { signIn: "available", accessModel, account: null, csrfToken: null, expiresAt: null };
    return {
      signIn: "available",
      accessModel,
      account: accountView(caller.authorization),
      csrfToken: caller.session.csrfToken,
      expiresAt: new Date(portal.sessions.endsAt(caller.session)).toISOString(),
    };
  };

  router.get("/session", async (req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.json(view(portal ? await portal.controller.sessionOf(req) : null));
  });

  router.post("/session", express.json({ limit: "8kb" }), async (req, res) => {
    if (!portal) throw invalid(open ? "no sign-in is needed: this registry has no access control" : "sign-in is not available with an external token issuer");
    // A JSON body cannot be sent cross-site without a CORS preflight, which Berth never grants.
    if (!req.is("application/json")) throw invalid("send the credentials as application/json");
    const body = jsonBody(req);
    const username = requiredString(body, "username");
    const password = requiredString(body, "password");
    const address = clientAddress(req);
    const principal = await portal.signIn.login(address, username, password);
    if (!principal) {
      await audit(username.slice(0, 100), "portal.signin.failed", username.slice(0, 100), { address });
      throw signInRequired("incorrect username or password");
    }
    if (principal.kind !== "user" || principal.source === "token") throw forbidden("robot accounts cannot sign in to the portal");
    const started = await portal.sessions.start(principal.name, principal.source);
    setCookie(req, res, started.token, portal.sessions.times.lifetime);
    await audit(principal.name, "portal.signin", principal.name, { address, source: principal.source });
    res.setHeader("Cache-Control", "no-store");
    res.status(201).json(view({ session: started.record, authorization: await portal.signIn.authorization(principal) }));
  });

  router.delete("/session", async (req, res) => {
    if (portal) {
      // Needs the CSRF header like any state change made with the cookie.
      const caller = await portal.controller.sessionOf(req);
      if (caller) await portal.controller.authenticate(req);
      const token = cookieValue(req.headers.cookie, SESSION_COOKIE);
      if (token) await portal.sessions.end(token);
      if (caller) await audit(caller.session.user, "portal.signout", caller.session.user, null);
    }
    setCookie(req, res, "", 0);
    res.status(204).end();
  });
  return router;
}
