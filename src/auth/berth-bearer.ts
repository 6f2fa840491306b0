/** Verifying Berth's own access tokens: signature and claims, then the principal as it is now. */
import type { AccessPolicy } from "../access/policy.js";
import type { Directory } from "./directory.js";
import { policyAuthorization } from "./policy-authorization.js";
import type { BearerVerifier, VerifiedBearer } from "./token-controller.js";
import type { TokenIssuer } from "./tokens.js";

export class BerthBearerVerifier implements BearerVerifier {
  constructor(
    private readonly issuer: TokenIssuer,
    private readonly directory: Directory,
    private readonly policy: AccessPolicy,
  ) {}

  async verify(token: string): Promise<VerifiedBearer | null> {
    const verified = this.issuer.verifyAccess(token);
    if (!verified) return null;
    // A deleted or deactivated user's (or a revoked robot's) tokens stop working at once.
    const principal = await this.directory.principalFor(verified.subject);
    if (!principal) return null;
    return { authorization: await policyAuthorization(this.policy, principal), granted: verified.access };
  }
}
