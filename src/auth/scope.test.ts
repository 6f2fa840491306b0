import { describe, expect, it } from "vitest";
import { formatScope, parseScope, parseScopes, wantedAccess } from "./scope.js";

describe("scopes", () => {
  it("parses the token spec's scope strings, names with a host:port prefix included", () => {
    expect(parseScope("repository:samalba/my-app:pull,push")).toEqual({ type: "repository", name: "samalba/my-app", actions: ["pull", "push"] });
    expect(parseScope("repository:localhost:5000/app:pull")).toEqual({ type: "repository", name: "localhost:5000/app", actions: ["pull"] });
    expect(parseScope("repository(plugin):vieux/sshfs:pull")).toEqual({ type: "repository", name: "vieux/sshfs", actions: ["pull"] });
    expect(parseScope("registry:catalog:*")).toEqual({ type: "registry", name: "catalog", actions: ["*"] });
    for (const bad of ["", "repository", "repository:app", "repository::pull", "repository:app:", ":app:pull"]) expect(parseScope(bad)).toBeNull();
    expect(parseScopes(["repository:a:pull repository:b:push", "nonsense"]).map(formatScope)).toEqual(["repository:a:pull", "repository:b:push"]);
  });

  it("derives what each /v2 request needs as registry:2 does", () => {
    const repo = (name: string, ...actions: string[]) => [{ type: "repository", name, actions }];
    expect(wantedAccess("GET", "/")).toEqual([]);
    expect(wantedAccess("GET", "/_catalog")).toEqual([{ type: "registry", name: "catalog", actions: ["*"] }]);
    expect(wantedAccess("GET", "/a/b/tags/list")).toEqual(repo("a/b", "pull"));
    expect(wantedAccess("HEAD", "/a/manifests/latest")).toEqual(repo("a", "pull"));
    expect(wantedAccess("PUT", "/a/manifests/latest")).toEqual(repo("a", "pull", "push"));
    expect(wantedAccess("DELETE", "/a/manifests/sha256:abc")).toEqual(repo("a", "delete"));
    expect(wantedAccess("DELETE", "/a/blobs/sha256:abc")).toEqual(repo("a", "delete"));
    expect(wantedAccess("POST", "/a/blobs/uploads/")).toEqual(repo("a", "pull", "push"));
    expect(wantedAccess("GET", "/a/blobs/uploads/0b0e")).toEqual(repo("a", "pull", "push"));
    expect(wantedAccess("DELETE", "/a/blobs/uploads/0b0e")).toEqual(repo("a", "pull", "push"));
    expect(wantedAccess("GET", "/x/blobs/uploads/y/tags/list")).toEqual(repo("x/blobs/uploads/y", "pull"));
    expect(wantedAccess("GET", "/a/referrers/sha256:abc")).toEqual(repo("a", "pull"));
    expect(wantedAccess("GET", "/a%2fb/tags/list")).toEqual([]);
    expect(wantedAccess("GET", "/nothing-here")).toEqual([]);
  });
});
