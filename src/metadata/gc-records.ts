/**
 * What the metadata store keeps for soft deletes and garbage collection: the records of
 * deleted tags, manifests and repositories; the history of collection runs; and the
 * holds and claims through which writers and a running collector stay out of each other's
 * way (the protocol is explained in src/gc/holds.ts). All times are epoch milliseconds.
 */

export type DeletedKind = "tag" | "manifest" | "repository";

/**
 * deleted → restoring → restored, or deleted → purging → purged (by a collection).
 * A restore interrupted half-way stays "restoring" and may be retried.
 */
export type DeletedState = "deleted" | "restoring" | "restored" | "purging" | "purged";

export interface DeletedItem {
  /** Also the name of its folder in the storage trash. */
  id: string;
  kind: DeletedKind;
  repository: string;
  /** The deleted tag (kind "tag"). */
  tag: string | null;
  /** The manifest a tag pointed at, or the deleted manifest. Null for a repository. */
  digest: string | null;
  /** Tags that went with it (a manifest's tags, or every tag of a repository). */
  tags: string[];
  /** Every manifest digest the trash entry keeps restorable: the roots the collector must respect. */
  manifests: string[];
  deletedBy: string;
  deletedAt: number;
  state: DeletedState;
  /** Who restored it, when restored. */
  restoredBy: string | null;
  /** When the state last changed (restored or purged). */
  changedAt: number | null;
  /** The collection run that purged it. */
  gcRun: number | null;
}

export interface DeletedFilter {
  kind?: DeletedKind;
  repository?: string;
  states?: DeletedState[];
  limit: number;
  /** Items deleted strictly before this item (newest first paging). */
  before?: string;
}

export interface DeletedRecords {
  add(item: DeletedItem): Promise<void>;
  get(id: string): Promise<DeletedItem | null>;
  list(filter: DeletedFilter): Promise<DeletedItem[]>;
  /** Compare-and-set: moves the item to `to` only when its state is one of `from`; true when it did. */
  transition(id: string, from: DeletedState[], to: DeletedState, changes?: { restoredBy?: string; gcRun?: number | null }): Promise<boolean>;
  /** Marks every item deleted before `before` and still "deleted" as "purging" by the run; returns them. */
  claimForPurge(runId: number, before: number): Promise<DeletedItem[]>;
  /** Items a crashed run left "purging" (any run but this one). */
  abandonedPurges(runId: number): Promise<DeletedItem[]>;
}

export type GcTrigger = "schedule" | "api" | "cli";
export type GcRunState = "running" | "succeeded" | "failed";

export interface GcRunOptions {
  dryRun: boolean;
  deleteUntagged: boolean;
  graceMs: number;
}

export interface GcRun extends GcRunOptions {
  id: number;
  trigger: GcTrigger;
  /** "<host>:<pid>" of the process running it. */
  owner: string;
  state: GcRunState;
  startedAt: number;
  /** When marking began: holds released after this are honoured for the whole run. */
  markStartedAt: number | null;
  finishedAt: number | null;
  heartbeatAt: number;
  summary: Record<string, unknown> | null;
  error: string | null;
}

export interface GcRuns {
  /**
   * Starts a run unless another (not dry) run holds a live lease. A run whose heartbeat is older
   * than `leaseMs`, or whose owner `isAlive` denies, is marked failed ("interrupted") first.
   * Dry runs never take the lease.
   */
  start(
    trigger: GcTrigger,
    options: GcRunOptions,
    owner: string,
    now: number,
    leaseMs: number,
    isAlive: (owner: string) => boolean,
  ): Promise<{ run: GcRun } | { busy: GcRun }>;
  setMarkStarted(id: number, at: number): Promise<void>;
  heartbeat(id: number, at: number): Promise<void>;
  finish(id: number, state: Exclude<GcRunState, "running">, at: number, summary: Record<string, unknown> | null, error: string | null): Promise<void>;
  get(id: number): Promise<GcRun | null>;
  /** Newest first. */
  list(limit: number, before?: number): Promise<GcRun[]>;
}

export interface GcCoordination {
  /**
   * Writer side: records holds on the digests (one transaction) and answers which of them a
   * collector has claimed for deletion and not yet released.
   */
  hold(digests: string[], now: number): Promise<{ holdId: number; claimed: string[] }>;
  release(holdId: number, now: number): Promise<void>;
  /** Which of the digests are claimed by an unexpired claim now. */
  claimed(digests: string[], now: number): Promise<string[]>;
  /**
   * Collector side, one transaction: claims each digest unless a hold on it is open or was
   * released at or after `markStartedAt`. Answers the digests claimed.
   */
  claim(runId: number, digests: string[], markStartedAt: number, expiresAt: number): Promise<string[]>;
  unclaim(digests: string[]): Promise<void>;
  /**
   * At a run's start: drops claims of other runs, holds released before `releasedBefore`, and
   * holds still open since before `openBefore` (left by a writer process that died).
   */
  prune(runId: number, releasedBefore: number, openBefore: number): Promise<void>;
}

export interface Settings {
  get(key: string): Promise<string | null>;
  /** null removes the setting. */
  set(key: string, value: string | null): Promise<void>;
  /**
   * Sets the key to `value` when it is unset or holds a smaller value (string order), in one
   * statement; true when this call set it. Processes sharing the database use it to do a thing
   * once (a scheduled collection's tick, keyed by its time).
   */
  advance(key: string, value: string): Promise<boolean>;
  /**
   * Sets the key to `value` unless it is set; answers the value it holds afterwards (this one,
   * or the one another process set first). Processes sharing the database agree on one value.
   */
  setIfAbsent(key: string, value: string): Promise<string>;
}
