import express from "express";
import { pino } from "pino";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { StorageUnavailableError } from "../../storage-drivers/errors.js";
import { RegistryError } from "../registry/errors.js";
import { toRegistryError } from "../registry/storage-errors.js";
import { errorHandler } from "./errors.js";

/** An app whose one route fails with `error`, and the log lines its error handler writes. */
function failingWith(error: unknown) {
  const lines: { level: number; msg: string; err?: { message: string } }[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const app = express();
  app.get("/v2/x", () => {
    throw error;
  });
  app.use(errorHandler(logger));
  return { app, lines };
}

describe("errorHandler", () => {
  it("answers a storage outage 503 UNAVAILABLE and logs the backend's own error for the operator", async () => {
    const outage = new StorageUnavailableError("s3: CompleteMultipartUpload: 503 SlowDown after 5 attempts", "s3");
    // As the registry throws it: already mapped, deep in an upload.
    const { app, lines } = failingWith(toRegistryError(outage));
    const res = await request(app).get("/v2/x");
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ errors: [{ code: "UNAVAILABLE", message: "storage backend unavailable" }] });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe(40);
    expect(lines[0]!.err?.message).toBe("s3: CompleteMultipartUpload: 503 SlowDown after 5 attempts");
  });

  it("logs nothing for a client's mistake", async () => {
    const { app, lines } = failingWith(new RegistryError("BLOB_UNKNOWN"));
    const res = await request(app).get("/v2/x");
    expect(res.status).toBe(404);
    expect(lines).toHaveLength(0);
  });
});
