/**
 * Counts and times every request by route, method and status, and the bytes that crossed
 * the socket for it (headers and body, both ways); upload sessions are read off the upload
 * routes' answers.
 */
import type { Socket } from "node:net";
import type { NextFunction, Request, Response } from "express";
import type { Metrics, UploadEvent } from "./metrics.js";
import { routeOf } from "./routes.js";

function uploadEvent(handler: string, method: string, status: number): UploadEvent | undefined {
  if (handler === "blob_upload" && method === "POST") return status === 202 ? "started" : undefined;
  if (handler !== "blob_upload_chunk") return undefined;
  if (method === "PUT" && status === 201) return "completed";
  if (method === "DELETE" && status === 204) return "cancelled";
  return undefined;
}

export function httpMetrics(metrics: Metrics, prefix: string) {
  // A connection's byte counters where its previous request ended: a small body arrives with
  // the headers, so "now minus at the start of the request" would miss it.
  const marks = new WeakMap<Socket, { read: number; written: number }>();
  return (req: Request, res: Response, next: NextFunction): void => {
    const handler = routeOf(req.path, prefix);
    const started = process.hrtime.bigint();
    const socket = req.socket;
    metrics.httpInFlight.inc({ handler });
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      metrics.httpInFlight.dec({ handler });
      const labels = { handler, method: req.method, code: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      const mark = marks.get(socket) ?? { read: 0, written: 0 };
      const now = { read: socket.bytesRead, written: socket.bytesWritten };
      metrics.httpReceivedBytes.inc({ handler }, Math.max(0, now.read - mark.read));
      metrics.httpSentBytes.inc({ handler }, Math.max(0, now.written - mark.written));
      marks.set(socket, now);
      // A monolithic POST ?digest= answers 201 (a session started and completed at once); a mount does too.
      if (handler === "blob_upload" && req.method === "POST" && res.statusCode === 201 && req.query.mount === undefined) {
        metrics.uploadSessions.inc({ event: "started" });
        metrics.uploadSessions.inc({ event: "completed" });
      }
      const event = uploadEvent(handler, req.method, res.statusCode);
      if (event) metrics.uploadSessions.inc({ event });
    };
    res.once("finish", finish);
    res.once("close", finish);
    next();
  };
}
