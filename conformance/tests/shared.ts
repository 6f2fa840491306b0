/** Checks several tests share: a manifest or blob is served correctly, or is gone. */
import { expectBody, expectError, expectHeader, expectStatus, fail, mediaTypeOf } from "../check.js";
import { type Content, digestOf } from "../content.js";
import type { TestContext } from "../context.js";
import type { Exchange } from "../http.js";

const DIGEST_HEADER = "docker-content-digest";

/** GET and HEAD of a manifest by `reference` return its exact bytes, type, digest and length. */
export async function expectManifestServed(ctx: TestContext, repo: string, reference: string, manifest: Content, accept: string = manifest.mediaType): Promise<void> {
  const path = `/v2/${repo}/manifests/${reference}`;
  const get = await ctx.request({ method: "GET", path, headers: { Accept: accept } });
  const what = `GET manifest ${reference.length > 20 ? reference.slice(0, 19) + "…" : reference}`;
  expectStatus(get, 200, { what });
  expectBody(get, manifest.bytes, { what: `${what} returns the exact bytes pushed` });
  expectHeader(get, "content-type", (value) => mediaTypeOf(value) === manifest.mediaType, {
    what,
    description: `Content-Type: ${manifest.mediaType} (the type it was pushed with)`,
  });
  expectHeader(get, DIGEST_HEADER, manifest.digest, { what });

  const head = await ctx.request({ method: "HEAD", path, headers: { Accept: accept } });
  const headWhat = `HEAD manifest ${reference.length > 20 ? reference.slice(0, 19) + "…" : reference}`;
  expectStatus(head, 200, { what: headWhat });
  expectHeader(head, DIGEST_HEADER, manifest.digest, { what: headWhat });
  expectHeader(head, "content-length", String(manifest.size), { what: headWhat });
  expectHeader(head, "content-type", (value) => mediaTypeOf(value) === manifest.mediaType, {
    what: headWhat,
    description: `Content-Type: ${manifest.mediaType}`,
  });
  if (head.body.length > 0) fail("HEAD returned a body", head, "no body", { what: headWhat });
}

export async function expectManifestGone(ctx: TestContext, repo: string, reference: string, what: string): Promise<void> {
  const get = await ctx.request({ method: "GET", path: `/v2/${repo}/manifests/${reference}`, headers: { Accept: ALL_ACCEPT } });
  expectError(get, 404, ["MANIFEST_UNKNOWN", "NAME_UNKNOWN"], { what });
}

export async function expectBlobServed(ctx: TestContext, repo: string, blob: Content, what = "GET blob"): Promise<Exchange> {
  const get = await ctx.request({ method: "GET", path: `/v2/${repo}/blobs/${blob.digest}` });
  expectStatus(get, 200, { what });
  expectBody(get, blob.bytes, { what });
  // The header must describe the body; the spec lets it use another algorithm than the request.
  const announced = expectHeader(get, DIGEST_HEADER, (value) => value === blob.digest || value === digestOf(blob.bytes, "sha256"), {
    what,
    description: `Docker-Content-Digest: ${blob.digest} (or the body's digest in another algorithm)`,
  });
  if (announced !== blob.digest) ctx.note(`${what}: Docker-Content-Digest uses ${announced.split(":")[0]} for a ${blob.digest.split(":")[0]} blob`);
  return get;
}

/** HEAD and GET of the blob are 404 in `repo`. */
export async function expectBlobAbsent(ctx: TestContext, repo: string, digest: string, what: string): Promise<void> {
  const head = await ctx.request({ method: "HEAD", path: `/v2/${repo}/blobs/${digest}` });
  expectStatus(head, 404, { what: `${what} (HEAD)` });
  const get = await ctx.request({ method: "GET", path: `/v2/${repo}/blobs/${digest}` });
  expectError(get, 404, ["BLOB_UNKNOWN", "NAME_UNKNOWN"], { what: `${what} (GET)` });
}

export const ALL_ACCEPT = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
].join(", ");

/** The tags of a repository (unpaginated), or a failure. */
export async function listTags(ctx: TestContext, repo: string): Promise<string[]> {
  const exchange = await ctx.request({ method: "GET", path: `/v2/${repo}/tags/list` });
  expectStatus(exchange, 200, { what: "GET tags/list" });
  const parsed = JSON.parse(exchange.body.toString("utf8")) as { tags?: unknown };
  if (parsed.tags === null || parsed.tags === undefined) return [];
  if (!Array.isArray(parsed.tags)) fail("tags is not an array", exchange, '{"name":…,"tags":[…]}', { what: "GET tags/list" });
  return parsed.tags.map(String);
}
