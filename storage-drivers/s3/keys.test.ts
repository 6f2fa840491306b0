import { describe, expect, it } from "vitest";
import { KeyLayout } from "./keys.js";

describe("S3 object keys", () => {
  it("are registry:2's: the root directory, then the path, no leading slash", () => {
    const rooted = new KeyLayout("team/registry");
    expect(rooted.key("/docker/registry/v2/blobs/sha256/ab/abcd/data")).toBe("team/registry/docker/registry/v2/blobs/sha256/ab/abcd/data");
    expect(rooted.below("/")).toBe("team/registry/");
    expect(rooted.below("/docker")).toBe("team/registry/docker/");
    expect(rooted.path("team/registry/docker/registry/")).toBe("/docker/registry");
    const bare = new KeyLayout("");
    expect(bare.key("/docker/registry/v2/repositories/a/_layers/sha256/00/link")).toBe("docker/registry/v2/repositories/a/_layers/sha256/00/link");
    expect(bare.below("/")).toBe("");
    expect(bare.path("docker/registry/v2")).toBe("/docker/registry/v2");
  });
});
