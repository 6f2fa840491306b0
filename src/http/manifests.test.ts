import { describe, expect, it } from "vitest";
import request from "supertest";
import { pushBlob, pushImage, sha256, testRegistry } from "../test-support.js";
import * as paths from "../registry/paths.js";
import { checkDigest } from "../registry/reference.js";

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

describe("manifests", () => {
  it("stores a manifest as registry:2 does and serves it by tag and digest", async () => {
    const { app, driver } = testRegistry();
    const image = await pushImage(app, "team/app", "v1");
    const digest = checkDigest(image.digest);
    expect((await driver.getContent(paths.revisionLink("team/app", digest))).toString()).toBe(image.digest);
    expect((await driver.getContent(paths.tagCurrentLink("team/app", "v1"))).toString()).toBe(image.digest);
    expect((await driver.getContent(paths.tagIndexLink("team/app", "v1", digest))).toString()).toBe(image.digest);

    const byTag = await request(app).get("/v2/team/app/manifests/v1").set("Accept", OCI_MANIFEST).expect(200);
    expect(byTag.headers["content-type"]).toBe(OCI_MANIFEST);
    expect(byTag.headers["docker-content-digest"]).toBe(image.digest);
    const head = await request(app).head(`/v2/team/app/manifests/${image.digest}`).expect(200);
    expect(head.headers["content-length"]).toBe(String(image.manifest.length));
  });

  it("refuses a manifest whose layer is not in the repository", async () => {
    const { app, metadata } = testRegistry();
    const config = await pushBlob(app, "a", "{}");
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: config, size: 2 },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha256("missing"), size: 7 }],
    });
    const res = await request(app).put("/v2/a/manifests/v1").set("Content-Type", OCI_MANIFEST).send(manifest).expect(400);
    expect(res.body.errors[0].code).toBe("MANIFEST_BLOB_UNKNOWN");
    expect(await metadata.listTags("a", { limit: 10 })).toEqual([]);
  });

  it("refuses invalid JSON, a mediaType mismatch, and an oversized manifest", async () => {
    const { app } = testRegistry();
    const bad = await request(app).put("/v2/a/manifests/v1").set("Content-Type", OCI_MANIFEST).send("{not json");
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].code).toBe("MANIFEST_INVALID");
    const mismatch = await request(app)
      .put("/v2/a/manifests/v1")
      .set("Content-Type", OCI_INDEX)
      .send(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: {}, layers: [] }));
    expect(mismatch.status).toBe(400);
    const huge = await request(app)
      .put("/v2/a/manifests/v1")
      .set("Content-Type", OCI_MANIFEST)
      .send(" ".repeat(4 * 1024 * 1024 + 1));
    expect(huge.status).toBe(413);
    expect(huge.body.errors[0].code).toBe("MANIFEST_INVALID");
  });

  it("tags a push by digest from ?tag= and reports the subject", async () => {
    const { app } = testRegistry();
    const base = await pushImage(app, "a", "base");
    const subject = { mediaType: OCI_MANIFEST, digest: base.digest, size: base.manifest.length };
    const signature = await pushImage(app, "a", null, { subject, artifactType: "application/example.sig" });
    const tags = await request(app).get("/v2/a/tags/list").expect(200);
    expect(tags.body).toEqual({ name: "a", tags: ["base"] });

    const referrers = await request(app).get(`/v2/a/referrers/${base.digest}`).expect(200);
    expect(referrers.headers["content-type"]).toBe(OCI_INDEX);
    expect(referrers.body.manifests).toEqual([
      { mediaType: OCI_MANIFEST, digest: signature.digest, size: signature.manifest.length, artifactType: "application/example.sig" },
    ]);
    const filtered = await request(app).get(`/v2/a/referrers/${base.digest}?artifactType=other`).expect(200);
    expect(filtered.headers["oci-filters-applied"]).toBe("artifactType");
    expect(filtered.body.manifests).toEqual([]);

    const bare = (await pushBlob(app, "a", "{}")) && (await pushImage(app, "a", null)).manifest;
    const tagged = await request(app)
      .put(`/v2/a/manifests/${sha256(bare)}?tag=x1&tag=x2`)
      .set("Content-Type", OCI_MANIFEST)
      .send(bare.toString())
      .expect(201);
    expect(tagged.headers["docker-content-digest"]).toBe(sha256(bare));
    expect(tagged.headers["oci-tag"]).toBe("x1, x2");
    const after = await request(app).get("/v2/a/tags/list").expect(200);
    expect(after.body.tags).toEqual(["base", "x1", "x2"]);
  });

  it("sets OCI-Subject when the pushed manifest has a subject", async () => {
    const { app } = testRegistry();
    const config = await pushBlob(app, "a", "{}");
    const subject = { mediaType: OCI_MANIFEST, digest: sha256("absent subject"), size: 10 };
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: "application/example",
      config: { mediaType: "application/vnd.oci.empty.v1+json", digest: config, size: 2 },
      layers: [],
      subject,
    });
    const res = await request(app).put(`/v2/a/manifests/${sha256(manifest)}`).set("Content-Type", OCI_MANIFEST).send(manifest);
    expect(res.status).toBe(201);
    expect(res.headers["oci-subject"]).toBe(subject.digest);
  });

  it("deletes by tag (untag) and by digest (revision and its tags)", async () => {
    const { app } = testRegistry();
    const image = await pushImage(app, "a", "v1");
    await request(app).put(`/v2/a/manifests/v2`).set("Content-Type", OCI_MANIFEST).send(image.manifest.toString()).expect(201);
    await request(app).delete("/v2/a/manifests/v1").expect(202);
    await request(app).get("/v2/a/manifests/v1").expect(404);
    await request(app).get("/v2/a/manifests/v2").expect(200);
    await request(app).delete(`/v2/a/manifests/${image.digest}`).expect(202);
    const gone = await request(app).get("/v2/a/manifests/v2").expect(404);
    expect(gone.body.errors[0].code).toBe("MANIFEST_UNKNOWN");
    expect((await request(app).get("/v2/a/tags/list").expect(200)).body.tags).toEqual([]);
  });

  it("answers MANIFEST_UNKNOWN when the client does not accept the stored type", async () => {
    const { app } = testRegistry();
    await pushImage(app, "a", "v1");
    const res = await request(app)
      .get("/v2/a/manifests/v1")
      .set("Accept", "application/vnd.docker.distribution.manifest.v2+json")
      .expect(404);
    expect(res.body.errors[0].code).toBe("MANIFEST_UNKNOWN");
  });
});
