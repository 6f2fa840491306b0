import { describe, expect, it } from "vitest";
import { isValidName, isValidTag, parseDigest, parseReference } from "./reference.js";
import { RegistryError } from "./errors.js";

describe("reference grammar", () => {
  it.each(["a", "library/ubuntu", "a-b/c_d/e.f", "a__b", "a--b/c", "x".repeat(255)])("accepts name %s", (name) => {
    expect(isValidName(name)).toBe(true);
  });

  it.each(["", "A", "a/", "/a", "a//b", "..", "a/../b", "a\u0000b", "-a", "a_", "a%2fb", "x".repeat(256), "a b"])(
    "rejects name %j",
    (name) => {
      expect(isValidName(name)).toBe(false);
    },
  );

  it("accepts tags up to 128 characters and rejects others", () => {
    expect(isValidTag("latest")).toBe(true);
    expect(isValidTag("_x.Y-1")).toBe(true);
    expect(isValidTag("a".repeat(128))).toBe(true);
    expect(isValidTag("a".repeat(129))).toBe(false);
    expect(isValidTag(".a")).toBe(false);
    expect(isValidTag("a\u0000")).toBe(false);
  });

  it("parses sha256 and sha512 digests and nothing else", () => {
    expect(parseDigest(`sha256:${"0".repeat(64)}`)?.algorithm).toBe("sha256");
    expect(parseDigest(`sha512:${"f".repeat(128)}`)?.hex).toBe("f".repeat(128));
    expect(parseDigest(`sha256:${"0".repeat(63)}`)).toBeNull();
    expect(parseDigest(`sha256:${"A".repeat(64)}`)).toBeNull();
    expect(parseDigest(`md5:${"0".repeat(32)}`)).toBeNull();
    expect(parseDigest("sha256")).toBeNull();
  });

  it("tells tags from digests and throws the spec's codes", () => {
    expect(parseReference("v1")).toEqual({ kind: "tag", tag: "v1" });
    expect(parseReference(`sha256:${"1".repeat(64)}`).kind).toBe("digest");
    expect(() => parseReference("sha256:zz")).toThrow(RegistryError);
    const thrown = (() => {
      try {
        parseReference("bad tag");
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(RegistryError);
    expect((thrown as RegistryError).code).toBe("TAG_INVALID");
  });
});
