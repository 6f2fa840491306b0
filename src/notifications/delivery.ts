/**
 * Delivery to one endpoint: read the next events after its cursor, POST them as one
 * envelope, move the cursor on success. On failure the same events are sent again —
 * at once while fewer than `threshold` attempts in a row have failed, then every `backoff`
 * (registry:2's retrying sink) — so the order per endpoint always holds.
 */
import type { Logger } from "pino";
import type { NotificationEndpointConfig } from "../config/types.js";
import type { EventEnvelope } from "./events.js";
import { wanted, type EventFilter, type Outbox } from "./outbox.js";
import { sendEnvelope, type SendTarget } from "./sender.js";

/** Most events in one envelope. */
export const BATCH_SIZE = 50;
/** How often an idle endpoint looks for events it was not told about (e.g. another process's). */
const IDLE_POLL_MS = 1_000;

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
      const entries = await this.outbox.pending(this.name, BATCH_SIZE);
      const last = entries.at(-1);
      if (last === undefined) {
        if (this.draining) return;
        await this.idle();
        continue;
      }
      const events = entries.map((entry) => entry.event).filter((event) => wanted(this.filter, event));
      if (events.length === 0) {
        await this.outbox.delivered(this.name, last.seq, 0);
        continue;
      }
      try {
        await this.send(this.endpoint, { events }, this.halt.signal);
      } catch (error) {
        if (this.halt.signal.aborted) return;
        await this.failed(error instanceof Error ? error.message : String(error));
        continue;
      }
      await this.outbox.delivered(this.name, last.seq, events.length);
      this.observer.delivered?.(this.name, events.length);
      if (this.failures > 0) this.logger.info({ endpoint: this.name, failures: this.failures }, "notification endpoint recovered");
      this.failures = 0;
    }
  }

  private async failed(message: string): Promise<void> {
    this.failures++;
    await this.outbox.failed(this.name, message);
    this.observer.failed?.(this.name);
    const { threshold, backoff } = this.endpoint;
    // One line when it starts failing and one when it starts backing off; the rest at debug.
    const level = this.failures === 1 || this.failures === threshold ? "warn" : "debug";
    this.logger[level]({ endpoint: this.name, failures: this.failures, error: message }, "notification delivery failed");
    if (this.failures >= threshold) await this.pause(backoff);
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
