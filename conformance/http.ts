/**
 * A small HTTP client over node:http(s). Not fetch: the suite needs raw, un-normalised paths
 * ("..", "%2e%2e", "%00"), exact Content-Length control, chunked bodies without a length,
 * and every response header as sent (OCI-Tag may repeat).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

export type Body = Uint8Array | string | AsyncIterable<Uint8Array>;

export interface RequestOptions {
  method: string;
  /** A path with query ("/v2/x/tags/list?n=1"), sent exactly as given, or an absolute URL. */
  path: string;
  headers?: Record<string, string>;
  body?: Body;
  /**
   * Content-Length to declare. Default: the body's length for a buffer or string, 0 for no body
   * on POST/PUT/PATCH, none for a streamed body (chunked transfer encoding). null: never send one.
   */
  contentLength?: number | null;
  timeoutMs?: number;
}

/** One request and its response, kept whole so that a failure can show both. */
export interface Exchange {
  method: string;
  /** The path (and query) as sent, or the absolute URL when it pointed elsewhere. */
  target: string;
  requestHeaders: Record<string, string>;
  /** Bytes sent, or null for a streamed body. */
  requestBodyLength: number | null;
  status: number;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Every header line as received, names lower-cased. */
  rawHeaders: [string, string][];
  body: Buffer;
  /** The connection closed before the whole body (per Content-Length) arrived. */
  truncated: boolean;
  /** The registry's redirect that led here, when a blob read was sent on to its storage. */
  redirect?: Exchange;
}

const MAX_BODY = 64 * 1024 * 1024;

export class HttpClient {
  readonly base: URL;
  private readonly prefix: string;

  constructor(
    url: string,
    private readonly defaultHeaders: Record<string, string> = {},
    private readonly timeoutMs = 30_000,
  ) {
    this.base = new URL(url);
    if (this.base.protocol !== "http:" && this.base.protocol !== "https:") {
      throw new Error(`registry URL must be http:// or https://, got ${url}`);
    }
    this.prefix = this.base.pathname.replace(/\/+$/, "");
  }

  /** The request target for a path under the registry's base URL. */
  path(path: string): string {
    return this.prefix + path;
  }

  /**
   * Resolves a Location header (absolute or relative) to something `request` accepts.
   * A location on the registry's own origin becomes a raw path.
   */
  resolve(location: string): string {
    const url = new URL(location, this.base);
    if (url.origin === this.base.origin) return url.pathname + url.search;
    return url.toString();
  }

  async request(options: RequestOptions): Promise<Exchange> {
    const isAbsolute = /^https?:\/\//i.test(options.path);
    const target = isAbsolute ? new URL(options.path) : this.base;
    const rawPath = isAbsolute ? target.pathname + target.search : options.path.startsWith("/") ? options.path : `/${options.path}`;
    const requestHeaders: Record<string, string> = { ...this.defaultHeaders, ...(options.headers ?? {}) };
    const body = options.body;
    let bodyBytes: Buffer | null = null;
    if (typeof body === "string") bodyBytes = Buffer.from(body, "utf8");
    else if (body instanceof Uint8Array) bodyBytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const hasLengthHeader = Object.keys(requestHeaders).some((name) => name.toLowerCase() === "content-length");
    if (!hasLengthHeader && options.contentLength !== null) {
      if (options.contentLength !== undefined) requestHeaders["Content-Length"] = String(options.contentLength);
      else if (bodyBytes) requestHeaders["Content-Length"] = String(bodyBytes.length);
      else if (body === undefined && ["POST", "PUT", "PATCH"].includes(options.method)) requestHeaders["Content-Length"] = "0";
    }
    const headers: OutgoingHttpHeaders = { ...requestHeaders };
    // One connection per request, but announced as keep-alive: a server that answers early
    // (413 before reading a large body) then reads and discards the rest instead of closing
    // on unread data, which would reset the connection before the client sees the answer.
    const agent = target.protocol === "https:" ? new HttpsAgent({ keepAlive: true, maxSockets: 1 }) : new HttpAgent({ keepAlive: true, maxSockets: 1 });
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;

    return new Promise<Exchange>((resolvePromise, reject) => {
      let settled = false;
      let gotResponse = false;
      const finish = (error: Error | null, exchange?: Exchange): void => {
        if (settled) return;
        settled = true;
        agent.destroy();
        if (error) reject(error);
        else if (exchange) resolvePromise(exchange);
      };
      let req: ReturnType<typeof httpRequest>;
      try {
        req = send({
          protocol: target.protocol,
          hostname: target.hostname.replace(/^\[|\]$/g, ""),
          port: target.port || (target.protocol === "https:" ? 443 : 80),
          method: options.method,
          path: rawPath,
          headers,
          agent,
        });
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      req.setTimeout(timeoutMs, () => {
        req.destroy(new Error(`no response within ${timeoutMs} ms`));
      });
      req.on("error", (error) => {
        // A registry may answer early (413, 400) and close while the body is still going out:
        // the response already received is what counts.
        if (gotResponse) return;
        const code = (error as NodeJS.ErrnoException).code;
        const hint = code === "EPIPE" || code === "ECONNRESET" ? " (the registry closed the connection before sending a response)" : "";
        finish(new Error(`${options.method} ${rawPath}: ${error.message}${hint}`));
      });
      req.on("response", (res: IncomingMessage) => {
        gotResponse = true;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_BODY) chunks.push(chunk);
        });
        const done = (truncated: boolean): void => {
          const rawHeaders: [string, string][] = [];
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
            rawHeaders.push([(res.rawHeaders[i] ?? "").toLowerCase(), res.rawHeaders[i + 1] ?? ""]);
          }
          const merged: Record<string, string> = {};
          for (const [name, value] of rawHeaders) merged[name] = name in merged ? `${merged[name]}, ${value}` : value;
          finish(null, {
            method: options.method,
            target: isAbsolute ? options.path : rawPath,
            requestHeaders,
            requestBodyLength: bodyBytes ? bodyBytes.length : body === undefined ? 0 : null,
            status: res.statusCode ?? 0,
            headers: merged,
            rawHeaders,
            body: Buffer.concat(chunks),
            truncated,
          });
        };
        res.on("end", () => done(!res.complete));
        // A body cut short (fewer bytes than Content-Length) still leaves a status worth reporting.
        res.on("error", () => done(true));
        res.on("aborted", () => done(true));
        res.on("close", () => done(!res.complete));
      });

      if (bodyBytes) {
        req.end(bodyBytes);
      } else if (body !== undefined && typeof body !== "string") {
        void (async () => {
          try {
            for await (const chunk of body) {
              if (req.destroyed) return;
              if (!req.write(chunk)) await new Promise<void>((r) => req.once("drain", () => r()));
            }
            req.end();
          } catch (error) {
            req.destroy(error instanceof Error ? error : new Error(String(error)));
          }
        })();
      } else {
        req.end();
      }
    });
  }
}

/** "PUT /v2/x/…?digest=… (Content-Type: …, 12 bytes)": how a request is shown in a failure. */
export function describeRequest(exchange: Exchange): string {
  const shown = Object.entries(exchange.requestHeaders)
    .filter(([name]) => !/^authorization$/i.test(name))
    .map(([name, value]) => `${name}: ${value.length > 80 ? `${value.slice(0, 77)}...` : value}`);
  const bodyNote =
    exchange.requestBodyLength === null ? "streamed body" : exchange.requestBodyLength > 0 ? `${exchange.requestBodyLength} bytes` : "";
  const extras = [...shown, ...(bodyNote ? [bodyNote] : [])];
  const target = exchange.target.length > 300 ? `${exchange.target.slice(0, 297)}...` : exchange.target;
  return `${exchange.method} ${target}${extras.length ? ` (${extras.join(", ")})` : ""}`;
}

/** "404 {"errors":[…]}" with the interesting headers: how a response is shown in a failure. */
export function describeResponse(exchange: Exchange, headerNames: string[] = []): string {
  const headers = headerNames
    .map((name) => name.toLowerCase())
    .map((name) => `${name}: ${exchange.headers[name] ?? "(absent)"}`);
  let text = "";
  if (exchange.body.length > 0) {
    const contentType = exchange.headers["content-type"] ?? "";
    const printable = /json|text|xml/.test(contentType) || isMostlyText(exchange.body);
    text = printable ? exchange.body.subarray(0, 400).toString("utf8").replace(/\s+/g, " ").trim() : `<${exchange.body.length} bytes>`;
    if (printable && exchange.body.length > 400) text += "...";
  }
  const cut = exchange.truncated ? "(connection closed before the body was complete)" : "";
  return [String(exchange.status), headers.length ? `[${headers.join("; ")}]` : "", text, cut].filter(Boolean).join(" ");
}

function isMostlyText(body: Buffer): boolean {
  const sample = body.subarray(0, 200);
  let printable = 0;
  for (const byte of sample) if (byte === 9 || byte === 10 || byte === 13 || (byte >= 32 && byte < 127)) printable++;
  return printable >= sample.length * 0.95;
}

/** Parses the target of a Link header with rel="next" (RFC 8288), or null. */
export function nextLink(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>\s*(.*)$/.exec(part);
    if (!match) continue;
    const params = match[2] ?? "";
    if (/(^|;)\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(params)) return match[1] ?? null;
  }
  return null;
}
