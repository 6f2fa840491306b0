/**
 * The whole configuration schema: registry:2's top-level keys plus Berth's own, each with
 * its default, turned into Config. Sections Berth validates reject unknown keys; sections it
 * accepts from registry:2 without reading (redis, proxy, reporting, ...) are kept as maps.
 */
import * as z from "zod";
import { authSchema } from "./auth.js";
import { databaseSchema } from "./database.js";
import { bool, freeMap, optional, text, withDefault } from "./fields.js";
import { healthSchema } from "../health/config.js";
import { notificationsSchema } from "../notifications/config.js";
import { gcSchema } from "./gc.js";
import { httpSchema } from "./http.js";
import { ldapSchema } from "./ldap.js";
import { storageSchema } from "./storage.js";
import { uiSchema } from "./ui.js";
import type { Config } from "./types.js";

/** registry:2 lower-cases the level before checking it. */
const logLevel = z.preprocess(
  (value) => (typeof value === "string" ? value.toLowerCase() : value),
  z.enum(["error", "warn", "info", "debug"]),
);

const log = z.strictObject({
  level: optional(logLevel),
  // registry:2's default is text; Berth logs JSON unless asked. logstash is JSON too.
  formatter: withDefault(z.enum(["text", "json", "logstash"]), "json"),
  fields: withDefault(freeMap, {}),
  accesslog: withDefault(z.strictObject({ disabled: withDefault(bool, false) }), {}),
  // Accepted as registry:2 has them; Berth does not send mail on errors.
  hooks: optional(z.array(z.unknown())),
  reportcaller: optional(bool),
});

const manifestValidation = z.strictObject({
  /** Berth: the largest manifest accepted, in bytes. */
  maxsize: withDefault(z.number().int().positive(), 4 * 1024 * 1024),
  // registry:2's URL and index checks: accepted, not applied by Berth.
  urls: optional(z.strictObject({ allow: optional(z.array(text)), deny: optional(z.array(text)) })),
  indexes: optional(freeMap),
});

const validation = z.strictObject({
  enabled: optional(bool),
  disabled: optional(bool),
  manifests: withDefault(manifestValidation, {}),
});

export const configSchema = z
  .strictObject({
    version: withDefault(text.pipe(z.literal("0.1")), "0.1"),
    log: withDefault(log, {}),
    /** Deprecated in registry:2; used when log.level is not set. */
    loglevel: optional(logLevel),
    storage: storageSchema,
    http: withDefault(httpSchema, {}),
    auth: withDefault(authSchema, {}),
    ldap: optional(ldapSchema),
    notifications: withDefault(notificationsSchema, {}),
    health: withDefault(healthSchema, {}),
    validation: withDefault(validation, {}),
    database: withDefault(databaseSchema, {}),
    gc: withDefault(gcSchema, {}),
    ui: withDefault(uiSchema, {}),
    // registry:2 sections Berth accepts and does not use.
    middleware: optional(freeMap),
    reporting: optional(freeMap),
    redis: optional(freeMap),
    proxy: optional(freeMap),
    compatibility: optional(freeMap),
    catalog: optional(freeMap),
    tags: optional(freeMap),
    policy: optional(freeMap),
  })
  .transform(
    (raw): Config => ({
      version: raw.version,
      log: {
        level: raw.log.level ?? raw.loglevel ?? "info",
        formatter: raw.log.formatter === "text" ? "text" : "json",
        fields: raw.log.fields,
        accesslog: raw.log.accesslog,
      },
      storage: raw.storage,
      http: raw.http,
      auth: raw.auth,
      ...(raw.ldap ? { ldap: raw.ldap } : {}),
      notifications: raw.notifications,
      health: raw.health,
      database: raw.database,
      gc: raw.gc,
      ui: raw.ui,
      validation: { manifests: { maxsize: raw.validation.manifests.maxsize } },
    }),
  );
