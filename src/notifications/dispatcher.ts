/** Runs one delivery loop per enabled endpoint and reports their state. */
import type { Logger } from "pino";
import type { NotificationEndpointConfig } from "../config/types.js";
import { EndpointDelivery, type DeliveryObserver, type Send } from "./delivery.js";
import type { EndpointState, Outbox } from "./outbox.js";

export interface EndpointStatus extends Omit<EndpointState, "lastErrorAt" | "lastSuccessAt"> {
  /** The endpoint's URL without credentials or query (it may carry a token). */
  url: string;
  disabled: boolean;
  /** The last attempt failed. */
  failing: boolean;
  lastErrorAt: string | null;
  lastSuccessAt: string | null;
}

export interface DispatcherOptions {
  endpoints: readonly NotificationEndpointConfig[];
  outbox: Outbox;
  logger: Logger;
  observer?: DeliveryObserver;
  /** Replaces the HTTP sender (tests). */
  send?: Send;
}

/** scheme://host/path of a URL: no user info, query or fragment. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return "";
  }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export class NotificationDispatcher {
  private readonly deliveries: EndpointDelivery[];

  constructor(private readonly options: DispatcherOptions) {
    this.deliveries = options.endpoints
      .filter((endpoint) => !endpoint.disabled)
      .map((endpoint) => new EndpointDelivery(endpoint, options.outbox, options.logger, options.observer, options.send));
  }

  async start(): Promise<void> {
    await this.options.outbox.syncEndpoints(this.deliveries.map((delivery) => delivery.name));
    this.options.outbox.onAppend(() => this.deliveries.forEach((delivery) => delivery.wake()));
    for (const delivery of this.deliveries) delivery.start();
  }

  /** Gives every endpoint up to `drainMs` to take what is queued; the rest waits in the outbox. */
  async stop(drainMs: number): Promise<void> {
    await Promise.all(this.deliveries.map((delivery) => delivery.stop(drainMs)));
  }

  async status(): Promise<EndpointStatus[]> {
    const filters = new Map(this.deliveries.map((delivery) => [delivery.name, delivery.filter]));
    return Promise.all(
      this.options.endpoints.map(async (endpoint) => {
        const filter = filters.get(endpoint.name);
        const state: EndpointState = filter
          ? await this.options.outbox.state(endpoint.name, filter)
          : { name: endpoint.name, queued: 0, delivered: 0, consecutiveFailures: 0, lastError: null, lastErrorAt: null, lastSuccessAt: null };
        return {
          ...state,
          url: displayUrl(endpoint.url),
          disabled: endpoint.disabled,
          failing: state.consecutiveFailures > 0,
          lastErrorAt: iso(state.lastErrorAt),
          lastSuccessAt: iso(state.lastSuccessAt),
        };
      }),
    );
  }
}
