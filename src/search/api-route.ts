/**
 * GET /api/v0/search?q=&limit=&offset= — repositories the caller may pull whose name,
 * description or a tag matches q, best match first (ranking: src/metadata/search-records.ts).
 * Mounted in the management API behind identifyCaller, open to anonymous callers like
 * GET /repositories.
 */
import { Router } from "express";
import { namespaceOf } from "../access/namespace.js";
import { authorizationOf } from "../auth/controller.js";
import type { Config } from "../config/types.js";
import type { MetadataStore } from "../metadata/store.js";
import { integerParam, termParam } from "./params.js";
import { defaultVisibility, searchRepositories } from "./search.js";

export const MAX_SEARCH_LIMIT = 100;
export const MAX_SEARCH_OFFSET = 100_000;

export function searchApiRouter({ metadata, config }: { metadata: MetadataStore; config: Config }): Router {
  const router = Router();
  router.get("/search", async (req, res) => {
    const term = termParam(req);
    const limit = integerParam(req, "limit", { min: 1, max: MAX_SEARCH_LIMIT, fallback: 25 });
    const offset = integerParam(req, "offset", { min: 0, max: MAX_SEARCH_OFFSET, fallback: 0 });
    const authorization = authorizationOf(res);
    const page = await searchRepositories(metadata, (name) => authorization.listable(name), { term, offset, limit });
    const fallback = defaultVisibility(config);
    res.json({
      query: term,
      total: page.total,
      offset,
      limit,
      results: page.hits.map((hit) => ({
        name: hit.name,
        namespace: namespaceOf(hit.name),
        description: hit.description,
        visibility: hit.visibility ?? fallback,
        match: hit.match,
      })),
    });
  });
  return router;
}
