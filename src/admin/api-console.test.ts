import { statSync } from "node:fs";
import { join } from "node:path";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { securedRegistry } from "../auth/testing.js";
import { swaggerUiDir } from "./api-console.js";

/** The src= and href= values of the page that point at the console's own files. */
function assetsOf(html: string, base: string): string[] {
  return [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? "").filter((url) => url.startsWith(`${base}/`));
}

describe("the API console at /api/docs", () => {
  it("serves Swagger UI's page pointing at the OpenAPI document, and every file it loads, from node_modules", async () => {
    const { app } = await securedRegistry({ REGISTRY_AUTH_BERTH_MODE: "basic" });
    for (const path of ["/api/docs", "/api/docs/"]) {
      const page = await request(app).get(path).expect(200);
      expect(page.headers["content-type"]).toMatch(/^text\/html/);
      expect(page.headers["content-security-policy"]).toMatch(/script-src 'self';/);
      expect(page.text).toContain('data-spec="/api/v0/openapi.json"');
      expect(page.text).toContain('data-session="/api/v0/session"');
      const assets = assetsOf(page.text, "/api/docs");
      expect(assets).toEqual(expect.arrayContaining(["/api/docs/swagger-ui.css", "/api/docs/swagger-ui-bundle.js", "/api/docs/console.js"]));
      for (const asset of assets) {
        const res = await request(app).get(asset).buffer(true).expect(200);
        expect(res.headers["content-type"], asset).toMatch(/^(text\/css|text\/javascript|image\/png)/);
        const file = asset.slice("/api/docs/".length);
        if (file !== "console.js") expect(Number(res.headers["content-length"]), asset).toBe(statSync(join(swaggerUiDir(), file)).size);
      }
    }
    const script = await request(app).get("/api/docs/console.js").expect(200);
    expect(script.text).toContain("SwaggerUIBundle(");
    expect(script.text).toContain("X-Berth-CSRF");
    // The package's demo page and its Petstore initializer are not served.
    for (const path of ["/api/docs/index.html", "/api/docs/swagger-initializer.js", "/api/docs/../package.json"]) {
      expect((await request(app).get(path)).status, path).toBe(404);
    }
    // The document the console shows lists the search endpoint.
    const document = await request(app).get("/api/v0/openapi.json").expect(200);
    expect(Object.keys(document.body.paths)).toContain("/search");
  });

  it("follows http.prefix, and is off with the web UI", async () => {
    const { app } = await securedRegistry({}, (config) => {
      config.http.prefix = "/registry/";
    });
    const page = await request(app).get("/registry/api/docs").expect(200);
    expect(page.text).toContain('data-spec="/registry/api/v0/openapi.json"');
    expect(assetsOf(page.text, "/registry/api/docs")).toContain("/registry/api/docs/swagger-ui-bundle.js");
    await request(app).get("/registry/api/docs/swagger-ui-bundle.js").expect(200);
    const off = await securedRegistry({}, (config) => {
      config.ui.enabled = false;
    });
    await request(off.app).get("/api/docs").expect(404);
  });
});
