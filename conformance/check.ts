/**
 * Checks that throw a CheckFailure carrying the request, what was expected and what came back.
 * A check can name the feature it belongs to, so that a run that declares the feature
 * unsupported reports it as such rather than as a failure.
 */
import { describeRequest, describeResponse, type Exchange } from "./http.js";
import type { FailureDetail, Feature } from "./types.js";

export class CheckFailure extends Error {
  constructor(
    readonly detail: FailureDetail,
    /** Further failures of the same test, collected by SoftChecks. */
    readonly more: FailureDetail[] = [],
  ) {
    super(detail.message);
    this.name = "CheckFailure";
  }
}

/**
 * Collects failures instead of stopping at the first, so that a test can go on to its
 * essential checks (nothing changed, no 500) after a softer one (the error code) failed.
 */
export class SoftChecks {
  readonly failures: FailureDetail[] = [];

  async check(fn: () => void | Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (error) {
      if (!(error instanceof CheckFailure)) throw error;
      this.failures.push(error.detail, ...error.more);
    }
  }

  /** Throws the collected failures, if any. */
  finish(): void {
    const [first, ...rest] = this.failures;
    if (first) throw new CheckFailure(first, rest);
  }
}

export interface CheckOptions {
  /** What is being checked, in words: "POST starts an upload". */
  what?: string;
  feature?: Feature;
  /** Headers to show in the "got" part of the failure. */
  show?: string[];
}

export function fail(message: string, exchange?: Exchange, expected?: string, options: CheckOptions = {}): never {
  const detail: FailureDetail = { message: options.what ? `${options.what}: ${message}` : message };
  if (exchange) {
    detail.request = describeRequest(exchange);
    detail.got = describeResponse(exchange, options.show ?? []);
  }
  if (expected !== undefined) detail.expected = expected;
  if (options.feature) detail.feature = options.feature;
  throw new CheckFailure(detail);
}

/** A check with no HTTP exchange behind it. */
export function ensure(condition: unknown, message: string, options: { expected?: string; got?: string; feature?: Feature } = {}): asserts condition {
  if (condition) return;
  const detail: FailureDetail = { message };
  if (options.expected !== undefined) detail.expected = options.expected;
  if (options.got !== undefined) detail.got = options.got;
  if (options.feature) detail.feature = options.feature;
  throw new CheckFailure(detail);
}

export function expectStatus(exchange: Exchange, expected: number | number[], options: CheckOptions = {}): void {
  const allowed = Array.isArray(expected) ? expected : [expected];
  if (allowed.includes(exchange.status)) return;
  fail(`status ${exchange.status}, expected ${allowed.join(" or ")}`, exchange, `status ${allowed.join(" or ")}`, options);
}

export function header(exchange: Exchange, name: string): string | undefined {
  return exchange.headers[name.toLowerCase()];
}

/** Every value of a header, split on commas (for list-valued headers such as OCI-Tag). */
export function headerValues(exchange: Exchange, name: string): string[] {
  const lower = name.toLowerCase();
  return exchange.rawHeaders
    .filter(([key]) => key === lower)
    .flatMap(([, value]) => value.split(","))
    .map((value) => value.trim())
    .filter((value) => value.length > 0);
}

export function expectHeader(
  exchange: Exchange,
  name: string,
  expected: string | RegExp | ((value: string) => boolean),
  options: CheckOptions & { description?: string } = {},
): string {
  const value = header(exchange, name);
  const description =
    options.description ?? (typeof expected === "string" ? `${name}: ${expected}` : expected instanceof RegExp ? `${name} matching ${expected}` : `a valid ${name} header`);
  const show = [name, ...(options.show ?? [])];
  if (value === undefined) fail(`${name} header missing`, exchange, description, { ...options, show });
  const ok = typeof expected === "string" ? value === expected : expected instanceof RegExp ? expected.test(value) : expected(value);
  if (!ok) fail(`${name} is "${value}"`, exchange, description, { ...options, show });
  return value;
}

export interface ErrorBody {
  errors: { code: string; message?: unknown; detail?: unknown }[];
}

/** The spec's error body, or null when the body is not one. */
export function parseErrorBody(exchange: Exchange): ErrorBody | null {
  if (exchange.body.length === 0) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(exchange.body.toString("utf8"));
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const errors = (parsed as { errors?: unknown }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return null;
  const out: ErrorBody["errors"] = [];
  for (const entry of errors) {
    if (typeof entry !== "object" || entry === null) return null;
    const code = (entry as { code?: unknown }).code;
    if (typeof code !== "string" || !/^[A-Z_]+$/.test(code)) return null;
    out.push({ code, message: (entry as { message?: unknown }).message, detail: (entry as { detail?: unknown }).detail });
  }
  return { errors: out };
}

/**
 * The status is one of `statuses` and the body is the spec's JSON error with one of `codes`.
 * A wrong body shape is attributed to `bodyFeature` (default: the check's own feature).
 */
export function expectError(
  exchange: Exchange,
  statuses: number | number[],
  codes: string[],
  options: CheckOptions & { bodyFeature?: Feature } = {},
): string {
  expectStatus(exchange, statuses, options);
  if (exchange.method === "HEAD") return "";
  const body = parseErrorBody(exchange);
  const expected = `a JSON body {"errors":[{"code":${codes.map((c) => `"${c}"`).join("|")},...}]}`;
  const bodyFeature = options.bodyFeature ?? options.feature;
  if (!body) fail("the body is not the spec's JSON error", exchange, expected, { ...options, ...(bodyFeature ? { feature: bodyFeature } : {}) });
  const found = body.errors.find((entry) => codes.includes(entry.code));
  if (!found) fail(`error code ${body.errors.map((e) => e.code).join(", ")}`, exchange, expected, options);
  return found.code;
}

export function expectBody(exchange: Exchange, expected: Uint8Array, options: CheckOptions = {}): void {
  if (exchange.truncated) fail("the connection closed before the whole body arrived", exchange, `the ${expected.length} bytes that were pushed`, options);
  if (Buffer.compare(exchange.body, Buffer.from(expected)) === 0) return;
  const same = exchange.body.length === expected.length ? "same length, different bytes" : `${exchange.body.length} bytes instead of ${expected.length}`;
  fail(`wrong body (${same})`, exchange, `the ${expected.length} bytes that were pushed`, options);
}

export function parseJson(exchange: Exchange, options: CheckOptions = {}): unknown {
  try {
    return JSON.parse(exchange.body.toString("utf8"));
  } catch {
    return fail("the body is not JSON", exchange, "a JSON body", options);
  }
}

/** Strips parameters from a media type: "application/json; charset=utf-8" → "application/json". */
export function mediaTypeOf(value: string | undefined): string | undefined {
  return value?.split(";")[0]?.trim().toLowerCase();
}
