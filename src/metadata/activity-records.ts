/**
 * The registry's activity for the portal's event log (issue 6): manifest pushes, pulls and
 * deletes, and repository deletes and restores, with who, from where and when. Kept apart from
 * the notification outbox, which forgets what its endpoints have (and holds nothing without
 * endpoints). Old entries are pruned (see ActivityLog.prune).
 */

export type ActivityKind = "push" | "pull" | "delete" | "restore";

export const ACTIVITY_KINDS: readonly ActivityKind[] = ["push", "pull", "delete", "restore"];

export interface ActivityEntry {
  id: number;
  /** ISO 8601 with milliseconds. */
  at: string;
  kind: ActivityKind;
  /** The user or robot; "" for anonymous. */
  actor: string;
  repository: string;
  tag: string | null;
  digest: string | null;
  /** The client's address. */
  address: string;
}

export interface ActivityFilter {
  limit: number;
  /** Entries with an id below this one. */
  before?: number;
  kinds?: readonly ActivityKind[];
  actor?: string;
  repository?: string;
  tag?: string;
}

export interface ActivityLog {
  record(entries: readonly Omit<ActivityEntry, "id">[]): Promise<void>;
  /** Newest first. */
  list(filter: ActivityFilter): Promise<ActivityEntry[]>;
  /** Removes entries older than `before` (ISO) and beyond the newest `keep`; how many went. */
  prune(before: string, keep: number): Promise<number>;
}
