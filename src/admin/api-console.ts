/**
 * The API console at /api/docs (issue 6): Swagger UI (swagger-ui-dist, served from
 * node_modules — no CDN) showing /api/v0/openapi.json, with "try it out" sending same-origin
 * requests. Those carry whatever identifies the browser to the management API: the web
 * portal's session cookie (state-changing calls also get the session's CSRF token, read from
 * GET /api/v0/session before each one), or Basic/Bearer credentials typed into Swagger UI's
 * "Authorize" dialog. Only the files the page uses are served, not the package's demo page.
 */
import { Router } from "express";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** swagger-ui-dist files the console page loads. */
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
  "favicon-16x16.png": "image/png",
};

const SECURITY_HEADERS: Record<string, string> = {
  // Swagger UI sets style attributes, hence 'unsafe-inline' for styles only; scripts are the files below.
  "Content-Security-Policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
};

/** Starts Swagger UI on the page's #swagger-ui element; its data attributes say where the document and the session are. */
const CONSOLE_SCRIPT = `"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  function csrfToken() {
    return fetch(root.dataset.session, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (body) { return body && typeof body.csrfToken === "string" ? body.csrfToken : null; })
      .catch(function () { return null; });
  }
  window.ui = SwaggerUIBundle({
    url: root.dataset.spec,
    domNode: root,
    layout: "BaseLayout",
    presets: [SwaggerUIBundle.presets.apis],
    deepLinking: true,
    withCredentials: true,
    requestInterceptor: function (request) {
      var method = (request.method || "GET").toUpperCase();
      if (method === "GET" || method === "HEAD" || request.url === root.dataset.session) return request;
      return csrfToken().then(function (token) {
        if (token) request.headers["X-Berth-CSRF"] = token;
        return request;
      });
    }
  });
})();
`;

function escapeAttribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

export function consolePage(prefix: string): string {
  const base = escapeAttribute(`${prefix}/api/docs`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Berth API console</title>
<link rel="stylesheet" href="${base}/swagger-ui.css">
<link rel="icon" type="image/png" sizes="32x32" href="${base}/favicon-32x32.png">
<link rel="icon" type="image/png" sizes="16x16" href="${base}/favicon-16x16.png">
</head>
<body>
<main id="swagger-ui" data-spec="${escapeAttribute(`${prefix}/api/v0/openapi.json`)}" data-session="${escapeAttribute(`${prefix}/api/v0/session`)}"></main>
<script src="${base}/swagger-ui-bundle.js"></script>
<script src="${base}/console.js"></script>
</body>
</html>
`;
}

/** The folder of the installed swagger-ui-dist package. */
export function swaggerUiDir(): string {
  return dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
}

export function apiConsole({ prefix }: { prefix: string }): Router {
  const router = Router();
  const dir = swaggerUiDir();
  router.use((_req, res, next) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    next();
  });
  router.get("/", (_req, res) => {
    res.setHeader("Cache-Control", "no-cache");
    res.type("html").send(consolePage(prefix));
  });
  router.get("/console.js", (_req, res) => {
    res.setHeader("Cache-Control", "no-cache");
    res.type("text/javascript; charset=utf-8").send(CONSOLE_SCRIPT);
  });
  for (const [file, type] of Object.entries(ASSETS)) {
    router.get(`/${file}`, (_req, res) => {
      // They change only when the package is upgraded.
      res.setHeader("Cache-Control", "public, max-age=3600");
      res.type(type).sendFile(join(dir, file));
    });
  }
  return router;
}
