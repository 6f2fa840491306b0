import { describe, expect, it } from "vitest";
import { BlobNames } from "./names.js";

const LINK = "/docker/registry/v2/repositories/team/app/_manifests/tags/v1/current/link";

describe("azure blob names", () => {
  it("without rootdirectory are registry:2.8's: the driver path, leading slash kept", () => {
    const names = new BlobNames(undefined);
    expect(names.blob(LINK)).toBe(LINK);
    expect(names.prefix("/")).toBe("/");
    expect(names.prefix("/docker/registry")).toBe("/docker/registry/");
    expect(names.path(LINK)).toBe(LINK);
  });

  it("with a rootdirectory are distribution v3's: the root without surrounding slashes, then the path", () => {
    for (const root of ["team/registry", "/team/registry", "/team/registry/", "team/registry//"]) {
      const names = new BlobNames(root);
      expect(names.blob(LINK), root).toBe(`team/registry${LINK}`);
      expect(names.prefix("/"), root).toBe("team/registry/");
      expect(names.prefix("/docker"), root).toBe("team/registry/docker/");
      expect(names.path(`team/registry${LINK}`), root).toBe(LINK);
    }
  });

  it("with rootdirectory \"/\" drop the leading slash, as distribution v3 does with no root", () => {
    const names = new BlobNames("/");
    expect(names.blob(LINK)).toBe(LINK.slice(1));
    expect(names.prefix("/")).toBe("");
    expect(names.prefix("/docker")).toBe("docker/");
    expect(names.path(LINK.slice(1))).toBe(LINK);
  });
});
