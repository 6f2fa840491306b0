/** The Push workflow for manifests: the four manifest kinds, by tag and digest, and validation. */
import { ensure, expectError, expectHeader, expectStatus, fail, header, headerValues } from "../check.js";
import {
  type Content,
  configBlob,
  content,
  digestOf,
  dockerManifest,
  emptyConfig,
  layerBlob,
  manifestBytes,
  MEDIA,
  ociIndex,
  ociManifest,
  randomBlob,
} from "../content.js";
import type { TestContext } from "../context.js";
import type { Exchange } from "../http.js";
import { group } from "../suite.js";
import { ALL_ACCEPT, expectManifestGone, expectManifestServed, listTags } from "./shared.js";

const push = group("push");

/** The PUT response of a manifest: 201, Location, Docker-Content-Digest equal to the bytes' digest. */
function expectManifestCreated(exchange: Exchange, manifest: Content, what = "PUT manifest"): void {
  expectStatus(exchange, 201, { what });
  const location = header(exchange, "location");
  if (!location) fail("no Location header", exchange, "201 with Location", { what, show: ["location"] });
  expectHeader(exchange, "docker-content-digest", manifest.digest, { what });
}

async function roundTrip(ctx: TestContext, repo: string, tag: string, manifest: Content): Promise<void> {
  const put = await ctx.putManifest(repo, tag, manifest);
  expectManifestCreated(put, manifest, `PUT ${manifest.mediaType} by tag`);
  await expectManifestServed(ctx, repo, tag, manifest);
  await expectManifestServed(ctx, repo, manifest.digest, manifest);
  // What docker and containerd send: every manifest type at once. The stored type must come back.
  await expectManifestServed(ctx, repo, tag, manifest, ALL_ACCEPT);
}

push.test("OCI image manifest: PUT by tag, GET and HEAD by tag and digest", [], async (ctx) => {
  const repo = ctx.repo("manifest-oci");
  const config = configBlob();
  const layers = [layerBlob(300), layerBlob(400)];
  for (const blob of [config, ...layers]) await ctx.pushBlob(repo, blob);
  await roundTrip(ctx, repo, "v1", ociManifest({ config, layers, annotations: { "org.opencontainers.image.title": "conformance" } }));
});

push.test("OCI image index: PUT by tag, GET and HEAD by tag and digest", [], async (ctx) => {
  const repo = ctx.repo("manifest-oci-index");
  const a = await ctx.pushImage(repo);
  const b = await ctx.pushImage(repo);
  const index = ociIndex({
    manifests: [
      { ...a.manifest, platform: { architecture: "amd64", os: "linux" } },
      { ...b.manifest, platform: { architecture: "arm64", os: "linux" } },
    ],
  });
  await roundTrip(ctx, repo, "multi", index);
});

push.test("Docker schema2 manifest: PUT by tag, GET and HEAD by tag and digest", [], async (ctx) => {
  const repo = ctx.repo("manifest-docker");
  const config = configBlob(MEDIA.dockerConfig);
  const layers = [layerBlob(300, MEDIA.dockerLayer)];
  for (const blob of [config, ...layers]) await ctx.pushBlob(repo, blob);
  await roundTrip(ctx, repo, "v1", dockerManifest(config, layers));
});

push.test("Docker manifest list: PUT by tag, GET and HEAD by tag and digest", [], async (ctx) => {
  const repo = ctx.repo("manifest-docker-list");
  const { index } = await ctx.pushIndex(repo, { docker: true, tag: "staging" });
  await roundTrip(ctx, repo, "multi", index);
});

push.test("OCI image index that contains an index", [], async (ctx) => {
  const repo = ctx.repo("manifest-nested-index");
  const { index: inner } = await ctx.pushIndex(repo);
  const outer = ociIndex({ manifests: [inner], annotations: { "org.example.nested": "true" } });
  await roundTrip(ctx, repo, "nested", outer);
});

push.test("manifest PUT by digest", [], async (ctx) => {
  const repo = ctx.repo("manifest-by-digest");
  const config = configBlob();
  await ctx.pushBlob(repo, config);
  const manifest = ociManifest({ config, layers: [] });
  const put = await ctx.putManifest(repo, manifest.digest, manifest);
  expectManifestCreated(put, manifest, "PUT by digest");
  await expectManifestServed(ctx, repo, manifest.digest, manifest);
});

push.test("manifest PUT by a digest that does not match the body → 400 DIGEST_INVALID", [], async (ctx) => {
  const repo = ctx.repo("manifest-by-digest");
  const config = configBlob();
  await ctx.pushBlob(repo, config);
  const manifest = ociManifest({ config, layers: [] });
  const wrong = digestOf(randomBlob(16));
  const put = await ctx.putManifest(repo, wrong, manifest);
  expectError(put, 400, ["DIGEST_INVALID", "MANIFEST_INVALID"]);
  await expectManifestGone(ctx, repo, wrong, "nothing stored under the claimed digest");
  await expectManifestGone(ctx, repo, manifest.digest, "nothing stored under the real digest");
});

push.test("re-pushing the same manifest is idempotent", [], async (ctx) => {
  const repo = ctx.repo("manifest-repush");
  const image = await ctx.pushImage(repo, { tag: "same" });
  const again = await ctx.putManifest(repo, "same", image.manifest);
  expectManifestCreated(again, image.manifest, "second PUT of the same manifest");
  await expectManifestServed(ctx, repo, "same", image.manifest);
});

push.test("pushing another manifest to a tag moves the tag", [], async (ctx) => {
  const repo = ctx.repo("manifest-retag");
  const first = await ctx.pushImage(repo, { tag: "moving" });
  const second = await ctx.pushImage(repo, { tag: "moving" });
  await expectManifestServed(ctx, repo, "moving", second.manifest);
  await expectManifestServed(ctx, repo, first.manifest.digest, first.manifest);
});

push.test("artifact manifest: artifactType with the empty config", [], async (ctx) => {
  const repo = ctx.repo("manifest-artifact");
  const config = emptyConfig();
  const layer = content(Buffer.from('{"sbom":"conformance"}'), "application/vnd.example.sbom.v1+json");
  for (const blob of [config, layer]) await ctx.pushBlob(repo, blob);
  const manifest = ociManifest({ config, layers: [layer], artifactType: "application/vnd.example.sbom.v1" });
  await roundTrip(ctx, repo, "sbom", manifest);
});

push.test("OCI manifest with no layers", [], async (ctx) => {
  const repo = ctx.repo("manifest-no-layers");
  const config = configBlob();
  await ctx.pushBlob(repo, config);
  await roundTrip(ctx, repo, "empty", ociManifest({ config, layers: [] }));
});

push.test("OCI manifest with custom fields and a data field", [], async (ctx) => {
  const repo = ctx.repo("manifest-custom");
  const config = emptyConfig();
  await ctx.pushBlob(repo, config);
  const layer = layerBlob(32);
  await ctx.pushBlob(repo, layer);
  const document = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size, data: config.bytes.toString("base64") },
    layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.size, "org.example.custom": { nested: [1, 2, 3] } }],
    "org.example.top-level": "custom field",
  };
  await roundTrip(ctx, repo, "custom", content(manifestBytes(document), MEDIA.ociManifest));
});

push.test("manifest whose subject does not exist yet is accepted", [], async (ctx) => {
  const repo = ctx.repo("manifest-subject-missing");
  const config = emptyConfig();
  await ctx.pushBlob(repo, config);
  const absentSubject = content(manifestBytes({ schemaVersion: 2, mediaType: MEDIA.ociManifest, absent: Math.random() }), MEDIA.ociManifest);
  const manifest = ociManifest({ config, layers: [], artifactType: "application/vnd.example.signature.v1", subject: absentSubject });
  const put = await ctx.putManifest(repo, manifest.digest, manifest);
  expectManifestCreated(put, manifest, "PUT of a manifest whose subject is not in the registry");
  await expectManifestServed(ctx, repo, manifest.digest, manifest);
});

push.test("manifest referencing a missing blob → 400 MANIFEST_BLOB_UNKNOWN", ["manifest-validation"], async (ctx) => {
  const repo = ctx.repo("manifest-missing-blob");
  const config = configBlob();
  await ctx.pushBlob(repo, config);
  const missingLayer = layerBlob(64);
  const manifest = ociManifest({ config, layers: [missingLayer] });
  const put = await ctx.putManifest(repo, "broken", manifest);
  expectError(put, 400, ["MANIFEST_BLOB_UNKNOWN", "MANIFEST_INVALID"], { what: "missing layer" });
  await expectManifestGone(ctx, repo, "broken", "the tag was not created");
  await expectManifestGone(ctx, repo, manifest.digest, "the manifest was not stored");

  const missingConfig = configBlob();
  const layer = layerBlob(64);
  await ctx.pushBlob(repo, layer);
  const second = ociManifest({ config: missingConfig, layers: [layer] });
  const put2 = await ctx.putManifest(repo, "broken", second);
  expectError(put2, 400, ["MANIFEST_BLOB_UNKNOWN", "MANIFEST_INVALID"], { what: "missing config" });
});

push.test("manifest referencing blobs that only another repository holds → 400", ["manifest-validation"], async (ctx) => {
  const repo = ctx.repo("manifest-foreign-blob");
  const other = ctx.repo("manifest-foreign-owner");
  const config = configBlob();
  const layer = layerBlob(64);
  await ctx.pushBlob(repo, config);
  await ctx.pushBlob(other, layer);
  const manifest = ociManifest({ config, layers: [layer] });
  const put = await ctx.putManifest(repo, "foreign", manifest);
  expectError(put, 400, ["MANIFEST_BLOB_UNKNOWN", "MANIFEST_INVALID"], { what: "a layer present only in another repository" });
  await expectManifestGone(ctx, repo, "foreign", "the tag was not created");
  const child = await ctx.pushImage(other);
  const index = ociIndex({ manifests: [child.manifest] });
  const putIndex = await ctx.putManifest(repo, "foreign-index", index);
  expectError(putIndex, 400, ["MANIFEST_BLOB_UNKNOWN", "MANIFEST_INVALID", "MANIFEST_UNKNOWN"], { what: "an index whose child is only in another repository" });
});

push.test("index referencing a missing manifest → 400", ["manifest-validation"], async (ctx) => {
  const repo = ctx.repo("manifest-missing-child");
  const present = await ctx.pushImage(repo);
  const absent = ociManifest({ config: configBlob(), layers: [] });
  const index = ociIndex({ manifests: [present.manifest, absent] });
  const put = await ctx.putManifest(repo, "broken", index);
  expectError(put, 400, ["MANIFEST_BLOB_UNKNOWN", "MANIFEST_INVALID", "MANIFEST_UNKNOWN"]);
  await expectManifestGone(ctx, repo, "broken", "the tag was not created");
});

push.test("invalid JSON manifest → 400 MANIFEST_INVALID", [], async (ctx) => {
  const repo = ctx.repo("manifest-invalid");
  const bodies = ['{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": ', "not json at all"];
  for (const body of bodies) {
    const manifest = content(Buffer.from(body), MEDIA.ociManifest);
    const put = await ctx.putManifest(repo, "bad", manifest);
    expectError(put, 400, ["MANIFEST_INVALID"], { what: JSON.stringify(body.slice(0, 30)) });
  }
  await expectManifestGone(ctx, repo, "bad", "the tag was not created");
});

push.test("mediaType field that disagrees with Content-Type → 400 MANIFEST_INVALID", ["manifest-validation"], async (ctx) => {
  const repo = ctx.repo("manifest-mismatch");
  const config = configBlob(MEDIA.dockerConfig);
  const layer = layerBlob(64, MEDIA.dockerLayer);
  for (const blob of [config, layer]) await ctx.pushBlob(repo, blob);
  const docker = dockerManifest(config, [layer]);
  const put = await ctx.putManifest(repo, "mismatch", docker, MEDIA.ociManifest);
  expectError(put, 400, ["MANIFEST_INVALID"], { what: "a Docker manifest sent as OCI" });
  const oci = ociManifest({ config: content(config.bytes, MEDIA.ociConfig), layers: [] });
  const put2 = await ctx.putManifest(repo, "mismatch", oci, MEDIA.dockerManifest);
  expectError(put2, 400, ["MANIFEST_INVALID"], { what: "an OCI manifest sent as Docker" });
  await expectManifestGone(ctx, repo, "mismatch", "the tag was not created");
});

/** An OCI manifest of exactly `size` bytes (padded through an annotation). */
function manifestOfSize(config: Content, size: number): Content {
  const base = ociManifest({ config, layers: [], annotations: { "org.example.padding": "" } });
  const padding = size - base.size;
  if (padding < 0) throw new Error("manifest too small to pad");
  return ociManifest({ config, layers: [], annotations: { "org.example.padding": "x".repeat(padding) } });
}

push.test("manifest of exactly 4 MiB is accepted", [], async (ctx) => {
  const repo = ctx.repo("manifest-4mib");
  const config = configBlob();
  await ctx.pushBlob(repo, config);
  const manifest = manifestOfSize(config, 4 * 1024 * 1024);
  ensure(manifest.size === 4 * 1024 * 1024, "padding arithmetic", { got: String(manifest.size) });
  const put = await ctx.putManifest(repo, "big", manifest);
  expectManifestCreated(put, manifest, "PUT of a 4 MiB manifest");
});

push.test("manifest over 4 MiB → 413", ["manifest-size-limit"], async (ctx) => {
  const repo = ctx.repo("manifest-too-big");
  const config = configBlob();
  await ctx.pushBlob(repo, config);
  const manifest = manifestOfSize(config, 4 * 1024 * 1024 + 1024);
  const put = await ctx.putManifest(repo, "huge", manifest);
  expectStatus(put, 413);
  await expectManifestGone(ctx, repo, "huge", "the tag was not created");
});

push.test("push by digest with ?tag= creates the tags (OCI-Tag)", ["tag-param"], async (ctx) => {
  const repo = ctx.repo("manifest-tag-param");
  const config = configBlob();
  await ctx.pushBlob(repo, config);
  const manifest = ociManifest({ config, layers: [] });
  const tags = ["1.2.3", "1.2", "latest"];
  const exchange = await ctx.request({
    method: "PUT",
    path: `/v2/${repo}/manifests/${manifest.digest}?${tags.map((t) => `tag=${encodeURIComponent(t)}`).join("&")}`,
    headers: { "Content-Type": manifest.mediaType },
    body: manifest.bytes,
  });
  expectManifestCreated(exchange, manifest, "PUT by digest with ?tag=");
  ctx.track(repo, "manifest", manifest.digest);
  const announced = headerValues(exchange, "oci-tag");
  for (const tag of tags) {
    if (!announced.includes(tag)) fail(`OCI-Tag does not list ${tag}`, exchange, `OCI-Tag headers listing ${tags.join(", ")}`, { show: ["oci-tag"] });
  }
  for (const tag of tags) await expectManifestServed(ctx, repo, tag, manifest);
  const listed = await listTags(ctx, repo);
  ensure(
    tags.every((tag) => listed.includes(tag)),
    "tags/list does not show the tags created by ?tag=",
    { expected: tags.join(", "), got: listed.join(", ") },
  );
});

push.test("manifest with a subject → OCI-Subject response header", ["oci-subject"], async (ctx) => {
  const repo = ctx.repo("manifest-subject");
  const subject = await ctx.pushImage(repo, { tag: "base" });
  const config = emptyConfig();
  await ctx.pushBlob(repo, config);
  const referrer = ociManifest({ config, layers: [], artifactType: "application/vnd.example.signature.v1", subject: subject.manifest });
  const put = await ctx.putManifest(repo, referrer.digest, referrer);
  expectManifestCreated(put, referrer, "PUT of a manifest with a subject");
  expectHeader(put, "oci-subject", subject.manifest.digest);
});

export const pushManifestTests = push.tests;
