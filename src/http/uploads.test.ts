import { describe, expect, it } from "vitest";
import request from "supertest";
import { pushBlob, sha256, testRegistry } from "../test-support.js";
import * as paths from "../registry/paths.js";
import { checkDigest } from "../registry/reference.js";
import { PathNotFoundError } from "../../storage-drivers/errors.js";

describe("blob uploads", () => {
  it("answers GET /v2/ with the API version header", async () => {
    const { app } = testRegistry();
    const res = await request(app).get("/v2/").expect(200);
    expect(res.body).toEqual({});
    expect(res.headers["docker-distribution-api-version"]).toBe("registry/2.0");
  });

  it("stores a monolithic upload at the registry:2 path and links it", async () => {
    const { app, driver } = testRegistry();
    const digest = await pushBlob(app, "team/app", "hello blob");
    const parsed = checkDigest(digest);
    expect((await driver.getContent(paths.blobData(parsed))).toString()).toBe("hello blob");
    expect((await driver.getContent(paths.layerLink("team/app", parsed))).toString()).toBe(digest);
    const head = await request(app).head(`/v2/team/app/blobs/${digest}`).expect(200);
    expect(head.headers["content-length"]).toBe("10");
    expect(head.headers["docker-content-digest"]).toBe(digest);
  });

  it("accepts chunks in order and refuses a gap with 416", async () => {
    const { app } = testRegistry();
    const start = await request(app).post("/v2/a/blobs/uploads/").expect(202);
    const location = start.headers.location as string;
    expect(start.headers["docker-upload-uuid"]).toMatch(/^[0-9a-f-]{36}$/);
    const first = await request(app)
      .patch(location)
      .set("Content-Range", "0-4")
      .set("Content-Type", "application/octet-stream")
      .send(Buffer.from("hello"))
      .expect(202);
    expect(first.headers.range).toBe("0-4");
    const gap = await request(app)
      .patch(location)
      .set("Content-Range", "7-9")
      .set("Content-Type", "application/octet-stream")
      .send(Buffer.from("abc"));
    expect(gap.status).toBe(416);
    expect(gap.body.errors[0].code).toBe("RANGE_INVALID");
    await request(app)
      .patch(location)
      .set("Content-Range", "5-10")
      .set("Content-Type", "application/octet-stream")
      .send(Buffer.from(" world"))
      .expect(202);
    const status = await request(app).get(location).expect(204);
    expect(status.headers.range).toBe("0-10");
    const digest = sha256("hello world");
    await request(app).put(`${location}?digest=${digest}`).expect(201);
    const blob = await request(app).get(`/v2/a/blobs/${digest}`).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => done(null, Buffer.concat(chunks)));
    });
    expect((blob.body as Buffer).toString()).toBe("hello world");
  });

  it("rejects a wrong digest with DIGEST_INVALID and stores nothing", async () => {
    const { app, driver } = testRegistry();
    const wrong = sha256("something else");
    const res = await request(app)
      .post(`/v2/a/blobs/uploads/?digest=${wrong}`)
      .set("Content-Type", "application/octet-stream")
      .send(Buffer.from("actual content"));
    expect(res.status).toBe(400);
    expect(res.body.errors[0].code).toBe("DIGEST_INVALID");
    await expect(driver.stat(paths.blobData(checkDigest(sha256("actual content"))))).rejects.toBeInstanceOf(PathNotFoundError);
    // The uploads folder is either empty or gone (drivers without directories drop it).
    expect(await driver.list(paths.uploadsDir("a")).catch(() => [])).toEqual([]);
  });

  it("verifies sha512 digests by re-reading the stored data", async () => {
    const { app } = testRegistry();
    const { createHash } = await import("node:crypto");
    const digest = `sha512:${createHash("sha512").update("five twelve").digest("hex")}`;
    const start = await request(app).post("/v2/a/blobs/uploads/").expect(202);
    await request(app)
      .put(`${start.headers.location}?digest=${digest}`)
      .set("Content-Type", "application/octet-stream")
      .send(Buffer.from("five twelve"))
      .expect(201);
    await request(app).head(`/v2/a/blobs/${digest}`).expect(200);
  });

  it("mounts across repositories, and falls back to a new session", async () => {
    const { app } = testRegistry();
    const digest = await pushBlob(app, "source", "shared layer");
    const mounted = await request(app).post(`/v2/target/blobs/uploads/?mount=${digest}&from=source`).expect(201);
    expect(mounted.headers["docker-content-digest"]).toBe(digest);
    await request(app).head(`/v2/target/blobs/${digest}`).expect(200);
    const missing = sha256("not there");
    await request(app).post(`/v2/target/blobs/uploads/?mount=${missing}&from=source`).expect(202);
  });

  it("cancels an upload", async () => {
    const { app } = testRegistry();
    const start = await request(app).post("/v2/a/blobs/uploads/").expect(202);
    await request(app).delete(start.headers.location as string).expect(204);
    const res = await request(app).get(start.headers.location as string).expect(404);
    expect(res.body.errors[0].code).toBe("BLOB_UPLOAD_UNKNOWN");
  });

  it("serves byte ranges and refuses unsatisfiable ones", async () => {
    const { app } = testRegistry();
    const digest = await pushBlob(app, "a", "0123456789");
    const part = await request(app).get(`/v2/a/blobs/${digest}`).set("Range", "bytes=2-5").expect(206);
    expect(part.headers["content-range"]).toBe("bytes 2-5/10");
    expect(part.text ?? (part.body as Buffer).toString()).toBe("2345");
    await request(app).get(`/v2/a/blobs/${digest}`).set("Range", "bytes=20-30").expect(416);
    await request(app).get(`/v2/a/blobs/${digest}`).set("Range", "pages=1").expect(416);
  });

  it("deletes a blob link only when deletes are enabled", async () => {
    const disabled = testRegistry((config) => (config.storage.delete.enabled = false));
    const digest = await pushBlob(disabled.app, "a", "keep me");
    const refused = await request(disabled.app).delete(`/v2/a/blobs/${digest}`).expect(405);
    expect(refused.body.errors[0].code).toBe("UNSUPPORTED");

    const enabled = testRegistry();
    const other = await pushBlob(enabled.app, "a", "delete me");
    await request(enabled.app).delete(`/v2/a/blobs/${other}`).expect(202);
    await request(enabled.app).head(`/v2/a/blobs/${other}`).expect(404);
  });
});
