/**
 * When the LDAP directory cannot be asked (unreachable, its certificate not trusted, the
 * search user refused), a login is neither right nor wrong: the caller gets 503 (not counted
 * as a failed login), the log says what went wrong in words an operator can act on, and the
 * administrator's test login and LDAP sync answer with that reason.
 */
import { RegistryError } from "../registry/errors.js";

/**
 * LDAP's invalidCredentials result code (RFC 4511), as ldapts's InvalidCredentialsError carries
 * it: compared by code so that this module, imported by the admin API, does not load ldapts.
 */
const INVALID_CREDENTIALS = 49;

/** Node's codes for a certificate chain that does not lead to a trusted CA. */
const UNTRUSTED = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
]);

/** What went wrong talking to the directory at `url`. */
export function describeLdapFailure(error: unknown, url: string): string {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === "string" && UNTRUSTED.has(code)) {
    return `the certificate of the LDAP server ${url} is not trusted (${message}): set ldap.tls.ca to the PEM file of the CA that signed it`;
  }
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") return `the certificate of the LDAP server ${url} is not valid now (${message})`;
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return `the certificate of the LDAP server does not name the host of ldap.url ${url} (${message})`;
  if (code === INVALID_CREDENTIALS) return `the LDAP server ${url} refused the search user (ldap.binddn, ldap.bindpassword): ${message}`;
  return `LDAP server ${url}: ${message}`;
}

/** 503 for the caller, with the reason kept for administrators (the client sees only that the directory is down). */
export class LdapUnavailableError extends RegistryError {
  constructor(readonly reason: string) {
    super("UNAVAILABLE", "the LDAP directory cannot be reached: see the registry's log", undefined, 503);
  }

  /** The error an administrator is shown: the reason itself. */
  forAdministrators(): RegistryError {
    return new RegistryError("UNAVAILABLE", `the LDAP directory cannot be reached: ${this.reason}`, undefined, 503);
  }
}
