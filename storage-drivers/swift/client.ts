/**
 * A small typed Swift client: the calls the driver needs, each retried on transient failures,
 * with the token renewed before it expires and once more when Swift answers 401.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { StorageError, StorageUnavailableError } from "../errors.js";
import { authRequest, parseAuthAnswer, type Credentials, type Session } from "./auth.js";
import { discardBody, header, HttpTransport, readBody, type HttpRequest } from "./http.js";
import { backoffDelay, DEFAULT_RETRY_POLICY, isConnectionError, isTransientStatus, parseRetryAfter, type RetryPolicy } from "../retry.js";

const DRIVER = "swift";
/** A token this close to its expiry is renewed before use. */
const RENEW_MARGIN_MS = 60_000;
/** Swift's own page size limit for container listings. */
const LISTING_PAGE = 10_000;

export interface SwiftClientOptions {
  credentials: Credentials;
  insecureSkipVerify?: boolean;
  retry?: RetryPolicy;
  maxSockets?: number;
  idleTimeoutMs?: number;
  /** For tests: how to wait between retries. */
  wait?: (ms: number) => Promise<unknown>;
}

/** A Swift answer the caller did not expect, e.g. 403 or 409: a client's mistake, not retried. */
export class SwiftHttpError extends StorageError {
  constructor(
    readonly status: number,
    what: string,
    detail = "",
  ) {
    super(`${DRIVER}: ${what} answered ${status}${detail ? `: ${detail}` : ""}`, DRIVER);
  }
}

export interface ObjectRequest {
  method: HttpRequest["method"];
  /** Absent for account-level calls (bulk delete, account metadata). */
  container?: string;
  /** Object name inside the container; absent for container-level calls. */
  object?: string;
  query?: Record<string, string>;
  headers?: OutgoingHttpHeaders;
  body?: HttpRequest["body"];
}

export type ListingEntry =
  | { kind: "object"; name: string; bytes: number; lastModified: Date; staticLargeObject: boolean }
  | { kind: "subdir"; name: string };

interface RawListingEntry {
  name?: string;
  subdir?: string;
  bytes?: number;
  last_modified?: string;
  slo_etag?: string;
}

interface SessionEntry {
  promise: Promise<Session>;
  /** Set once the login succeeded. */
  session?: Session;
}

/** Renew a minute before expiry, or halfway through a token that lives less than two minutes. */
function expiresSoon(session: Session, now = Date.now()): boolean {
  if (session.expiresAt === undefined) return false;
  const lifetime = session.expiresAt - session.obtainedAt;
  return now >= session.expiresAt - Math.min(RENEW_MARGIN_MS, lifetime / 2);
}

export class SwiftClient {
  private readonly transport: HttpTransport;
  private readonly retry: RetryPolicy;
  private readonly wait: (ms: number) => Promise<unknown>;
  private current: SessionEntry | null = null;

  constructor(private readonly options: SwiftClientOptions) {
    this.transport = new HttpTransport({
      insecureSkipVerify: options.insecureSkipVerify ?? false,
      maxSockets: options.maxSockets ?? 64,
      idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
    });
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.wait = options.wait ?? ((ms) => sleep(ms));
  }

  /** The logged-in session; a new login when the token is about to expire. */
  async session(): Promise<Session> {
    let entry = this.current;
    if (entry?.session && expiresSoon(entry.session)) {
      this.current = null;
      entry = null;
    }
    if (!entry) {
      const fresh: SessionEntry = { promise: this.login() };
      fresh.promise.then(
        (session) => (fresh.session = session),
        () => {
          if (this.current === fresh) this.current = null;
        },
      );
      this.current = entry = fresh;
    }
    return entry.promise;
  }

  /** Forgets a session Swift refused; concurrent callers holding it share the one new login. */
  private invalidate(stale: Session): void {
    if (this.current?.session === stale) this.current = null;
  }

  private async login(): Promise<Session> {
    const { credentials } = this.options;
    const response = await this.withRetries(`authenticate at ${credentials.authUrl}`, () => this.transport.send(authRequest(credentials)));
    const body = await readBody(response);
    return parseAuthAnswer(credentials, { status: response.statusCode ?? 0, headers: response.headers, body });
  }

  /**
   * Sends a request to the storage URL and resolves with any answer that is not a transient
   * failure (the caller checks the status and reads or discards the body).
   */
  async request(spec: ObjectRequest): Promise<IncomingMessage> {
    const what = describeRequest(spec);
    let reauthenticated = false;
    for (;;) {
      const session = await this.session();
      const response = await this.withRetries(what, () =>
        this.transport.send({ method: spec.method, url: this.url(session, spec), headers: { ...spec.headers, "x-auth-token": session.token }, body: spec.body }),
      );
      if (response.statusCode === 401 && !reauthenticated) {
        await discardBody(response);
        reauthenticated = true;
        this.invalidate(session);
        continue;
      }
      if (response.statusCode === 401) {
        await discardBody(response);
        throw new SwiftHttpError(401, what, "the token was refused even after logging in again");
      }
      return response;
    }
  }

  /** Like request(), but any status outside `ok` becomes a SwiftHttpError; the body is discarded. */
  async call(spec: ObjectRequest, ok: readonly number[]): Promise<IncomingMessage> {
    const response = await this.request(spec);
    await discardBody(response);
    return expectStatus(response, ok, spec);
  }

  /** Every entry below prefix, page by page (with a delimiter: direct children and "subdir"s). */
  async *list(container: string, prefix: string, delimiter?: string): AsyncGenerator<ListingEntry> {
    let marker = "";
    for (;;) {
      const query: Record<string, string> = { format: "json", prefix, limit: String(LISTING_PAGE) };
      if (delimiter) query.delimiter = delimiter;
      if (marker) query.marker = marker;
      const response = await this.request({ method: "GET", container, query, headers: { accept: "application/json" } });
      if (response.statusCode === 404) {
        await discardBody(response);
        throw new SwiftHttpError(404, `listing container ${container}`, "the container does not exist");
      }
      if (response.statusCode !== 200 && response.statusCode !== 204) {
        await discardBody(response);
        throw new SwiftHttpError(response.statusCode ?? 0, `listing ${container}/${prefix}`);
      }
      const text = (await readBody(response)).toString("utf8");
      const page = text === "" ? [] : (JSON.parse(text) as RawListingEntry[]);
      for (const entry of page) {
        if (entry.subdir !== undefined) yield { kind: "subdir", name: entry.subdir };
        else if (entry.name !== undefined) {
          yield {
            kind: "object",
            name: entry.name,
            bytes: entry.bytes ?? 0,
            lastModified: parseListingTime(entry.last_modified),
            staticLargeObject: entry.slo_etag !== undefined,
          };
        }
      }
      if (page.length < LISTING_PAGE) return;
      const last = page[page.length - 1]!;
      marker = last.subdir ?? last.name ?? "";
    }
  }

  /** GET <root>/info, the cluster's capabilities; null when the cluster does not publish them. */
  async info(): Promise<Record<string, unknown> | null> {
    const session = await this.session();
    const url = new URL(session.storageUrl);
    url.pathname = url.pathname.replace(/\/v1(\/.*)?$/, "") + "/info";
    url.search = "";
    try {
      const response = await this.withRetries("GET /info", () => this.transport.send({ method: "GET", url }));
      if (response.statusCode !== 200) {
        await discardBody(response);
        return null;
      }
      return JSON.parse((await readBody(response)).toString("utf8")) as Record<string, unknown>;
    } catch {
      return null;
    }
  }

  close(): void {
    this.transport.close();
  }

  private url(session: Session, spec: ObjectRequest): URL {
    let path = session.storageUrl;
    if (spec.container !== undefined) path += `/${encodeURIComponent(spec.container)}`;
    if (spec.object !== undefined) path += `/${encodeObjectName(spec.object)}`;
    const url = new URL(path);
    for (const [key, value] of Object.entries(spec.query ?? {})) url.searchParams.set(key, value);
    return url;
  }

  /**
   * Runs one exchange, retrying connection errors and transient statuses with jittered backoff;
   * when retries run out the registry answers 503 (StorageUnavailableError).
   */
  private async withRetries(what: string, attempt: () => Promise<IncomingMessage>): Promise<IncomingMessage> {
    let lastProblem = "";
    for (let retry = 0; ; retry++) {
      let retryAfter: number | undefined;
      try {
        const response = await attempt();
        const status = response.statusCode ?? 0;
        if (!isTransientStatus(status)) return response;
        retryAfter = parseRetryAfter(header(response, "retry-after"));
        await discardBody(response);
        lastProblem = `answered ${status}`;
      } catch (error) {
        if (!isConnectionError(error)) throw error;
        lastProblem = error instanceof Error ? error.message : String(error);
      }
      if (retry >= this.retry.maxRetries) {
        throw new StorageUnavailableError(`${DRIVER}: ${what} failed after ${retry + 1} attempts (last: ${lastProblem})`, DRIVER);
      }
      await this.wait(backoffDelay(this.retry, retry + 1, retryAfter));
    }
  }
}

export function expectStatus(response: IncomingMessage, ok: readonly number[], spec: ObjectRequest): IncomingMessage {
  const status = response.statusCode ?? 0;
  if (!ok.includes(status)) {
    throw new SwiftHttpError(status, describeRequest(spec));
  }
  return response;
}

function describeRequest(spec: ObjectRequest): string {
  return `${spec.method} ${spec.container ?? "(account)"}${spec.object === undefined ? "" : `/${spec.object}`}`;
}

/** Each "/"-separated part percent-encoded, the slashes kept. */
export function encodeObjectName(name: string): string {
  return name.split("/").map(encodeURIComponent).join("/");
}

/** Listings give UTC times without a zone, e.g. 2024-05-01T12:00:00.123450. */
function parseListingTime(value: string | undefined): Date {
  if (!value) return new Date(0);
  return new Date(/Z|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
}
