/**
 * A small HTTP/1.1 client over node:http for the benchmark: keep-alive connections,
 * request bodies streamed from an iterable with backpressure, response bodies either
 * buffered (small answers) or handed chunk by chunk to a sink (blob pulls).
 * The same client code is used against both registries.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";
import { noteObjectStoreRead } from "../storage-drivers/young-garbage.js";

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body when no sink was given; empty otherwise. */
  body: Buffer;
  /** Bytes of body received (also counted when a sink consumed them). */
  bodyBytes: number;
}

export interface RequestOptions {
  headers?: OutgoingHttpHeaders;
  /**
   * A whole body, or a sequence of buffers streamed with backpressure. For a stream, set
   * Content-Length yourself, or leave it out to send Transfer-Encoding: chunked (as docker does).
   */
  body?: Buffer | string | Iterable<Buffer>;
  /** Receives the response body chunk by chunk instead of buffering it. */
  sink?: (chunk: Buffer) => void;
  signal?: AbortSignal;
}

export class HttpClient {
  readonly base: URL;
  private readonly agent: Agent;

  constructor(baseUrl: string, maxSockets = 64) {
    this.base = new URL(baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  close(): void {
    this.agent.destroy();
  }

  /** `target` is a path ("/v2/...") or an absolute URL on the same server (e.g. a Location header). */
  async request(method: string, target: string, options: RequestOptions = {}): Promise<HttpResponse> {
    const url = new URL(target, this.base);
    const headers: OutgoingHttpHeaders = { ...options.headers };
    const body = options.body;
    if (body === undefined) {
      if (method === "PUT" || method === "POST" || method === "PATCH") headers["content-length"] ??= 0;
    } else if (typeof body === "string" || Buffer.isBuffer(body)) {
      headers["content-length"] = Buffer.byteLength(body);
    }

    return new Promise<HttpResponse>((resolve, reject) => {
      const req = httpRequest(
        url,
        { method, headers, agent: this.agent, ...(options.signal ? { signal: options.signal } : {}) },
        (res) => {
          const parts: Buffer[] = [];
          let bodyBytes = 0;
          res.on("data", (chunk: Buffer) => {
            bodyBytes += chunk.length;
            // Paced young collections, as Berth paces its object-store reads: without them this
            // process ran ~26 full collections per 512 MiB pull and the pull figure measured them.
            noteObjectStoreRead(chunk.length);
            if (options.sink) options.sink(chunk);
            else parts.push(chunk);
          });
          res.once("error", reject);
          res.once("end", () => {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts), bodyBytes });
          });
        },
      );
      req.once("error", reject);
      if (body === undefined || typeof body === "string" || Buffer.isBuffer(body)) {
        req.end(body);
      } else {
        writeStreamed(req, body).then(
          () => req.end(),
          (error: unknown) => {
            req.destroy(error instanceof Error ? error : new Error(String(error)));
            reject(error);
          },
        );
      }
    });
  }
}

async function writeStreamed(req: NodeJS.WritableStream & { destroyed: boolean }, chunks: Iterable<Buffer>): Promise<void> {
  for (const chunk of chunks) {
    if (req.destroyed) return; // the server answered early (or the socket failed); the response says why
    if (!req.write(chunk)) await drainedOrClosed(req);
  }
}

function drainedOrClosed(stream: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
  });
}

/** Throws with the response body when the status is not the expected one. */
export function expectStatus(response: HttpResponse, expected: number | number[], what: string): void {
  const wanted = Array.isArray(expected) ? expected : [expected];
  if (!wanted.includes(response.status)) {
    const text = response.body.toString("utf8").slice(0, 500);
    throw new Error(`${what}: expected HTTP ${wanted.join(" or ")}, got ${response.status}${text ? `: ${text}` : ""}`);
  }
}

/** The single value of a header (the first when repeated). */
export function header(response: HttpResponse, name: string): string | undefined {
  const value = response.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Adds query parameters to a Location (relative or absolute), keeping what it already carries (e.g. `_state`). */
export function withQuery(location: string, params: Record<string, string>): string {
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(location);
  const url = new URL(location, "http://placeholder.invalid");
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return absolute ? url.toString() : `${url.pathname}${url.search}`;
}

/** The target of a `Link: <...>; rel="next"` header, if any. */
export function nextLink(linkHeader: string | undefined): string | undefined {
  if (!linkHeader) return undefined;
  for (const part of linkHeader.split(",")) {
    const match = /<([^>]*)>\s*;\s*rel="?next"?/i.exec(part.trim());
    if (match?.[1] !== undefined) return match[1];
  }
  return undefined;
}
