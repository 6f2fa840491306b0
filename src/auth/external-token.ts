/**
 * Tokens from an external issuer (registry:2's `auth.token`): JWTs whose signing key is found
 * through the header's x5c certificate chain, which must lead to a certificate of
 * rootcertbundle, or through its kid (a key of the JWKS file, or registry:2's libtrust key ID
 * of a bundle certificate's key). The header's algorithm must be one of signingalgorithms
 * (never `none`, never an HMAC); iss, aud (= service), exp and nbf are checked; the `access`
 * claim alone decides what the bearer may do.
 */
import jwt, { type Algorithm, type JwtHeader } from "jsonwebtoken";
import { createPublicKey, X509Certificate, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError } from "../config/errors.js";
import type { TokenAuthConfig } from "../config/types.js";
import type { Authorization } from "./controller.js";
import { libtrustKeyId } from "./signing-key.js";
import { ADMIN, CATALOG, CATALOG_SEARCH, type ResourceAccess } from "./scope.js";
import { granted, type BearerVerifier, type VerifiedBearer } from "./token-controller.js";
import { accessClaim } from "./tokens.js";

export const ASYMMETRIC_ALGORITHMS: readonly Algorithm[] = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

/** Clock skew tolerated between the issuer and Berth, in seconds. */
const LEEWAY_SECONDS = 30;

export interface ExternalTokenSettings {
  issuer: string;
  service: string;
  roots: X509Certificate[];
  /** Keys by kid: the JWKS file's, and the bundle certificates' libtrust key IDs. */
  keys: Map<string, KeyObject>;
  algorithms: Algorithm[];
}

export function parseCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

function valid(certificate: X509Certificate, now: number): boolean {
  return Date.parse(certificate.validFrom) <= now && now <= Date.parse(certificate.validTo);
}

/** Whether `issuer` signed `certificate` and may sign certificates. */
function signedBy(certificate: X509Certificate, issuer: X509Certificate): boolean {
  return issuer.ca && certificate.checkIssued(issuer) && certificate.verify(issuer.publicKey);
}

/** The leaf's public key when the x5c chain is valid now and ends at (or under) a root; else null. */
export function verifyChain(x5c: unknown, roots: X509Certificate[], now = Date.now()): KeyObject | null {
  if (!Array.isArray(x5c) || x5c.length === 0 || x5c.length > 10 || !x5c.every((entry) => typeof entry === "string")) return null;
  let chain: X509Certificate[];
  try {
    chain = x5c.map((entry: string) => new X509Certificate(Buffer.from(entry, "base64")));
  } catch {
    return null;
  }
  if (!chain.every((certificate) => valid(certificate, now))) return null;
  for (let index = 0; index + 1 < chain.length; index++) {
    const [child, parent] = [chain[index], chain[index + 1]];
    if (!child || !parent || !signedBy(child, parent)) return null;
  }
  const top = chain[chain.length - 1];
  const anchored = roots.some(
    (root) => valid(root, now) && top !== undefined && (root.fingerprint256 === top.fingerprint256 || signedBy(top, root)),
  );
  return anchored ? (chain[0]?.publicKey ?? null) : null;
}

function readFile(path: string, key: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError([`${key}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`]);
  }
}

function jwksKeys(path: string): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFile(path, "auth.token.jwks"));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError([`auth.token.jwks: ${path} is not JSON`]);
  }
  const list = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(list)) throw new ConfigError([`auth.token.jwks: ${path} holds no "keys" list`]);
  for (const jwk of list as Record<string, unknown>[]) {
    if (typeof jwk.kid !== "string") throw new ConfigError([`auth.token.jwks: every key in ${path} needs a kid`]);
    if (jwk.kty === "oct") throw new ConfigError([`auth.token.jwks: ${jwk.kid} is a symmetric key; only public keys are accepted`]);
    try {
      keys.set(jwk.kid, createPublicKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" }));
    } catch (error) {
      throw new ConfigError([`auth.token.jwks: key ${jwk.kid}: ${error instanceof Error ? error.message : String(error)}`]);
    }
  }
  return keys;
}

/** registry:2's token options → settings, naming the key at fault. */
export function externalTokenSettings(token: TokenAuthConfig): ExternalTokenSettings & { realm: string; autoredirect: boolean } {
  const missing = (["realm", "service", "issuer"] as const).filter((key) => !token[key]);
  if (missing.length > 0) throw new ConfigError(missing.map((key) => `auth.token.${key}: required`));
  if (!token.rootcertbundle && !token.jwks) throw new ConfigError(["auth.token.rootcertbundle: required (or auth.token.jwks)"]);
  const roots = token.rootcertbundle ? parseCertificates(readFile(token.rootcertbundle, "auth.token.rootcertbundle")) : [];
  if (token.rootcertbundle && roots.length === 0) throw new ConfigError([`auth.token.rootcertbundle: no certificate in ${token.rootcertbundle}`]);
  const keys = token.jwks ? jwksKeys(token.jwks) : new Map<string, KeyObject>();
  for (const root of roots) keys.set(libtrustKeyId(root.publicKey), root.publicKey);
  const algorithms = (token.signingalgorithms ?? ASYMMETRIC_ALGORITHMS) as Algorithm[];
  const refused = algorithms.filter((algorithm) => !ASYMMETRIC_ALGORITHMS.includes(algorithm));
  if (refused.length > 0) {
    throw new ConfigError([`auth.token.signingalgorithms: ${refused.join(", ")} not accepted (one of ${ASYMMETRIC_ALGORITHMS.join(", ")})`]);
  }
  return {
    realm: token.realm ?? "",
    service: token.service ?? "",
    issuer: token.issuer ?? "",
    autoredirect: token.autoredirect === true,
    roots,
    keys,
    algorithms,
  };
}

/** What a verified external token lets its bearer do: exactly its access claim. */
function claimAuthorization(subject: string, access: ResourceAccess[]): Authorization {
  const may = async (repository: string, action: string) => granted(access, [{ type: "repository", name: repository, actions: [action] }]);
  return {
    principal: { kind: "user", name: subject, role: "none", source: "token" },
    isAdmin: granted(access, [ADMIN]),
    may,
    // With the catalog scope the issuer lets the bearer list everything, as registry:2 does;
    // `registry:catalog:search` (what dockerd asks for before `docker search`) lists for search.
    // (/v2/_catalog itself still needs registry:catalog:*.)
    listable: async (repository) => granted(access, [CATALOG]) || granted(access, [CATALOG_SEARCH]) || may(repository, "pull"),
  };
}

export class ExternalBearerVerifier implements BearerVerifier {
  constructor(private readonly settings: ExternalTokenSettings) {}

  private key(header: JwtHeader): KeyObject | null {
    if (header.x5c !== undefined) return verifyChain(header.x5c, this.settings.roots);
    if (typeof header.kid === "string") return this.settings.keys.get(header.kid) ?? null;
    return null;
  }

  async verify(token: string): Promise<VerifiedBearer | null> {
    const decoded = jwt.decode(token, { complete: true });
    if (!decoded || typeof decoded.payload === "string") return null;
    const algorithm = decoded.header.alg as Algorithm;
    if (!this.settings.algorithms.includes(algorithm)) return null;
    const key = this.key(decoded.header);
    if (!key) return null;
    let claims: jwt.JwtPayload | string;
    try {
      claims = jwt.verify(token, key, {
        algorithms: [algorithm],
        issuer: this.settings.issuer,
        audience: this.settings.service,
        clockTolerance: LEEWAY_SECONDS,
      });
    } catch {
      return null;
    }
    // A token without an expiry would never expire.
    if (typeof claims === "string" || typeof claims.exp !== "number") return null;
    const access = accessClaim(claims.access);
    if (!access) return null;
    return { authorization: claimAuthorization(typeof claims.sub === "string" ? claims.sub : "", access), granted: access };
  }
}
