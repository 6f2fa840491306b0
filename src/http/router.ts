/**
 * The /v2 dispatcher. Repository names contain slashes, so routes are matched here by
 * pattern (uploads before blobs) rather than by Express path syntax.
 */
import type { NextFunction, Request, Response } from "express";
import type { Config } from "../config/types.js";
import { RegistryError } from "../registry/errors.js";
import type { Registry } from "../registry/registry.js";
import { deleteBlob, getBlob } from "./blobs.js";
import { getCatalog } from "./catalog.js";
import type { Handler } from "./context.js";
import { deleteManifest, getManifest, putManifest } from "./manifests.js";
import { getReferrers } from "./referrers.js";
import { getTags } from "./tags.js";
import { cancelUpload, completeUpload, getUploadStatus, patchUpload, startUpload } from "./uploads.js";

interface Route {
  pattern: RegExp;
  params: string[];
  methods: Partial<Record<string, Handler>>;
}

const getBase: Handler = async ({ res }) => {
  res.json({});
};

const ROUTES: Route[] = [
  { pattern: /^\/$/, params: [], methods: { GET: getBase, HEAD: getBase } },
  { pattern: /^\/_catalog$/, params: [], methods: { GET: getCatalog } },
  { pattern: /^\/(.+)\/tags\/list$/, params: ["name"], methods: { GET: getTags } },
  {
    pattern: /^\/(.+)\/manifests\/([^/]+)$/,
    params: ["name", "reference"],
    methods: { GET: getManifest, HEAD: getManifest, PUT: putManifest, DELETE: deleteManifest },
  },
  { pattern: /^\/(.+)\/blobs\/uploads\/?$/, params: ["name"], methods: { POST: startUpload } },
  {
    pattern: /^\/(.+)\/blobs\/uploads\/([^/]+)$/,
    params: ["name", "uuid"],
    methods: { GET: getUploadStatus, PATCH: patchUpload, PUT: completeUpload, DELETE: cancelUpload },
  },
  { pattern: /^\/(.+)\/blobs\/([^/]+)$/, params: ["name", "digest"], methods: { GET: getBlob, HEAD: getBlob, DELETE: deleteBlob } },
  { pattern: /^\/(.+)\/referrers\/([^/]+)$/, params: ["name", "digest"], methods: { GET: getReferrers } },
];

/**
 * Decodes a path parameter; a malformed escape, an escaped "/" (which would smuggle a path
 * separator into a name) or a NUL makes it invalid, never a 500.
 */
function decode(value: string): string {
  if (/%2f/i.test(value)) return "\u0000";
  try {
    return decodeURIComponent(value);
  } catch {
    return "\u0000";
  }
}

export function v2Router(registry: Registry, config: Config) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    // req.path is still percent-encoded; an encoded "/" stays inside one segment.
    const path = req.path;
    for (const route of ROUTES) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      const handler = route.methods[req.method];
      if (!handler) {
        res.setHeader("Allow", Object.keys(route.methods).join(", "));
        throw new RegistryError("UNSUPPORTED", `method ${req.method} not allowed here`, undefined, 405);
      }
      if (config.storage.maintenance.readonly.enabled && req.method !== "GET" && req.method !== "HEAD") {
        throw new RegistryError("UNSUPPORTED", "the registry is in read-only mode (storage.maintenance.readonly)", undefined, 405);
      }
      const params: Record<string, string> = {};
      route.params.forEach((key, index) => (params[key] = decode(match[index + 1] ?? "")));
      await handler({ req, res, registry, config, params });
      return;
    }
    next();
  };
}
