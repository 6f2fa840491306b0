/**
 * Parsing and validating a pushed manifest: JSON shape, mediaType vs Content-Type,
 * descriptors. Which referenced blobs must exist is decided here; checking them is the store's job.
 */
import { RegistryError } from "./errors.js";
import { DOCKER_MANIFEST, isIndexType, isManifestType, isNonDistributable, OCI_INDEX, OCI_MANIFEST, type ManifestMediaType } from "./media-types.js";
import { parseDigest, type Digest } from "./reference.js";

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface ParsedManifest {
  mediaType: ManifestMediaType;
  /** Blobs (config and layers) that must be linked in the repository. */
  blobs: Descriptor[];
  /** Child manifests (of an index) that must exist in the repository. */
  children: Descriptor[];
  subject: Descriptor | null;
  /** artifactType, or for an image manifest its config's mediaType (as the referrers API reports). */
  artifactType: string | null;
  annotations: Record<string, string> | null;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function invalid(message: string, detail?: unknown): RegistryError {
  return new RegistryError("MANIFEST_INVALID", message, detail);
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalString(object: JsonObject, key: string, where: string): string | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw invalid(`${where}.${key} must be a string`);
  return value;
}

function annotationsOf(object: JsonObject, where: string): Record<string, string> | undefined {
  const value = object.annotations;
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw invalid(`${where}.annotations must be an object`);
  const result: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== "string") throw invalid(`${where}.annotations.${key} must be a string`);
    result[key] = entry;
  }
  return result;
}

function descriptor(value: Json | undefined, where: string): Descriptor {
  if (!isObject(value)) throw invalid(`${where} must be a descriptor object`);
  const mediaType = value.mediaType;
  if (typeof mediaType !== "string" || mediaType.length === 0) throw invalid(`${where}.mediaType must be a string`);
  const digestText = value.digest;
  const digest = typeof digestText === "string" ? parseDigest(digestText) : null;
  if (!digest) throw invalid(`${where}.digest is not a valid digest`);
  const size = value.size;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) throw invalid(`${where}.size must be a non-negative integer`);
  const result: Descriptor = { mediaType, digest, size };
  const artifactType = optionalString(value, "artifactType", where);
  if (artifactType !== undefined) result.artifactType = artifactType;
  const annotations = annotationsOf(value, where);
  if (annotations !== undefined) result.annotations = annotations;
  return result;
}

function descriptorList(value: Json | undefined, where: string): Descriptor[] {
  if (!Array.isArray(value)) throw invalid(`${where} must be an array`);
  return value.map((entry, index) => descriptor(entry, `${where}[${index}]`));
}

/** Picks the manifest's media type from its `mediaType` field and the request's Content-Type. */
function mediaTypeOf(object: JsonObject, contentType: string | undefined): ManifestMediaType {
  const declared = object.mediaType;
  if (declared !== undefined && typeof declared !== "string") throw invalid("mediaType must be a string");
  const header = contentType?.split(";")[0]?.trim().toLowerCase() || undefined;
  if (declared !== undefined && header !== undefined && declared !== header) {
    throw invalid("mediaType does not match Content-Type", { mediaType: declared, contentType: header });
  }
  // OCI allows omitting mediaType; fall back to the header, then to the document's shape.
  const chosen = declared ?? header ?? (Array.isArray(object.manifests) ? OCI_INDEX : OCI_MANIFEST);
  if (!isManifestType(chosen)) throw invalid("unsupported manifest media type", { mediaType: chosen });
  return chosen;
}

export function parseManifest(body: Buffer, contentType: string | undefined): ParsedManifest {
  let document: Json;
  try {
    document = JSON.parse(body.toString("utf8")) as Json;
  } catch {
    throw invalid("manifest is not valid JSON");
  }
  if (!isObject(document)) throw invalid("manifest must be a JSON object");
  if (document.schemaVersion !== 2) throw invalid("schemaVersion must be 2");
  const mediaType = mediaTypeOf(document, contentType);
  const subject = document.subject === undefined ? null : descriptor(document.subject, "subject");
  const annotations = annotationsOf(document, "manifest") ?? null;
  const declaredArtifactType = optionalString(document, "artifactType", "manifest") ?? null;

  if (isIndexType(mediaType)) {
    const children = descriptorList(document.manifests, "manifests");
    return { mediaType, blobs: [], children, subject, artifactType: declaredArtifactType, annotations };
  }
  const config = descriptor(document.config, "config");
  const layers = document.layers === undefined && mediaType === OCI_MANIFEST ? [] : descriptorList(document.layers, "layers");
  if (mediaType === DOCKER_MANIFEST && layers.length === 0) throw invalid("layers must not be empty");
  const blobs = [config, ...layers.filter((layer) => !isNonDistributable(layer.mediaType))];
  return { mediaType, blobs, children: [], subject, artifactType: declaredArtifactType ?? config.mediaType, annotations };
}

/** The media type of a stored manifest (registry:2 reads it back from the JSON too). */
export function storedMediaType(body: Buffer): string {
  try {
    const document = JSON.parse(body.toString("utf8")) as Json;
    if (isObject(document)) {
      if (typeof document.mediaType === "string") return document.mediaType;
      return Array.isArray(document.manifests) ? OCI_INDEX : OCI_MANIFEST;
    }
  } catch {
    // fall through: serve it as an OCI manifest rather than fail the read
  }
  return OCI_MANIFEST;
}
