/**
 * Berth's own tokens, JWTs signed with the signing key:
 * - access tokens as the Docker token spec has them (iss, sub, aud = service, exp, nbf, iat,
 *   jti, access: [{type, name, actions}]), short-lived;
 * - refresh tokens (`docker login` keeps one as its identity token), longer-lived, with their
 *   own audience so they are never accepted as access tokens. They name the principal and a
 *   fingerprint of the user's password hash, so changing the password revokes them.
 */
import jwt from "jsonwebtoken";
import { createHash, randomUUID } from "node:crypto";
import type { Principal } from "./principal.js";
import type { ResourceAccess } from "./scope.js";
import type { SigningKey } from "./signing-key.js";

export interface TokenSettings {
  issuer: string;
  service: string;
  /** Milliseconds. */
  accessLifetime: number;
  /** Milliseconds. */
  refreshLifetime: number;
}

/** Who a token speaks for: the kind of principal and its name (a robot by its id). */
export interface TokenSubject {
  kind: "anonymous" | "user" | "robot";
  /** User name, robot id, or "" for anonymous. */
  name: string;
}

export interface IssuedToken {
  token: string;
  /** Seconds. */
  expiresIn: number;
  issuedAt: string;
}

export interface VerifiedAccessToken {
  subject: TokenSubject;
  access: ResourceAccess[];
}

export interface VerifiedRefreshToken {
  subject: TokenSubject;
  /** Fingerprint of the password hash when the token was issued. */
  credentialVersion: string;
}

/** A short fingerprint of a credential (password hash, robot secret hash); "" when there is none. */
export function credentialVersion(hash: string | null): string {
  return hash === null ? "" : createHash("sha256").update(hash).digest("base64url").slice(0, 16);
}

export function subjectOf(principal: Principal): TokenSubject {
  if (principal.kind === "anonymous") return { kind: "anonymous", name: "" };
  if (principal.kind === "robot") return { kind: "robot", name: principal.id };
  return { kind: "user", name: principal.name };
}

interface BerthClaims {
  sub: string;
  /** The principal's kind (Berth's own claim). */
  bkind?: unknown;
  access?: unknown;
  cver?: unknown;
}

function isResourceAccess(value: unknown): value is ResourceAccess {
  if (typeof value !== "object" || value === null) return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.type === "string" &&
    typeof entry.name === "string" &&
    Array.isArray(entry.actions) &&
    entry.actions.every((action) => typeof action === "string")
  );
}

/** The `access` claim, strictly: a list of {type, name, actions}; anything else → null. */
export function accessClaim(value: unknown): ResourceAccess[] | null {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isResourceAccess)) return null;
  return value;
}

function subjectFrom(claims: BerthClaims): TokenSubject | null {
  const kind = claims.bkind;
  if (kind !== "anonymous" && kind !== "user" && kind !== "robot") return null;
  return { kind, name: claims.sub };
}

export class TokenIssuer {
  private readonly refreshAudience: string;

  constructor(
    private readonly key: SigningKey,
    readonly settings: TokenSettings,
  ) {
    this.refreshAudience = `${settings.service}#refresh`;
  }

  private sign(claims: Record<string, unknown>, audience: string, lifetime: number): IssuedToken {
    const now = Math.floor(Date.now() / 1000);
    const seconds = Math.max(1, Math.floor(lifetime / 1000));
    const token = jwt.sign({ ...claims, iat: now, nbf: now, exp: now + seconds }, this.key.privateKey, {
      algorithm: this.key.algorithm,
      keyid: this.key.keyId,
      issuer: this.settings.issuer,
      audience,
      jwtid: randomUUID(),
    });
    return { token, expiresIn: seconds, issuedAt: new Date(now * 1000).toISOString() };
  }

  issueAccess(subject: TokenSubject, access: ResourceAccess[]): IssuedToken {
    return this.sign({ sub: subject.name, bkind: subject.kind, access }, this.settings.service, this.settings.accessLifetime);
  }

  issueRefresh(subject: TokenSubject, version: string): IssuedToken {
    return this.sign({ sub: subject.name, bkind: subject.kind, cver: version }, this.refreshAudience, this.settings.refreshLifetime);
  }

  private verify(token: string, audience: string): BerthClaims | null {
    try {
      const claims = jwt.verify(token, this.key.publicKey, {
        algorithms: [this.key.algorithm],
        issuer: this.settings.issuer,
        audience,
        clockTolerance: 0, // issued and checked on the same clock
      });
      if (typeof claims !== "object" || typeof claims.sub !== "string") return null;
      return claims as BerthClaims;
    } catch {
      return null;
    }
  }

  verifyAccess(token: string): VerifiedAccessToken | null {
    const claims = this.verify(token, this.settings.service);
    const subject = claims && subjectFrom(claims);
    const access = claims && accessClaim(claims.access);
    return subject && access ? { subject, access } : null;
  }

  verifyRefresh(token: string): VerifiedRefreshToken | null {
    const claims = this.verify(token, this.refreshAudience);
    const subject = claims && subjectFrom(claims);
    if (!subject || subject.kind === "anonymous" || typeof claims?.cver !== "string") return null;
    return { subject, credentialVersion: claims.cver };
  }

  /** Public key set (JWKS) of this issuer, so other registries can verify its tokens. */
  jwks(): { keys: Record<string, unknown>[] } {
    const jwk = this.key.publicKey.export({ format: "jwk" });
    return { keys: [{ ...jwk, kid: this.key.keyId, alg: this.key.algorithm, use: "sig" }] };
  }
}
