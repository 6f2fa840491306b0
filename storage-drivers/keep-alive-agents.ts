/**
 * The keep-alive agents every storage driver's HTTP client uses, with one addition: each socket
 * carries an 'error' listener of its own.
 *
 * Node's HTTP client leaves a kept-alive socket without one for a moment: when a store answers a
 * request in full before its body is written (S3's 503 SlowDown to an UploadPart, before reading
 * the part) and then drops the connection, the last write fails after the answer. Node finishes
 * the request, takes its listener off the socket to pool it, and only then emits the write's error,
 * which nothing handles: the process dies (`write EPIPE` or `write ECONNRESET` on a Socket; see
 * the TODOs in Node's lib/_http_agent.js and lib/_http_client.js). The request has its answer by
 * then and the socket is destroyed anyway, so the error has nothing left to fail.
 */
import http from "node:http";
import https from "node:https";
import type { Duplex } from "node:stream";

function ignore(): void {}

function guarded(socket: Duplex | null | undefined): Duplex | null | undefined {
  socket?.on("error", ignore);
  return socket;
}

class GuardedHttpAgent extends http.Agent {
  override createConnection(...args: Parameters<http.Agent["createConnection"]>): ReturnType<http.Agent["createConnection"]> {
    return guarded(super.createConnection(...args));
  }
}

class GuardedHttpsAgent extends https.Agent {
  override createConnection(...args: Parameters<https.Agent["createConnection"]>): ReturnType<https.Agent["createConnection"]> {
    return guarded(super.createConnection(...args));
  }
}

export interface KeepAliveAgents {
  http: http.Agent;
  https: https.Agent;
}

export function keepAliveAgents(options: { maxSockets: number; rejectUnauthorized: boolean }): KeepAliveAgents {
  return {
    http: new GuardedHttpAgent({ keepAlive: true, maxSockets: options.maxSockets }),
    https: new GuardedHttpsAgent({ keepAlive: true, maxSockets: options.maxSockets, rejectUnauthorized: options.rejectUnauthorized }),
  };
}
