/**
 * Swift temp URLs (the tempurl middleware): an HMAC of "METHOD\nexpires\n/v1/account/container/object"
 * with a key stored on the account or container, so a client can fetch one object for a while
 * without a token. A signature for GET also allows HEAD.
 */
import { createHmac } from "node:crypto";
import { encodeObjectName } from "./client.js";

export type TempUrlDigest = "sha1" | "sha256" | "sha512";

export interface TempUrlRequest {
  storageUrl: string;
  container: string;
  object: string;
  method: string;
  key: string;
  digest: TempUrlDigest;
  /** Epoch seconds. */
  expires: number;
  /** HP Cloud style: the signature becomes "<tenantId>:<accessKey>:<signature>". */
  accessKey?: string;
  tenantId?: string;
}

export function tempUrl(request: TempUrlRequest): string {
  const base = new URL(request.storageUrl);
  const signedPath = `${decodeURIComponent(base.pathname.replace(/\/+$/, ""))}/${request.container}/${request.object}`;
  const hmac = createHmac(request.digest, request.key).update(`${request.method}\n${request.expires}\n${signedPath}`);
  // sha512 hex would be 128 characters; Swift wants it prefixed and in base64 instead.
  let signature = request.digest === "sha512" ? `sha512:${hmac.digest("base64url")}` : hmac.digest("hex");
  if (request.accessKey) signature = `${request.tenantId ?? ""}:${request.accessKey}:${signature}`;
  const url = new URL(`${request.storageUrl.replace(/\/+$/, "")}/${encodeURIComponent(request.container)}/${encodeObjectName(request.object)}`);
  url.searchParams.set("temp_url_sig", signature);
  url.searchParams.set("temp_url_expires", String(request.expires));
  return url.toString();
}

/** The strongest digest the cluster accepts (its /info "tempurl.allowed_digests"); sha1 for old clusters. */
export function pickDigest(allowed: unknown): TempUrlDigest {
  const list = Array.isArray(allowed) ? allowed.filter((entry): entry is string => typeof entry === "string") : [];
  if (list.length === 0) return "sha1";
  for (const digest of ["sha256", "sha512", "sha1"] as const) if (list.includes(digest)) return digest;
  return "sha1";
}
