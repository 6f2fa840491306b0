/**
 * The notifications section, as registry:2 reads it (configuration.Notifications):
 * endpoints with url, headers, timeout, threshold, backoff and what to ignore.
 * Zero or absent timeout/threshold/backoff take registry:2's defaults (1s, 10, 1s).
 */
import * as z from "zod";
import { canonicalHeaderName } from "../config/http.js";
import { bool, describe, duration, freeMap, text, withDefault } from "../config/fields.js";
import type { NotificationEndpointConfig, NotificationsConfig } from "../config/types.js";
import { EVENT_ACTIONS } from "./events.js";

const DEFAULT_TIMEOUT_MS = 1_000;
const DEFAULT_THRESHOLD = 10;
const DEFAULT_BACKOFF_MS = 1_000;

const url = text.refine(
  (value) => {
    try {
      return /^https?:$/.test(new URL(value).protocol);
    } catch {
      return false;
    }
  },
  { error: (issue) => `expected an absolute http(s) URL, got ${describe(issue.input)}` },
);

/** http.Header: a name → list of values (a single value is taken as a list of one). */
const headers = z.record(
  z.string(),
  z.preprocess((value) => (typeof value === "string" || typeof value === "number" ? [String(value)] : value), z.array(text)),
);

const action = z.preprocess((value) => (typeof value === "string" ? value.toLowerCase() : value), z.enum(EVENT_ACTIONS));

const endpoint = z
  .strictObject({
    name: text.refine((value) => value !== "", "required"),
    url,
    disabled: withDefault(bool, false),
    headers: withDefault(headers, {}),
    timeout: withDefault(duration, 0),
    threshold: withDefault(z.number().int().min(0), 0),
    backoff: withDefault(duration, 0),
    ignoredmediatypes: withDefault(z.array(text), []),
    ignore: withDefault(
      z.strictObject({ mediatypes: withDefault(z.array(text), []), actions: withDefault(z.array(action), []) }),
      {},
    ),
  })
  .transform(
    (raw): NotificationEndpointConfig => ({
      name: raw.name,
      url: raw.url,
      disabled: raw.disabled,
      headers: Object.fromEntries(Object.entries(raw.headers).map(([name, values]) => [canonicalHeaderName(name), values])),
      timeout: raw.timeout > 0 ? raw.timeout : DEFAULT_TIMEOUT_MS,
      threshold: raw.threshold > 0 ? raw.threshold : DEFAULT_THRESHOLD,
      backoff: raw.backoff > 0 ? raw.backoff : DEFAULT_BACKOFF_MS,
      // registry:2 merges the older ignoredmediatypes into ignore.mediatypes.
      ignore: { mediatypes: [...new Set([...raw.ignoredmediatypes, ...raw.ignore.mediatypes])], actions: raw.ignore.actions },
    }),
  );

const notifications = z
  .strictObject({
    events: withDefault(z.strictObject({ includereferences: withDefault(bool, false) }), {}),
    endpoints: withDefault(z.array(endpoint), []),
  })
  .superRefine((section, ctx) => {
    const seen = new Set<string>();
    section.endpoints.forEach((entry, index) => {
      if (seen.has(entry.name)) {
        ctx.addIssue({ code: "custom", path: ["endpoints", index, "name"], message: `another endpoint is already named ${describe(entry.name)}`, input: entry.name });
      }
      seen.add(entry.name);
    });
  })
  .transform((section): NotificationsConfig => ({ events: section.events, endpoints: section.endpoints }));

/**
 * Read as a free map first, so REGISTRY_NOTIFICATIONS_* variables follow registry:2's map
 * rules (and its Go field names, e.g. EVENTCONFIG), then validated.
 */
export const notificationsSchema = freeMap.pipe(notifications);
