/**
 * The health section, as registry:2 reads it (configuration.Health): the storage driver
 * check and file, HTTP and TCP checks, each run every `interval` and failing after
 * `threshold` consecutive failures (0 or absent: the first failure counts).
 */
import * as z from "zod";
import { bool, duration, freeMap, text, withDefault } from "../config/fields.js";
import type { HealthConfig } from "../config/types.js";

const DEFAULT_INTERVAL_MS = 10_000;
/** registry:2 sets no timeout on HTTP and TCP checks; Berth never waits forever. */
const DEFAULT_TIMEOUT_MS = 5_000;

const threshold = withDefault(z.number().int().min(0), 0);
const interval = withDefault(duration, 0);
const timeout = withDefault(duration, 0);
/** A zero (or absent) duration means "the default", as in registry:2. */
const orDefault = (ms: number, fallback: number) => (ms > 0 ? ms : fallback);

const headers = z.record(
  z.string(),
  z.preprocess((value) => (typeof value === "string" || typeof value === "number" ? [String(value)] : value), z.array(text)),
);

const health = z
  .strictObject({
    storagedriver: withDefault(z.strictObject({ enabled: withDefault(bool, false), interval, threshold }), {}),
    file: withDefault(z.array(z.strictObject({ file: text, interval })), []),
    http: withDefault(
      z.array(
        z.strictObject({
          uri: text,
          headers: withDefault(headers, {}),
          statuscode: withDefault(z.number().int().min(0), 200),
          timeout,
          interval,
          threshold,
        }),
      ),
      [],
    ),
    tcp: withDefault(z.array(z.strictObject({ addr: text, timeout, interval, threshold })), []),
  })
  .transform(
    (section): HealthConfig => ({
      storagedriver: {
        enabled: section.storagedriver.enabled,
        interval: orDefault(section.storagedriver.interval, DEFAULT_INTERVAL_MS),
        threshold: section.storagedriver.threshold,
      },
      file: section.file.map((check) => ({ file: check.file, interval: orDefault(check.interval, DEFAULT_INTERVAL_MS) })),
      http: section.http.map((check) => ({
        uri: check.uri,
        headers: check.headers,
        statuscode: check.statuscode === 0 ? 200 : check.statuscode,
        timeout: orDefault(check.timeout, DEFAULT_TIMEOUT_MS),
        interval: orDefault(check.interval, DEFAULT_INTERVAL_MS),
        threshold: check.threshold,
      })),
      tcp: section.tcp.map((check) => ({
        addr: check.addr,
        timeout: orDefault(check.timeout, DEFAULT_TIMEOUT_MS),
        interval: orDefault(check.interval, DEFAULT_INTERVAL_MS),
        threshold: check.threshold,
      })),
    }),
  );

/**
 * Read as a free map first, so REGISTRY_HEALTH_* variables follow registry:2's map rules
 * (and its Go field names: FILECHECKERS, HTTPCHECKERS, TCPCHECKERS), then validated.
 */
export const healthSchema = freeMap.pipe(health);
