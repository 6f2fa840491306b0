/**
 * One HTTP exchange with Swift or Keystone over node:http(s): keep-alive agents with a socket
 * cap, optional TLS verification bypass (insecureskipverify), an idle timeout, and bodies given
 * as buffers so a failed attempt can be sent again unchanged.
 */
import http, { type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import https from "node:https";

export interface HttpRequest {
  method: "GET" | "HEAD" | "PUT" | "POST" | "DELETE" | "COPY";
  url: URL;
  headers?: OutgoingHttpHeaders;
  /** Sent as is; several buffers are written one after another without joining them. */
  body?: Buffer | readonly Buffer[];
}

export interface HttpOptions {
  insecureSkipVerify: boolean;
  maxSockets: number;
  /** A request whose socket stays silent this long fails (and may be retried). */
  idleTimeoutMs: number;
}

export class HttpTransport {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(private readonly options: HttpOptions) {
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: options.maxSockets, rejectUnauthorized: !options.insecureSkipVerify });
  }

  /** Resolves once the response head arrives; the caller reads or discards the body. */
  send(request: HttpRequest): Promise<IncomingMessage> {
    const { url } = request;
    const secure = url.protocol === "https:";
    const parts = request.body === undefined ? [] : Buffer.isBuffer(request.body) ? [request.body] : request.body;
    const length = parts.reduce((sum, part) => sum + part.length, 0);
    const headers: OutgoingHttpHeaders = { ...request.headers };
    if (request.body !== undefined || request.method === "PUT" || request.method === "POST") headers["content-length"] = length;
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(url, { method: request.method, headers, agent: secure ? this.httpsAgent : this.httpAgent }, resolve);
      req.setTimeout(this.options.idleTimeoutMs, () => {
        const error = new Error(`no answer from ${url.host} within ${this.options.idleTimeoutMs} ms`) as NodeJS.ErrnoException;
        error.code = "ETIMEDOUT";
        req.destroy(error);
      });
      req.once("error", reject);
      writeParts(req, parts).catch((error: unknown) => req.destroy(error instanceof Error ? error : new Error(String(error))));
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
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
