/**
 * Test support: an HTTP proxy in front of a real object store (azurite, Swift's s3api) that fails
 * chosen requests the ways a real one does under load (503 ServerBusy/SlowDown, 500, a reset
 * connection, an answer lost after the request landed, a slow answer, a body cut short) and
 * counts what passes, so drivers' retries and server-side copies can be checked against real
 * servers. Error bodies are `<Error><Code>…</Code>…</Error>`, the form Azure and S3 both use.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Fault =
  /** Answer with this status and Azure error code; the request never reaches the service. */
  | { kind: "status"; status: number; code: string }
  /** Drop the connection before forwarding. */
  | { kind: "reset" }
  /** Take the request and never answer (a connection that died silently). */
  | { kind: "hang" }
  /** Forward (the service acts on it), then drop the connection instead of answering. */
  | { kind: "lose-answer" }
  /** Forward, answer the headers and the first `afterBytes` bytes of the body, then drop the connection. */
  | { kind: "cut-body"; afterBytes: number }
  /** Forward after waiting this long (a slow or overloaded service). */
  | { kind: "delay"; ms: number };

interface Rule {
  fault: Fault;
  remaining: number;
  match: (method: string, url: string) => boolean;
}

export interface SeenRequest {
  method: string;
  url: string;
  /** The fault applied, if any. */
  fault?: Fault["kind"];
}

export class FaultProxy {
  readonly seen: SeenRequest[] = [];
  /** Request body bytes that reached the service. */
  bytesForwarded = 0;
  private rules: Rule[] = [];
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(upstream: URL): Promise<FaultProxy> {
    let proxy: FaultProxy | undefined;
    const server = createServer((req, res) => proxy?.handle(upstream, req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    proxy = new FaultProxy(server, (server.address() as AddressInfo).port);
    return proxy;
  }

  /** Applies `fault` to the next `times` requests that match (all by default). */
  inject(fault: Fault, options: { times?: number; match?: (method: string, url: string) => boolean } = {}): void {
    this.rules.push({ fault, remaining: options.times ?? 1, match: options.match ?? (() => true) });
  }

  reset(): void {
    this.rules = [];
    this.seen.length = 0;
    this.bytesForwarded = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private take(method: string, url: string): Fault | undefined {
    const rule = this.rules.find((candidate) => candidate.remaining > 0 && candidate.match(method, url));
    if (!rule) return undefined;
    rule.remaining -= 1;
    return rule.fault;
  }

  private handle(upstream: URL, req: IncomingMessage, res: ServerResponse): void {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const fault = this.take(method, url);
    this.seen.push({ method, url, fault: fault?.kind });
    if (fault?.kind === "reset") {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "hang") {
      req.resume();
      return;
    }
    if (fault?.kind === "status") {
      req.resume();
      const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${fault.code}</Code><Message>injected</Message></Error>`;
      res.writeHead(fault.status, { "content-type": "application/xml", "x-ms-error-code": fault.code, "content-length": Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    if (fault?.kind === "delay") {
      req.pause();
      setTimeout(() => this.forward(upstream, req, res, undefined), fault.ms);
      return;
    }
    this.forward(upstream, req, res, fault);
  }

  private forward(upstream: URL, req: IncomingMessage, res: ServerResponse, fault: Fault | undefined): void {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const forward = request({ host: upstream.hostname, port: upstream.port, method, path: url, headers: req.headers }, (answer) => {
      if (fault?.kind === "lose-answer") {
        answer.resume();
        answer.on("end", () => req.socket.destroy());
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (fault?.kind !== "cut-body") {
        answer.pipe(res);
        return;
      }
      let sent = 0;
      answer.on("data", (chunk: Buffer) => {
        if (sent >= fault.afterBytes) return;
        const part = chunk.subarray(0, fault.afterBytes - sent);
        sent += part.length;
        res.write(part);
        if (sent >= fault.afterBytes) {
          answer.destroy();
          req.socket.destroy();
        }
      });
      // A body shorter than the cut arrives whole.
      answer.on("end", () => res.end());
    });
    forward.on("error", () => req.socket.destroy());
    req.on("data", (chunk: Buffer) => {
      this.bytesForwarded += chunk.length;
    });
    req.pipe(forward);
  }
}
