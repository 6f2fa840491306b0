/**
 * One HTTP exchange with Swift or Keystone over node:http(s): keep-alive agents with a socket
 * cap, optional TLS verification bypass (insecureskipverify), an idle timeout, and bodies given
 * as buffers so a failed attempt can be sent again unchanged, or as a LiveBody streamed while it
 * is being produced.
 */
import http, { type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import https from "node:https";
import { keepAliveAgents, type KeepAliveAgents } from "../keep-alive-agents.js";
import { LiveBody } from "./live-body.js";

export interface HttpRequest {
  method: "GET" | "HEAD" | "PUT" | "POST" | "DELETE" | "COPY";
  url: URL;
  headers?: OutgoingHttpHeaders;
  /** Sent as is; several buffers are written one after another without joining them. */
  body?: Buffer | readonly Buffer[] | LiveBody;
}

/** How long a live body waits for `100 Continue` before being sent anyway (RFC 9110 lets a server never send one). */
const CONTINUE_TIMEOUT_MS = 1_000;

export interface HttpOptions {
  insecureSkipVerify: boolean;
  maxSockets: number;
  /** A request whose socket stays silent this long fails (and may be retried). */
  idleTimeoutMs: number;
}

export class HttpTransport {
  private readonly agents: KeepAliveAgents;

  constructor(private readonly options: HttpOptions) {
    this.agents = keepAliveAgents({ maxSockets: options.maxSockets, rejectUnauthorized: !options.insecureSkipVerify });
  }

  /** Resolves once the response head arrives; the caller reads or discards the body. */
  send(request: HttpRequest): Promise<IncomingMessage> {
    const { url, body } = request;
    if (body instanceof LiveBody && body.started) return Promise.reject(new Error(`${request.method} ${url.pathname}: its streamed body was partly sent already and cannot be sent again`));
    const secure = url.protocol === "https:";
    const headers: OutgoingHttpHeaders = { ...request.headers };
    let sendBody: (req: http.ClientRequest) => void;
    if (body instanceof LiveBody) {
      // Chunked, and only once the server agrees: a refusal before the body leaves it unsent, so the request can be retried.
      headers["transfer-encoding"] = "chunked";
      headers.expect = "100-continue";
      sendBody = (req) => sendAfterContinue(req, body);
    } else {
      const parts = body === undefined ? [] : Buffer.isBuffer(body) ? [body] : body;
      if (body !== undefined || request.method === "PUT" || request.method === "POST") headers["content-length"] = parts.reduce((sum, part) => sum + part.length, 0);
      sendBody = (req) => void writeParts(req, parts).catch((error: unknown) => req.destroy(asError(error)));
    }
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(url, { method: request.method, headers, agent: secure ? this.agents.https : this.agents.http }, resolve);
      req.setTimeout(this.options.idleTimeoutMs, () => {
        const error = new Error(`no answer from ${url.host} within ${this.options.idleTimeoutMs} ms`) as NodeJS.ErrnoException;
        error.code = "ETIMEDOUT";
        req.destroy(error);
      });
      req.once("error", reject);
      sendBody(req);
    });
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

/**
 * Sends a live body once the server answers `100 Continue` (or stays silent CONTINUE_TIMEOUT_MS).
 * A final answer before that means the body was refused unsent: the request is closed without it
 * (its socket cannot carry another request) and the body stays free for a retry.
 */
function sendAfterContinue(req: http.ClientRequest, body: LiveBody): void {
  let begun = false;
  const begin = () => {
    if (begun) return;
    begun = true;
    clearTimeout(timer);
    body
      .writeTo(req)
      .then(() => req.end())
      .catch((error: unknown) => req.destroy(asError(error)));
  };
  const timer = setTimeout(begin, CONTINUE_TIMEOUT_MS);
  req.once("continue", begin);
  req.once("response", () => {
    if (begun) return;
    begun = true;
    clearTimeout(timer);
    req.destroy();
  });
  req.once("close", () => clearTimeout(timer));
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Writes the body respecting backpressure, then ends the request. */
async function writeParts(req: http.ClientRequest, parts: readonly Buffer[]): Promise<void> {
  for (const part of parts) {
    if (!req.write(part)) {
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error) => {
          req.off("drain", onDrain);
          reject(error);
        };
        const onDrain = () => {
          req.off("error", onError);
          resolve();
        };
        req.once("drain", onDrain);
        req.once("error", onError);
      });
    }
  }
  req.end();
}

export async function readBody(response: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Reads and drops a body we do not need, so the keep-alive socket can be reused. */
export async function discardBody(response: IncomingMessage): Promise<void> {
  try {
    for await (const _chunk of response) {
      // dropped
    }
  } catch {
    // a broken body of an answer we do not use does not matter
  }
}

export function header(response: IncomingMessage, name: string): string | undefined {
  const value = response.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
