/**
 * registry:2's notification event, field for field (distribution's notifications/event.go):
 * what happened (action), to what (target), asked by whom (request, actor), seen where (source).
 * Receivers written for registry:2 read these envelopes unchanged.
 */

/** The Content-Type of every envelope POSTed to an endpoint. */
export const EVENTS_MEDIA_TYPE = "application/vnd.docker.distribution.events.v1+json";

export type EventAction = "push" | "pull" | "delete" | "mount";

export const EVENT_ACTIONS: readonly EventAction[] = ["push", "pull", "delete", "mount"];

/** A descriptor of a referenced blob or manifest (target.references). */
export interface EventReference {
  mediaType: string;
  digest: string;
  size: number;
}

export interface EventTarget {
  mediaType?: string;
  digest?: string;
  size?: number;
  /** Same as size; registry:2 still sends it for older receivers. */
  length?: number;
  repository: string;
  /** Where a mount came from. */
  fromRepository?: string;
  url?: string;
  tag?: string;
  /** A manifest's blobs and child manifests, when notifications.events.includereferences is on. */
  references?: EventReference[];
}

export interface EventRequest {
  id: string;
  /** The client's address ("ip:port"), or the first X-Forwarded-For hop. */
  addr: string;
  host: string;
  method: string;
  useragent: string;
}

export interface NotificationEvent {
  /** A UUID; receivers dedupe by it (redelivery after a crash repeats the same id). */
  id: string;
  /** RFC 3339 with fractions. */
  timestamp: string;
  action: EventAction;
  target: EventTarget;
  request: EventRequest;
  /** The authenticated user; empty when anonymous. */
  actor: { name?: string };
  source: { addr: string; instanceID: string };
}

/** The body of one POST: registry:2's Envelope. */
export interface EventEnvelope {
  events: NotificationEvent[];
}
