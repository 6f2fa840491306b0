/** `berth reindex`: rebuilds the metadata index from storage, the source of truth. */
import type { StorageDriver } from "../../storage-drivers/driver.js";
import { parseManifest, storedMediaType } from "../registry/manifest-parse.js";
import * as paths from "../registry/paths.js";
import { parseDigest, type Digest } from "../registry/reference.js";
import { isNotFound } from "../registry/storage-errors.js";
import { storedRepositories } from "../registry/storage-walk.js";
import { TagStore } from "../registry/tags.js";
import type { ManifestRecord, MetadataStore, ReindexSnapshot } from "./store.js";

export interface ReindexSummary {
  repositories: number;
  manifests: number;
  tags: number;
  /** Revisions whose link or data was missing or unreadable, skipped with a reason. */
  skipped: { repository: string; digest: string; reason: string }[];
}

async function listOrEmpty(driver: StorageDriver, path: string): Promise<string[]> {
  try {
    return await driver.list(path);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

/** Digests of the manifest revisions stored for a repository. */
export async function revisions(driver: StorageDriver, name: string): Promise<Digest[]> {
  const result: Digest[] = [];
  for (const algorithmDir of await listOrEmpty(driver, paths.revisionsDir(name))) {
    const algorithm = algorithmDir.slice(algorithmDir.lastIndexOf("/") + 1);
    for (const hexDir of await listOrEmpty(driver, algorithmDir)) {
      const digest = parseDigest(`${algorithm}:${hexDir.slice(hexDir.lastIndexOf("/") + 1)}`);
      if (digest) result.push(digest);
    }
  }
  return result;
}

export async function manifestRecord(driver: StorageDriver, name: string, digest: Digest): Promise<ManifestRecord> {
  const link = (await driver.getContent(paths.revisionLink(name, digest))).toString().trim();
  if (link !== digest.value) throw new Error(`revision link holds ${JSON.stringify(link.slice(0, 80))}`);
  const content = await driver.getContent(paths.blobData(digest));
  const record: ManifestRecord = {
    repository: name,
    digest: digest.value,
    mediaType: storedMediaType(content),
    size: content.length,
    artifactType: null,
    subject: null,
    annotations: null,
  };
  try {
    const parsed = parseManifest(content, undefined);
    record.artifactType = parsed.artifactType;
    record.subject = parsed.subject?.digest.value ?? null;
    record.annotations = parsed.annotations;
  } catch {
    // An old or foreign manifest (e.g. schema1): indexed by digest and type only.
  }
  return record;
}

export async function reindex(
  driver: StorageDriver,
  metadata: MetadataStore,
  progress: (line: string) => void = () => undefined,
): Promise<ReindexSummary> {
  const snapshot: ReindexSnapshot = { repositories: [], manifests: [], tags: [] };
  const skipped: ReindexSummary["skipped"] = [];
  for await (const stored of storedRepositories(driver)) {
    if (!stored.hasManifests) continue;
    const name = stored.name;
    snapshot.repositories.push(name);
    const known = new Set<string>();
    for (const digest of await revisions(driver, name)) {
      try {
        snapshot.manifests.push(await manifestRecord(driver, name, digest));
        known.add(digest.value);
      } catch (error) {
        skipped.push({ repository: name, digest: digest.value, reason: error instanceof Error ? error.message : String(error) });
      }
    }
    for (const { tag, digest } of await new TagStore(driver, name).all()) {
      if (known.has(digest.value)) snapshot.tags.push({ repository: name, tag, digest: digest.value });
    }
    if (snapshot.repositories.length % 100 === 0) {
      progress(`reindex: ${snapshot.repositories.length} repositories, ${snapshot.manifests.length} manifests so far`);
    }
  }
  await metadata.replaceAll(snapshot);
  const summary = {
    repositories: snapshot.repositories.length,
    manifests: snapshot.manifests.length,
    tags: snapshot.tags.length,
    skipped,
  };
  progress(`reindex: done: ${summary.repositories} repositories, ${summary.manifests} manifests, ${summary.tags} tags, ${skipped.length} skipped`);
  return summary;
}
