/**
 * The answers Docker clients expect when access is missing: 401 UNAUTHORIZED with a Basic or
 * Bearer challenge (realm, service, scope) so the client logs in or fetches a token, and
 * 403 DENIED for a known caller lacking a permission. The body's detail lists what was asked
 * for, never whether a repository exists.
 */
import { RegistryError } from "../registry/errors.js";
import { formatScope, type ResourceAccess } from "./scope.js";

/** A quoted-string for an auth-param: backslash-escape `"` and `\`. */
function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, (char) => `\\${char}`)}"`;
}

function detail(wanted: ResourceAccess[]): unknown {
  if (wanted.length === 0) return undefined;
  return wanted.flatMap((access) => access.actions.map((action) => ({ Type: access.type, Name: access.name, Action: action })));
}

export function basicChallenge(realm: string, wanted: ResourceAccess[] = [], message?: string): RegistryError {
  return new RegistryError("UNAUTHORIZED", message, detail(wanted), 401, { "WWW-Authenticate": `Basic realm=${quoted(realm)}` });
}

export interface BearerChallengeOptions {
  realm: string;
  service: string;
  wanted: ResourceAccess[];
  /** A token was sent but does not cover the request (or is invalid). */
  error?: "invalid_token" | "insufficient_scope";
  message?: string;
}

export function bearerChallenge(options: BearerChallengeOptions): RegistryError {
  const params = [`realm=${quoted(options.realm)}`, `service=${quoted(options.service)}`];
  if (options.wanted.length > 0) params.push(`scope=${quoted(options.wanted.map(formatScope).join(" "))}`);
  if (options.error) params.push(`error=${quoted(options.error)}`);
  return new RegistryError("UNAUTHORIZED", options.message, detail(options.wanted), 401, { "WWW-Authenticate": `Bearer ${params.join(",")}` });
}

export function denied(wanted: ResourceAccess[]): RegistryError {
  return new RegistryError("DENIED", undefined, detail(wanted), 403);
}

export function tooManyAttempts(retryAfterSeconds: number): RegistryError {
  return new RegistryError("TOOMANYREQUESTS", "too many failed logins: try again later", undefined, 429, {
    "Retry-After": String(retryAfterSeconds),
  });
}
