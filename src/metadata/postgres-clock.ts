/**
 * PostgreSQL's clock, read without a round trip: the offset between the server's clock and
 * this host's is measured at open and again every RESYNC_MS (from the quickest of a few round
 * trips: the error is at most half of it), so
 * replicas on several hosts stamp holds, claims and leases from one clock (gc/holds.ts).
 */
import type { Queryable } from "./postgres-pool.js";

const RESYNC_MS = 30_000;
const SAMPLES = 3;

export class DatabaseClock {
  private offset = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly db: Queryable) {}

  /** Measures the offset once, then keeps it up to date in the background. */
  async start(): Promise<void> {
    await this.measure();
    this.timer = setInterval(() => void this.measure().catch(() => undefined), RESYNC_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  now(): number {
    return Date.now() + this.offset;
  }

  private async measure(): Promise<void> {
    let best: { roundTrip: number; offset: number } | undefined;
    for (let sample = 0; sample < SAMPLES; sample++) {
      const sent = performance.now();
      const { rows } = await this.db.query<{ now: number }>("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now");
      const roundTrip = performance.now() - sent;
      const server = rows[0]?.now;
      // The server read its clock about halfway through the round trip.
      if (server !== undefined && (best === undefined || roundTrip < best.roundTrip)) best = { roundTrip, offset: server - (Date.now() - roundTrip / 2) };
    }
    if (best) this.offset = Math.round(best.offset);
  }
}
