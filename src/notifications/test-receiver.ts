/**
 * A webhook receiver for tests: a real HTTP server on loopback that records every envelope
 * and can be told to fail (answer 500, answer too late) or be down.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { EventEnvelope, NotificationEvent } from "./events.js";

export type ReceiverMode = { kind: "ok" } | { kind: "status"; status: number } | { kind: "slow"; delayMs: number };

export interface ReceivedPost {
  headers: IncomingMessage["headers"];
  envelope: EventEnvelope;
  /** What the receiver answered. */
  answered: number;
}

export class TestReceiver {
  readonly posts: ReceivedPost[] = [];
  mode: ReceiverMode = { kind: "ok" };
  private server: Server | null = null;
  port = 0;

  /** Listens on `port` (a free one when 0). */
  async start(port = this.port): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const mode = this.mode;
        const status = mode.kind === "status" ? mode.status : 200;
        this.posts.push({ headers: req.headers, envelope: JSON.parse(Buffer.concat(chunks).toString()) as EventEnvelope, answered: status });
        const answer = () => res.writeHead(status, { "Content-Type": "text/plain" }).end("ok");
        if (mode.kind === "slow") setTimeout(answer, mode.delayMs);
        else answer();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/events`;
  }

  /** Stops listening and drops open connections: the receiver is down. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Every event of every envelope that was answered with success, in arrival order. */
  acknowledged(): NotificationEvent[] {
    return this.posts.filter((post) => post.answered < 400).flatMap((post) => post.envelope.events);
  }

  /** Every event that arrived, answered or not. */
  received(): NotificationEvent[] {
    return this.posts.flatMap((post) => post.envelope.events);
  }

  async waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await predicate())) {
      if (Date.now() > deadline) throw new Error(`receiver: condition not met within ${timeoutMs} ms (${this.posts.length} posts so far)`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
