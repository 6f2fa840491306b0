/**
 * Berth's Prometheus metrics, in one registry of their own (no global state). Where registry:2
 * has a metric (registry_http_*, registry_storage_action_seconds, registry_notifications_*),
 * Berth uses its name and labels; what registry:2 lacks is under berth_*.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CheckedOptions } from "../../storage-drivers/checked.js";
import type { DeliveryObserver } from "../notifications/delivery.js";

type StorageObserver = NonNullable<CheckedOptions["onOperation"]>;

/** Seconds; registry:2's defaults plus room for long blob transfers. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const STORAGE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export type UploadEvent = "started" | "completed" | "cancelled";
export type GcOutcome = "succeeded" | "failed";

/** Queue depth per endpoint, read when Prometheus scrapes. */
export type OutboxDepthSource = () => Promise<{ name: string; queued: number }[]>;

export interface MetricsOptions {
  /** Node's process metrics (CPU, memory, event loop lag, GC). */
  processMetrics?: boolean;
}

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<"handler" | "method" | "code">;
  readonly httpDuration: Histogram<"handler" | "method" | "code">;
  readonly httpInFlight: Gauge<"handler">;
  readonly httpReceivedBytes: Counter<"handler">;
  readonly httpSentBytes: Counter<"handler">;
  readonly uploadSessions: Counter<"event">;
  readonly storageDuration: Histogram<"driver" | "action">;
  readonly storageErrors: Counter<"driver" | "action" | "error">;
  /** Garbage collection runs; the collector increments it with its outcome. */
  readonly gcRuns: Counter<"outcome">;
  readonly notificationsDelivered: Counter<"endpoint">;
  readonly notificationsFailures: Counter<"endpoint">;
  private outboxDepth: OutboxDepthSource = async () => [];

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    this.httpRequests = new Counter({
      name: "registry_http_requests_total",
      help: "HTTP requests answered, by route (handler), method and status code.",
      labelNames: ["handler", "method", "code"],
      registers,
    });
    this.httpDuration = new Histogram({
      name: "registry_http_request_duration_seconds",
      help: "Time from a request's arrival to the end of its answer, by route, method and status code.",
      labelNames: ["handler", "method", "code"],
      buckets: REQUEST_BUCKETS,
      registers,
    });
    this.httpInFlight = new Gauge({
      name: "registry_http_in_flight_requests",
      help: "Requests being served now, by route.",
      labelNames: ["handler"],
      registers,
    });
    this.httpReceivedBytes = new Counter({
      name: "berth_http_received_bytes_total",
      help: "Bytes received for requests (headers and body), by route.",
      labelNames: ["handler"],
      registers,
    });
    this.httpSentBytes = new Counter({
      name: "berth_http_sent_bytes_total",
      help: "Response bytes sent (headers and body), by route.",
      labelNames: ["handler"],
      registers,
    });
    this.uploadSessions = new Counter({
      name: "berth_upload_sessions_total",
      help: "Blob upload sessions started, completed and cancelled.",
      labelNames: ["event"],
      registers,
    });
    this.storageDuration = new Histogram({
      name: "registry_storage_action_seconds",
      help: "Storage driver calls, by driver and action (getContent, putContent, reader, writer, stat, list, move, delete, ...).",
      labelNames: ["driver", "action"],
      buckets: STORAGE_BUCKETS,
      registers,
    });
    this.storageErrors = new Counter({
      name: "berth_storage_errors_total",
      help: "Storage driver calls that failed, by driver, action and error type (PathNotFoundError is often expected).",
      labelNames: ["driver", "action", "error"],
      registers,
    });
    this.gcRuns = new Counter({
      name: "berth_gc_runs_total",
      help: "Garbage collection runs, by outcome.",
      labelNames: ["outcome"],
      registers,
    });
    this.notificationsDelivered = new Counter({
      name: "berth_notifications_delivered_total",
      help: "Events delivered to notification endpoints.",
      labelNames: ["endpoint"],
      registers,
    });
    this.notificationsFailures = new Counter({
      name: "berth_notifications_failures_total",
      help: "Failed deliveries (each is retried), by endpoint.",
      labelNames: ["endpoint"],
      registers,
    });
    const depth = () => this.outboxDepth();
    new Gauge({
      name: "registry_notifications_pending",
      help: "Events in the outbox not yet delivered to the endpoint.",
      labelNames: ["endpoint"],
      registers,
      async collect() {
        this.reset();
        for (const { name, queued } of await depth()) this.set({ endpoint: name }, queued);
      },
    });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: "berth_" });
  }

  /** For openDriver(name, params, { onOperation }). */
  readonly storageObserver: StorageObserver = (event) => {
    const labels = { driver: event.driver, action: event.operation };
    this.storageDuration.observe(labels, event.durationMs / 1000);
    if (event.error !== undefined) {
      const error = event.error instanceof Error ? event.error.name : "Error";
      this.storageErrors.inc({ ...labels, error });
    }
  };

  /** For the notification dispatcher. */
  readonly deliveryObserver: DeliveryObserver = {
    delivered: (endpoint, events) => this.notificationsDelivered.inc({ endpoint }, events),
    failed: (endpoint) => this.notificationsFailures.inc({ endpoint }),
  };

  setOutboxDepthSource(source: OutboxDepthSource): void {
    this.outboxDepth = source;
  }

  /** The text exposition format, and its Content-Type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
