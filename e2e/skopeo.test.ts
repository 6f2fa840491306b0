/**
 * skopeo (Debian) against Berth: copy from an OCI layout made by hand, inspect, copy back
 * with identical digests, list tags, delete, and copy a two-platform image index with --all.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MiB } from "./harness/images.js";
import { layoutRef, OCI_INDEX, OciLayout, type Descriptor } from "./harness/oci-layout.js";
import { run } from "./harness/run.js";
import { requireProgram, startBerth, tempDir, type RunningRegistry } from "./harness/servers.js";

const SKOPEO = "/usr/bin/skopeo";

let berth: RunningRegistry | undefined;
let work = "";
let source: OciLayout;
let one: Descriptor;
let two: Descriptor;
let amd64: Descriptor;
let arm64: Descriptor;
let multi: Descriptor;

function registry(): RunningRegistry {
  if (!berth) throw new Error("setup failed: Berth did not start (see the beforeAll error)");
  return berth;
}

function skopeo(...args: string[]): Promise<string> {
  return run(SKOPEO, ["--insecure-policy", ...args]);
}

function copy(from: string, to: string, ...flags: string[]): Promise<string> {
  return skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false", ...flags, from, to);
}

async function inspect(ref: string, ...flags: string[]): Promise<Record<string, unknown>> {
  return JSON.parse(await skopeo(...flags, "inspect", "--tls-verify=false", ref)) as Record<string, unknown>;
}

function docker(name: string): string {
  return `docker://${registry().host}/${name}`;
}

/** Every blob a manifest or index reaches, recursively, read from a layout. */
function reachable(layout: OciLayout, digest: string): string[] {
  const parsed = JSON.parse(layout.readBlob(digest).toString("utf8")) as { config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[] };
  const children = [...(parsed.config ? [parsed.config] : []), ...(parsed.layers ?? [])].map((d) => d.digest);
  const nested = (parsed.manifests ?? []).flatMap((m) => reachable(layout, m.digest));
  return [digest, ...children, ...nested];
}

beforeAll(async () => {
  requireProgram(SKOPEO, "skopeo");
  berth = await startBerth({ deleteEnabled: true });
  work = tempDir("skopeo");
  source = new OciLayout(join(work, "source"));
  one = source.image({ layerSizes: [2048, 20 * MiB] });
  two = source.image({ layerSizes: [4096] });
  amd64 = source.image({ layerSizes: [8192], platform: { architecture: "amd64", os: "linux" } });
  arm64 = source.image({ layerSizes: [8192], platform: { architecture: "arm64", os: "linux" } });
  multi = source.index([amd64, arm64]);
  source.tag("one", one);
  source.tag("two", two);
  source.tag("multi", multi);
});

afterAll(async () => {
  await berth?.stop();
  if (berth) rmSync(berth.root, { recursive: true, force: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("skopeo against Berth", () => {
  it("copies an image from an OCI layout and inspects it", async () => {
    await copy(`oci:${source.dir}:one`, docker("skopeo/one:v1"), "--preserve-digests");
    const info = await inspect(docker("skopeo/one:v1"));
    expect(info.Digest).toBe(one.digest);
    expect(info.RepoTags).toEqual(["v1"]);
    expect(info.Architecture).toBe("amd64");
    expect(info.Os).toBe("linux");
    const manifest = JSON.parse(source.readBlob(one.digest).toString("utf8")) as { layers: Descriptor[] };
    expect(info.Layers).toEqual(manifest.layers.map((l) => l.digest));
    // The registry serves the very bytes skopeo sent.
    const raw = await skopeo("inspect", "--raw", "--tls-verify=false", docker("skopeo/one:v1"));
    expect(raw).toBe(source.readBlob(one.digest).toString("utf8"));
  });

  it("copies the image back to an OCI layout with identical digests and blobs", async () => {
    const out = new OciLayout(join(work, "copied"));
    await copy(docker("skopeo/one:v1"), `oci:${out.dir}:copied`, "--preserve-digests");
    expect(layoutRef(out.dir, "copied").digest).toBe(one.digest);
    const digests = reachable(source, one.digest);
    expect(digests).toHaveLength(4); // manifest, config, two layers
    for (const digest of digests) expect(out.readBlob(digest).equals(source.readBlob(digest)), digest).toBe(true);
  });

  it("lists the tags of a repository", async () => {
    await copy(`oci:${source.dir}:one`, docker("skopeo/one:v2"));
    await copy(`oci:${source.dir}:two`, docker("skopeo/one:other"));
    const listed = JSON.parse(await skopeo("list-tags", "--tls-verify=false", docker("skopeo/one"))) as { Repository: string; Tags: string[] };
    expect(listed.Repository).toBe(`${registry().host}/skopeo/one`);
    expect([...listed.Tags].sort()).toEqual(["other", "v1", "v2"]);
  });

  it("deletes an image; its tag goes, other tags stay", async () => {
    await skopeo("delete", "--tls-verify=false", docker("skopeo/one:other"));
    await expect(inspect(docker("skopeo/one:other"))).rejects.toThrow(/manifest unknown|not found/i);
    const manifest = await fetch(`${registry().url}/v2/skopeo/one/manifests/${two.digest}`, { headers: { accept: two.mediaType } });
    expect(manifest.status).toBe(404);
    const listed = JSON.parse(await skopeo("list-tags", "--tls-verify=false", docker("skopeo/one"))) as { Tags: string[] };
    expect([...listed.Tags].sort()).toEqual(["v1", "v2"]);
    expect((await inspect(docker("skopeo/one:v1"))).Digest).toBe(one.digest);
  });

  it("copies a two-platform image index with --all and back", async () => {
    await copy(`oci:${source.dir}:multi`, docker("skopeo/multi:latest"), "--all", "--preserve-digests");

    const res = await fetch(`${registry().url}/v2/skopeo/multi/manifests/latest`, { headers: { accept: OCI_INDEX } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(OCI_INDEX);
    expect(res.headers.get("docker-content-digest")).toBe(multi.digest);
    expect(Buffer.from(await res.arrayBuffer()).equals(source.readBlob(multi.digest))).toBe(true);

    for (const [platform, child] of [["amd64", amd64], ["arm64", arm64]] as const) {
      const info = await inspect(docker("skopeo/multi:latest"), "--override-arch", platform, "--override-os", "linux");
      // skopeo reports the index digest, and the layers of the platform's image.
      expect(info.Digest, platform).toBe(multi.digest);
      expect(info.Architecture).toBe(platform);
      const image = JSON.parse(source.readBlob(child.digest).toString("utf8")) as { layers: Descriptor[] };
      expect(info.Layers).toEqual(image.layers.map((l) => l.digest));
      const manifest = await fetch(`${registry().url}/v2/skopeo/multi/manifests/${child.digest}`, { headers: { accept: child.mediaType } });
      expect(manifest.status).toBe(200);
      expect(Buffer.from(await manifest.arrayBuffer()).equals(source.readBlob(child.digest))).toBe(true);
    }

    const out = new OciLayout(join(work, "multi-copy"));
    await copy(docker("skopeo/multi:latest"), `oci:${out.dir}:multi`, "--all", "--preserve-digests");
    expect(layoutRef(out.dir, "multi").digest).toBe(multi.digest);
    const digests = reachable(source, multi.digest);
    expect(digests).toHaveLength(7); // index, and manifest + config + layer per platform
    for (const digest of digests) expect(out.readBlob(digest).equals(source.readBlob(digest)), digest).toBe(true);
  });

  it("lists both repositories in the catalog", async () => {
    const res = await fetch(`${registry().url}/v2/_catalog`);
    expect(await res.json()).toEqual({ repositories: ["skopeo/multi", "skopeo/one"] });
  });
});
