/**
 * Test images built locally with the legacy builder: `FROM scratch` (or a local base image)
 * plus one COPY per layer of random bytes, so every image has layers no other run has.
 * Nothing is pulled: there is no internet.
 */
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Dockerd } from "./dockerd.js";
import { tempDir } from "./servers.js";

export const MiB = 1024 * 1024;

export interface BuiltImage {
  /** The local tag it was built as. */
  tag: string;
  /** Image ID: sha256 of the config, the same after push and pull. */
  id: string;
  /** Layer diff IDs (uncompressed digests), base first. */
  layers: string[];
}

export interface BuildOptions {
  tag: string;
  /** Size in bytes of each new layer's single random file. */
  layerSizes: number[];
  /** A local image to build on (its layers are shared), "scratch" by default. */
  from?: string;
}

export async function buildImage(dockerd: Dockerd, options: BuildOptions): Promise<BuiltImage> {
  const context = tempDir("image");
  try {
    const lines = [`FROM ${options.from ?? "scratch"}`];
    options.layerSizes.forEach((size, index) => {
      const name = `layer${index}-${randomBytes(6).toString("hex")}.bin`;
      writeFileSync(join(context, name), randomBytes(size));
      lines.push(`COPY ${name} /data/${name}`);
    });
    lines.push(`LABEL berth.e2e.tag="${options.tag}"`);
    writeFileSync(join(context, "Dockerfile"), `${lines.join("\n")}\n`);
    const id = (await dockerd.docker(["build", "-q", "-t", options.tag, context])).trim();
    if (!/^sha256:[0-9a-f]{64}$/.test(id)) throw new Error(`docker build printed no image ID: ${id}`);
    return { tag: options.tag, id, layers: await diffIds(dockerd, id) };
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

export async function imageId(dockerd: Dockerd, ref: string): Promise<string> {
  return (await dockerd.docker(["image", "inspect", "--format", "{{.Id}}", ref])).trim();
}

export async function diffIds(dockerd: Dockerd, ref: string): Promise<string[]> {
  const out = await dockerd.docker(["image", "inspect", "--format", "{{json .RootFS.Layers}}", ref]);
  return JSON.parse(out) as string[];
}

export interface PushResult {
  /** The manifest digest the registry answered with. */
  digest: string;
  /** Everything docker printed (per-layer "Pushed", "Mounted from …", "Layer already exists"). */
  output: string;
}

/** docker push; the digest comes from the client's last line "<tag>: digest: sha256:… size: N". */
export async function pushImage(dockerd: Dockerd, ref: string): Promise<PushResult> {
  const output = await dockerd.docker(["push", ref]);
  const match = /digest: (sha256:[0-9a-f]{64}) size: \d+/.exec(output);
  if (!match?.[1]) throw new Error(`docker push ${ref} printed no digest:\n${output}`);
  return { digest: match[1], output };
}

/** Removes every local image (children before parents), so a later pull must fetch everything. */
export async function removeAllImages(dockerd: Dockerd): Promise<void> {
  for (let round = 0; round < 10; round++) {
    const ids = [...new Set((await dockerd.docker(["images", "-aq", "--no-trunc"])).split("\n").filter(Boolean))];
    if (ids.length === 0) return;
    for (const id of ids) await dockerd.docker(["rmi", "-f", id]).catch(() => undefined);
  }
  const left = await dockerd.docker(["images", "-a"]);
  throw new Error(`images left after removing all:\n${left}`);
}

export interface ImageSet {
  /** One small layer. */
  small: BuiltImage;
  /** Three layers, the middle one `largeSize` bytes of random data (streamed upload path). */
  large: BuiltImage;
  /** Built FROM small: shares its layer, adds one. */
  derived: BuiltImage;
}

/** The images most tests use; `prefix` keeps the local tags of different sets apart. */
export async function buildImageSet(dockerd: Dockerd, prefix = "e2e", largeSize = 24 * MiB): Promise<ImageSet> {
  const small = await buildImage(dockerd, { tag: `${prefix}/small:src`, layerSizes: [4096] });
  const large = await buildImage(dockerd, { tag: `${prefix}/large:src`, layerSizes: [1024, largeSize, 65_536] });
  const derived = await buildImage(dockerd, { tag: `${prefix}/derived:src`, from: small.tag, layerSizes: [16_384] });
  return { small, large, derived };
}
