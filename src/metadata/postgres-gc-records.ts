/**
 * PostgreSQL implementations of the soft-delete and garbage-collection records (see
 * gc-records.ts), for replicas sharing one database. Where SQLite serialises writers with
 * BEGIN IMMEDIATE, these take transaction-scoped advisory locks:
 *   - starting a run takes GC_START_LOCK, so two replicas cannot both see "no live run" and start;
 *   - a writer's hold takes HOLDS_LOCK shared and a collector's claim takes it exclusive, so a
 *     claim waits for every hold transaction in flight to commit and then sees its hold, and a
 *     hold that starts after a claim committed sees the claim (the argument in gc/holds.ts).
 *     Holds do not wait for each other.
 */
import type { DeletedFilter, DeletedItem, DeletedRecords, DeletedState, GcCoordination, GcRun, GcRunOptions, GcRuns, GcRunState, GcTrigger, Settings } from "./gc-records.js";
import type { PgDatabase, Queryable } from "./postgres-pool.js";
import { toItem, toRun, type DeletedRow, type RunRow } from "./rows.js";

/** Advisory lock keys ("berth" + n), as text: node-postgres sends them, PostgreSQL reads a bigint. */
const GC_START_LOCK = (0x6265727403n).toString();
const HOLDS_LOCK = (0x6265727404n).toString();

const HOLD_PRUNE_MARGIN_MS = 10 * 60_000;

export class PostgresDeletedRecords implements DeletedRecords {
  constructor(private readonly db: PgDatabase) {}

  async add(item: DeletedItem): Promise<void> {
    await this.db.query(
      `INSERT INTO deleted_items (id, kind, repository, tag, digest, tags, manifests, deleted_by, deleted_at, state, restored_by, changed_at, gc_run)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        item.id,
        item.kind,
        item.repository,
        item.tag,
        item.digest,
        JSON.stringify(item.tags),
        JSON.stringify(item.manifests),
        item.deletedBy,
        item.deletedAt,
        item.state,
        item.restoredBy,
        item.changedAt,
        item.gcRun,
      ],
    );
  }

  async get(id: string): Promise<DeletedItem | null> {
    const { rows } = await this.db.query<DeletedRow>("SELECT * FROM deleted_items WHERE id = $1", [id]);
    return rows[0] ? toItem(rows[0]) : null;
  }

  async list(filter: DeletedFilter): Promise<DeletedItem[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    const param = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    if (filter.kind) where.push(`kind = ${param(filter.kind)}`);
    if (filter.repository !== undefined) where.push(`repository = ${param(filter.repository)}`);
    if (filter.states && filter.states.length > 0) where.push(`state = ANY(${param(filter.states)}::text[])`);
    if (filter.before !== undefined) {
      const anchor = await this.db.query<{ deleted_at: number }>("SELECT deleted_at FROM deleted_items WHERE id = $1", [filter.before]);
      const at = anchor.rows[0]?.deleted_at;
      if (at === undefined) return [];
      const time = param(at);
      where.push(`(deleted_at < ${time} OR (deleted_at = ${time} AND id < ${param(filter.before)}))`);
    }
    const sql = `SELECT * FROM deleted_items ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY deleted_at DESC, id DESC LIMIT ${param(filter.limit)}`;
    return (await this.db.query<DeletedRow>(sql, values)).rows.map(toItem);
  }

  async transition(id: string, from: DeletedState[], to: DeletedState, changes: { restoredBy?: string; gcRun?: number | null } = {}): Promise<boolean> {
    const result = await this.db.query(
      `UPDATE deleted_items SET state = $1, changed_at = $2, restored_by = COALESCE($3, restored_by),
         gc_run = CASE WHEN $4 THEN gc_run ELSE $5::bigint END
       WHERE id = $6 AND state = ANY($7::text[])`,
      [to, Date.now(), changes.restoredBy ?? null, changes.gcRun === undefined, changes.gcRun ?? null, id, from],
    );
    return result.rowCount === 1;
  }

  async claimForPurge(runId: number, before: number): Promise<DeletedItem[]> {
    // One statement: rows another run claims concurrently are re-checked and skipped.
    const { rows } = await this.db.query<DeletedRow>(
      "UPDATE deleted_items SET state = 'purging', gc_run = $1, changed_at = $2 WHERE state = 'deleted' AND deleted_at < $3 RETURNING *",
      [runId, Date.now(), before],
    );
    return rows.map(toItem);
  }

  async abandonedPurges(runId: number): Promise<DeletedItem[]> {
    const { rows } = await this.db.query<DeletedRow>("SELECT * FROM deleted_items WHERE state = 'purging' AND (gc_run IS NULL OR gc_run <> $1)", [runId]);
    return rows.map(toItem);
  }
}

export class PostgresGcRuns implements GcRuns {
  constructor(private readonly db: PgDatabase) {}

  async start(
    trigger: GcTrigger,
    options: GcRunOptions,
    owner: string,
    now: number,
    leaseMs: number,
    isAlive: (owner: string) => boolean,
  ): Promise<{ run: GcRun } | { busy: GcRun }> {
    return this.db.transaction(async (tx): Promise<{ run: GcRun } | { busy: GcRun }> => {
      if (!options.dryRun) {
        await tx.query("SELECT pg_advisory_xact_lock($1)", [GC_START_LOCK]);
        const running = (await tx.query<RunRow>("SELECT * FROM gc_runs WHERE state = 'running' AND NOT dry_run ORDER BY id")).rows;
        for (const row of running) {
          if (row.heartbeat_at > now - leaseMs && isAlive(row.owner)) return { busy: toRun(row) };
          await tx.query("UPDATE gc_runs SET state = 'failed', finished_at = $1, error = $2 WHERE id = $3", [
            now,
            "interrupted: the collector stopped without finishing (its lease expired)",
            row.id,
          ]);
        }
      }
      const { rows } = await tx.query<RunRow>(
        `INSERT INTO gc_runs (trigger, owner, dry_run, delete_untagged, grace_ms, state, started_at, heartbeat_at)
         VALUES ($1, $2, $3, $4, $5, 'running', $6, $6) RETURNING *`,
        [trigger, owner, options.dryRun, options.deleteUntagged, Math.round(options.graceMs), now],
      );
      return { run: toRun(rows[0] as RunRow) };
    });
  }

  async setMarkStarted(id: number, at: number): Promise<void> {
    await this.db.query("UPDATE gc_runs SET mark_started_at = $1, heartbeat_at = $1 WHERE id = $2", [at, id]);
  }

  async heartbeat(id: number, at: number): Promise<void> {
    await this.db.query("UPDATE gc_runs SET heartbeat_at = $1 WHERE id = $2 AND state = 'running'", [at, id]);
  }

  async finish(id: number, state: Exclude<GcRunState, "running">, at: number, summary: Record<string, unknown> | null, error: string | null): Promise<void> {
    await this.db.query("UPDATE gc_runs SET state = $1, finished_at = $2, heartbeat_at = $2, summary = $3, error = $4 WHERE id = $5", [
      state,
      at,
      summary === null ? null : JSON.stringify(summary),
      error,
      id,
    ]);
  }

  async get(id: number): Promise<GcRun | null> {
    const { rows } = await this.db.query<RunRow>("SELECT * FROM gc_runs WHERE id = $1", [id]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  async list(limit: number, before?: number): Promise<GcRun[]> {
    const { rows } = await this.db.query<RunRow>("SELECT * FROM gc_runs WHERE id < $1 ORDER BY id DESC LIMIT $2", [before ?? Number.MAX_SAFE_INTEGER, limit]);
    return rows.map(toRun);
  }
}

async function claimedOf(tx: Queryable, digests: string[], now: number): Promise<string[]> {
  if (digests.length === 0) return [];
  const { rows } = await tx.query<{ digest: string }>("SELECT digest FROM gc_claims WHERE digest = ANY($1::text[]) AND expires_at > $2", [digests, now]);
  const claimed = new Set(rows.map((row) => row.digest));
  return digests.filter((digest) => claimed.has(digest));
}

export class PostgresGcCoordination implements GcCoordination {
  constructor(private readonly db: PgDatabase) {}

  async hold(digests: string[], now: number): Promise<{ holdId: number; claimed: string[] }> {
    const unique = [...new Set(digests)];
    return this.db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock_shared($1)", [HOLDS_LOCK]);
      const { rows } = await tx.query<{ id: number }>("INSERT INTO gc_holds (created_at) VALUES ($1) RETURNING id", [now]);
      const holdId = (rows[0] as { id: number }).id;
      await tx.query("INSERT INTO gc_hold_digests (hold_id, digest) SELECT $1, d FROM unnest($2::text[]) AS d", [holdId, unique]);
      return { holdId, claimed: await claimedOf(tx, unique, now) };
    });
  }

  async release(holdId: number, now: number): Promise<void> {
    await this.db.query("UPDATE gc_holds SET released_at = $1 WHERE id = $2", [now, holdId]);
    // Without collections holds would pile up: now and then drop those no run can honour any
    // more (released before every running run's mark began, with ten minutes to spare).
    if (holdId % 256 === 0) {
      await this.db.query(
        `DELETE FROM gc_holds WHERE released_at IS NOT NULL AND released_at < LEAST($1::bigint,
           COALESCE((SELECT MIN(mark_started_at) FROM gc_runs WHERE state = 'running' AND NOT dry_run), $1::bigint))`,
        [now - HOLD_PRUNE_MARGIN_MS],
      );
    }
  }

  async claimed(digests: string[], now: number): Promise<string[]> {
    return claimedOf(this.db, digests, now);
  }

  async claim(runId: number, digests: string[], markStartedAt: number, expiresAt: number): Promise<string[]> {
    if (digests.length === 0) return [];
    return this.db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [HOLDS_LOCK]);
      const { rows } = await tx.query<{ digest: string }>(
        `SELECT DISTINCT d.digest FROM gc_hold_digests d JOIN gc_holds h ON h.id = d.hold_id
         WHERE d.digest = ANY($1::text[]) AND (h.released_at IS NULL OR h.released_at >= $2)`,
        [digests, markStartedAt],
      );
      const held = new Set(rows.map((row) => row.digest));
      const claimed = digests.filter((digest) => !held.has(digest));
      await tx.query(
        `INSERT INTO gc_claims (digest, run_id, expires_at) SELECT DISTINCT d, $2::bigint, $3::bigint FROM unnest($1::text[]) AS d
         ON CONFLICT (digest) DO UPDATE SET run_id = excluded.run_id, expires_at = excluded.expires_at`,
        [claimed, runId, expiresAt],
      );
      return claimed;
    });
  }

  async unclaim(digests: string[]): Promise<void> {
    await this.db.query("DELETE FROM gc_claims WHERE digest = ANY($1::text[])", [digests]);
  }

  async prune(runId: number, releasedBefore: number, openBefore: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [HOLDS_LOCK]);
      await tx.query("DELETE FROM gc_claims WHERE run_id <> $1", [runId]);
      await tx.query("DELETE FROM gc_holds WHERE (released_at IS NOT NULL AND released_at < $1) OR (released_at IS NULL AND created_at < $2)", [
        releasedBefore,
        openBefore,
      ]);
    });
  }
}

/** Berth's runtime settings, kept in the meta table under a "setting:" prefix. */
export class PostgresSettings implements Settings {
  constructor(private readonly db: PgDatabase) {}

  async get(key: string): Promise<string | null> {
    const { rows } = await this.db.query<{ value: string }>("SELECT value FROM meta WHERE key = $1", [`setting:${key}`]);
    return rows[0]?.value ?? null;
  }

  async set(key: string, value: string | null): Promise<void> {
    if (value === null) await this.db.query("DELETE FROM meta WHERE key = $1", [`setting:${key}`]);
    else await this.db.query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [`setting:${key}`, value]);
  }

  async advance(key: string, value: string): Promise<boolean> {
    // Concurrent callers with one value: the row lock makes the second see the first's value, and not set it.
    const result = await this.db.query(
      "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE meta.value COLLATE \"C\" < excluded.value COLLATE \"C\"",
      [`setting:${key}`, value],
    );
    return result.rowCount === 1;
  }

  async setIfAbsent(key: string, value: string): Promise<string> {
    // Two statements: a conflicting insert waits for the other's commit, and the SELECT after it
    // (a new snapshot) sees that row; one statement's snapshot would not.
    await this.db.query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", [`setting:${key}`, value]);
    const { rows } = await this.db.query<{ value: string }>("SELECT value FROM meta WHERE key = $1", [`setting:${key}`]);
    const stored = rows[0]?.value;
    if (stored === undefined) throw new Error(`setting ${key} vanished right after it was set`);
    return stored;
  }
}
