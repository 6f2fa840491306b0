import request from "supertest";
import { describe, expect, it } from "vitest";
import { pushBlob, testRegistry } from "../test-support.js";

const STORAGE = "http://storage.invalid/blob?signature=x";

/** A registry whose driver redirects blob reads to STORAGE, as the object-store drivers do. */
function redirectingRegistry() {
  const registry = testRegistry();
  registry.driver.redirectUrl = async () => STORAGE;
  return registry;
}

describe("blob GET redirected to storage", () => {
  it("redirects with 307 and the digest, a valid Range included (the storage serves it)", async () => {
    const { app } = redirectingRegistry();
    const digest = await pushBlob(app, "a", "0123456789");
    for (const range of [undefined, "bytes=0-3", "bytes=5-", "bytes=-2"]) {
      const get = request(app).get(`/v2/a/blobs/${digest}`);
      const res = await (range ? get.set("Range", range) : get);
      expect(res.status, String(range)).toBe(307);
      expect(res.headers.location).toBe(STORAGE);
      expect(res.headers["docker-content-digest"]).toBe(digest);
    }
  });

  it("answers a malformed or unsatisfiable Range with 416 RANGE_INVALID itself, without redirecting", async () => {
    const { app } = redirectingRegistry();
    const digest = await pushBlob(app, "a", "0123456789");
    for (const range of ["bytes=-0", "bytes=10-", "bytes=5-2", "bytes=abc", "items=0-1", "bytes=0-1,3-4"]) {
      const res = await request(app).get(`/v2/a/blobs/${digest}`).set("Range", range);
      expect(res.status, range).toBe(416);
      expect(res.headers.location, range).toBeUndefined();
      expect(res.body.errors[0].code, range).toBe("RANGE_INVALID");
      expect(res.headers["content-range"], range).toBe("bytes */10");
    }
  });
});
