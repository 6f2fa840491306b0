/**
 * The real Docker client (Debian docker.io, private dockerd) against Berth on filesystem
 * storage: push, pull back byte-identical images, catalog and tag lists, cross-repository
 * mounts, pull by digest, and deleting a manifest.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDockerd, type Dockerd } from "./harness/dockerd.js";
import { buildImageSet, imageId, pushImage, removeAllImages, type BuiltImage, type ImageSet } from "./harness/images.js";
import { startBerth, type RunningRegistry } from "./harness/servers.js";

const MANIFEST_TYPES = [
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
].join(", ");

interface Pushed {
  ref: string;
  image: BuiltImage;
  digest: string;
}

let dockerd: Dockerd | undefined;
let berth: RunningRegistry | undefined;
let images: ImageSet;
const pushed: Pushed[] = [];

function ready(): { dockerd: Dockerd; berth: RunningRegistry } {
  if (!dockerd || !berth) throw new Error("setup failed: dockerd or Berth did not start (see the beforeAll error)");
  return { dockerd, berth };
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { headers: { accept: MANIFEST_TYPES } });
  expect(res.status, `GET ${url}`).toBe(200);
  return res.json();
}

function v2(registry: RunningRegistry): string {
  return join(registry.root, "docker", "registry", "v2");
}

beforeAll(async () => {
  dockerd = await startDockerd();
  berth = await startBerth({ deleteEnabled: true });
  images = await buildImageSet(dockerd, "pushpull");
});

afterAll(async () => {
  await dockerd?.stop();
  await berth?.stop();
  if (berth) rmSync(berth.root, { recursive: true, force: true });
});

describe("docker push and pull against Berth", () => {
  it("pushes several images under nested names and several tags", async () => {
    const { dockerd, berth } = ready();
    const plan: [string, BuiltImage][] = [
      ["alpha:1.0", images.small],
      ["alpha:latest", images.small],
      ["team/app/web:v1", images.large],
      ["team/app/web:v2", images.derived],
      ["team/tools:edge", images.derived],
    ];
    for (const [name, image] of plan) {
      const ref = `${berth.host}/${name}`;
      await dockerd.docker(["tag", image.id, ref]);
      const { digest } = await pushImage(dockerd, ref);
      pushed.push({ ref, image, digest });
    }
    // Same image, same manifest bytes: tags of one image share a digest; three images, three digests.
    expect(pushed[0]?.digest).toBe(pushed[1]?.digest);
    expect(pushed[3]?.digest).toBe(pushed[4]?.digest);
    expect(new Set(pushed.map((p) => p.digest)).size).toBe(3);
    // The large layer reached storage whole (24 MiB of random data does not compress).
    const res = await fetch(`${berth.url}/v2/team/app/web/manifests/v1`, { headers: { accept: MANIFEST_TYPES } });
    expect(res.status).toBe(200);
    const manifest = (await res.json()) as { layers: { digest: string; size: number }[] };
    expect(manifest.layers).toHaveLength(3);
    const largest = Math.max(...manifest.layers.map((l) => l.size));
    expect(largest).toBeGreaterThan(24 * 1024 * 1024);
  });

  it("pulls every tag back after the local images are removed, with identical image IDs", async () => {
    const { dockerd } = ready();
    expect(pushed.length).toBe(5);
    await removeAllImages(dockerd);
    for (const { ref } of pushed) {
      await expect(imageId(dockerd, ref), `${ref} still present locally`).rejects.toThrow();
    }
    for (const { ref, image, digest } of pushed) {
      const output = await dockerd.docker(["pull", ref]);
      expect(output).toContain(`Digest: ${digest}`);
      expect(await imageId(dockerd, ref), ref).toBe(image.id);
    }
  });

  it("pulls by digest", async () => {
    const { dockerd, berth } = ready();
    const web = pushed.find((p) => p.ref.endsWith("/team/app/web:v1"));
    if (!web) throw new Error("team/app/web:v1 was not pushed");
    await removeAllImages(dockerd);
    const byDigest = `${berth.host}/team/app/web@${web.digest}`;
    await dockerd.docker(["pull", byDigest]);
    expect(await imageId(dockerd, byDigest)).toBe(web.image.id);
  });

  it("lists the repositories in /v2/_catalog and the tags of each", async () => {
    const { berth } = ready();
    expect(await getJson(`${berth.url}/v2/_catalog`)).toEqual({ repositories: ["alpha", "team/app/web", "team/tools"] });
    // Tags in lexical order, as the distribution spec asks (registry:2.8 gives storage order).
    expect(await getJson(`${berth.url}/v2/alpha/tags/list`)).toEqual({ name: "alpha", tags: ["1.0", "latest"] });
    expect(await getJson(`${berth.url}/v2/team/app/web/tags/list`)).toEqual({ name: "team/app/web", tags: ["v1", "v2"] });
    expect(await getJson(`${berth.url}/v2/team/tools/tags/list`)).toEqual({ name: "team/tools", tags: ["edge"] });
  });

  it("mounts layers from another repository when the same image is pushed to a second one", async () => {
    const { dockerd, berth } = ready();
    const web = pushed.find((p) => p.ref.endsWith("/team/app/web:v1"));
    if (!web) throw new Error("team/app/web:v1 was not pushed");
    // The client knows (from the pull above) that these layers live in team/app/web on this registry.
    const ref = `${berth.host}/mirror/web:copy`;
    await dockerd.docker(["tag", web.image.id, ref]);
    const { digest, output } = await pushImage(dockerd, ref);
    expect(digest).toBe(web.digest);
    // 201 to POST /v2/mirror/web/blobs/uploads/?mount=…&from=team/app/web makes docker print this per layer.
    const mounted = output.split("\n").filter((line) => line.includes("Mounted from team/app/web"));
    expect(mounted.length, `docker push output:\n${output}`).toBe(3);
    expect(output).not.toMatch(/: Pushed/);

    const manifest = (await getJson(`${berth.url}/v2/mirror/web/manifests/copy`)) as { layers: { digest: string }[] };
    for (const layer of manifest.layers) {
      const hex = layer.digest.slice("sha256:".length);
      const link = join(v2(berth), "repositories", "mirror", "web", "_layers", "sha256", hex, "link");
      expect(existsSync(link), link).toBe(true);
      expect(readFileSync(link, "utf8")).toBe(layer.digest);
    }
    await removeAllImages(dockerd);
    await dockerd.docker(["pull", ref]);
    expect(await imageId(dockerd, ref)).toBe(web.image.id);
  });

  it("deletes a manifest by digest, after which pulling it fails", async () => {
    const { dockerd, berth } = ready();
    const tools = pushed.find((p) => p.ref.endsWith("/team/tools:edge"));
    if (!tools) throw new Error("team/tools:edge was not pushed");
    const url = `${berth.url}/v2/team/tools/manifests/${tools.digest}`;
    expect((await fetch(url, { method: "HEAD", headers: { accept: MANIFEST_TYPES } })).status).toBe(200);

    const deleted = await fetch(url, { method: "DELETE" });
    expect(deleted.status).toBe(202);
    const gone = await fetch(url, { headers: { accept: MANIFEST_TYPES } });
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe("MANIFEST_UNKNOWN");
    expect((await fetch(`${berth.url}/v2/team/tools/manifests/edge`, { headers: { accept: MANIFEST_TYPES } })).status).toBe(404);

    await removeAllImages(dockerd);
    await expect(dockerd.docker(["pull", tools.ref])).rejects.toThrow(/not found|manifest unknown/i);
    await expect(dockerd.docker(["pull", `${berth.host}/team/tools@${tools.digest}`])).rejects.toThrow(/not found|manifest unknown/i);
    // The same image under another name is untouched.
    const web2 = pushed.find((p) => p.ref.endsWith("/team/app/web:v2"));
    if (!web2) throw new Error("team/app/web:v2 was not pushed");
    await dockerd.docker(["pull", web2.ref]);
    expect(await imageId(dockerd, web2.ref)).toBe(tools.image.id);
  });
});
