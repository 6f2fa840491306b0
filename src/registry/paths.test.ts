import { describe, expect, it } from "vitest";
import * as paths from "./paths.js";
import { checkDigest } from "./reference.js";

// Pins the registry:2 layout byte for byte: any change here breaks compatibility with existing data.
describe("paths", () => {
  const digest = checkDigest(`sha256:${"ab".repeat(32)}`);
  const hex = "ab".repeat(32);

  it("builds every registry:2 path", () => {
    expect(paths.blobData(digest)).toBe(`/docker/registry/v2/blobs/sha256/ab/${hex}/data`);
    expect(paths.layerLink("library/ubuntu", digest)).toBe(
      `/docker/registry/v2/repositories/library/ubuntu/_layers/sha256/${hex}/link`,
    );
    expect(paths.revisionLink("a/b", digest)).toBe(
      `/docker/registry/v2/repositories/a/b/_manifests/revisions/sha256/${hex}/link`,
    );
    expect(paths.tagCurrentLink("a", "latest")).toBe("/docker/registry/v2/repositories/a/_manifests/tags/latest/current/link");
    expect(paths.tagIndexLink("a", "v1", digest)).toBe(
      `/docker/registry/v2/repositories/a/_manifests/tags/v1/index/sha256/${hex}/link`,
    );
    expect(paths.uploadData("a", "u-1")).toBe("/docker/registry/v2/repositories/a/_uploads/u-1/data");
    expect(paths.uploadStartedAt("a", "u-1")).toBe("/docker/registry/v2/repositories/a/_uploads/u-1/startedat");
  });

  it("uses the algorithm in blob paths", () => {
    const sha512 = checkDigest(`sha512:${"cd".repeat(64)}`);
    expect(paths.blobData(sha512)).toBe(`/docker/registry/v2/blobs/sha512/cd/${"cd".repeat(64)}/data`);
  });
});
