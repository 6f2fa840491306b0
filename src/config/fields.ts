/**
 * Building blocks of the schema. YAML writes an empty value as null; Go leaves such a
 * field at its zero value, so here null means "not set" and the default applies.
 */
import * as z from "zod";
import { parseGoDuration } from "./duration.js";

const nullIsAbsent = (value: unknown): unknown => (value === null ? undefined : value);

/** A key that may be left out (or empty). */
export function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess(nullIsAbsent, schema.optional());
}

/** A key with a default; the default goes through the schema, so nested defaults fill in too. */
export function withDefault<T extends z.ZodType>(schema: T, value: z.input<T>) {
  return z.preprocess(nullIsAbsent, schema.prefault(value as never));
}

/**
 * A string; a number is taken as its decimal text (Go reads `secret: 1234` into a string
 * field). Go keeps the spelling as written (0123 stays "0123"); here YAML has already read
 * it as a number, so quote such values.
 */
export const text = z.preprocess((value) => (typeof value === "number" ? String(value) : value), z.string());

export const bool = z.boolean();

/** A free-form map kept as parsed (sections Berth accepts but does not read, or passes on). */
export const freeMap = z.record(z.string(), z.unknown());

/** A driver/auth section: `s3:` with no parameters is an empty map. */
export const parameters = z.preprocess((value) => (value === null ? {} : value), freeMap);

/** A value as an error message shows it: strings quoted, maps and lists named. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "a list";
  if (value !== null && typeof value === "object") return "a map";
  return String(value);
}

const durationProblem = (value: unknown) => `expected a duration like "30s", "1h30m" or "168h", got ${describe(value)}`;

function durationKey(allowNumber: boolean) {
  return z
    .custom<string | number>((value) => typeof value === "string" || (allowNumber && typeof value === "number"), {
      error: (issue) => durationProblem(issue.input),
    })
    .transform((value, ctx) => {
      // A Go time.Duration field given a plain integer takes it as nanoseconds.
      const ms = typeof value === "number" ? value / 1e6 : parseGoDuration(value.trim());
      if (ms === undefined || ms < 0) {
        ctx.addIssue({ code: "custom", message: durationProblem(value), input: value });
        return z.NEVER;
      }
      return ms;
    });
}

/** A Go time.Duration key ("10s", or an integer count of nanoseconds) → milliseconds. */
export const duration = durationKey(true);

/** A duration registry:2 reads as a string only (maintenance.uploadpurging.age/interval) → milliseconds. */
export const durationText = durationKey(false);

/** "host:port", ":port" or "[v6]:port", as Go's net.Listen("tcp", addr) takes it. */
const HOST_PORT = /^(\[[0-9A-Fa-f:.%\w]*\]|[^\s:[\]]*):(\d{1,5})$/;

export function isHostPort(addr: string): boolean {
  const match = HOST_PORT.exec(addr);
  return match !== null && Number(match[2]) <= 65_535;
}

export function hostPortProblem(addr: string): string {
  return `expected "host:port" or ":port", got ${JSON.stringify(addr)}`;
}
