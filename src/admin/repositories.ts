/**
 * /api/v0/repositories: repository settings and team grants. Names hold slashes, so routes are
 * matched by pattern; `_grants` cannot be a repository name component (they start with a letter
 * or digit). A repository the caller may not pull is "not found".
 *   GET    /repositories?n=&last=&namespace=      those the caller may pull
 *   POST   /repositories                          {name, visibility?, description?}
 *   GET    /repositories/<name>                   {name, namespace, visibility, description}
 *   PATCH  /repositories/<name>                   {visibility?, description?} (repository admins)
 *   GET    /repositories/<name>/_grants           team grants
 *   PUT    /repositories/<name>/_grants/<team>    {level} (owners of the organization)
 *   DELETE /repositories/<name>/_grants/<team>
 */
import { Router, type Request, type Response } from "express";
import { invalid } from "../access/errors.js";
import type { AccessManagement } from "../access/management.js";
import type { GrantLevel, Visibility } from "../metadata/access-records.js";
import { caller, jsonBody, optionalString, pageOf, requiredString } from "./request.js";

type Route = (req: Request, res: Response, match: RegExpExecArray) => Promise<void>;

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw invalid("malformed escape in the path");
  }
}

export function repositoriesRouter(management: AccessManagement): Router {
  const routes: [RegExp, Partial<Record<string, Route>>][] = [
    [
      /^\/?$/,
      {
        GET: async (req, res) => {
          const namespace = typeof req.query.namespace === "string" && req.query.namespace !== "" ? req.query.namespace : undefined;
          res.json({ repositories: await management.listRepositories(caller(res), pageOf(req), namespace) });
        },
        POST: async (req, res) => {
          const body = jsonBody(req);
          const visibility = optionalString(body, "visibility") as Visibility | undefined;
          const description = optionalString(body, "description");
          const created = await management.createRepository(caller(res), {
            name: requiredString(body, "name"),
            ...(visibility !== undefined ? { visibility } : {}),
            ...(description !== undefined ? { description } : {}),
          });
          res.status(201).json(created);
        },
      },
    ],
    [
      /^\/(.+)\/_grants\/([^/]+)$/,
      {
        PUT: async (req, res, match) => {
          const level = requiredString(jsonBody(req), "level") as GrantLevel;
          res.json(await management.putGrant(caller(res), decode(match[1] ?? ""), decode(match[2] ?? ""), level));
        },
        DELETE: async (_req, res, match) => {
          await management.deleteGrant(caller(res), decode(match[1] ?? ""), decode(match[2] ?? ""));
          res.status(204).end();
        },
      },
    ],
    [
      /^\/(.+)\/_grants$/,
      {
        GET: async (_req, res, match) => {
          res.json({ grants: await management.listGrants(caller(res), decode(match[1] ?? "")) });
        },
      },
    ],
    [
      /^\/(.+?)\/?$/,
      {
        GET: async (_req, res, match) => {
          res.json(await management.getRepository(caller(res), decode(match[1] ?? "")));
        },
        PATCH: async (req, res, match) => {
          const body = jsonBody(req);
          const visibility = optionalString(body, "visibility") as Visibility | undefined;
          const description = optionalString(body, "description");
          res.json(
            await management.updateRepository(caller(res), decode(match[1] ?? ""), {
              ...(visibility !== undefined ? { visibility } : {}),
              ...(description !== undefined ? { description } : {}),
            }),
          );
        },
      },
    ],
  ];
  const router = Router();
  router.use("/repositories", async (req, res, next) => {
    for (const [pattern, methods] of routes) {
      const match = pattern.exec(req.path);
      if (!match) continue;
      const route = methods[req.method];
      // Other methods belong to other routers (DELETE of a repository: the trash, src/admin/deleted.ts).
      if (!route) break;
      await route(req, res, match);
      return;
    }
    next();
  });
  return router;
}
