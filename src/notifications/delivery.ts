/**
 * Delivery to one endpoint: read the next events after its cursor, POST them as one
 * envelope, move the cursor on success. On failure the same events are sent again —
 * at once while fewer than `threshold` attempts in a row have failed, then every `backoff`
 * (registry:2's retrying sink) — so the order per endpoint always holds.
 *
 * Each attempt runs under the outbox's claim on the endpoint: with several processes sharing a
 * database, one delivers an endpoint at a time and the others wait for their next poll.
 * A failing metadata database is logged and retried after the backoff; it never ends delivery.
 */
import type { Logger } from "pino";
import type { NotificationEndpointConfig } from "../config/types.js";
import type { EventEnvelope } from "./events.js";
import { wanted, type EventFilter, type Outbox, type OutboxClaim } from "./outbox.js";
import { sendEnvelope, type SendTarget } from "./sender.js";

/** Most events in one envelope. */
export const BATCH_SIZE = 50;
/** How often an idle endpoint looks for events it was not told about (e.g. another process's). */
const IDLE_POLL_MS = 1_000;

/** How one attempt ended: nothing to send (or another process delivers), sent, failed, or stop() halted it. */
type Outcome = "idle" | "delivered" | "failed" | "stopped";

export type Send = (target: SendTarget, envelope: EventEnvelope, signal: AbortSignal) => Promise<void>;

export interface DeliveryObserver {
  delivered?(endpoint: string, events: number): void;
  failed?(endpoint: string): void;
}

export class EndpointDelivery {
  readonly filter: EventFilter;
  private loop: Promise<void> | null = null;
  /** Set by stop(): the loop ends once nothing is left (drain) or at once (halt). */
  private draining = false;
  private readonly halt = new AbortController();
  private wakeIdle: (() => void) | null = null;
  /** Set by wake(): events may have arrived since the last read (so a drain looks once more). */
  private woken = false;
  private failures = 0;

  constructor(
    private readonly endpoint: NotificationEndpointConfig,
    private readonly outbox: Outbox,
    private readonly logger: Logger,
    private readonly observer: DeliveryObserver = {},
    private readonly send: Send = (target, envelope, signal) => sendEnvelope(target, envelope, signal),
  ) {
    this.filter = { actions: endpoint.ignore.actions, mediaTypes: endpoint.ignore.mediatypes };
  }

  get name(): string {
    return this.endpoint.name;
  }

  start(): void {
    this.loop ??= this.run().catch((error: unknown) => {
      this.logger.error({ err: error, endpoint: this.name }, "notification delivery stopped");
    });
  }

  /** New events are stored: an idle loop looks now rather than at its next poll. */
  wake(): void {
    this.woken = true;
    this.wakeIdle?.();
  }

  /** Delivers what is queued for up to `drainMs`, then stops; what is left stays in the outbox. */
  async stop(drainMs: number): Promise<void> {
    this.draining = true;
    this.wake();
    const timer = setTimeout(() => this.halt.abort(), drainMs);
    try {
      await this.loop;
    } finally {
      clearTimeout(timer);
      this.halt.abort();
    }
  }

  private async run(): Promise<void> {
    while (!this.halt.signal.aborted) {
      this.woken = false;
      let outcome: Outcome;
      try {
        const claim = await this.outbox.claim(this.name);
        if (claim === null) {
          outcome = "idle";
        } else {
          try {
            outcome = await this.attempt(claim);
          } finally {
            await claim.release();
          }
        }
      } catch (error) {
        if (this.halt.signal.aborted) return;
        this.logger.error({ err: error, endpoint: this.name }, "notification delivery: the metadata database failed; retrying");
        await this.pause(this.endpoint.backoff);
        continue;
      }
      if (outcome === "stopped") return;
      if (outcome === "idle") {
        if (this.draining && !this.woken) return;
        if (!this.woken) await this.idle();
      } else if (outcome === "failed" && this.failures >= this.endpoint.threshold) {
        // After the claim is released: another process may try meanwhile.
        await this.pause(this.endpoint.backoff);
      }
    }
  }

  /** One batch: the next events after the cursor, sent as one envelope. */
  private async attempt(claim: OutboxClaim): Promise<Outcome> {
    const entries = await claim.pending(BATCH_SIZE);
    const last = entries.at(-1);
    if (last === undefined) return "idle";
    const events = entries.map((entry) => entry.event).filter((event) => wanted(this.filter, event));
    if (events.length === 0) {
      await claim.delivered(last.seq, 0);
      return "delivered";
    }
    try {
      await this.send(this.endpoint, { events }, this.halt.signal);
    } catch (error) {
      if (this.halt.signal.aborted) return "stopped";
      await this.failed(claim, error instanceof Error ? error.message : String(error));
      return "failed";
    }
    await claim.delivered(last.seq, events.length);
    this.observer.delivered?.(this.name, events.length);
    if (this.failures > 0) this.logger.info({ endpoint: this.name, failures: this.failures }, "notification endpoint recovered");
    this.failures = 0;
    return "delivered";
  }

  private async failed(claim: OutboxClaim, message: string): Promise<void> {
    this.failures++;
    await claim.failed(message);
    this.observer.failed?.(this.name);
    // One line when it starts failing and one when it starts backing off; the rest at debug.
    const level = this.failures === 1 || this.failures === this.endpoint.threshold ? "warn" : "debug";
    this.logger[level]({ endpoint: this.name, failures: this.failures, error: message }, "notification delivery failed");
  }

  /** Waits for new events, the poll interval, or stop(). */
  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.halt.signal.removeEventListener("abort", done);
        this.wakeIdle = null;
        resolve();
      };
      const timer = setTimeout(done, IDLE_POLL_MS);
      this.wakeIdle = done;
      this.halt.signal.addEventListener("abort", done);
    });
  }

  /** Backoff: new events do not cut it short, only stop() does. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.halt.signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.halt.signal.addEventListener("abort", done);
    });
  }
}
