import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { pickDigest, tempUrl } from "./tempurl.js";

const request = {
  storageUrl: "https://swift.example/v1/AUTH_test",
  container: "registry",
  object: "files/docker/registry/v2/blobs/sha256/ab/abcd/data",
  method: "GET",
  key: "secret",
  expires: 1_700_000_000,
};

describe("Swift temp URLs", () => {
  it("signs METHOD, expiry and the object's path below /v1 with the key", () => {
    const url = new URL(tempUrl({ ...request, digest: "sha256" }));
    expect(`${url.origin}${url.pathname}`).toBe("https://swift.example/v1/AUTH_test/registry/files/docker/registry/v2/blobs/sha256/ab/abcd/data");
    const expected = createHmac("sha256", "secret").update("GET\n1700000000\n/v1/AUTH_test/registry/files/docker/registry/v2/blobs/sha256/ab/abcd/data").digest("hex");
    expect(url.searchParams.get("temp_url_sig")).toBe(expected);
    expect(url.searchParams.get("temp_url_expires")).toBe("1700000000");
  });

  it("writes sha1 as hex, sha512 prefixed in base64, and HP Cloud's tenant:access-key: form", () => {
    expect(new URL(tempUrl({ ...request, digest: "sha1" })).searchParams.get("temp_url_sig")).toMatch(/^[0-9a-f]{40}$/);
    expect(new URL(tempUrl({ ...request, digest: "sha512" })).searchParams.get("temp_url_sig")).toMatch(/^sha512:[A-Za-z0-9_-]{86}$/);
    expect(new URL(tempUrl({ ...request, digest: "sha256", accessKey: "ak", tenantId: "t1" })).searchParams.get("temp_url_sig")).toMatch(/^t1:ak:[0-9a-f]{64}$/);
  });

  it("uses the strongest digest the cluster allows, sha1 when it does not say", () => {
    expect(pickDigest(["sha1", "sha256", "sha512"])).toBe("sha256");
    expect(pickDigest(["sha512"])).toBe("sha512");
    expect(pickDigest(undefined)).toBe("sha1");
    expect(pickDigest("sha256")).toBe("sha1");
  });
});
