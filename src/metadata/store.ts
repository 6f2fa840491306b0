/**
 * The metadata index: an async interface so SQLite (embedded default) and PostgreSQL
 * can stand side by side. It indexes what storage holds; storage stays the source of truth.
 */
import type { AccessRecords } from "./access-records.js";
import type { SessionRecords } from "./session-records.js";
import type { ActivityLog } from "./activity-records.js";
import type { LoginFailureRecords } from "./login-failure-records.js";
import type { UploadLeaseRecords } from "./upload-lease-records.js";
import type { DeletedRecords, GcCoordination, GcRuns, Settings } from "./gc-records.js";
import type { NotificationEvent } from "../notifications/events.js";
import type { Outbox } from "../notifications/outbox.js";
import type { RepositorySearch } from "./search-records.js";

export interface ManifestRecord {
  repository: string;
  digest: string;
  mediaType: string;
  size: number;
  /** OCI artifactType, or the config mediaType of an image manifest; null for indexes without one. */
  artifactType: string | null;
  /** Digest of the manifest's `subject`, when it has one. */
  subject: string | null;
  annotations: Record<string, string> | null;
}

export interface Page {
  /** At most this many entries. */
  limit: number;
  /** Entries strictly after this one in lexical order. */
  after?: string;
}

export interface ReindexSnapshot {
  repositories: string[];
  manifests: ManifestRecord[];
  tags: { repository: string; tag: string; digest: string }[];
}

export interface MetadataStore {
  /**
   * Records a manifest revision (creating the repository). Idempotent. `events` (the push's
   * notifications) go into the outbox in the same transaction; so for the deletes below.
   */
  putManifest(record: ManifestRecord, events?: readonly NotificationEvent[]): Promise<void>;
  /** Removes a revision and every tag pointing at it. */
  deleteManifest(repository: string, digest: string, events?: readonly NotificationEvent[]): Promise<void>;
  setTag(repository: string, tag: string, digest: string): Promise<void>;
  deleteTag(repository: string, tag: string, events?: readonly NotificationEvent[]): Promise<void>;
  repositoryExists(repository: string): Promise<boolean>;
  listRepositories(page: Page): Promise<string[]>;
  listTags(repository: string, page: Page): Promise<string[]>;
  /** Manifests in the repository whose subject is the digest, optionally of one artifactType. */
  referrers(repository: string, subject: string, artifactType?: string): Promise<ManifestRecord[]>;
  /** Removes a repository with its manifests and tags from the index (soft delete of a repository). */
  deleteRepository(repository: string): Promise<void>;
  /** Soft-deleted tags, manifests and repositories (issue 5). */
  readonly deleted: DeletedRecords;
  /** Garbage collection runs, and the holds and claims that keep a running collection safe. */
  readonly gcRuns: GcRuns;
  readonly gcCoordination: GcCoordination;
  /** Runtime settings changed through the management API (e.g. gc.schedule). */
  readonly settings: Settings;
  /** Users, organizations, teams, repository settings, grants, robot tokens, audit log (issue 4). */
  readonly access: AccessRecords;
  /** Notification events waiting for delivery, and each endpoint's cursor (issue 7). */
  readonly outbox: Outbox;
  /** Ranked repository search by name, description and tag (issue 6); not permission-filtered. */
  readonly search: RepositorySearch;
  /** The web portal's sign-in sessions (issue 6). */
  readonly sessions: SessionRecords;
  /** Pushes, pulls, deletes and restores, for the portal's event log (issue 6). */
  readonly activity: ActivityLog;
  /**
   * Failed logins, when the database is shared by several processes (PostgreSQL), so they count
   * together; absent with SQLite, whose one process counts them in memory.
   */
  readonly loginFailures?: LoginFailureRecords;
  /**
   * Upload session leases, when several processes may serve one session (PostgreSQL); absent
   * with SQLite, whose one process serialises a session's requests in memory.
   */
  readonly uploadLeases?: UploadLeaseRecords;
  /**
   * Epoch milliseconds by the database's clock: what holds, claims, collection marks and leases
   * are stamped with, so processes on several hosts compare times from one clock (gc/holds.ts).
   * SQLite (one host) answers Date.now().
   */
  now(): number;
  /** Replaces the whole index in one transaction (berth reindex). */
  replaceAll(snapshot: ReindexSnapshot): Promise<void>;
  /** Whether the index was ever built (or rebuilt) for this storage. */
  isIndexed(): Promise<boolean>;
  close(): Promise<void>;
}
