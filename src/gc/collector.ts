/**
 * One garbage collection run, online: lease → purge set → mark → sweep → stale uploads →
 * trash entries → summary. Runs are recorded in metadata with their summary. Only one run that
 * deletes can hold the lease at a time (across processes); dry runs delete nothing and need none.
 * The protocol that keeps concurrent pushes safe is explained in holds.ts.
 */
import { hostname } from "node:os";
import type { StorageDriver } from "../../storage-drivers/driver.js";
import type { DeletedItem, GcRun, GcRunOptions, GcTrigger } from "../metadata/gc-records.js";
import type { MetadataStore } from "../metadata/store.js";
import { RegistryError } from "../registry/errors.js";
import { mark } from "./mark.js";
import { purgeUploads } from "./purge-uploads.js";
import { Sweeper, type SweepOptions, type SweepResult } from "./sweep.js";
import { Trash } from "./trash.js";

/** A run whose heartbeat is older than this is taken as dead. */
export const LEASE_MS = 60_000;
const HEARTBEAT_MS = 5_000;
/** Holds left open this long were left by a writer process that died. */
const STALE_HOLD_MS = 24 * 3_600_000;

export interface CollectOptions extends GcRunOptions {
  trigger: GcTrigger;
  /** Upload sessions started longer ago than this are removed (storage.maintenance.uploadpurging.age). */
  uploadAgeMs: number;
  progress?: (line: string) => void;
  /** Test hook, see SweepOptions. */
  beforeDelete?: SweepOptions["beforeDelete"];
}

export interface GcSummary extends Omit<SweepResult, "sample"> {
  dryRun: boolean;
  deleteUntagged: boolean;
  graceMs: number;
  repositories: number;
  manifests: number;
  blobsMarked: number;
  unreadableManifests: string[];
  trashPurged: number;
  uploadsPurged: number;
  markMs: number;
  sweepMs: number;
  durationMs: number;
  sample: SweepResult["sample"] & { trash: string[] };
}

export class GcBusyError extends RegistryError {
  constructor(readonly running: GcRun) {
    super(
      "UNSUPPORTED",
      `a garbage collection is already running (run ${running.id}, started ${new Date(running.startedAt).toISOString()} by ${running.owner})`,
      { running: running.id },
      409,
    );
  }
}

const OWNER = `${hostname()}:${process.pid}`;

/** Whether the process that owns a run is alive; only answerable for this host. */
function ownerAlive(owner: string): boolean {
  const colon = owner.lastIndexOf(":");
  if (owner.slice(0, colon) !== hostname()) return true;
  const pid = Number(owner.slice(colon + 1));
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class GarbageCollector {
  constructor(
    private readonly driver: StorageDriver,
    private readonly metadata: MetadataStore,
    /** Told about every run that ended (for metrics). */
    private readonly onRunEnded: (run: GcRun) => void = () => undefined,
  ) {}

  /** Records and starts a run; resolves with the started run and a promise of its end. */
  async start(options: CollectOptions): Promise<{ run: GcRun; done: Promise<GcRun> }> {
    const started = await this.metadata.gcRuns.start(options.trigger, options, OWNER, this.metadata.now(), LEASE_MS, ownerAlive);
    if ("busy" in started) throw new GcBusyError(started.busy);
    const run = started.run;
    return { run, done: this.execute(run, options) };
  }

  /** Runs a collection to its end (the CLI, tests, "run now and wait"). */
  async collect(options: CollectOptions): Promise<GcRun> {
    return (await this.start(options)).done;
  }

  private async execute(run: GcRun, options: CollectOptions): Promise<GcRun> {
    const progress = options.progress ?? (() => undefined);
    const heartbeat = setInterval(() => void this.metadata.gcRuns.heartbeat(run.id, this.metadata.now()).catch(() => undefined), HEARTBEAT_MS);
    heartbeat.unref();
    const began = Date.now();
    try {
      const summary = await this.phases(run, options, progress);
      summary.durationMs = Date.now() - began;
      await this.metadata.gcRuns.finish(run.id, "succeeded", this.metadata.now(), { ...summary }, null);
      progress(summaryLine(summary));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.metadata.gcRuns.finish(run.id, "failed", this.metadata.now(), null, message);
      progress(`garbage-collect: run ${run.id} failed: ${message}`);
    } finally {
      clearInterval(heartbeat);
    }
    const ended = (await this.metadata.gcRuns.get(run.id)) ?? run;
    this.onRunEnded(ended);
    return ended;
  }

  private async phases(run: GcRun, options: CollectOptions, progress: (line: string) => void): Promise<GcSummary> {
    const { dryRun } = options;
    // T of holds.ts, by the database's clock (compared with writers' release times); markBegan times the phase.
    const markStartedAt = this.metadata.now();
    const markBegan = Date.now();
    await this.metadata.gcRuns.setMarkStarted(run.id, markStartedAt);
    if (!dryRun) await this.metadata.gcCoordination.prune(run.id, markStartedAt, markStartedAt - STALE_HOLD_MS);
    progress(`garbage-collect: run ${run.id}${dryRun ? " (dry run)" : ""}, grace ${Math.round(options.graceMs / 1000)}s${options.deleteUntagged ? ", deleting untagged manifests" : ""}`);

    const trash = new Trash(this.driver, this.metadata);
    // Records what the storage trash holds (even in a dry run: it only writes down what storage says).
    const imported = await trash.importOrphans();
    if (imported.length > 0) progress(`trash: ${imported.length} entries found in storage without a record: recorded`);
    const candidates = await this.purgeSet(run.id, markStartedAt, dryRun);
    const purgingIds = new Set(candidates.map((item) => item.id));
    // Roots from the records and from the storage trash itself, both read after the repositories.
    const trashRoots = async () => {
      const records = await this.metadata.deleted.list({ limit: Number.MAX_SAFE_INTEGER });
      const live = records.filter((item) => item.state === "deleted" || item.state === "restoring");
      const known = new Set(records.map((item) => item.id));
      const unrecorded = (await trash.storedEntries()).filter((entry) => !known.has(entry.id));
      return [...live, ...unrecorded].filter((item) => !purgingIds.has(item.id)).flatMap((item) => item.manifests);
    };

    const marked = await mark(this.driver, { deleteUntagged: options.deleteUntagged, trashRoots, progress });
    const markMs = Date.now() - markBegan;
    // An entry whose manifests all stay (other tags or revisions keep them) loses nothing in this
    // run: it stays restorable. The others are purged: their content goes now.
    const purging: DeletedItem[] = [];
    for (const item of candidates) {
      if (item.manifests.length > 0 && item.manifests.every((digest) => marked.marked.has(digest))) {
        if (!dryRun) await this.metadata.deleted.transition(item.id, ["purging"], "deleted", { gcRun: null });
      } else {
        purging.push(item);
      }
    }

    const sweepStarted = Date.now();
    const sweepOptions: SweepOptions = { runId: run.id, markStartedAt, graceMs: options.graceMs, dryRun, progress };
    if (options.beforeDelete) sweepOptions.beforeDelete = options.beforeDelete;
    const swept = await new Sweeper(this.driver, this.metadata, marked, sweepOptions).run();

    const uploads = await purgeUploads(this.driver, options.uploadAgeMs, dryRun);
    if (uploads.purged.length > 0) progress(`uploads: ${uploads.purged.length} stale upload sessions ${dryRun ? "would be " : ""}removed`);

    for (const item of purging) {
      if (dryRun) continue;
      await trash.removeEntry(item.id);
      await this.metadata.deleted.transition(item.id, ["purging"], "purged", { gcRun: run.id });
    }
    if (purging.length > 0) progress(`trash: ${purging.length} deleted items ${dryRun ? "would be " : ""}purged`);
    if (!dryRun) await this.removeSettledEntries(trash);

    const { sample, ...counts } = swept;
    return {
      dryRun,
      deleteUntagged: options.deleteUntagged,
      graceMs: options.graceMs,
      repositories: marked.repositories,
      manifests: marked.manifests,
      blobsMarked: marked.marked.size,
      unreadableManifests: marked.unreadable.slice(0, 100),
      ...counts,
      trashPurged: purging.length,
      uploadsPurged: uploads.purged.length,
      markMs,
      sweepMs: Date.now() - sweepStarted,
      durationMs: 0,
      sample: { ...sample, trash: purging.slice(0, 100).map(describeItem) },
    };
  }

  /** Entries a restore or purge finished with, whose folder an interruption left behind. */
  private async removeSettledEntries(trash: Trash): Promise<void> {
    for (const entry of await trash.storedEntries()) {
      const record = await this.metadata.deleted.get(entry.id);
      if (record && (record.state === "purged" || record.state === "restored")) await trash.removeEntry(entry.id);
    }
  }

  /**
   * The trash entries this run removes: deleted before it began, plus any a crashed run left
   * "purging". A dry run changes no state and reports what a real run would take.
   */
  private async purgeSet(runId: number, before: number, dryRun: boolean): Promise<DeletedItem[]> {
    if (dryRun) {
      const items = await this.metadata.deleted.list({ states: ["deleted", "purging"], limit: Number.MAX_SAFE_INTEGER });
      return items.filter((item) => item.state === "purging" || item.deletedAt < before);
    }
    const abandoned = await this.metadata.deleted.abandonedPurges(runId);
    for (const item of abandoned) await this.metadata.deleted.transition(item.id, ["purging"], "purging", { gcRun: runId });
    return [...abandoned, ...(await this.metadata.deleted.claimForPurge(runId, before))];
  }
}

function describeItem(item: DeletedItem): string {
  if (item.kind === "tag") return `${item.repository}:${item.tag}`;
  if (item.kind === "manifest") return `${item.repository}@${item.digest}`;
  return item.repository;
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function summaryLine(summary: GcSummary): string {
  const verb = summary.dryRun ? "would free" : "freed";
  return (
    `garbage-collect: ${verb} ${summary.blobsDeleted} blobs (${formatBytes(summary.bytesFreed)}), ` +
    `${summary.manifestsDeleted} untagged manifests, ${summary.layerLinksDeleted} layer links, ` +
    `${summary.trashPurged} deleted items, ${summary.uploadsPurged} uploads; ` +
    `kept ${summary.blobsMarked} marked, ${summary.keptRecent} recent, ${summary.keptHeld} held; ` +
    `${summary.repositories} repositories in ${(summary.durationMs / 1000).toFixed(1)}s`
  );
}
