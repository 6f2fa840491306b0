/**
 * OCI image layouts written by hand (for skopeo's `oci:` transport): gzip'd tar layers of
 * random files, image configs, manifests and image indexes for several platforms.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
const REF_NAME = "org.opencontainers.image.ref.name";

export interface Platform {
  architecture: string;
  os: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

/** A POSIX ustar archive of regular files (mode 0644, uid 0, mtime 0). */
export function tar(files: { name: string; content: Buffer }[]): Buffer {
  const parts: Buffer[] = [];
  for (const file of files) {
    const header = Buffer.alloc(512);
    header.write(file.name, 0, 100, "utf8");
    header.write(octal(0o644, 8), 100, "ascii");
    header.write(octal(0, 8), 108, "ascii");
    header.write(octal(0, 8), 116, "ascii");
    header.write(octal(file.content.length, 12), 124, "ascii");
    header.write(octal(0, 12), 136, "ascii");
    header.write("        ", 148, "ascii");
    header.write("0", 156, "ascii");
    header.write("ustar\0", 257, "ascii");
    header.write("00", 263, "ascii");
    let checksum = 0;
    for (const byte of header) checksum += byte;
    header.write(`${checksum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
    parts.push(header, file.content, Buffer.alloc((512 - (file.content.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** An OCI image layout folder: blobs/sha256/…, oci-layout, index.json naming tagged entries. */
export class OciLayout {
  private readonly refs = new Map<string, Descriptor>();

  constructor(readonly dir: string) {
    mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
    writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    this.writeIndexJson();
  }

  blob(bytes: Buffer, mediaType: string): Descriptor {
    const digest = sha256(bytes);
    writeFileSync(join(this.dir, "blobs", "sha256", digest.slice("sha256:".length)), bytes);
    return { mediaType, digest, size: bytes.length };
  }

  readBlob(digest: string): Buffer {
    return readFileSync(join(this.dir, "blobs", "sha256", digest.slice("sha256:".length)));
  }

  /** An image of one random file per layer; its manifest descriptor carries the platform. */
  image(options: { layerSizes: number[]; platform?: Platform }): Descriptor {
    const platform = options.platform ?? { architecture: "amd64", os: "linux" };
    const diffIds: string[] = [];
    const layers = options.layerSizes.map((size, index) => {
      const archive = tar([{ name: `data/${platform.architecture}-${index}-${randomBytes(4).toString("hex")}.bin`, content: randomBytes(size) }]);
      diffIds.push(sha256(archive));
      return this.blob(gzipSync(archive), OCI_LAYER);
    });
    const config = this.blob(
      Buffer.from(JSON.stringify({ ...platform, config: {}, rootfs: { type: "layers", diff_ids: diffIds } })),
      OCI_CONFIG,
    );
    const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers };
    return { ...this.blob(Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST), platform };
  }

  /** An image index (multi-platform image) over manifests made by image(). */
  index(manifests: Descriptor[]): Descriptor {
    return this.blob(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests })), OCI_INDEX);
  }

  /** Names a manifest or index in index.json, for `oci:<dir>:<name>`. */
  tag(name: string, descriptor: Descriptor): void {
    const { platform: _platform, ...plain } = descriptor;
    this.refs.set(name, { ...plain, annotations: { [REF_NAME]: name } });
    this.writeIndexJson();
  }

  private writeIndexJson(): void {
    writeFileSync(join(this.dir, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: [...this.refs.values()] }));
  }
}

/** The descriptor index.json gives for `name` in a layout another program wrote. */
export function layoutRef(dir: string, name: string): Descriptor {
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as { manifests: Descriptor[] };
  const found = index.manifests.find((m) => m.annotations?.[REF_NAME] === name);
  if (!found) throw new Error(`${dir}/index.json has no entry named ${name}: ${JSON.stringify(index)}`);
  return found;
}
