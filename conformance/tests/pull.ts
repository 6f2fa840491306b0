/** The version check and the Pull workflow: manifests and blobs by tag and digest, HEAD, Range. */
import { ensure, expectBody, expectError, expectHeader, expectStatus, fail, mediaTypeOf } from "../check.js";
import { type Content, digestOf, layerBlob, MEDIA, randomBlob, content } from "../content.js";
import type { PushedImage, TestContext } from "../context.js";
import { REDIRECTED_NOTE } from "../redirects.js";
import { group } from "../suite.js";
import { ALL_ACCEPT, expectManifestServed } from "./shared.js";

const api = group("api");

api.test("GET /v2/ returns 200", [], async (ctx) => {
  const exchange = await ctx.request({ method: "GET", path: "/v2/" });
  expectStatus(exchange, 200, { what: "version check" });
});

api.test("GET /v2/ sends Docker-Distribution-API-Version: registry/2.0", ["api-version-header"], async (ctx) => {
  const exchange = await ctx.request({ method: "GET", path: "/v2/" });
  expectStatus(exchange, 200);
  expectHeader(exchange, "docker-distribution-api-version", (value) => value.trim() === "registry/2.0", {
    description: "Docker-Distribution-API-Version: registry/2.0",
  });
});

export const apiTests = api.tests;

const pull = group("pull");

interface PullFixture {
  image: PushedImage;
  layer: Content;
}

/** One OCI image tagged "latest" with a 2 KiB layer, shared by the pull tests. */
function pullFixture(ctx: TestContext): Promise<PullFixture> {
  return ctx.fixture("pull", async () => {
    const image = await ctx.pushImage(ctx.repo("pull"), { tag: "latest", layerSize: 2048 });
    const layer = image.layers[0];
    if (!layer) throw new Error("fixture has no layer");
    return { image, layer };
  });
}

pull.test("GET manifest by tag", [], async (ctx) => {
  const { image } = await pullFixture(ctx);
  await expectManifestServed(ctx, image.repo, "latest", image.manifest);
});

pull.test("GET manifest by digest", [], async (ctx) => {
  const { image } = await pullFixture(ctx);
  await expectManifestServed(ctx, image.repo, image.manifest.digest, image.manifest);
});

pull.test("GET manifest with an Accept header listing several types", [], async (ctx) => {
  const { image } = await pullFixture(ctx);
  const exchange = await ctx.request({
    method: "GET",
    path: `/v2/${image.repo}/manifests/latest`,
    headers: { Accept: `${MEDIA.dockerManifest};q=0.9, ${MEDIA.ociManifest}, ${MEDIA.ociIndex};q=0.5, */*;q=0.1` },
  });
  expectStatus(exchange, 200);
  expectBody(exchange, image.manifest.bytes);
  expectHeader(exchange, "content-type", (value) => mediaTypeOf(value) === MEDIA.ociManifest, { description: `Content-Type: ${MEDIA.ociManifest}` });
});

pull.test("HEAD blob returns Content-Length and Docker-Content-Digest", [], async (ctx) => {
  const { image, layer } = await pullFixture(ctx);
  const exchange = await ctx.request({ method: "HEAD", path: `/v2/${image.repo}/blobs/${layer.digest}` });
  expectStatus(exchange, 200);
  expectHeader(exchange, "content-length", String(layer.size));
  expectHeader(exchange, "docker-content-digest", layer.digest);
  if (exchange.body.length > 0) fail("HEAD returned a body", exchange, "no body");
});

pull.test("GET blob returns its bytes, Content-Length and Docker-Content-Digest", [], async (ctx) => {
  const { image, layer } = await pullFixture(ctx);
  const exchange = await ctx.request({ method: "GET", path: `/v2/${image.repo}/blobs/${layer.digest}` });
  expectStatus(exchange, 200);
  expectBody(exchange, layer.bytes);
  expectHeader(exchange, "content-length", String(layer.size));
  expectHeader(exchange, "docker-content-digest", layer.digest);
  ensure(digestOf(exchange.body) === layer.digest, "the body does not hash to the requested digest");
});

pull.test("GET blob sends an ETag", ["blob-etag"], async (ctx) => {
  const { image, layer } = await pullFixture(ctx);
  const exchange = await ctx.request({ method: "GET", path: `/v2/${image.repo}/blobs/${layer.digest}` });
  expectStatus(exchange, 200);
  if (exchange.redirect) {
    // Redirected: the ETag is the storage's own (an MD5, a version), not the registry's to choose.
    ctx.note(`${REDIRECTED_NOTE} (${exchange.redirect.status}); its ETag is the storage's`);
    return;
  }
  expectHeader(exchange, "etag", (value) => value.includes(layer.digest.split(":")[1] ?? "\u0000"), {
    description: "an ETag naming the blob's digest",
  });
});

pull.test("GET blob sends Accept-Ranges: bytes", ["range"], async (ctx) => {
  const { image, layer } = await pullFixture(ctx);
  const exchange = await ctx.request({ method: "GET", path: `/v2/${image.repo}/blobs/${layer.digest}` });
  expectStatus(exchange, 200);
  if (exchange.redirect && exchange.headers["accept-ranges"] === undefined) {
    // The storage's own headers: whether ranges work there is what the Range tests check.
    ctx.note(`${REDIRECTED_NOTE}, which does not send Accept-Ranges`);
    return;
  }
  expectHeader(exchange, "accept-ranges", (value) => value.trim().toLowerCase() === "bytes", { description: "Accept-Ranges: bytes" });
});

pull.test("Range request returns 206 with Content-Range", ["range"], async (ctx) => {
  const { image, layer } = await pullFixture(ctx);
  const exchange = await ctx.request({ method: "GET", path: `/v2/${image.repo}/blobs/${layer.digest}`, headers: { Range: "bytes=10-99" } });
  expectStatus(exchange, 206);
  expectHeader(exchange, "content-range", `bytes 10-99/${layer.size}`);
  expectHeader(exchange, "content-length", "90");
  expectBody(exchange, layer.bytes.subarray(10, 100));
});

pull.test("open-ended and suffix Range requests", ["range"], async (ctx) => {
  const { image, layer } = await pullFixture(ctx);
  const path = `/v2/${image.repo}/blobs/${layer.digest}`;
  const open = await ctx.request({ method: "GET", path, headers: { Range: `bytes=${layer.size - 48}-` } });
  expectStatus(open, 206, { what: "bytes=N-" });
  expectHeader(open, "content-range", `bytes ${layer.size - 48}-${layer.size - 1}/${layer.size}`, { what: "bytes=N-" });
  expectBody(open, layer.bytes.subarray(layer.size - 48), { what: "bytes=N-" });
  const suffix = await ctx.request({ method: "GET", path, headers: { Range: "bytes=-16" } });
  expectStatus(suffix, 206, { what: "bytes=-16" });
  expectHeader(suffix, "content-range", `bytes ${layer.size - 16}-${layer.size - 1}/${layer.size}`, { what: "bytes=-16" });
  expectBody(suffix, layer.bytes.subarray(layer.size - 16), { what: "bytes=-16" });
  const beyond = await ctx.request({ method: "GET", path, headers: { Range: `bytes=${layer.size - 10}-${layer.size + 1000}` } });
  expectStatus(beyond, 206, { what: "a range ending past the end is clipped" });
  expectHeader(beyond, "content-range", `bytes ${layer.size - 10}-${layer.size - 1}/${layer.size}`, { what: "a range ending past the end is clipped" });
});

pull.test("unsatisfiable Range returns 416", ["range"], async (ctx) => {
  const { image, layer } = await pullFixture(ctx);
  const exchange = await ctx.request({
    method: "GET",
    path: `/v2/${image.repo}/blobs/${layer.digest}`,
    headers: { Range: `bytes=${layer.size + 100}-${layer.size + 200}` },
  });
  expectStatus(exchange, 416);
  if (exchange.truncated) fail("the 416 response is malformed: the connection closed before Content-Length bytes arrived", exchange, "a complete 416 response");
  const contentRange = exchange.headers["content-range"];
  if (contentRange !== `bytes */${layer.size}`) ctx.note(`416 without Content-Range: bytes */${layer.size} (got ${contentRange ?? "none"})`);
});

pull.test("unknown blob returns 404 BLOB_UNKNOWN", [], async (ctx) => {
  const { image } = await pullFixture(ctx);
  const digest = digestOf(randomBlob(32));
  const head = await ctx.request({ method: "HEAD", path: `/v2/${image.repo}/blobs/${digest}` });
  expectStatus(head, 404, { what: "HEAD" });
  const get = await ctx.request({ method: "GET", path: `/v2/${image.repo}/blobs/${digest}` });
  expectError(get, 404, ["BLOB_UNKNOWN"], { what: "GET" });
});

pull.test("a blob pushed to another repository is not served here", [], async (ctx) => {
  const { image } = await pullFixture(ctx);
  const blob = layerBlob(64);
  const other = ctx.repo("pull-other");
  await ctx.pushBlob(other, blob);
  const head = await ctx.request({ method: "HEAD", path: `/v2/${image.repo}/blobs/${blob.digest}` });
  expectStatus(head, 404, { what: "HEAD of a blob that only another repository holds" });
});

pull.test("unknown manifest returns 404 MANIFEST_UNKNOWN", [], async (ctx) => {
  const { image } = await pullFixture(ctx);
  const byTag = await ctx.request({ method: "GET", path: `/v2/${image.repo}/manifests/no-such-tag`, headers: { Accept: ALL_ACCEPT } });
  expectError(byTag, 404, ["MANIFEST_UNKNOWN"], { what: "by tag" });
  const digest = digestOf(randomBlob(32));
  const byDigest = await ctx.request({ method: "GET", path: `/v2/${image.repo}/manifests/${digest}`, headers: { Accept: ALL_ACCEPT } });
  expectError(byDigest, 404, ["MANIFEST_UNKNOWN"], { what: "by digest" });
  const head = await ctx.request({ method: "HEAD", path: `/v2/${image.repo}/manifests/no-such-tag`, headers: { Accept: ALL_ACCEPT } });
  expectStatus(head, 404, { what: "HEAD by tag" });
});

pull.test("manifest of an unknown repository returns 404", [], async (ctx) => {
  const exchange = await ctx.request({ method: "GET", path: `/v2/${ctx.repo("never-pushed")}/manifests/latest`, headers: { Accept: ALL_ACCEPT } });
  expectError(exchange, 404, ["NAME_UNKNOWN", "MANIFEST_UNKNOWN"]);
});

pull.test("a manifest pushed to another repository is not served here", [], async (ctx) => {
  const { image } = await pullFixture(ctx);
  const exchange = await ctx.request({
    method: "GET",
    path: `/v2/${ctx.repo("pull-isolated")}/manifests/${image.manifest.digest}`,
    headers: { Accept: ALL_ACCEPT },
  });
  expectError(exchange, 404, ["NAME_UNKNOWN", "MANIFEST_UNKNOWN"]);
});

pull.test("zero-byte blob", [], async (ctx) => {
  const repo = ctx.repo("pull-empty");
  const blob = content(Buffer.alloc(0), "application/octet-stream");
  await ctx.pushBlob(repo, blob);
  const head = await ctx.request({ method: "HEAD", path: `/v2/${repo}/blobs/${blob.digest}` });
  expectStatus(head, 200, { what: "HEAD" });
  expectHeader(head, "content-length", "0", { what: "HEAD" });
  const get = await ctx.request({ method: "GET", path: `/v2/${repo}/blobs/${blob.digest}` });
  expectStatus(get, 200, { what: "GET" });
  expectBody(get, blob.bytes, { what: "GET" });
});

export const pullTests = pull.tests;
