import { describe, expect, it } from "vitest";
import { childPrefix, driverPath, manifestHeader, newSegmentsPrefix, objectName, parseManifestHeader, segmentName, segmentNumber, segmentsRoot } from "./layout.js";

describe("registry:2's Swift object names", () => {
  it("puts driver paths below <prefix>/files, trimming only the outer slashes as registry:2 does", () => {
    expect(objectName("", "/docker/registry/v2/blobs/sha256/ab/abcd/data")).toBe("files/docker/registry/v2/blobs/sha256/ab/abcd/data");
    expect(objectName("team", "/a")).toBe("team/files/a");
    expect(objectName("/team/", "/a")).toBe("team//files/a");
    expect(objectName("", "/")).toBe("files");
    expect(childPrefix("", "/")).toBe("files/");
    expect(childPrefix("p", "/a/b")).toBe("p/files/a/b/");
    expect(segmentsRoot("")).toBe("segments");
    expect(segmentsRoot("p")).toBe("p/segments");
  });

  it("maps object names back to driver paths", () => {
    expect(driverPath("", "files/a/b")).toBe("/a/b");
    expect(driverPath("p", "p/files/a/")).toBe("/a");
    expect(driverPath("", "files/")).toBe("/");
  });

  it("names segments hex(path ‖ 32 random bytes ‖ sha1 of nothing), split after 3 characters, numbered in 16 digits", () => {
    const random = Buffer.alloc(32, 0xab);
    const prefix = newSegmentsPrefix("p", "/up/data", random);
    const hex = Buffer.from("/up/data").toString("hex") + "ab".repeat(32) + "da39a3ee5e6b4b0d3255bfef95601890afd80709";
    expect(prefix).toBe(`p/segments/${hex.slice(0, 3)}/${hex.slice(3)}`);
    expect(newSegmentsPrefix("", "/x")).not.toBe(newSegmentsPrefix("", "/x"));
    expect(segmentName(prefix, 7)).toBe(`${prefix}/0000000000000007`);
    expect(segmentNumber(prefix, `${prefix}/0000000000000007`)).toBe(7);
    expect(segmentNumber(prefix, `${prefix}/7`)).toBeNull();
    expect(segmentNumber(prefix, `${prefix}x/0000000000000007`)).toBeNull();
  });

  it("writes and reads the X-Object-Manifest value as <container>/<segments prefix>", () => {
    expect(manifestHeader("registry", "p/segments/abc/def")).toBe("registry/p/segments/abc/def");
    expect(parseManifestHeader("registry/p/segments/abc/def")).toEqual({ container: "registry", prefix: "p/segments/abc/def" });
    expect(parseManifestHeader("my%20c/a%2Fb")).toEqual({ container: "my c", prefix: "a/b" });
    expect(parseManifestHeader("lonely")).toEqual({ container: "lonely", prefix: "" });
    expect(parseManifestHeader("c/100%")).toEqual({ container: "c", prefix: "100%" });
  });
});
