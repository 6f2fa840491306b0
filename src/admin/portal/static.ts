/**
 * The web portal's static build (`npm run build` writes it to dist/portal), served at the
 * root. index.html is never cached (it names the current assets); the hashed assets are
 * cached for a year. A strict Content-Security-Policy: the portal runs only its own scripts
 * and talks only to this registry.
 */
import express, { Router } from "express";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { RegistryError } from "../../registry/errors.js";

const HERE = dirname(fileURLToPath(import.meta.url));

/** dist/portal beside the compiled server (dist/src/admin/portal), or from the sources (src/admin/portal). */
export function portalBuildDir(): string | null {
  const candidates = [resolve(HERE, "../../../portal"), resolve(HERE, "../../../dist/portal")];
  return candidates.find((dir) => existsSync(join(dir, "index.html"))) ?? null;
}

const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
};

export function portalStatic(dir: string | null = portalBuildDir()): Router {
  const router = Router();
  router.use((req, res, next) => {
    if (req.method !== "GET" && req.method !== "HEAD") return next();
    if (req.path !== "/" && req.path !== "/index.html" && !req.path.startsWith("/assets/")) return next();
    if (dir === null) throw new RegistryError("NOT_FOUND", "the web portal is not built: run `npm run build`", undefined, 404);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    next();
  });
  if (dir !== null) {
    router.use(
      "/assets",
      express.static(join(dir, "assets"), { immutable: true, maxAge: "365d", index: false, fallthrough: true }),
    );
    router.get(["/", "/index.html"], (_req, res) => {
      res.setHeader("Cache-Control", "no-cache");
      res.sendFile(join(dir, "index.html"));
    });
  }
  return router;
}
