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
import type { FileInfo, StorageDriver } from "../../storage-drivers/driver.js";
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
/** Digests claimed per metadata transaction. */
const BATCH = 64;

async function deleteIfPresent(driver: StorageDriver, path: string): Promise<boolean> {
  try {
    await driver.delete(path);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
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
    await this.inClaimedBatches(
      candidates,
      (candidate) => candidate.digest,
      (candidate) => this.deleteBlob(candidate),
      (done) => this.options.progress?.(`sweep: ${done}/${candidates.length} blobs done`),
    );
    return this.result;
  }

  /**
   * Claims a batch of digests in one transaction, deletes the claimed ones (concurrently),
   * then drops the claims. What a writer holds is skipped and counted; what took longer than
   * CLAIM_USE_MS after its claim is claimed again in a later batch (holds.ts).
   */
  private async inClaimedBatches<T>(
    items: T[],
    digestOf: (item: T) => string,
    remove: (item: T) => Promise<void>,
    onThousand: (done: number) => void = () => undefined,
  ): Promise<void> {
    const queue = [...items];
    let done = 0;
    const concurrency = this.options.concurrency ?? 16;
    while (queue.length > 0) {
      const batch = queue.splice(0, BATCH);
      let claimed = batch;
      const at = Date.now();
      if (!this.options.dryRun) {
        // The claim's expiry by the database's clock (writers compare it with theirs); `at` times its use here.
        const expiresAt = this.metadata.now() + CLAIM_TTL_MS;
        const granted = new Set(await this.metadata.gcCoordination.claim(this.options.runId, batch.map(digestOf), this.options.markStartedAt, expiresAt));
        claimed = batch.filter((item) => granted.has(digestOf(item)));
        this.result.keptHeld += batch.length - claimed.length;
      }
      try {
        await mapLimit(claimed, concurrency, async (item) => {
          await this.options.beforeDelete?.(digestOf(item));
          if (Date.now() - at > CLAIM_USE_MS) {
            queue.push(item);
            return;
          }
          await remove(item);
          if (++done % 1000 === 0) onThousand(done);
        });
      } finally {
        if (!this.options.dryRun) await this.metadata.gcCoordination.unclaim(claimed.map(digestOf));
      }
    }
  }

  private async deleteUntagged(): Promise<void> {
    await this.inClaimedBatches(
      this.marked.untagged,
      (entry) => entry.digest,
      async ({ repository, digest: text }) => {
        const digest = parseDigest(text);
        if (!digest) return;
        if (!this.options.dryRun) {
          for (const tagDir of await this.listOrEmpty(paths.tagsDir(repository))) {
            const tag = tagDir.slice(tagDir.lastIndexOf("/") + 1);
            await deleteIfPresent(this.driver, dirname(paths.tagIndexLink(repository, tag, digest)));
          }
          await deleteIfPresent(this.driver, paths.revisionDir(repository, digest));
          await this.metadata.deleteManifest(repository, text);
        }
        this.result.manifestsDeleted++;
        if (this.result.sample.manifests.length < SAMPLE) this.result.sample.manifests.push(`${repository}@${text}`);
      },
    );
  }

  private async candidates(): Promise<SweepCandidate[]> {
    const { marked, layerLinks } = this.marked;
    const cutoff = this.options.markStartedAt - this.options.graceMs;
    const recent = (links: LayerLink[] | undefined) => (links ?? []).some((link) => link.modTime >= cutoff);
    const candidates: SweepCandidate[] = [];
    const withData = new Set<string>();
    await this.forEachBlob(async (digest, info) => {
      this.result.blobsExamined++;
      withData.add(digest.value);
      if (marked.has(digest.value)) return;
      const links = layerLinks.get(digest.value);
      if (info.modTime.getTime() >= cutoff || recent(links)) {
        this.result.keptRecent++;
        return;
      }
      candidates.push({ digest: digest.value, hasData: true, size: info.size, links: links ?? [] });
    });
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
    let linksDeleted = candidate.links.length;
    if (!this.options.dryRun) {
      linksDeleted = 0;
      // Links first, data last (see the crash-safety note above).
      for (const link of candidate.links) {
        if (await deleteIfPresent(this.driver, paths.layerDir(link.repository, digest))) linksDeleted++;
      }
      if (candidate.hasData) await deleteIfPresent(this.driver, paths.blobDir(digest));
    }
    this.result.layerLinksDeleted += linksDeleted;
    if (!candidate.hasData) return; // dangling links only
    this.result.blobsDeleted++;
    this.result.bytesFreed += candidate.size;
    if (this.result.sample.blobs.length < SAMPLE) this.result.sample.blobs.push(candidate.digest);
  }

  /** Every blob's data file (`blobs/<alg>/<xx>/<hex>/data`), stat'ed several at a time. */
  private async forEachBlob(visit: (digest: Digest, info: FileInfo) => Promise<void> | void): Promise<void> {
    for (const algorithmDir of await this.listOrEmpty(paths.BLOBS)) {
      const algorithm = algorithmDir.slice(algorithmDir.lastIndexOf("/") + 1);
      const hexDirs: string[] = [];
      await mapLimit(await this.listOrEmpty(algorithmDir), 16, async (prefixDir) => {
        hexDirs.push(...(await this.listOrEmpty(prefixDir)));
      });
      await mapLimit(hexDirs, 32, async (hexDir) => {
        const digest = parseDigest(`${algorithm}:${hexDir.slice(hexDir.lastIndexOf("/") + 1)}`);
        if (!digest) return;
        let info: FileInfo;
        try {
          info = await this.driver.stat(`${hexDir}/data`);
        } catch (error) {
          if (isNotFound(error)) return;
          throw error;
        }
        if (!info.isDir) await visit(digest, info);
      });
    }
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
