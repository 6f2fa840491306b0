/**
 * Mark: every digest reachable from what is kept, read from storage (the source of truth).
 * Kept manifests are, per repository, every revision — or with deleteUntagged only those a tag
 * points at — plus, to a fixpoint, the children of kept indexes and the referrers of kept
 * manifests; then the manifests of trash entries that are not being purged. A kept manifest
 * keeps its own blob, its config and its layers.
 *
 * Any storage error other than "not found" aborts the run: a sweep must never follow an
 * incomplete mark.
 */
import type { StorageDriver } from "../../storage-drivers/driver.js";
import { revisions } from "../metadata/reindex.js";
import * as paths from "../registry/paths.js";
import { parseDigest } from "../registry/reference.js";
import { isNotFound } from "../registry/storage-errors.js";
import { storedRepositories, type StoredRepository } from "../registry/storage-walk.js";
import { TagStore } from "../registry/tags.js";
import { mapLimit } from "./map-limit.js";
import { manifestReferences, type ManifestReferences } from "./references.js";

export interface LayerLink {
  repository: string;
  modTime: number;
}

export interface MarkResult {
  /** Digests of every blob (manifests included) to keep. */
  marked: Set<string>;
  /** Every `_layers` link found, by digest. */
  layerLinks: Map<string, LayerLink[]>;
  /** Untagged revisions to delete (deleteUntagged only). */
  untagged: { repository: string; digest: string }[];
  repositories: number;
  manifests: number;
  /** Revisions whose manifest data is missing or not JSON: kept, but nothing behind them is known. */
  unreadable: string[];
}

export interface MarkOptions {
  deleteUntagged: boolean;
  /** Manifest digests of the trash entries to keep; called after every repository was read. */
  trashRoots: () => Promise<string[]>;
  progress?: (line: string) => void;
  concurrency?: number;
}

/** Repositories read at once; each also reads its manifests `concurrency` at a time. */
const REPOSITORY_CONCURRENCY = 8;

type Stored = ManifestReferences | "missing" | "unreadable";

/** Manifest contents are content-addressed, so one read serves every repository. */
class ManifestReader {
  private readonly cache = new Map<string, Promise<Stored>>();
  constructor(private readonly driver: StorageDriver) {}

  read(digestText: string): Promise<Stored> {
    let entry = this.cache.get(digestText);
    if (!entry) {
      entry = this.load(digestText);
      this.cache.set(digestText, entry);
    }
    return entry;
  }

  private async load(digestText: string): Promise<Stored> {
    const digest = parseDigest(digestText);
    if (!digest) return "unreadable";
    try {
      return manifestReferences(await this.driver.getContent(paths.blobData(digest))) ?? "unreadable";
    } catch (error) {
      if (isNotFound(error)) return "missing";
      throw error;
    }
  }
}

async function listOrEmpty(driver: StorageDriver, path: string): Promise<string[]> {
  try {
    return await driver.list(path);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** `_layers/<alg>/<hex>/link` of a repository, with each link's modTime. */
async function listLayerLinks(driver: StorageDriver, name: string, into: Map<string, LayerLink[]>): Promise<void> {
  for (const algorithmDir of await listOrEmpty(driver, paths.layersDir(name))) {
    const algorithm = baseName(algorithmDir);
    await mapLimit(await listOrEmpty(driver, algorithmDir), 16, async (hexDir) => {
      const digest = parseDigest(`${algorithm}:${baseName(hexDir)}`)?.value;
      if (!digest) return;
      let modTime: number;
      try {
        modTime = (await driver.stat(`${hexDir}/link`)).modTime.getTime();
      } catch (error) {
        if (isNotFound(error)) return;
        throw error;
      }
      const links = into.get(digest) ?? [];
      links.push({ repository: name, modTime });
      into.set(digest, links);
    });
  }
}

/** The manifests given and every child below them. */
async function manifestsBelow(reader: ManifestReader, roots: string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  let level = roots;
  while (level.length > 0) {
    const next: string[] = [];
    for (const digest of level) {
      if (seen.has(digest)) continue;
      seen.add(digest);
      const stored = await reader.read(digest);
      if (typeof stored !== "string") next.push(...stored.children);
    }
    level = next;
  }
  return seen;
}

export async function mark(driver: StorageDriver, options: MarkOptions): Promise<MarkResult> {
  const concurrency = options.concurrency ?? 16;
  const reader = new ManifestReader(driver);
  const result: MarkResult = { marked: new Set(), layerLinks: new Map(), untagged: [], repositories: 0, manifests: 0, unreadable: [] };

  /** Marks manifests and what they refer to (children to any depth). */
  const keep = async (digests: string[]): Promise<void> => {
    let level = [...new Set(digests)].filter((digest) => !result.marked.has(digest));
    while (level.length > 0) {
      for (const digest of level) result.marked.add(digest);
      const next: string[] = [];
      await mapLimit(level, concurrency, async (digest) => {
        const stored = await reader.read(digest);
        if (stored === "unreadable") result.unreadable.push(digest);
        if (typeof stored === "string") return;
        for (const blob of stored.blobs) result.marked.add(blob);
        for (const child of stored.children) if (!result.marked.has(child)) next.push(child);
      });
      level = [...new Set(next)].filter((digest) => !result.marked.has(digest));
    }
  };

  const repositories: StoredRepository[] = [];
  for await (const repository of storedRepositories(driver)) repositories.push(repository);
  // Repositories are read side by side; marks are global, so their order does not matter.
  await mapLimit(repositories, REPOSITORY_CONCURRENCY, async (repository) => {
    const name = repository.name;
    await listLayerLinks(driver, name, result.layerLinks);
    if (!repository.hasManifests) return;
    const revisionDigests = (await revisions(driver, name)).map((digest) => digest.value);
    result.manifests += revisionDigests.length;
    if (!options.deleteUntagged) {
      await keep(revisionDigests);
    } else {
      const tagged = (await new TagStore(driver, name).all()).map((entry) => entry.digest.value);
      await keep(tagged);
      // Referrers of kept manifests are kept too, to a fixpoint (a signature of a signature).
      const subjects = new Map<string, string>();
      await mapLimit(revisionDigests, concurrency, async (digest) => {
        const stored = await reader.read(digest);
        if (typeof stored !== "string" && stored.subject) subjects.set(digest, stored.subject);
      });
      for (let changed = true; changed; ) {
        changed = false;
        for (const [digest, subject] of subjects) {
          if (!result.marked.has(digest) && result.marked.has(subject)) {
            await keep([digest]);
            changed = true;
          }
        }
      }
      for (const digest of revisionDigests) if (!result.marked.has(digest)) result.untagged.push({ repository: name, digest });
    }
    if (++result.repositories % 100 === 0) {
      options.progress?.(`mark: ${result.repositories} repositories, ${result.manifests} manifests, ${result.marked.size} blobs marked`);
    }
  });
  // After the repositories (see holds.ts): a tag moved to the trash meanwhile is seen here.
  const trashRoots = await options.trashRoots();
  await keep(trashRoots);
  // An untagged revision a trash entry needs (a deleted tag pointed at it) stays restorable.
  const inTrash = await manifestsBelow(reader, trashRoots);
  result.untagged = result.untagged.filter((entry) => !inTrash.has(entry.digest));
  options.progress?.(`mark: done: ${result.repositories} repositories, ${result.manifests} manifests, ${result.marked.size} blobs marked`);
  return result;
}
