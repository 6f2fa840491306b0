/**
 * The event outbox: events are stored in the metadata database (with the change they
 * describe, where there is one) and delivered from there, in order, to every endpoint.
 * Each endpoint keeps a cursor: the last event it acknowledged. Nothing lives only in memory,
 * so a crash or restart loses nothing; an event the receiver got but whose acknowledgement
 * was not yet recorded is sent again with the same id (receivers dedupe by id).
 */
import type { EventAction, NotificationEvent } from "./events.js";

export interface OutboxEntry {
  /** Position in the outbox: increases with every event, never reused. */
  seq: number;
  event: NotificationEvent;
}

/** What an endpoint does not want (notifications.endpoints[].ignore). */
export interface EventFilter {
  actions: readonly EventAction[];
  mediaTypes: readonly string[];
}

export interface EndpointState {
  name: string;
  /** Events not yet delivered and not ignored by the endpoint. */
  queued: number;
  /** Events delivered since the endpoint first appeared. */
  delivered: number;
  /** Failed attempts since the last success. */
  consecutiveFailures: number;
  lastError: string | null;
  /** Epoch milliseconds. */
  lastErrorAt: number | null;
  lastSuccessAt: number | null;
}

/** One process's hold on an endpoint's delivery (Outbox.claim). */
export interface OutboxClaim {
  /** The next events after the endpoint's cursor, oldest first. */
  pending(limit: number): Promise<OutboxEntry[]>;
  /** Moves the cursor to `seq` after a delivery of `count` events; ends the claim. */
  delivered(seq: number, count: number): Promise<void>;
  /** Records a failed attempt; ends the claim. */
  failed(error: string): Promise<void>;
  /** Ends the claim (a no-op after delivered or failed). */
  release(): Promise<void>;
}

export interface Outbox {
  /**
   * Takes the endpoint's delivery until the claim ends: while one process holds it, others
   * sharing the database get null (PostgreSQL: the endpoint's row, FOR UPDATE SKIP LOCKED), so
   * each event goes out from one process at a time and in order. null also for an endpoint
   * syncEndpoints did not keep.
   */
  claim(endpoint: string): Promise<OutboxClaim | null>;
  /** Stores events that come with no index change (pulls, blob pushes). */
  append(events: readonly NotificationEvent[]): Promise<void>;
  /**
   * Keeps cursors for exactly these endpoints. A new endpoint starts after the newest stored
   * event (it gets what happens from now on); events no endpoint still waits for are removed.
   */
  syncEndpoints(names: readonly string[]): Promise<void>;
  /** The next events after the endpoint's cursor, oldest first. */
  pending(endpoint: string, limit: number): Promise<OutboxEntry[]>;
  /** Moves the cursor to `seq` after a delivery of `count` events, and forgets what every endpoint has. */
  delivered(endpoint: string, seq: number, count: number): Promise<void>;
  failed(endpoint: string, error: string): Promise<void>;
  state(endpoint: string, filter: EventFilter): Promise<EndpointState>;
  /** Called after events were stored, so delivery can start at once instead of at its next poll. */
  onAppend(listener: () => void): void;
}

/** Whether an endpoint with this filter wants the event. */
export function wanted(filter: EventFilter, event: Pick<NotificationEvent, "action" | "target">): boolean {
  if (filter.actions.includes(event.action)) return false;
  const mediaType = event.target.mediaType;
  return mediaType === undefined || !filter.mediaTypes.includes(mediaType);
}
