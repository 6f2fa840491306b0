/**
 * Sweep: deletes what the mark did not reach — untagged revisions (deleteUntagged), then
 * unmarked blobs with their `_layers` links, and `_layers` links left without data. Every
 * deletion is claimed first and skipped when a writer holds the digest (holds.ts); a blob
 * whose data or a link to it was written within the grace period is kept.
 *
 * Crash safety: each deletion removes the links before the data, so a run killed at any point
 * leaves either a blob nobody links (the next run deletes it) or, at worst, a dangling link the
 * next run removes; nothing it keeps depends on the order, because the next run marks anew.
 */
import { dirname } from "node:path";
import type { StorageDriver } from "../../storage-drivers/driver.js";
import type { MetadataStore } from "../metadata/store.js";
import * as paths from "../registry/paths.js";
import { parseDigest, type Digest } from "../registry/reference.js";
import { isNotFound } from "../registry/storage-errors.js";
import { CLAIM_TTL_MS, CLAIM_USE_MS } from "./holds.js";
import { mapLimit } from "./map-limit.js";
import type { LayerLink, MarkResult } from "./mark.js";

export interface SweepOptions {
  runId: number;
  markStartedAt: number;
  graceMs: number;
  dryRun: boolean;
  concurrency?: number;
  progress?: (line: string) => void;
  /** Called before each deletion: lets tests stop a run mid-sweep. */
  beforeDelete?: (digest: string) => Promise<void> | void;
}

export interface SweepCandidate {
  digest: string;
  /** False for `_layers` links whose blob data is already gone. */
  hasData: boolean;
  size: number;
  links: LayerLink[];
}

export interface SweepResult {
  blobsExamined: number;
  /** Blobs deleted (or, in a dry run, that would be). */
  blobsDeleted: number;
  bytesFreed: number;
  layerLinksDeleted: number;
  manifestsDeleted: number;
  /** Unmarked, but written or linked within the grace period. */
  keptRecent: number;
  /** Unmarked, but held by a writer when the collector tried to claim it. */
  keptHeld: number;
  /** The first deletions, for the run's summary and the dry-run preview. */
  sample: { blobs: string[]; manifests: string[] };
}

const SAMPLE = 100;

async function deleteIfPresent(driver: StorageDriver, path: string): Promise<boolean> {
  try {
    await driver.delete(path);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

function digestFromBlobPath(path: string): Digest | null {
  // …/blobs/<alg>/<xx>/<hex>/data
  const parts = path.split("/");
  if (parts.at(-1) !== "data") return null;
  return parseDigest(`${parts.at(-4)}:${parts.at(-2)}`);
}

export class Sweeper {
  private readonly result: SweepResult = {
    blobsExamined: 0,
    blobsDeleted: 0,
    bytesFreed: 0,
    layerLinksDeleted: 0,
    manifestsDeleted: 0,
    keptRecent: 0,
    keptHeld: 0,
    sample: { blobs: [], manifests: [] },
  };

  constructor(
    private readonly driver: StorageDriver,
    private readonly metadata: MetadataStore,
    private readonly marked: MarkResult,
    private readonly options: SweepOptions,
  ) {}

  async run(): Promise<SweepResult> {
    await this.deleteUntagged();
    const candidates = await this.candidates();
    this.options.progress?.(`sweep: ${candidates.length} of ${this.result.blobsExamined} blobs unreferenced`);
    let done = 0;
    await mapLimit(candidates, this.options.concurrency ?? 8, async (candidate) => {
      await this.deleteBlob(candidate);
      if (++done % 1000 === 0) this.options.progress?.(`sweep: ${done}/${candidates.length} blobs done`);
    });
    return this.result;
  }

  /** Claims the digest, runs the deletion, drops the claim; false when a writer holds it. */
  private async claimed(digest: string, deletion: () => Promise<void>): Promise<boolean> {
    if (this.options.dryRun) return true;
    const coordination = this.metadata.gcCoordination;
    for (;;) {
      const at = Date.now();
      if (!(await coordination.claim(this.options.runId, digest, this.options.markStartedAt, at, at + CLAIM_TTL_MS))) return false;
      try {
        await this.options.beforeDelete?.(digest);
        // Too slow to trust the claim any longer (holds.ts): drop it and claim again.
        if (Date.now() - at > CLAIM_USE_MS) continue;
        await deletion();
        return true;
      } finally {
        await coordination.unclaim(digest);
      }
    }
  }

  private async deleteUntagged(): Promise<void> {
    for (const { repository, digest: text } of this.marked.untagged) {
      const digest = parseDigest(text);
      if (!digest) continue;
      const deleted = await this.claimed(text, async () => {
        if (this.options.dryRun) return;
        for (const tagDir of await this.listOrEmpty(paths.tagsDir(repository))) {
          const tag = tagDir.slice(tagDir.lastIndexOf("/") + 1);
          await deleteIfPresent(this.driver, dirname(paths.tagIndexLink(repository, tag, digest)));
        }
        await deleteIfPresent(this.driver, paths.revisionDir(repository, digest));
        await this.metadata.deleteManifest(repository, text);
      });
      if (!deleted) {
        this.result.keptHeld++;
        continue;
      }
      this.result.manifestsDeleted++;
      if (this.result.sample.manifests.length < SAMPLE) this.result.sample.manifests.push(`${repository}@${text}`);
    }
  }

  private async candidates(): Promise<SweepCandidate[]> {
    const { marked, layerLinks } = this.marked;
    const cutoff = this.options.markStartedAt - this.options.graceMs;
    const recent = (links: LayerLink[] | undefined) => (links ?? []).some((link) => link.modTime >= cutoff);
    const candidates: SweepCandidate[] = [];
    const withData = new Set<string>();
    try {
      for await (const info of this.driver.walk(paths.BLOBS)) {
        if (info.isDir) continue;
        const digest = digestFromBlobPath(info.path);
        if (!digest) continue;
        this.result.blobsExamined++;
        withData.add(digest.value);
        if (marked.has(digest.value)) continue;
        const links = layerLinks.get(digest.value);
        if (info.modTime.getTime() >= cutoff || recent(links)) {
          this.result.keptRecent++;
          continue;
        }
        candidates.push({ digest: digest.value, hasData: true, size: info.size, links: links ?? [] });
      }
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    for (const [digest, links] of layerLinks) {
      if (withData.has(digest) || marked.has(digest)) continue;
      if (recent(links)) this.result.keptRecent++;
      else candidates.push({ digest, hasData: false, size: 0, links });
    }
    return candidates;
  }

  private async deleteBlob(candidate: SweepCandidate): Promise<void> {
    const digest = parseDigest(candidate.digest);
    if (!digest) return;
    let linksDeleted = 0;
    const deleted = await this.claimed(candidate.digest, async () => {
      if (this.options.dryRun) return;
      // Links first, data last (see the crash-safety note above).
      for (const link of candidate.links) {
        if (await deleteIfPresent(this.driver, paths.layerDir(link.repository, digest))) linksDeleted++;
      }
      if (candidate.hasData) await deleteIfPresent(this.driver, paths.blobDir(digest));
    });
    if (!deleted) {
      this.result.keptHeld++;
      return;
    }
    this.result.layerLinksDeleted += this.options.dryRun ? candidate.links.length : linksDeleted;
    if (!candidate.hasData) return; // dangling links only
    this.result.blobsDeleted++;
    this.result.bytesFreed += candidate.size;
    if (this.result.sample.blobs.length < SAMPLE) this.result.sample.blobs.push(candidate.digest);
  }

  private async listOrEmpty(path: string): Promise<string[]> {
    try {
      return await this.driver.list(path);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
  }
}
