/**
 * Berth's token endpoint, as the Docker token spec and its OAuth2 variant describe it:
 *   GET  /auth/token?service=&scope=…&offline_token=true   (Basic credentials, or none: anonymous)
 *   POST /auth/token  grant_type=password|refresh_token, service, scope, access_type=offline
 * Each requested scope is answered with the actions the caller may do (possibly none), so a
 * denied repository and a missing one look the same. `docker login` asks for a refresh token
 * (offline_token), keeps it as its identity token and later trades it in with POST.
 */
import express, { Router, type Request } from "express";
import type { AccessPolicy } from "../access/policy.js";
import { RegistryError } from "../registry/errors.js";
import { basicChallenge } from "./challenge.js";
import { clientAddress, type Authorization } from "./controller.js";
import { presentedCredentials } from "./credentials.js";
import type { Directory } from "./directory.js";
import { login, type LoginDeps } from "./login.js";
import { ANONYMOUS, type Principal } from "./principal.js";
import { policyAuthorization } from "./policy-authorization.js";
import { formatScope, parseScopes, type ResourceAccess } from "./scope.js";
import { subjectOf, type TokenIssuer } from "./tokens.js";

export interface TokenServiceOptions extends LoginDeps {
  issuer: TokenIssuer;
  directory: Directory;
  policy: AccessPolicy;
  /** Callers without credentials get tokens (for public repositories). */
  anonymous: boolean;
  /** Realm of the Basic challenge the endpoint answers wrong credentials with. */
  realm: string;
  /** Told of each `docker login` (a password login asking for an offline token), for the event log. */
  onLogin?: (req: Request, principal: Principal) => Promise<void>;
}

const REPOSITORY_ACTIONS = ["pull", "push", "delete"] as const;

/** The actions of each requested scope the caller may do; entries granting nothing are left out. */
export async function grantedAccess(authorization: Authorization, requested: ResourceAccess[]): Promise<ResourceAccess[]> {
  const result: ResourceAccess[] = [];
  for (const scope of requested) {
    let actions: string[] = [];
    if (scope.type === "repository") {
      const wanted = new Set(scope.actions.flatMap((action) => (action === "*" ? [...REPOSITORY_ACTIONS] : [action])));
      for (const action of REPOSITORY_ACTIONS) {
        if (wanted.has(action) && (await authorization.may(scope.name, action))) actions.push(action);
      }
    } else if (scope.type === "registry" && scope.name === "catalog") {
      actions = scope.actions.filter((action) => action === "*");
    } else if (scope.type === "registry" && scope.name === "admin" && authorization.isAdmin) {
      actions = scope.actions.filter((action) => action === "*");
    }
    if (actions.length > 0) result.push({ type: scope.type, name: scope.name, actions });
  }
  return result;
}

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((entry): entry is string => typeof entry === "string");
  return [];
}

function first(value: unknown): string | undefined {
  return strings(value)[0];
}

function badRequest(message: string): RegistryError {
  return new RegistryError("UNSUPPORTED", message, undefined, 400);
}

export function tokenService(options: TokenServiceOptions): Router {
  const { issuer, directory } = options;
  const router = Router();
  const unauthorized = (message: string) => basicChallenge(options.realm, [], message);

  const checkService = (service: string | undefined) => {
    if (service !== undefined && service !== issuer.settings.service) throw badRequest(`unknown service ${JSON.stringify(service.slice(0, 100))}`);
  };

  const passwordLogin = async (req: Request, user: string, password: string): Promise<Principal> => {
    const principal = await login(options, user, password, clientAddress(req));
    if (!principal) throw unauthorized("incorrect username or password");
    return principal;
  };

  const respond = async (principal: Principal, scopes: ResourceAccess[], refresh: boolean) => {
    const authorization = await policyAuthorization(options.policy, principal);
    const access = await grantedAccess(authorization, scopes);
    const subject = subjectOf(principal);
    const issued = issuer.issueAccess(subject, access);
    const body: Record<string, unknown> = {
      token: issued.token,
      access_token: issued.token,
      expires_in: issued.expiresIn,
      issued_at: issued.issuedAt,
      scope: access.map(formatScope).join(" "),
    };
    if (refresh && principal.kind !== "anonymous") {
      body.refresh_token = issuer.issueRefresh(subject, (await directory.credentialVersion(subject)) ?? "").token;
    }
    return body;
  };

  router.get("/", async (req, res) => {
    res.setHeader("Cache-Control", "no-store");
    checkService(first(req.query.service));
    const credentials = presentedCredentials(req.headers);
    let principal: Principal = ANONYMOUS;
    if (credentials.kind === "basic") principal = await passwordLogin(req, credentials.user, credentials.password);
    else if (credentials.kind !== "none") throw unauthorized("Basic credentials required");
    else if (!options.anonymous) throw unauthorized("authentication required");
    const offline = first(req.query.offline_token) === "true";
    const body = await respond(principal, parseScopes(strings(req.query.scope)), offline);
    if (offline && principal.kind !== "anonymous") await options.onLogin?.(req, principal);
    res.json(body);
  });

  router.post("/", express.urlencoded({ extended: false, limit: "16kb" }), async (req, res) => {
    res.setHeader("Cache-Control", "no-store");
    const form = (req.body ?? {}) as Record<string, unknown>;
    checkService(first(form.service));
    const scopes = parseScopes(strings(form.scope));
    const grant = first(form.grant_type);
    if (grant === "password") {
      const principal = await passwordLogin(req, first(form.username) ?? "", first(form.password) ?? "");
      const offline = first(form.access_type) === "offline";
      const body = await respond(principal, scopes, offline);
      if (offline) await options.onLogin?.(req, principal);
      res.json(body);
      return;
    }
    if (grant === "refresh_token") {
      const verified = issuer.verifyRefresh(first(form.refresh_token) ?? "");
      const principal = verified && (await directory.principalFor(verified.subject));
      const current = verified && (await directory.credentialVersion(verified.subject));
      if (!verified || !principal || current !== verified.credentialVersion) throw unauthorized("invalid or expired refresh token: log in again");
      res.json(await respond(principal, scopes, false));
      return;
    }
    throw badRequest('grant_type must be "password" or "refresh_token"');
  });

  router.get("/jwks.json", (_req, res) => {
    res.json(issuer.jwks());
  });
  return router;
}
