/**
 * Bearer tokens on every request (registry:2's token controller, and Berth's built-in token
 * service). No token → 401 with `Bearer realm=…,service=…,scope=…` so the client fetches one;
 * an invalid token → the same with error="invalid_token"; a token whose `access` claim does
 * not cover the request → error="insufficient_scope". With Berth's own users, Basic
 * credentials are accepted too (for curl and scripts), judged by the access model.
 */
import type { Request } from "express";
import type { AccessPolicy } from "../access/policy.js";
import { bearerChallenge, denied } from "./challenge.js";
import { clientAddress, type AccessController, type Authorization } from "./controller.js";
import { presentedCredentials } from "./credentials.js";
import { login, type LoginDeps } from "./login.js";
import { ANONYMOUS } from "./principal.js";
import { covers, policyAuthorization } from "./policy-authorization.js";
import type { ResourceAccess } from "./scope.js";

export interface VerifiedBearer {
  authorization: Authorization;
  /** What the token's `access` claim grants. */
  granted: ResourceAccess[];
}

export interface BearerVerifier {
  verify(token: string): Promise<VerifiedBearer | null>;
}

export interface TokenControllerOptions {
  /** The token endpoint clients are sent to. */
  realm: (req: Request) => string;
  service: string;
  verifier: BearerVerifier;
  /** Berth's own users: Basic credentials accepted and anonymous callers judged by the policy. */
  basic?: LoginDeps & { policy: AccessPolicy };
}

/** Whether the granted entries allow every action wanted ("*" allows any action on its resource). */
export function granted(grants: ResourceAccess[], wanted: ResourceAccess[]): boolean {
  return wanted.every((want) =>
    want.actions.every((action) =>
      grants.some((grant) => grant.type === want.type && grant.name === want.name && (grant.actions.includes(action) || grant.actions.includes("*"))),
    ),
  );
}

/** What an anonymous caller may do without a token: nothing (the client will fetch one). */
const NOBODY: Authorization = {
  principal: ANONYMOUS,
  isAdmin: false,
  may: async () => false,
  listable: async () => false,
};

export class TokenController implements AccessController {
  constructor(private readonly options: TokenControllerOptions) {}

  private challenge(req: Request, wanted: ResourceAccess[], error?: "invalid_token" | "insufficient_scope", message?: string) {
    return bearerChallenge({
      realm: this.options.realm(req),
      service: this.options.service,
      wanted,
      ...(error ? { error } : {}),
      ...(message ? { message } : {}),
    });
  }

  async authenticate(req: Request): Promise<Authorization> {
    const credentials = presentedCredentials(req.headers);
    const { basic } = this.options;
    switch (credentials.kind) {
      case "none":
        return basic ? policyAuthorization(basic.policy, ANONYMOUS) : NOBODY;
      case "bearer": {
        const verified = await this.options.verifier.verify(credentials.token);
        if (!verified) throw this.challenge(req, [], "invalid_token", "invalid or expired token");
        return verified.authorization;
      }
      case "basic": {
        if (!basic) throw this.challenge(req, [], undefined, "a Bearer token is required");
        const principal = await login(basic, credentials.user, credentials.password, clientAddress(req));
        if (!principal) throw this.challenge(req, [], undefined, "invalid user name or password");
        return policyAuthorization(basic.policy, principal);
      }
      default:
        throw this.challenge(req, [], "invalid_token", "unsupported Authorization header");
    }
  }

  async authorize(req: Request, wanted: ResourceAccess[]): Promise<Authorization> {
    const credentials = presentedCredentials(req.headers);
    if (credentials.kind === "none") throw this.challenge(req, wanted);
    if (credentials.kind === "bearer") {
      const verified = await this.options.verifier.verify(credentials.token);
      if (!verified) throw this.challenge(req, wanted, "invalid_token", "invalid or expired token");
      if (!granted(verified.granted, wanted)) throw this.challenge(req, wanted, "insufficient_scope");
      return verified.authorization;
    }
    const authorization = await this.authenticate(req);
    if (await covers(authorization, wanted)) return authorization;
    throw denied(wanted);
  }
}
