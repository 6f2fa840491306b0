/**
 * Logging in to Swift: v1 (tempauth, swauth: X-Auth-User/X-Auth-Key), Keystone v2
 * (POST /tokens) and Keystone v3 (POST /auth/tokens). Each version is a pure pair —
 * the request to send and how to read its answer — so the client can retry it like any
 * other request and tests can check it without a Keystone.
 */
import type { HttpRequest } from "./http.js";

export interface Credentials {
  authUrl: string;
  username: string;
  password: string;
  /** 0 picks the version from the URL, as registry:2 does ("v3" → 3, "v2" → 2, else 1). */
  authVersion: 0 | 1 | 2 | 3;
  tenant?: string;
  tenantId?: string;
  domain?: string;
  domainId?: string;
  tenantDomain?: string;
  tenantDomainId?: string;
  trustId?: string;
  region?: string;
  /** Which catalog endpoint to use: "public" (default), "internal" or "admin". */
  endpointType: "public" | "internal" | "admin";
}

export interface Session {
  token: string;
  /** e.g. https://swift.example.com/v1/AUTH_project — containers live below it. */
  storageUrl: string;
  /** Epoch ms when the login answered. */
  obtainedAt: number;
  /** Epoch ms after which the token is no longer good, when the server says. */
  expiresAt?: number;
}

export interface AuthAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export class AuthError extends Error {}

export function effectiveVersion(credentials: Credentials): 1 | 2 | 3 {
  if (credentials.authVersion !== 0) return credentials.authVersion;
  if (credentials.authUrl.includes("v3")) return 3;
  if (credentials.authUrl.includes("v2")) return 2;
  return 1;
}

export function authRequest(credentials: Credentials): HttpRequest {
  switch (effectiveVersion(credentials)) {
    case 1:
      return { method: "GET", url: new URL(credentials.authUrl), headers: { "x-auth-user": credentials.username, "x-auth-key": credentials.password } };
    case 2:
      return jsonPost(endpoint(credentials.authUrl, "tokens"), v2Body(credentials));
    case 3:
      return jsonPost(endpoint(credentials.authUrl, "auth/tokens"), v3Body(credentials));
  }
}

export function parseAuthAnswer(credentials: Credentials, answer: AuthAnswer, now = Date.now()): Session {
  const version = effectiveVersion(credentials);
  if (answer.status === 401 || answer.status === 403) {
    throw new AuthError(`swift authentication (v${version}) at ${credentials.authUrl} refused the credentials of ${credentials.username} (${answer.status})`);
  }
  if (answer.status < 200 || answer.status >= 300) {
    throw new AuthError(`swift authentication (v${version}) at ${credentials.authUrl} answered ${answer.status}`);
  }
  switch (version) {
    case 1:
      return parseV1(answer, now);
    case 2:
      return parseV2(credentials, answer, now);
    case 3:
      return parseV3(credentials, answer, now);
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function endpoint(authUrl: string, suffix: string): URL {
  return new URL(authUrl.endsWith("/") ? `${authUrl}${suffix}` : `${authUrl}/${suffix}`);
}

function jsonPost(url: URL, body: unknown): HttpRequest {
  return { method: "POST", url, headers: { "content-type": "application/json", accept: "application/json" }, body: Buffer.from(JSON.stringify(body)) };
}

function parseV1(answer: AuthAnswer, now: number): Session {
  const token = first(answer.headers["x-auth-token"]) ?? first(answer.headers["x-storage-token"]);
  const storageUrl = first(answer.headers["x-storage-url"]);
  if (!token || !storageUrl) throw new AuthError("swift v1 authentication answered without X-Auth-Token and X-Storage-Url");
  const expires = Number(first(answer.headers["x-auth-token-expires"]));
  return { token, storageUrl: trimSlash(storageUrl), obtainedAt: now, expiresAt: Number.isFinite(expires) && expires > 0 ? now + expires * 1000 : undefined };
}

function v2Body(credentials: Credentials): unknown {
  return {
    auth: {
      passwordCredentials: { username: credentials.username, password: credentials.password },
      ...(credentials.tenantId ? { tenantId: credentials.tenantId } : credentials.tenant ? { tenantName: credentials.tenant } : {}),
    },
  };
}

interface V2Answer {
  access?: {
    token?: { id?: string; expires?: string };
    serviceCatalog?: { type?: string; endpoints?: { region?: string; publicURL?: string; internalURL?: string; adminURL?: string }[] }[];
  };
}

function parseV2(credentials: Credentials, answer: AuthAnswer, now: number): Session {
  const parsed = parseJson<V2Answer>(answer.body, "v2");
  const token = parsed.access?.token?.id;
  if (!token) throw new AuthError("swift v2 authentication answered without access.token.id");
  const key = `${credentials.endpointType}URL` as const;
  const url = (parsed.access?.serviceCatalog ?? [])
    .filter((service) => service.type === "object-store")
    .flatMap((service) => service.endpoints ?? [])
    .filter((candidate) => !credentials.region || candidate.region === credentials.region)
    .map((candidate) => candidate[key])
    .find((candidate): candidate is string => typeof candidate === "string" && candidate !== "");
  if (!url) throw new AuthError(noEndpoint(credentials));
  return { token, storageUrl: trimSlash(url), obtainedAt: now, expiresAt: parseTime(parsed.access?.token?.expires) };
}

function v3Body(credentials: Credentials): unknown {
  const userDomain = credentials.domainId ? { id: credentials.domainId } : credentials.domain ? { name: credentials.domain } : { id: "default" };
  const projectDomain = credentials.tenantDomainId
    ? { id: credentials.tenantDomainId }
    : credentials.tenantDomain
      ? { name: credentials.tenantDomain }
      : userDomain;
  let scope: unknown;
  if (credentials.trustId) scope = { "OS-TRUST:trust": { id: credentials.trustId } };
  else if (credentials.tenantId) scope = { project: { id: credentials.tenantId } };
  else if (credentials.tenant) scope = { project: { name: credentials.tenant, domain: projectDomain } };
  return {
    auth: {
      identity: { methods: ["password"], password: { user: { name: credentials.username, password: credentials.password, domain: userDomain } } },
      ...(scope === undefined ? {} : { scope }),
    },
  };
}

interface V3Answer {
  token?: {
    expires_at?: string;
    catalog?: { type?: string; endpoints?: { interface?: string; region?: string; region_id?: string; url?: string }[] }[];
  };
}

function parseV3(credentials: Credentials, answer: AuthAnswer, now: number): Session {
  const token = first(answer.headers["x-subject-token"]);
  if (!token) throw new AuthError("swift v3 authentication answered without X-Subject-Token");
  const parsed = parseJson<V3Answer>(answer.body, "v3");
  const url = (parsed.token?.catalog ?? [])
    .filter((service) => service.type === "object-store")
    .flatMap((service) => service.endpoints ?? [])
    .filter((candidate) => candidate.interface === credentials.endpointType)
    .filter((candidate) => !credentials.region || candidate.region === credentials.region || candidate.region_id === credentials.region)
    .map((candidate) => candidate.url)
    .find((candidate): candidate is string => typeof candidate === "string" && candidate !== "");
  if (!url) throw new AuthError(noEndpoint(credentials));
  return { token, storageUrl: trimSlash(url), obtainedAt: now, expiresAt: parseTime(parsed.token?.expires_at) };
}

function noEndpoint(credentials: Credentials): string {
  const region = credentials.region ? ` in region ${credentials.region}` : "";
  return `swift authentication found no ${credentials.endpointType} object-store endpoint${region} in the service catalog`;
}

function parseJson<T>(body: Buffer, version: string): T {
  try {
    return JSON.parse(body.toString("utf8")) as T;
  } catch {
    throw new AuthError(`swift ${version} authentication answered with a body that is not JSON`);
  }
}

function parseTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
