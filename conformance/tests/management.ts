/** Content management: deleting tags, manifests and blobs. */
import { ensure, expectError, expectStatus } from "../check.js";
import { digestOf, emptyConfig, layerBlob, ociManifest, randomBlob } from "../content.js";
import { group } from "../suite.js";
import { getReferrers } from "./discovery.js";
import { ALL_ACCEPT, expectBlobAbsent, expectManifestGone, expectManifestServed, listTags } from "./shared.js";

const management = group("content management");

management.test("DELETE a tag → 202; the tag is gone, the manifest and other tags stay", ["tag-delete"], async (ctx) => {
  const repo = ctx.repo("delete-tag");
  const image = await ctx.pushImage(repo, { tag: "doomed" });
  await ctx.pushManifest(repo, "kept", image.manifest);
  const exchange = await ctx.request({ method: "DELETE", path: `/v2/${repo}/manifests/doomed` });
  expectStatus(exchange, 202, { what: "DELETE /manifests/<tag>" });
  await expectManifestGone(ctx, repo, "doomed", "GET of the deleted tag");
  await expectManifestServed(ctx, repo, "kept", image.manifest);
  await expectManifestServed(ctx, repo, image.manifest.digest, image.manifest);
  const tags = await listTags(ctx, repo);
  ensure(!tags.includes("doomed") && tags.includes("kept"), "tags/list still shows the deleted tag or lost the other one", {
    expected: "kept",
    got: tags.join(", "),
  });
});

management.test("DELETE a manifest by digest → 202; digest and its tags are gone", ["delete"], async (ctx) => {
  const repo = ctx.repo("delete-manifest");
  const image = await ctx.pushImage(repo, { tag: "one" });
  await ctx.pushManifest(repo, "two", image.manifest);
  const other = await ctx.pushImage(repo, { tag: "survivor" });
  const exchange = await ctx.request({ method: "DELETE", path: `/v2/${repo}/manifests/${image.manifest.digest}` });
  expectStatus(exchange, 202, { what: "DELETE /manifests/<digest>" });
  await expectManifestGone(ctx, repo, image.manifest.digest, "GET by the deleted digest");
  await expectManifestGone(ctx, repo, "one", "GET of a tag that pointed at the deleted manifest");
  await expectManifestGone(ctx, repo, "two", "GET of another tag that pointed at the deleted manifest");
  const head = await ctx.request({ method: "HEAD", path: `/v2/${repo}/manifests/${image.manifest.digest}`, headers: { Accept: ALL_ACCEPT } });
  expectStatus(head, 404, { what: "HEAD by the deleted digest" });
  await expectManifestServed(ctx, repo, "survivor", other.manifest);
  const tags = await listTags(ctx, repo);
  ensure(!tags.includes("one") && !tags.includes("two") && tags.includes("survivor"), "tags/list still shows tags of the deleted manifest", {
    expected: "survivor",
    got: tags.join(", "),
  });
});

management.test("DELETE a blob → 202; then HEAD and GET are 404", ["delete"], async (ctx) => {
  const repo = ctx.repo("delete-blob");
  const blob = layerBlob(333);
  await ctx.pushBlob(repo, blob);
  const exchange = await ctx.request({ method: "DELETE", path: `/v2/${repo}/blobs/${blob.digest}` });
  expectStatus(exchange, 202, { what: "DELETE /blobs/<digest>" });
  await expectBlobAbsent(ctx, repo, blob.digest, "after DELETE");
  const again = await ctx.request({ method: "DELETE", path: `/v2/${repo}/blobs/${blob.digest}` });
  expectError(again, 404, ["BLOB_UNKNOWN"], { what: "a second DELETE of the same blob" });
});

management.test("DELETE of an unknown manifest → 404 MANIFEST_UNKNOWN", ["delete"], async (ctx) => {
  const repo = ctx.repo("delete-unknown");
  await ctx.pushImage(repo, { tag: "present" });
  const digest = digestOf(randomBlob(32));
  const exchange = await ctx.request({ method: "DELETE", path: `/v2/${repo}/manifests/${digest}` });
  expectError(exchange, 404, ["MANIFEST_UNKNOWN"], { what: "by digest" });
});

management.test("DELETE of an unknown tag → 404 MANIFEST_UNKNOWN", ["tag-delete"], async (ctx) => {
  const repo = ctx.repo("delete-unknown");
  await ctx.pushImage(repo, { tag: "present" });
  const byTag = await ctx.request({ method: "DELETE", path: `/v2/${repo}/manifests/absent-tag` });
  expectError(byTag, 404, ["MANIFEST_UNKNOWN"], { what: "by tag" });
});

management.test("DELETE of an unknown blob → 404 BLOB_UNKNOWN", ["delete"], async (ctx) => {
  const repo = ctx.repo("delete-unknown");
  await ctx.pushBlob(repo, layerBlob(10));
  const exchange = await ctx.request({ method: "DELETE", path: `/v2/${repo}/blobs/${digestOf(randomBlob(32))}` });
  expectError(exchange, 404, ["BLOB_UNKNOWN"]);
});

management.test("deleting a blob in one repository leaves it in another", ["delete"], async (ctx) => {
  const a = ctx.repo("delete-shared-a");
  const b = ctx.repo("delete-shared-b");
  const blob = layerBlob(400);
  await ctx.pushBlob(a, blob);
  await ctx.pushBlob(b, blob);
  const exchange = await ctx.request({ method: "DELETE", path: `/v2/${a}/blobs/${blob.digest}` });
  expectStatus(exchange, 202);
  await expectBlobAbsent(ctx, a, blob.digest, "deleted in the first repository");
  const head = await ctx.request({ method: "HEAD", path: `/v2/${b}/blobs/${blob.digest}` });
  expectStatus(head, 200, { what: "HEAD in the second repository" });
});

management.test("a deleted referrer leaves the referrers list", ["delete", "referrers"], async (ctx) => {
  const repo = ctx.repo("delete-referrer");
  const subject = await ctx.pushImage(repo, { tag: "subject" });
  const config = emptyConfig();
  await ctx.pushBlob(repo, config);
  const keep = ociManifest({ config, layers: [], artifactType: "application/vnd.example.keep", subject: subject.manifest });
  const drop = ociManifest({ config, layers: [], artifactType: "application/vnd.example.drop", subject: subject.manifest });
  for (const manifest of [keep, drop]) await ctx.pushManifest(repo, manifest.digest, manifest);
  const exchange = await ctx.request({ method: "DELETE", path: `/v2/${repo}/manifests/${drop.digest}` });
  expectStatus(exchange, 202, { what: "DELETE the referrer" });
  const { descriptors } = await getReferrers(ctx, repo, subject.manifest.digest);
  const digests = descriptors.map((d) => String(d.digest));
  ensure(digests.length === 1 && digests[0] === keep.digest, "the referrers list still shows the deleted referrer or lost the other", {
    expected: keep.digest,
    got: digests.join(", "),
  });
});

export const managementTests = management.tests;
