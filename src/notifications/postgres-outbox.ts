/**
 * The outbox in the PostgreSQL metadata database (tables outbox_events and outbox_endpoints,
 * see metadata/postgres-migrations.ts).
 *
 * Endpoints read events after their cursor, so an event must never become visible with a seq
 * below one already read. With concurrent transactions a seq taken early could commit late;
 * appending therefore takes OUTBOX_APPEND_LOCK until its transaction ends, which makes seq
 * order the commit order. Only changes that carry events take it.
 */
import type { PgDatabase, Queryable } from "../metadata/postgres-pool.js";
import type { NotificationEvent } from "./events.js";
import type { EndpointState, EventFilter, Outbox, OutboxClaim, OutboxEntry } from "./outbox.js";
import { endpointState, type EndpointRow } from "./outbox-rows.js";

/** pg_advisory_xact_lock key ("berth" + 5). */
const OUTBOX_APPEND_LOCK = (0x6265727405n).toString();

/** pg_try_advisory_xact_lock key ("berth" + 6): one prune at a time (two deleting the same rows could deadlock). */
const OUTBOX_PRUNE_LOCK = (0x6265727406n).toString();

const PRUNE = `DELETE FROM outbox_events
  WHERE (SELECT pg_try_advisory_xact_lock(${OUTBOX_PRUNE_LOCK}))
    AND seq <= COALESCE((SELECT MIN(delivered_seq) FROM outbox_endpoints), (SELECT MAX(seq) FROM outbox_events))`;
const NEWEST = "SELECT COALESCE(MAX(seq), 0) AS newest FROM outbox_events";

async function pendingOn(q: Queryable, endpoint: string, limit: number): Promise<OutboxEntry[]> {
  const { rows } = await q.query<{ seq: number; payload: string }>(
    `SELECT seq, payload FROM outbox_events
     WHERE seq > (SELECT delivered_seq FROM outbox_endpoints WHERE name = $1) ORDER BY seq LIMIT $2`,
    [endpoint, limit],
  );
  return rows.map((row) => ({ seq: row.seq, event: JSON.parse(row.payload) as NotificationEvent }));
}

async function deliveredOn(q: Queryable, endpoint: string, seq: number, count: number): Promise<void> {
  await q.query(
    `UPDATE outbox_endpoints SET delivered_seq = GREATEST(delivered_seq, $1), delivered_count = delivered_count + $2,
       failures = 0, last_success_at = $3 WHERE name = $4`,
    [seq, count, Date.now(), endpoint],
  );
}

async function failedOn(q: Queryable, endpoint: string, error: string): Promise<void> {
  await q.query("UPDATE outbox_endpoints SET failures = failures + 1, last_error = $1, last_error_at = $2 WHERE name = $3", [error, Date.now(), endpoint]);
}

async function newest(tx: Queryable): Promise<number> {
  return (await tx.query<{ newest: number }>(NEWEST)).rows[0]?.newest ?? 0;
}

export class PostgresOutbox implements Outbox {
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly db: PgDatabase) {}

  /**
   * Stores events inside the caller's transaction (the metadata change they describe); call
   * notifyAppended() after it commits. An event id already stored is not stored twice.
   */
  async appendInTransaction(tx: Queryable, events: readonly NotificationEvent[]): Promise<void> {
    if (events.length === 0) return;
    await tx.query("SELECT pg_advisory_xact_lock($1)", [OUTBOX_APPEND_LOCK]);
    const now = Date.now();
    await tx.query(
      `INSERT INTO outbox_events (id, action, media_type, payload, created_at)
       SELECT id, action, media_type, payload, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY
         AS e (id, action, media_type, payload, n)
       ORDER BY n
       ON CONFLICT (id) DO NOTHING`,
      [
        events.map((event) => event.id),
        events.map((event) => event.action),
        events.map((event) => event.target.mediaType ?? null),
        events.map((event) => JSON.stringify(event)),
        now,
      ],
    );
  }

  /** Tells listeners that events were stored (after the storing transaction committed). */
  notifyAppended(): void {
    for (const listener of this.listeners) listener();
  }

  async append(events: readonly NotificationEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.db.transaction((tx) => this.appendInTransaction(tx, events));
    this.notifyAppended();
  }

  async syncEndpoints(names: readonly string[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      // Under the append lock, so "newest" is not overtaken by an append in flight.
      await tx.query("SELECT pg_advisory_xact_lock($1)", [OUTBOX_APPEND_LOCK]);
      await tx.query("DELETE FROM outbox_endpoints WHERE NOT (name = ANY($1::text[]))", [names]);
      await tx.query(
        "INSERT INTO outbox_endpoints (name, delivered_seq) SELECT DISTINCT n, $2::bigint FROM unnest($1::text[]) AS n ON CONFLICT DO NOTHING",
        [names, await newest(tx)],
      );
      await tx.query(PRUNE);
    });
  }

  async pending(endpoint: string, limit: number): Promise<OutboxEntry[]> {
    return pendingOn(this.db, endpoint, limit);
  }

  async delivered(endpoint: string, seq: number, count: number): Promise<void> {
    await deliveredOn(this.db, endpoint, seq, count);
    await this.db.query(PRUNE);
  }

  async failed(endpoint: string, error: string): Promise<void> {
    await failedOn(this.db, endpoint, error);
  }

  /**
   * A transaction on one connection holding the endpoint's row (FOR UPDATE SKIP LOCKED): another
   * replica's claim finds no row and gets null. If this process dies mid-delivery, PostgreSQL
   * ends the transaction with the connection and the next claim sends the same events again.
   */
  async claim(endpoint: string): Promise<OutboxClaim | null> {
    const client = await this.db.connect();
    let open = true;
    /** Ends the transaction and gives the connection back; one whose state is unknown is dropped. */
    const end = async (command: "COMMIT" | "ROLLBACK") => {
      if (!open) return;
      open = false;
      try {
        await client.query(command);
        client.release();
      } catch (error) {
        client.release(true);
        throw error;
      }
    };
    try {
      await client.query("BEGIN");
      const { rowCount } = await client.query("SELECT 1 FROM outbox_endpoints WHERE name = $1 FOR UPDATE SKIP LOCKED", [endpoint]);
      if (rowCount !== 1) {
        await end("ROLLBACK");
        return null;
      }
    } catch (error) {
      if (open) {
        open = false;
        client.release(true);
      }
      throw error;
    }
    return {
      pending: (limit) => pendingOn(client, endpoint, limit),
      delivered: async (seq, count) => {
        await deliveredOn(client, endpoint, seq, count);
        await end("COMMIT");
        await this.db.query(PRUNE);
      },
      failed: async (error) => {
        await failedOn(client, endpoint, error);
        await end("COMMIT");
      },
      release: () => end("ROLLBACK"),
    };
  }

  async state(endpoint: string, filter: EventFilter): Promise<EndpointState> {
    const row = (await this.db.query<EndpointRow>("SELECT * FROM outbox_endpoints WHERE name = $1", [endpoint])).rows[0];
    const cursor = row?.delivered_seq ?? (await newest(this.db));
    const { rows } = await this.db.query<{ queued: number }>(
      `SELECT COUNT(*) AS queued FROM outbox_events WHERE seq > $1
         AND NOT (action = ANY($2::text[]))
         AND (media_type IS NULL OR NOT (media_type = ANY($3::text[])))`,
      [cursor, filter.actions, filter.mediaTypes],
    );
    return endpointState(endpoint, row, rows[0]?.queued ?? 0);
  }

  onAppend(listener: () => void): void {
    this.listeners.push(listener);
  }
}
