/**
 * Basic authentication on every request (registry:2's htpasswd controller, or Berth's users
 * with auth.berth.mode: basic). No or wrong credentials → 401 with `Basic realm="…"`;
 * a known caller without the permission → 403 DENIED; anonymous callers reach public
 * repositories only when allowed.
 */
import type { Request } from "express";
import type { AccessPolicy } from "../access/policy.js";
import { basicChallenge, denied } from "./challenge.js";
import { clientAddress, type AccessController, type Authorization } from "./controller.js";
import { presentedCredentials } from "./credentials.js";
import { login, type LoginDeps } from "./login.js";
import { ANONYMOUS } from "./principal.js";
import { covers, policyAuthorization } from "./policy-authorization.js";
import type { ResourceAccess } from "./scope.js";

export interface BasicControllerOptions extends LoginDeps {
  realm: string;
  policy: AccessPolicy;
  /** Anonymous callers are let through to what the policy gives them (public repositories). */
  anonymous: boolean;
}

export class BasicController implements AccessController {
  constructor(private readonly options: BasicControllerOptions) {}

  async authenticate(req: Request): Promise<Authorization> {
    const credentials = presentedCredentials(req.headers);
    if (credentials.kind === "none") return policyAuthorization(this.options.policy, ANONYMOUS);
    if (credentials.kind !== "basic") throw basicChallenge(this.options.realm, [], "Basic credentials required");
    const principal = await login(this.options, credentials.user, credentials.password, clientAddress(req));
    if (!principal) throw basicChallenge(this.options.realm, [], "invalid user name or password");
    return policyAuthorization(this.options.policy, principal);
  }

  async authorize(req: Request, wanted: ResourceAccess[]): Promise<Authorization> {
    const authorization = await this.authenticate(req);
    const anonymous = authorization.principal.kind === "anonymous";
    // `GET /v2/` must challenge anonymous callers: it is how clients learn to log in.
    if (anonymous && (!this.options.anonymous || wanted.length === 0)) throw basicChallenge(this.options.realm, wanted);
    if (await covers(authorization, wanted)) return authorization;
    throw anonymous ? basicChallenge(this.options.realm, wanted) : denied(wanted);
  }
}
