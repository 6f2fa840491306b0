/**
 * The `storage.swift` section, with registry:2's keys (matched case-insensitively, as its
 * mapstructure decoding does) → SwiftConfig. Numbers and booleans may arrive as text from
 * REGISTRY_STORAGE_SWIFT_* variables; a bad or unknown key fails with a message naming it.
 */
import * as z from "zod";
import { optional, text, withDefault } from "../../src/config/fields.js";
import type { Credentials } from "./auth.js";

export const DEFAULT_CHUNK_SIZE = 20 * 1024 * 1024;
export const MIN_CHUNK_SIZE = 1024 * 1024;
const TEMPURL_METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"] as const;

export interface SwiftConfig {
  credentials: Credentials;
  container: string;
  prefix: string;
  chunkSize: number;
  /** Send each segment to Swift while the request arrives (true) or gather it in memory first (false). */
  streamSegments: boolean;
  insecureSkipVerify: boolean;
  /** Sign temp URLs with this key instead of the one stored on the container or account. */
  secretKey?: string;
  /** HP Cloud style signatures: "<tenantid>:<accesskey>:<signature>". */
  accessKey?: string;
  /** Store the temp URL key on the container (Swift ≥ 2.3) rather than the account; unset: ask the cluster. */
  tempUrlContainerKey?: boolean;
  /** Methods temp URLs may be made for; unset: what the cluster's /info offers. */
  tempUrlMethods?: string[];
}

const required = (key: string) => text.refine((value) => value.trim() !== "", `${key} is required`);

const integer = z.preprocess((value) => (typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value), z.number().int());

const flag = z.preprocess((value) => {
  if (typeof value !== "string") return value;
  const lowered = value.trim().toLowerCase();
  return lowered === "true" ? true : lowered === "false" ? false : value;
}, z.boolean());

const methods = z.preprocess(
  (value) => (typeof value === "string" ? value.split(/[\s,]+/).filter((part) => part !== "") : value),
  z.array(z.preprocess((value) => (typeof value === "string" ? value.toUpperCase() : value), z.enum(TEMPURL_METHODS))),
);

const schema = z.strictObject({
  authurl: z.preprocess((value) => value ?? "", required("authurl")).refine((value) => URL.canParse(value) && /^https?:/i.test(value), {
    error: "expected an http:// or https:// URL",
  }),
  username: z.preprocess((value) => value ?? "", required("username")),
  password: z.preprocess((value) => value ?? "", required("password")),
  container: z.preprocess((value) => value ?? "", required("container")).refine((value) => !value.includes("/"), "a container name cannot hold '/'"),
  tenant: optional(text),
  tenantid: optional(text),
  domain: optional(text),
  domainid: optional(text),
  tenantdomain: optional(text),
  tenantdomainid: optional(text),
  trustid: optional(text),
  region: optional(text),
  prefix: withDefault(text, ""),
  authversion: withDefault(integer.refine((value) => [0, 1, 2, 3].includes(value), "expected 1, 2 or 3 (or 0 to pick from the URL)"), 0),
  endpointtype: withDefault(
    z.preprocess((value) => (typeof value === "string" ? value.toLowerCase() : value), z.enum(["public", "internal", "admin"])),
    "public",
  ),
  insecureskipverify: withDefault(flag, false),
  chunksize: withDefault(
    integer.refine((value) => value >= MIN_CHUNK_SIZE, `expected at least ${MIN_CHUNK_SIZE} bytes`),
    DEFAULT_CHUNK_SIZE,
  ),
  streamsegments: withDefault(flag, true),
  secretkey: optional(text),
  accesskey: optional(text),
  tempurlcontainerkey: optional(flag),
  tempurlmethods: optional(methods),
});

export function parseSwiftConfig(parameters: Record<string, unknown>): SwiftConfig {
  const lowered = Object.fromEntries(Object.entries(parameters).map(([key, value]) => [key.toLowerCase(), value]));
  const result = schema.safeParse(lowered);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.length > 0 ? `storage.swift.${issue.path.join(".")}` : "storage.swift";
      return issue.code === "unrecognized_keys" ? `storage.swift: unknown key(s) ${issue.keys.join(", ")}` : `${key}: ${issue.message}`;
    });
    throw new Error(`invalid swift storage configuration: ${problems.join("; ")}`);
  }
  const p = result.data;
  return {
    credentials: {
      authUrl: p.authurl,
      username: p.username,
      password: p.password,
      authVersion: p.authversion as Credentials["authVersion"],
      tenant: p.tenant,
      tenantId: p.tenantid,
      domain: p.domain,
      domainId: p.domainid,
      tenantDomain: p.tenantdomain,
      tenantDomainId: p.tenantdomainid,
      trustId: p.trustid,
      region: p.region,
      endpointType: p.endpointtype,
    },
    container: p.container,
    prefix: p.prefix,
    chunkSize: p.chunksize,
    streamSegments: p.streamsegments,
    insecureSkipVerify: p.insecureskipverify,
    secretKey: p.secretkey,
    accessKey: p.accesskey,
    tempUrlContainerKey: p.tempurlcontainerkey,
    tempUrlMethods: p.tempurlmethods,
  };
}
