/**
 * Docker's registry v1 search, which `docker search <host:port>/<term>` still uses:
 *   GET /v1/_ping                 dockerd pings it (HTTPS first, then HTTP for insecure registries)
 *   GET /v1/search?q=&n=&page=    Docker Hub's answer shape: num_results, num_pages, page,
 *                                 page_size, query, results [{name, description, star_count,
 *                                 is_official, is_automated}]
 * How dockerd authenticates (moby registry/search.go): with an identity token from
 * `docker login` (Berth's token service hands out refresh tokens) it gets a Bearer token for
 * `registry:catalog:search` from the realm /v2/ challenges with; with a stored password it sends
 * Basic credentials; logged out, nothing — or, over HTTPS to a "standalone" registry, Basic with
 * an empty user and password, which counts as anonymous here. The caller is identified as on
 * the management API, and sees what the catalog would show them (src/search/search.ts).
 * Names are relative to the registry, as Docker Hub's are (podman prefixes the registry itself).
 */
import { Router, type NextFunction, type Request, type Response } from "express";
import type { AccessController } from "../auth/controller.js";
import { authorizationOf } from "../auth/controller.js";
import { presentedCredentials } from "../auth/credentials.js";
import { identifyCaller } from "../auth/middleware.js";
import type { MetadataStore } from "../metadata/store.js";
import { namespaceOf } from "../access/namespace.js";
import { integerParam, termParam } from "./params.js";
import { searchRepositories } from "./search.js";

export const MAX_PAGE_SIZE = 100;
const MAX_PAGE = 10_000;

export interface DockerSearchResult {
  name: string;
  description: string;
  /** Berth keeps no stars. */
  star_count: number;
  /** Top-level repositories (no namespace), like Docker Hub's official library images: only registry-wide read-write users and administrators can create them. */
  is_official: boolean;
  is_automated: boolean;
}

export interface DockerSearchResults {
  num_results: number;
  num_pages: number;
  page: number;
  page_size: number;
  query: string;
  results: DockerSearchResult[];
}

/** `Authorization: Basic Og==` (empty user and password) is how dockerd says "nobody" over HTTPS. */
function dropEmptyBasic(req: Request, _res: Response, next: NextFunction): void {
  const credentials = presentedCredentials(req.headers);
  if (credentials.kind === "basic" && credentials.user === "" && credentials.password === "") delete req.headers.authorization;
  next();
}

export function dockerSearchRouter({ controller, metadata }: { controller: AccessController; metadata: MetadataStore }): Router {
  const router = Router();
  router.get("/_ping", (_req, res) => {
    res.setHeader("X-Docker-Registry-Standalone", "true");
    res.json({});
  });
  router.get("/search", dropEmptyBasic, identifyCaller(controller), async (req, res) => {
    const term = termParam(req);
    const pageSize = integerParam(req, "n", { min: 1, max: MAX_PAGE_SIZE, fallback: 25 });
    const page = integerParam(req, "page", { min: 1, max: MAX_PAGE, fallback: 1 });
    const authorization = authorizationOf(res);
    const found = await searchRepositories(metadata, (name) => authorization.listable(name), { term, offset: (page - 1) * pageSize, limit: pageSize });
    const body: DockerSearchResults = {
      num_results: found.total,
      num_pages: Math.ceil(found.total / pageSize),
      page,
      page_size: pageSize,
      query: term,
      results: found.hits.map((hit) => ({
        name: hit.name,
        description: hit.description,
        star_count: 0,
        is_official: namespaceOf(hit.name) === null,
        is_automated: false,
      })),
    };
    res.json(body);
  });
  return router;
}
