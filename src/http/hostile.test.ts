import { describe, expect, it } from "vitest";
import request from "supertest";
import { testRegistry } from "../test-support.js";

// Hostile input gets a 4xx with the spec's error body — never a 500 — and changes nothing.
describe("hostile input", () => {
  const cases: [string, string, string][] = [
    ["GET", "/v2/../etc/passwd/manifests/latest", "NAME_INVALID"],
    ["GET", "/v2/%2e%2e/x/manifests/latest", "NAME_INVALID"],
    ["GET", "/v2/a%2fb/manifests/latest", "NAME_INVALID"],
    ["GET", "/v2/a%00b/manifests/latest", "NAME_INVALID"],
    ["GET", `/v2/${"a".repeat(300)}/manifests/latest`, "NAME_INVALID"],
    ["GET", "/v2/UPPER/manifests/latest", "NAME_INVALID"],
    ["GET", "/v2/a/manifests/bad%00tag", "TAG_INVALID"],
    ["GET", `/v2/a/manifests/${"t".repeat(129)}`, "TAG_INVALID"],
    ["GET", "/v2/a/blobs/sha256:xyz", "DIGEST_INVALID"],
    ["GET", "/v2/a/blobs/md5:abc", "DIGEST_INVALID"],
    ["PATCH", "/v2/a/blobs/uploads/not-a-uuid", "BLOB_UPLOAD_UNKNOWN"],
    ["GET", "/v2/a/blobs/uploads/%E0%A4%A", "BLOB_UPLOAD_UNKNOWN"],
    ["POST", "/v2/a/blobs/uploads/?mount=sha256:zz&from=b", "DIGEST_INVALID"],
    ["GET", "/v2/a/referrers/nope", "DIGEST_INVALID"],
    ["GET", "/v2/nothing/here", "UNSUPPORTED"],
  ];

  it.each(cases)("%s %s → %s", async (method, path, code) => {
    const { app, metadata } = testRegistry();
    const res = await request(app)[method.toLowerCase() as "get" | "patch" | "post"](path);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.errors[0].code).toBe(code);
    expect(await metadata.listRepositories({ limit: 10 })).toEqual([]);
  });

  it("survives deeply nested JSON", async () => {
    const { app } = testRegistry();
    const nested = "[".repeat(100_000) + "]".repeat(100_000);
    const res = await request(app).put("/v2/a/manifests/v1").set("Content-Type", "application/vnd.oci.image.manifest.v1+json").send(nested);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].code).toBe("MANIFEST_INVALID");
  });
});
