/**
 * The storage section: exactly one driver section plus registry:2's delete, redirect,
 * maintenance, cache and tag keys → StorageConfig { driver, parameters, ... }.
 */
import * as z from "zod";
import { bool, durationText, freeMap, optional, parameters, text, withDefault } from "./fields.js";
import type { StorageConfig, StorageDriverName } from "./types.js";

export const STORAGE_DRIVERS: readonly StorageDriverName[] = ["filesystem", "inmemory", "s3", "azure", "swift"];

/** Keys of the storage section that are not drivers (registry:2's Storage.Type() skips the same ones). */
export const STORAGE_OPTIONS = ["delete", "redirect", "maintenance", "cache", "tag"] as const;

const driverList = STORAGE_DRIVERS.join(", ");

/** registry:2's filesystem driver refuses fewer than 25 threads; it also takes the number as a string. */
const maxthreads = z
  .preprocess((value) => (typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value), z.number().int())
  .refine((value) => value >= 25, { error: (issue) => `expected an integer of at least 25, got ${String(issue.input)}` });

const filesystem = z.preprocess(
  (value) => (value === null ? {} : value),
  z.strictObject({
    rootdirectory: withDefault(
      text.refine((value) => value !== "", "expected a directory, got an empty string"),
      "/var/lib/registry",
    ),
    maxthreads: optional(maxthreads),
  }),
);

const uploadpurging = z.strictObject({
  enabled: withDefault(bool, true),
  age: withDefault(durationText, "168h"),
  interval: withDefault(durationText, "24h"),
  dryrun: withDefault(bool, false),
});

const storageSection = z
  .object({
    filesystem: z.optional(filesystem),
    inmemory: z.optional(parameters),
    s3: z.optional(parameters),
    azure: z.optional(parameters),
    swift: z.optional(parameters),
    delete: withDefault(z.strictObject({ enabled: withDefault(bool, false) }), {}),
    redirect: withDefault(z.strictObject({ disable: withDefault(bool, false) }), {}),
    maintenance: withDefault(
      z.strictObject({
        uploadpurging: withDefault(uploadpurging, {}),
        readonly: withDefault(z.strictObject({ enabled: withDefault(bool, false) }), {}),
      }),
      {},
    ),
    // Accepted as registry:2 has them; Berth keeps no blob descriptor cache and no tag lookup limit.
    cache: optional(freeMap),
    tag: optional(freeMap),
  })
  // Any other key names a driver Berth lacks. The catch-all (rather than a strict object)
  // lets REGISTRY_STORAGE_GCS_BUCKET reach this message instead of being ignored.
  .catchall(
    z.unknown().superRefine((_value, ctx) => {
      ctx.addIssue({ code: "custom", message: `unsupported storage driver (Berth has: ${driverList})` });
    }),
  );

export const storageSchema = z
  .preprocess((value) => value ?? {}, storageSection)
  .transform((storage, ctx): StorageConfig => {
    const present = STORAGE_DRIVERS.filter((name) => storage[name] !== undefined);
    const [driver] = present;
    if (driver === undefined || present.length > 1) {
      const found = present.length === 0 ? "none" : `${present.length} (${present.join(", ")})`;
      ctx.addIssue({ code: "custom", message: `exactly one driver section (${driverList}), found ${found}`, input: storage });
      return z.NEVER;
    }
    return {
      driver,
      parameters: storage[driver] ?? {},
      delete: storage.delete,
      redirect: storage.redirect,
      maintenance: storage.maintenance,
    };
  });

/**
 * `storage: s3` (or REGISTRY_STORAGE=s3) is shorthand for `storage: { s3: {} }`, and likewise
 * for auth; registry:2 expands it when reading, so the whole section is replaced.
 */
export function expandShorthands(tree: Record<string, unknown>): void {
  for (const key of ["storage", "auth"]) {
    const value = tree[key];
    if (typeof value === "string" && value !== "") tree[key] = { [value]: {} };
  }
}

/**
 * With no storage section in the file, Berth stores under ./data. Applied after the
 * environment, so REGISTRY_STORAGE_S3_* alone selects s3 and REGISTRY_STORAGE_DELETE_ENABLED
 * alone keeps the default driver.
 */
export function addDefaultDriver(tree: Record<string, unknown>): void {
  const storage = tree.storage;
  if (storage === undefined || storage === null) {
    tree.storage = { filesystem: { rootdirectory: "./data" } };
    return;
  }
  if (typeof storage !== "object" || Array.isArray(storage)) return;
  const options: readonly string[] = STORAGE_OPTIONS;
  if (Object.keys(storage).every((key) => options.includes(key))) {
    (storage as Record<string, unknown>).filesystem = { rootdirectory: "./data" };
  }
}
