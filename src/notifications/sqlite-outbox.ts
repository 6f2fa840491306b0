/** The outbox in the SQLite metadata database (tables outbox_events and outbox_endpoints, see metadata/migrations.ts). */
import type Database from "better-sqlite3";
import type { NotificationEvent } from "./events.js";
import type { EndpointState, EventFilter, Outbox, OutboxClaim, OutboxEntry } from "./outbox.js";
import { endpointState, type EndpointRow } from "./outbox-rows.js";

export class SqliteOutbox implements Outbox {
  private readonly statements;
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly db: Database.Database) {
    this.statements = {
      insert: db.prepare(
        "INSERT OR IGNORE INTO outbox_events (id, action, media_type, payload, created_at) VALUES (?, ?, ?, ?, ?)",
      ),
      newest: db.prepare("SELECT COALESCE(MAX(seq), 0) FROM outbox_events").pluck(),
      endpoints: db.prepare("SELECT name FROM outbox_endpoints").pluck(),
      addEndpoint: db.prepare("INSERT OR IGNORE INTO outbox_endpoints (name, delivered_seq) VALUES (?, ?)"),
      removeEndpoint: db.prepare("DELETE FROM outbox_endpoints WHERE name = ?"),
      prune: db.prepare(
        "DELETE FROM outbox_events WHERE seq <= COALESCE((SELECT MIN(delivered_seq) FROM outbox_endpoints), (SELECT MAX(seq) FROM outbox_events))",
      ),
      pending: db.prepare(
        `SELECT seq, payload FROM outbox_events
         WHERE seq > (SELECT delivered_seq FROM outbox_endpoints WHERE name = ?) ORDER BY seq LIMIT ?`,
      ),
      delivered: db.prepare(
        `UPDATE outbox_endpoints SET delivered_seq = MAX(delivered_seq, ?), delivered_count = delivered_count + ?,
           failures = 0, last_success_at = ? WHERE name = ?`,
      ),
      failed: db.prepare(
        "UPDATE outbox_endpoints SET failures = failures + 1, last_error = ?, last_error_at = ? WHERE name = ?",
      ),
      endpoint: db.prepare("SELECT * FROM outbox_endpoints WHERE name = ?"),
      queued: db.prepare(
        `SELECT COUNT(*) FROM outbox_events WHERE seq > ?
           AND action NOT IN (SELECT value FROM json_each(?))
           AND (media_type IS NULL OR media_type NOT IN (SELECT value FROM json_each(?)))`,
      ).pluck(),
    };
  }

  /**
   * Stores events inside the caller's transaction (the metadata change they describe).
   * An event id already stored is not stored twice.
   */
  appendInTransaction(events: readonly NotificationEvent[]): void {
    if (events.length === 0) return;
    const now = Date.now();
    for (const event of events) {
      this.statements.insert.run(event.id, event.action, event.target.mediaType ?? null, JSON.stringify(event), now);
    }
    // Told after the caller's transaction, whose commit is synchronous and done by then.
    queueMicrotask(() => this.listeners.forEach((listener) => listener()));
  }

  async append(events: readonly NotificationEvent[]): Promise<void> {
    this.db.transaction(() => this.appendInTransaction(events))();
  }

  async syncEndpoints(names: readonly string[]): Promise<void> {
    this.db.transaction(() => {
      const keep = new Set(names);
      for (const name of this.statements.endpoints.all() as string[]) {
        if (!keep.has(name)) this.statements.removeEndpoint.run(name);
      }
      const newest = this.statements.newest.get() as number;
      for (const name of names) this.statements.addEndpoint.run(name, newest);
      this.statements.prune.run();
    })();
  }

  async pending(endpoint: string, limit: number): Promise<OutboxEntry[]> {
    const rows = this.statements.pending.all(endpoint, limit) as { seq: number; payload: string }[];
    return rows.map((row) => ({ seq: row.seq, event: JSON.parse(row.payload) as NotificationEvent }));
  }

  async delivered(endpoint: string, seq: number, count: number): Promise<void> {
    this.db.transaction(() => {
      this.statements.delivered.run(seq, count, Date.now(), endpoint);
      this.statements.prune.run();
    })();
  }

  /** One process per SQLite database: the claim is the endpoint's own methods. */
  async claim(endpoint: string): Promise<OutboxClaim | null> {
    if (this.statements.endpoint.get(endpoint) === undefined) return null;
    return {
      pending: (limit) => this.pending(endpoint, limit),
      delivered: (seq, count) => this.delivered(endpoint, seq, count),
      failed: (error) => this.failed(endpoint, error),
      release: async () => undefined,
    };
  }

  async failed(endpoint: string, error: string): Promise<void> {
    this.statements.failed.run(error, Date.now(), endpoint);
  }

  async state(endpoint: string, filter: EventFilter): Promise<EndpointState> {
    const row = this.statements.endpoint.get(endpoint) as EndpointRow | undefined;
    const cursor = row?.delivered_seq ?? (this.statements.newest.get() as number);
    const queued = this.statements.queued.get(cursor, JSON.stringify(filter.actions), JSON.stringify(filter.mediaTypes)) as number;
    return endpointState(endpoint, row, queued);
  }

  onAppend(listener: () => void): void {
    this.listeners.push(listener);
  }
}

