/**
 * The digests a stored manifest refers to, read loosely for the collector: config, layers,
 * index children, subject, and schema1's fsLayers. Loose on purpose: marking a digest too many
 * costs a blob kept a little longer; missing one would delete content still in use.
 */
import { parseDigest } from "../registry/reference.js";

export interface ManifestReferences {
  /** Config and layers (blobs). */
  blobs: string[];
  /** Child manifests of an index. */
  children: string[];
  subject: string | null;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function digestOf(value: Json | undefined, key = "digest"): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const text = value[key];
  return typeof text === "string" ? (parseDigest(text)?.value ?? null) : null;
}

function digestsOf(value: Json | undefined, key = "digest"): string[] {
  if (!Array.isArray(value)) return [];
  return value.map((entry) => digestOf(entry, key)).filter((digest): digest is string => digest !== null);
}

/** null when the body is not a JSON object (nothing can be said about what it refers to). */
export function manifestReferences(body: Buffer): ManifestReferences | null {
  let document: Json;
  try {
    document = JSON.parse(body.toString("utf8")) as Json;
  } catch {
    return null;
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) return null;
  const config = digestOf(document.config);
  const blobs = [...(config ? [config] : []), ...digestsOf(document.layers), ...digestsOf(document.fsLayers, "blobSum")];
  return { blobs, children: digestsOf(document.manifests), subject: digestOf(document.subject) };
}
