/**
 * Storage compatibility with registry:2.8 (Debian docker-registry), both ways, with the real
 * Docker client: what one registry wrote on disk the other serves (Berth indexes it on its
 * first start), and both write the same file tree for the same pushes.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDockerd, type Dockerd } from "./harness/dockerd.js";
import { buildImageSet, imageId, pushImage, removeAllImages, type BuiltImage } from "./harness/images.js";
import { startBerth, startReference, tempDir, type RunningRegistry } from "./harness/servers.js";

/** Path under docker/registry/v2 → file content (links) or sha256 of the content (data). */
type Tree = Map<string, string>;

let dockerd: Dockerd | undefined;
let plan: [string, BuiltImage][] = [];
let writtenByReference: Tree | undefined;
let writtenByBerth: Tree | undefined;
const roots: string[] = [];

const REPOSITORIES = ["compat/a", "compat/c", "nested/deep/b"];
const TAGS: Record<string, string[]> = { "compat/a": ["1", "latest"], "compat/c": ["1"], "nested/deep/b": ["v1"] };

function client(): Dockerd {
  if (!dockerd) throw new Error("setup failed: dockerd did not start (see the beforeAll error)");
  return dockerd;
}

function snapshot(root: string): Tree {
  const v2 = join(root, "docker", "registry", "v2");
  const tree: Tree = new Map();
  for (const path of readdirSync(v2, { recursive: true, encoding: "utf8" }).sort()) {
    if (path.split("/").includes("_uploads") || !statSync(join(v2, path)).isFile()) continue;
    const content = readFileSync(join(v2, path));
    tree.set(path, path.endsWith("/link") ? content.toString("latin1") : createHash("sha256").update(content).digest("hex"));
  }
  return tree;
}

/** docker push of the plan; the manifest digest of each reference. */
async function pushAll(registry: RunningRegistry): Promise<Map<string, string>> {
  const digests = new Map<string, string>();
  for (const [name, image] of plan) {
    const ref = `${registry.host}/${name}`;
    await client().docker(["tag", image.id, ref]);
    digests.set(name, (await pushImage(client(), ref)).digest);
  }
  return digests;
}

/** Removes every local image, then pulls each reference of the plan and checks digest and image ID. */
async function pullAll(registry: RunningRegistry, digests: Map<string, string>): Promise<void> {
  await removeAllImages(client());
  for (const [name, image] of plan) {
    const ref = `${registry.host}/${name}`;
    const output = await client().docker(["pull", ref]);
    expect(output, ref).toContain(`Digest: ${digests.get(name)}`);
    expect(await imageId(client(), ref), ref).toBe(image.id);
  }
}

async function checkListing(registry: RunningRegistry): Promise<void> {
  const catalog = (await (await fetch(`${registry.url}/v2/_catalog`)).json()) as { repositories: string[] };
  expect(catalog.repositories, `${registry.kind} catalog`).toEqual(REPOSITORIES);
  for (const name of REPOSITORIES) {
    const list = (await (await fetch(`${registry.url}/v2/${name}/tags/list`)).json()) as { name: string; tags: string[] };
    expect(list.name).toBe(name);
    expect([...list.tags].sort(), `${registry.kind} tags of ${name}`).toEqual(TAGS[name]);
  }
}

beforeAll(async () => {
  dockerd = await startDockerd();
  const images = await buildImageSet(dockerd, "compat", 20 * 1024 * 1024);
  plan = [
    ["compat/a:1", images.small],
    ["compat/a:latest", images.small],
    ["nested/deep/b:v1", images.large],
    ["compat/c:1", images.derived],
  ];
});

afterAll(async () => {
  await dockerd?.stop();
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe("storage layout compatibility with registry:2.8", () => {
  it("Berth serves what registry:2 pushed into its root directory", async () => {
    const root = tempDir("compat-ref");
    roots.push(root);
    const reference = await startReference({ root });
    let digests: Map<string, string>;
    try {
      digests = await pushAll(reference);
    } finally {
      await reference.stop();
    }
    writtenByReference = snapshot(root);

    const berth = await startBerth({ root });
    try {
      await checkListing(berth);
      await pullAll(berth, digests);
    } finally {
      await berth.stop();
    }
    expect(snapshot(root), "Berth changed the storage while only serving reads").toEqual(writtenByReference);
  });

  it("registry:2 serves what Berth pushed into its root directory", async () => {
    const root = tempDir("compat-berth");
    roots.push(root);
    const berth = await startBerth({ root });
    let digests: Map<string, string>;
    try {
      digests = await pushAll(berth);
    } finally {
      await berth.stop();
    }
    writtenByBerth = snapshot(root);

    const reference = await startReference({ root });
    try {
      await checkListing(reference);
      await pullAll(reference, digests);
    } finally {
      await reference.stop();
    }
  });

  it("both write the same file tree for the same pushes", () => {
    if (!writtenByReference || !writtenByBerth) throw new Error("the two push tests above did not both finish");
    expect([...writtenByBerth.keys()]).toEqual([...writtenByReference.keys()]);
    expect(Object.fromEntries(writtenByBerth)).toEqual(Object.fromEntries(writtenByReference));

    const links = [...writtenByBerth].filter(([path]) => path.endsWith("/link"));
    // _layers (layers + config), revisions, and current + index per tag:
    // compat/a 2 + 1 + 2·2, nested/deep/b 4 + 1 + 2, compat/c 3 + 1 + 2.
    expect(links.length).toBe(20);
    for (const [path, content] of links) expect(content, path).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Every kind of registry:2 path is there.
    const patterns = [
      /^blobs\/sha256\/[0-9a-f]{2}\/[0-9a-f]{64}\/data$/,
      /^repositories\/nested\/deep\/b\/_layers\/sha256\/[0-9a-f]{64}\/link$/,
      /^repositories\/compat\/c\/_layers\/sha256\/[0-9a-f]{64}\/link$/,
      /^repositories\/compat\/a\/_manifests\/revisions\/sha256\/[0-9a-f]{64}\/link$/,
      /^repositories\/compat\/a\/_manifests\/tags\/latest\/current\/link$/,
      /^repositories\/compat\/a\/_manifests\/tags\/1\/index\/sha256\/[0-9a-f]{64}\/link$/,
    ];
    for (const pattern of patterns) expect([...writtenByBerth.keys()].some((p) => pattern.test(p)), String(pattern)).toBe(true);
  });
});
