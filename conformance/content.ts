/**
 * Test content: digests, random blobs, and manifests of the four kinds a registry:2
 * replacement serves (OCI image manifest and index, Docker schema2 manifest and list).
 * Manifests are serialised with unusual indentation so that a registry which re-encodes
 * instead of storing the exact bytes is caught.
 */
import { createHash, randomBytes } from "node:crypto";

export const MEDIA = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociEmpty: "application/vnd.oci.empty.v1+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
} as const;

/** Every manifest media type the suite pushes, for Accept headers. */
export const ALL_MANIFEST_TYPES = [MEDIA.ociManifest, MEDIA.ociIndex, MEDIA.dockerManifest, MEDIA.dockerList];

export type Algorithm = "sha256" | "sha512";

export function digestOf(bytes: Uint8Array, algorithm: Algorithm = "sha256"): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}

/** Random bytes, different on every call (so every run pushes new content). */
export function randomBlob(size: number): Buffer {
  return randomBytes(size);
}

export function randomId(length = 10): string {
  return randomBytes(Math.ceil(length / 2))
    .toString("hex")
    .slice(0, length);
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
  data?: string;
}

/** A piece of content ready to push: its bytes and its descriptor. */
export interface Content {
  bytes: Buffer;
  digest: string;
  size: number;
  mediaType: string;
}

export function content(bytes: Uint8Array, mediaType: string, algorithm: Algorithm = "sha256"): Content {
  const buffer = Buffer.from(bytes);
  return { bytes: buffer, digest: digestOf(buffer, algorithm), size: buffer.length, mediaType };
}

export function descriptorOf(item: Content, extra: Partial<Descriptor> = {}): Descriptor {
  return { mediaType: item.mediaType, digest: item.digest, size: item.size, ...extra };
}

/** JSON with 3-space indentation and a trailing newline: bytes no re-encoder would produce. */
export function manifestBytes(document: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(document, null, 3)}\n`, "utf8");
}

/** An image config blob; unique per call so that manifests differ between runs. */
export function configBlob(mediaType: string = MEDIA.ociConfig): Content {
  const document = {
    architecture: "amd64",
    os: "linux",
    config: { Labels: { "org.berth.conformance": randomId(16) } },
    rootfs: { type: "layers", diff_ids: [] as string[] },
  };
  return content(Buffer.from(JSON.stringify(document)), mediaType);
}

export function layerBlob(size = 1024, mediaType: string = MEDIA.ociLayer): Content {
  return content(randomBlob(size), mediaType);
}

/** The OCI empty descriptor's blob: "{}". */
export function emptyConfig(): Content {
  return content(Buffer.from("{}"), MEDIA.ociEmpty);
}

export interface OciManifestOptions {
  config: Content;
  layers: Content[];
  subject?: Content;
  artifactType?: string;
  annotations?: Record<string, string>;
  /** Extra top-level fields (custom fields are allowed by the image spec). */
  extra?: Record<string, unknown>;
  /** Leave mediaType out of the document (it is optional in the image spec). */
  omitMediaType?: boolean;
}

export function ociManifest(options: OciManifestOptions): Content {
  const document: Record<string, unknown> = { schemaVersion: 2 };
  if (!options.omitMediaType) document.mediaType = MEDIA.ociManifest;
  if (options.artifactType) document.artifactType = options.artifactType;
  document.config = descriptorOf(options.config);
  document.layers = options.layers.map((layer) => descriptorOf(layer));
  if (options.subject) document.subject = descriptorOf(options.subject);
  if (options.annotations) document.annotations = options.annotations;
  Object.assign(document, options.extra ?? {});
  return content(manifestBytes(document), MEDIA.ociManifest);
}

export interface IndexOptions {
  manifests: (Content & { platform?: { architecture: string; os: string } })[];
  subject?: Content;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export function ociIndex(options: IndexOptions): Content {
  const document: Record<string, unknown> = { schemaVersion: 2, mediaType: MEDIA.ociIndex };
  if (options.artifactType) document.artifactType = options.artifactType;
  document.manifests = options.manifests.map((item) => descriptorOf(item, item.platform ? { platform: item.platform } : {}));
  if (options.subject) document.subject = descriptorOf(options.subject);
  if (options.annotations) document.annotations = options.annotations;
  return content(manifestBytes(document), MEDIA.ociIndex);
}

export function dockerManifest(config: Content, layers: Content[]): Content {
  const document = {
    schemaVersion: 2,
    mediaType: MEDIA.dockerManifest,
    config: descriptorOf(config),
    layers: layers.map((layer) => descriptorOf(layer)),
  };
  return content(manifestBytes(document), MEDIA.dockerManifest);
}

export function dockerList(manifests: (Content & { platform: { architecture: string; os: string } })[]): Content {
  const document = {
    schemaVersion: 2,
    mediaType: MEDIA.dockerList,
    manifests: manifests.map((item) => descriptorOf(item, { platform: item.platform })),
  };
  return content(manifestBytes(document), MEDIA.dockerList);
}

/** Splits bytes into `count` consecutive chunks (the last takes the remainder). */
export function chunks(bytes: Buffer, count: number): Buffer[] {
  const size = Math.ceil(bytes.length / count);
  const out: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) out.push(bytes.subarray(offset, Math.min(offset + size, bytes.length)));
  return out;
}
