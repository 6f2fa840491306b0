/** The portal's files at the root: index.html uncached, hashed assets cached, a strict CSP; registry paths untouched. */
import express from "express";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { testRegistry } from "../../test-support.js";
import { portalStatic } from "./static.js";

function builtPortal(): string {
  const dir = mkdtempSync(join(tmpdir(), "berth-portal-build-"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>Berth</title>");
  writeFileSync(join(dir, "assets", "index-abc123.js"), "console.log(1)");
  return dir;
}

describe("the portal's static files", () => {
  it("serves index.html and assets with security headers", async () => {
    const app = express().use("/", portalStatic(builtPortal()));
    const index = await request(app).get("/").expect(200);
    expect(index.text).toContain("<title>Berth</title>");
    expect(index.headers["cache-control"]).toBe("no-cache");
    expect(index.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(index.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    const asset = await request(app).get("/assets/index-abc123.js").expect(200);
    expect(asset.headers["cache-control"]).toContain("immutable");
    await request(app).get("/assets/missing.js").expect(404);
    await request(app).post("/").expect(404);
  });

  it("says how to build it when it is missing", async () => {
    const app = express().use("/", portalStatic(null));
    const res = await request(app).get("/").expect(404);
    expect(res.text).toContain("npm run build");
  });

  it("leaves /v2 and unknown paths to the registry", async () => {
    const { app } = testRegistry();
    await request(app).get("/v2/").expect(200);
    const unknown = await request(app).get("/nothing-here").expect(404);
    expect(unknown.headers["content-security-policy"]).toBeUndefined();
  });
});
