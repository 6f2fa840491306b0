/**
 * Soft deletes and online garbage collection with the real Docker client: two images sharing
 * a layer, one deleted, `berth garbage-collect` run as its own process while `berth serve`
 * keeps serving; exactly the deleted image's own blobs go, the rest still pulls — from Berth,
 * and from registry:2.8 serving the same storage afterwards, whose own garbage-collect then
 * finds nothing left to delete. Also: restore before a collection, refused after; a collector
 * killed mid-sweep, then finished by the next run.
 */
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { randomBytes, createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { garbageCollect, hasBlob, startGarbageCollect, verifyAllBlobs } from "./harness/berth-gc.js";
import { startDockerd, type Dockerd } from "./harness/dockerd.js";
import { buildImage, imageId, pushImage, removeAllImages, type BuiltImage } from "./harness/images.js";
import { run } from "./harness/run.js";
import { requireProgram, startBerth, startReference, tempDir, type RunningRegistry } from "./harness/servers.js";

const MANIFEST_TYPES = ["application/vnd.docker.distribution.manifest.v2+json", "application/vnd.oci.image.manifest.v1+json"].join(", ");

interface Manifest {
  config: { digest: string; size: number };
  layers: { digest: string; size: number }[];
}

let dockerd: Dockerd | undefined;
let berth: RunningRegistry | undefined;
let reference: RunningRegistry | undefined;
const images: Record<"base" | "kept" | "doomed", BuiltImage> = {} as never;
const digests: Record<string, string> = {};

function ready(): { dockerd: Dockerd; berth: RunningRegistry } {
  if (!dockerd || !berth) throw new Error("setup failed: dockerd or Berth did not start (see the beforeAll error)");
  return { dockerd, berth };
}

async function manifestOf(registry: RunningRegistry, name: string, reference: string): Promise<Manifest> {
  const res = await fetch(`${registry.url}/v2/${name}/manifests/${reference}`, { headers: { accept: MANIFEST_TYPES } });
  expect(res.status, `GET ${name}:${reference}`).toBe(200);
  return (await res.json()) as Manifest;
}

async function api(path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const { berth } = ready();
  const res = await fetch(`${berth.url}/api/v0${path}`, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function deletedId(filter: string): Promise<string> {
  const { body } = await api(`/deleted?${filter}`);
  const [item] = body.items as { id: string }[];
  if (!item) throw new Error(`no deleted item for ${filter}`);
  return item.id;
}

beforeAll(async () => {
  dockerd = await startDockerd();
  berth = await startBerth({ deleteEnabled: true });
  images.base = await buildImage(dockerd, { tag: "gc/base:src", layerSizes: [256 * 1024] });
  images.kept = await buildImage(dockerd, { tag: "gc/kept:src", from: images.base.tag, layerSizes: [128 * 1024] });
  images.doomed = await buildImage(dockerd, { tag: "gc/doomed:src", from: images.base.tag, layerSizes: [192 * 1024] });
  for (const [name, image] of [["gc/app:kept", images.kept], ["gc/app:doomed", images.doomed], ["gc/other:base", images.base]] as const) {
    const ref = `${berth.host}/${name}`;
    await dockerd.docker(["tag", image.id, ref]);
    digests[name] = (await pushImage(dockerd, ref)).digest;
  }
});

afterAll(async () => {
  await dockerd?.stop();
  await berth?.stop();
  await reference?.stop();
});

describe("soft delete and garbage collection with docker", () => {
  it("restores a deleted tag before any collection: docker pulls it again", async () => {
    const { dockerd, berth } = ready();
    const ref = `${berth.host}/gc/app:doomed`;
    expect((await fetch(`${berth.url}/v2/gc/app/manifests/doomed`, { method: "DELETE" })).status).toBe(202);
    await removeAllImages(dockerd);
    await expect(dockerd.docker(["pull", ref])).rejects.toThrow(/not found|manifest unknown/i);
    const id = await deletedId("kind=tag&repository=gc/app");
    const restored = await api(`/deleted/${id}/restore`, { method: "POST" });
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ state: "restored", deletedBy: "anonymous" });
    await dockerd.docker(["pull", ref]);
    expect(await imageId(dockerd, ref)).toBe(images.doomed.id);
  });

  it("collects exactly the deleted image's manifest, config and own layer while serving; the rest still pulls", async () => {
    const { dockerd, berth } = ready();
    const doomed = await manifestOf(berth, "gc/app", "doomed");
    const kept = await manifestOf(berth, "gc/app", "kept");
    const base = await manifestOf(berth, "gc/other", "base");
    const shared = kept.layers[0]?.digest ?? "";
    expect(doomed.layers[0]?.digest).toBe(shared);
    const doomedOwn = [digests["gc/app:doomed"] ?? "", doomed.config.digest, doomed.layers[1]?.digest ?? ""];
    const before = verifyAllBlobs(berth.root).count;

    expect((await fetch(`${berth.url}/v2/gc/app/manifests/${digests["gc/app:doomed"]}`, { method: "DELETE" })).status).toBe(202);
    const run = await garbageCollect(berth, ["--grace", "0s"]);
    expect(run.state).toBe("succeeded");
    expect(run.summary).toMatchObject({ blobsDeleted: 3, trashPurged: 1 });
    const manifestSize = Number((await fetch(`${berth.url}/v2/gc/app/manifests/kept`, { method: "HEAD", headers: { accept: MANIFEST_TYPES } })).headers.get("content-length"));
    expect(manifestSize).toBeGreaterThan(0);
    expect(run.summary.bytesFreed).toBeGreaterThan(doomed.config.size + (doomed.layers[1]?.size ?? 0));

    for (const digest of doomedOwn) expect(hasBlob(berth.root, digest), digest).toBe(false);
    const keptBlobs = [digests["gc/app:kept"] ?? "", kept.config.digest, ...kept.layers.map((l) => l.digest), digests["gc/other:base"] ?? "", base.config.digest];
    for (const digest of keptBlobs) expect(hasBlob(berth.root, digest), digest).toBe(true);
    const after = verifyAllBlobs(berth.root);
    expect(after.bad).toEqual([]);
    expect(after.count).toBe(before - 3);

    // The collected manifest cannot come back, and says why.
    const id = await deletedId("kind=manifest&repository=gc/app");
    const refused = await api(`/deleted/${id}/restore`, { method: "POST" });
    expect(refused.status).toBe(410);
    expect(JSON.stringify(refused.body)).toMatch(new RegExp(`permanently removed by garbage collection run ${run.id}`));

    await removeAllImages(dockerd);
    for (const [name, image] of [["gc/app:kept", images.kept], ["gc/other:base", images.base]] as const) {
      const ref = `${berth.host}/${name}`;
      await dockerd.docker(["pull", ref]);
      expect(await imageId(dockerd, ref), ref).toBe(image.id);
    }
    await expect(dockerd.docker(["pull", `${berth.host}/gc/app:doomed`])).rejects.toThrow(/not found|manifest unknown/i);
  });

  it("a collector killed mid-sweep removed nothing live; the next run finishes the job", async () => {
    const { berth } = ready();
    // Leftovers of pushes that never got a manifest: blobs and _layers links, written long ago.
    const junk: string[] = [];
    const old = new Date(Date.now() - 3_600_000);
    const v2 = join(berth.root, "docker", "registry", "v2");
    for (let i = 0; i < 5000; i++) {
      const body = randomBytes(64);
      const hex = createHash("sha256").update(body).digest("hex");
      const data = join(v2, "blobs", "sha256", hex.slice(0, 2), hex, "data");
      const link = join(v2, "repositories", "gc", "junk", "_layers", "sha256", hex, "link");
      for (const [path, content] of [[data, body], [link, `sha256:${hex}`]] as const) {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, content);
        utimesSync(path, old, old);
      }
      junk.push(`sha256:${hex}`);
    }
    let killedAt = "";
    const killed = await startGarbageCollect(berth, ["--grace", "0s"], (line, child) => {
      if (!killedAt && /^sweep: \d+\/\d+ blobs done/.test(line)) {
        killedAt = line;
        child.kill("SIGKILL");
      }
    }).done;
    expect(killed.signal, `collector output:\n${killed.stderr}`).toBe("SIGKILL");
    const left = junk.filter((digest) => hasBlob(berth.root, digest)).length;
    expect(left, `killed at "${killedAt}"`).toBeGreaterThan(0);
    expect(left).toBeLessThan(junk.length);

    // Live content is whole: pull every image by HTTP and verify each blob.
    for (const [name, tag] of [["gc/app", "kept"], ["gc/other", "base"]]) {
      const manifest = await manifestOf(berth, name ?? "", tag ?? "");
      for (const blob of [manifest.config, ...manifest.layers]) {
        const res = await fetch(`${berth.url}/v2/${name}/blobs/${blob.digest}`);
        expect(res.status, blob.digest).toBe(200);
        expect(`sha256:${createHash("sha256").update(Buffer.from(await res.arrayBuffer())).digest("hex")}`).toBe(blob.digest);
      }
    }

    const next = await garbageCollect(berth, ["--grace", "0s"]);
    expect(next.summary.blobsDeleted).toBe(left);
    expect(junk.filter((digest) => hasBlob(berth.root, digest))).toEqual([]);
    expect(readdirSync(join(v2, "repositories", "gc", "junk", "_layers", "sha256"))).toEqual([]);
    const runs = (await api("/gc/runs?n=5")).body.runs as { id: number; state: string; error: string | null }[];
    const interrupted = runs.find((r) => r.id === next.id - 1);
    expect(interrupted).toMatchObject({ state: "failed" });
    expect(interrupted?.error).toMatch(/interrupted/);
  });

  it("registry:2.8 serves the remaining images from the same storage, sees no soft-deleted tag, and its own garbage-collect finds nothing more", async () => {
    const { dockerd, berth } = ready();
    requireProgram("/usr/bin/docker-registry", "docker-registry");
    // A tag soft-deleted and not collected yet must stay invisible to registry:2 too.
    const kept = await fetch(`${berth.url}/v2/gc/app/manifests/kept`, { headers: { accept: MANIFEST_TYPES } });
    const put = await fetch(`${berth.url}/v2/gc/app/manifests/hidden`, {
      method: "PUT",
      headers: { "content-type": kept.headers.get("content-type") ?? "" },
      body: Buffer.from(await kept.arrayBuffer()),
    });
    expect(put.status).toBe(201);
    expect((await fetch(`${berth.url}/v2/gc/app/manifests/hidden`, { method: "DELETE" })).status).toBe(202);
    await berth.stop();
    const dir = tempDir("gc-registry2");
    const config = join(dir, "config.yml");
    writeFileSync(config, `version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: ${berth.root}\n  delete:\n    enabled: true\n`);
    const env = { ...process.env };
    delete env.AWS_CA_BUNDLE;
    const output = await run("/usr/bin/docker-registry", ["garbage-collect", "--dry-run", config], { env });
    expect(output).toMatch(/0 blobs and 0 manifests eligible for deletion/);

    reference = await startReference({ root: berth.root });
    expect(await (await fetch(`${reference.url}/v2/gc/app/tags/list`)).json()).toEqual({ name: "gc/app", tags: ["kept"] });
    expect((await fetch(`${reference.url}/v2/gc/app/manifests/hidden`, { headers: { accept: MANIFEST_TYPES } })).status).toBe(404);
    await removeAllImages(dockerd);
    for (const [name, image] of [["gc/app:kept", images.kept], ["gc/other:base", images.base]] as const) {
      const ref = `${reference.host}/${name}`;
      await dockerd.docker(["pull", ref]);
      expect(await imageId(dockerd, ref), ref).toBe(image.id);
    }
    await expect(dockerd.docker(["pull", `${reference.host}/gc/app:doomed`])).rejects.toThrow(/not found|manifest unknown/i);
  });
});
