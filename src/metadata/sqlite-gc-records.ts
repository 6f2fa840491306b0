/** SQLite implementations of the soft-delete and garbage-collection records (see gc-records.ts). */
import type Database from "better-sqlite3";
import type { DeletedFilter, DeletedItem, DeletedRecords, DeletedState, GcCoordination, GcRun, GcRunOptions, GcRuns, GcRunState, GcTrigger, Settings } from "./gc-records.js";
import { toItem, toRun, type DeletedRow, type RunRow } from "./rows.js";

export class SqliteDeletedRecords implements DeletedRecords {
  constructor(private readonly db: Database.Database) {}

  async add(item: DeletedItem): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO deleted_items (id, kind, repository, tag, digest, tags, manifests, deleted_by, deleted_at, state, restored_by, changed_at, gc_run)
         VALUES (@id, @kind, @repository, @tag, @digest, @tags, @manifests, @deletedBy, @deletedAt, @state, @restoredBy, @changedAt, @gcRun)`,
      )
      .run({ ...item, tags: JSON.stringify(item.tags), manifests: JSON.stringify(item.manifests) });
  }

  async get(id: string): Promise<DeletedItem | null> {
    const row = this.db.prepare("SELECT * FROM deleted_items WHERE id = ?").get(id) as DeletedRow | undefined;
    return row ? toItem(row) : null;
  }

  async list(filter: DeletedFilter): Promise<DeletedItem[]> {
    const where: string[] = [];
    const values: (string | number)[] = [];
    if (filter.kind) {
      where.push("kind = ?");
      values.push(filter.kind);
    }
    if (filter.repository !== undefined) {
      where.push("repository = ?");
      values.push(filter.repository);
    }
    if (filter.states && filter.states.length > 0) {
      where.push(`state IN (${filter.states.map(() => "?").join(", ")})`);
      values.push(...filter.states);
    }
    if (filter.before !== undefined) {
      const anchor = this.db.prepare("SELECT deleted_at FROM deleted_items WHERE id = ?").pluck().get(filter.before) as number | undefined;
      if (anchor === undefined) return [];
      where.push("(deleted_at < ? OR (deleted_at = ? AND id < ?))");
      values.push(anchor, anchor, filter.before);
    }
    const sql = `SELECT * FROM deleted_items ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY deleted_at DESC, id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...values, filter.limit) as DeletedRow[]).map(toItem);
  }

  async transition(id: string, from: DeletedState[], to: DeletedState, changes: { restoredBy?: string; gcRun?: number | null } = {}): Promise<boolean> {
    const keepRun = changes.gcRun === undefined ? 1 : 0;
    const result = this.db
      .prepare(
        `UPDATE deleted_items SET state = ?, changed_at = ?, restored_by = COALESCE(?, restored_by),
           gc_run = CASE WHEN ? = 1 THEN gc_run ELSE ? END
         WHERE id = ? AND state IN (${from.map(() => "?").join(", ")})`,
      )
      .run(to, Date.now(), changes.restoredBy ?? null, keepRun, changes.gcRun ?? null, id, ...from);
    return result.changes === 1;
  }

  async claimForPurge(runId: number, before: number): Promise<DeletedItem[]> {
    return this.db.transaction(() => {
      const rows = this.db.prepare("SELECT * FROM deleted_items WHERE state = 'deleted' AND deleted_at < ?").all(before) as DeletedRow[];
      const update = this.db.prepare("UPDATE deleted_items SET state = 'purging', gc_run = ?, changed_at = ? WHERE id = ?");
      const now = Date.now();
      for (const row of rows) update.run(runId, now, row.id);
      return rows.map((row) => ({ ...toItem(row), state: "purging" as const, gcRun: runId, changedAt: now }));
    }).immediate();
  }

  async abandonedPurges(runId: number): Promise<DeletedItem[]> {
    const rows = this.db.prepare("SELECT * FROM deleted_items WHERE state = 'purging' AND (gc_run IS NULL OR gc_run <> ?)").all(runId) as DeletedRow[];
    return rows.map(toItem);
  }
}

export class SqliteGcRuns implements GcRuns {
  constructor(private readonly db: Database.Database) {}

  async start(
    trigger: GcTrigger,
    options: GcRunOptions,
    owner: string,
    now: number,
    leaseMs: number,
    isAlive: (owner: string) => boolean,
  ): Promise<{ run: GcRun } | { busy: GcRun }> {
    return this.db.transaction((): { run: GcRun } | { busy: GcRun } => {
      if (!options.dryRun) {
        const running = this.db.prepare("SELECT * FROM gc_runs WHERE state = 'running' AND dry_run = 0").all() as RunRow[];
        for (const row of running) {
          if (row.heartbeat_at > now - leaseMs && isAlive(row.owner)) return { busy: toRun(row) };
          this.db
            .prepare("UPDATE gc_runs SET state = 'failed', finished_at = ?, error = ? WHERE id = ?")
            .run(now, "interrupted: the collector stopped without finishing (its lease expired)", row.id);
        }
      }
      const result = this.db
        .prepare(
          `INSERT INTO gc_runs (trigger, owner, dry_run, delete_untagged, grace_ms, state, started_at, heartbeat_at)
           VALUES (?, ?, ?, ?, ?, 'running', ?, ?)`,
        )
        .run(trigger, owner, options.dryRun ? 1 : 0, options.deleteUntagged ? 1 : 0, Math.round(options.graceMs), now, now);
      const row = this.db.prepare("SELECT * FROM gc_runs WHERE id = ?").get(result.lastInsertRowid) as RunRow;
      return { run: toRun(row) };
    }).immediate();
  }

  async setMarkStarted(id: number, at: number): Promise<void> {
    this.db.prepare("UPDATE gc_runs SET mark_started_at = ?, heartbeat_at = ? WHERE id = ?").run(at, at, id);
  }

  async heartbeat(id: number, at: number): Promise<void> {
    this.db.prepare("UPDATE gc_runs SET heartbeat_at = ? WHERE id = ? AND state = 'running'").run(at, id);
  }

  async finish(id: number, state: Exclude<GcRunState, "running">, at: number, summary: Record<string, unknown> | null, error: string | null): Promise<void> {
    this.db
      .prepare("UPDATE gc_runs SET state = ?, finished_at = ?, heartbeat_at = ?, summary = ?, error = ? WHERE id = ?")
      .run(state, at, at, summary === null ? null : JSON.stringify(summary), error, id);
  }

  async get(id: number): Promise<GcRun | null> {
    const row = this.db.prepare("SELECT * FROM gc_runs WHERE id = ?").get(id) as RunRow | undefined;
    return row ? toRun(row) : null;
  }

  async list(limit: number, before?: number): Promise<GcRun[]> {
    const rows = this.db
      .prepare("SELECT * FROM gc_runs WHERE id < ? ORDER BY id DESC LIMIT ?")
      .all(before ?? Number.MAX_SAFE_INTEGER, limit) as RunRow[];
    return rows.map(toRun);
  }
}

const HOLD_PRUNE_MARGIN_MS = 10 * 60_000;

export class SqliteGcCoordination implements GcCoordination {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      insertHold: db.prepare("INSERT INTO gc_holds (created_at) VALUES (?)"),
      insertHoldDigest: db.prepare("INSERT INTO gc_hold_digests (hold_id, digest) VALUES (?, ?)"),
      release: db.prepare("UPDATE gc_holds SET released_at = ? WHERE id = ?"),
      claimedOne: db.prepare("SELECT 1 FROM gc_claims WHERE digest = ? AND expires_at > ?").pluck(),
      honouredHold: db
        .prepare(
          `SELECT 1 FROM gc_hold_digests d JOIN gc_holds h ON h.id = d.hold_id
           WHERE d.digest = ? AND (h.released_at IS NULL OR h.released_at >= ?) LIMIT 1`,
        )
        .pluck(),
      insertClaim: db.prepare(
        "INSERT INTO gc_claims (digest, run_id, expires_at) VALUES (?, ?, ?) ON CONFLICT (digest) DO UPDATE SET run_id = excluded.run_id, expires_at = excluded.expires_at",
      ),
      deleteClaim: db.prepare("DELETE FROM gc_claims WHERE digest = ?"),
      pruneReleased: db.prepare(
        `DELETE FROM gc_holds WHERE released_at IS NOT NULL AND released_at < MIN(@before,
           COALESCE((SELECT MIN(mark_started_at) FROM gc_runs WHERE state = 'running' AND dry_run = 0), @before))`,
      ),
    };
  }

  async hold(digests: string[], now: number): Promise<{ holdId: number; claimed: string[] }> {
    const unique = [...new Set(digests)];
    return this.db.transaction(() => {
      const holdId = Number(this.statements.insertHold.run(now).lastInsertRowid);
      for (const digest of unique) this.statements.insertHoldDigest.run(holdId, digest);
      return { holdId, claimed: unique.filter((digest) => this.statements.claimedOne.get(digest, now) !== undefined) };
    }).immediate();
  }

  async release(holdId: number, now: number): Promise<void> {
    this.statements.release.run(now, holdId);
    // Without collections holds would pile up: now and then drop those no run can honour any
    // more (released before every running run's mark began, with ten minutes to spare).
    if (holdId % 256 === 0) this.statements.pruneReleased.run({ before: now - HOLD_PRUNE_MARGIN_MS });
  }

  async claimed(digests: string[], now: number): Promise<string[]> {
    return digests.filter((digest) => this.statements.claimedOne.get(digest, now) !== undefined);
  }

  async claim(runId: number, digests: string[], markStartedAt: number, expiresAt: number): Promise<string[]> {
    return this.db.transaction(() => {
      const claimed = digests.filter((digest) => this.statements.honouredHold.get(digest, markStartedAt) === undefined);
      for (const digest of claimed) this.statements.insertClaim.run(digest, runId, expiresAt);
      return claimed;
    }).immediate();
  }

  async unclaim(digests: string[]): Promise<void> {
    this.db.transaction(() => {
      for (const digest of digests) this.statements.deleteClaim.run(digest);
    }).immediate();
  }

  async prune(runId: number, releasedBefore: number, openBefore: number): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM gc_claims WHERE run_id <> ?").run(runId);
      this.db
        .prepare("DELETE FROM gc_holds WHERE (released_at IS NOT NULL AND released_at < ?) OR (released_at IS NULL AND created_at < ?)")
        .run(releasedBefore, openBefore);
    }).immediate();
  }
}

/** Berth's runtime settings, kept in the meta table under a "setting:" prefix. */
export class SqliteSettings implements Settings {
  constructor(private readonly db: Database.Database) {}

  async get(key: string): Promise<string | null> {
    const value = this.db.prepare("SELECT value FROM meta WHERE key = ?").pluck().get(`setting:${key}`) as string | undefined;
    return value ?? null;
  }

  async set(key: string, value: string | null): Promise<void> {
    if (value === null) this.db.prepare("DELETE FROM meta WHERE key = ?").run(`setting:${key}`);
    else
      this.db
        .prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .run(`setting:${key}`, value);
  }

  async advance(key: string, value: string): Promise<boolean> {
    const result = this.db
      .prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE meta.value < excluded.value")
      .run(`setting:${key}`, value);
    return result.changes > 0;
  }

  async setIfAbsent(key: string, value: string): Promise<string> {
    this.db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING").run(`setting:${key}`, value);
    return this.db.prepare("SELECT value FROM meta WHERE key = ?").pluck().get(`setting:${key}`) as string;
  }
}
