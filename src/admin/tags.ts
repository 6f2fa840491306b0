/**
 * A repository's tags as the portal shows them, and deleting one (a soft delete, restorable
 * from /deleted until a garbage collection):
 *   GET    /repositories/<name>/_tags?n=&last=   {tags: [{name, digest, mediaType, size, platforms, pushedAt, pushedBy}]}
 *                                                (callers who may pull the repository)
 *   DELETE /repositories/<name>/_tags/<tag>      202 with the deleted item (callers who may delete in it)
 */
import { Router, type Request, type Response } from "express";
import { forbidden, invalid } from "../access/errors.js";
import type { AccessManagement } from "../access/management.js";
import type { Config } from "../config/types.js";
import { actorOf } from "../gc/actor.js";
import { mapLimit } from "../gc/map-limit.js";
import { Trash } from "../gc/trash.js";
import { RegistryError } from "../registry/errors.js";
import { checkTag } from "../registry/reference.js";
import type { Registry } from "../registry/registry.js";
import { deletedView } from "./deleted.js";
import { caller, pageOf } from "./request.js";
import { TagDetailsReader, type TagDetails } from "./tag-details.js";

export interface TagsApiDependencies {
  registry: Registry;
  config: Config;
  management: AccessManagement;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw invalid("malformed escape in the path");
  }
}

export function tagsRouter({ registry, config, management }: TagsApiDependencies): Router {
  const router = Router();
  const trash = new Trash(registry.driver, registry.metadata);

  const list = async (req: Request, res: Response, name: string) => {
    await management.getRepository(caller(res), name);
    const page = pageOf(req);
    const names = await registry.metadata.listTags(name, page);
    const pushedBy = async (tag: string) => {
      const [push] = await registry.metadata.activity.list({ limit: 1, kinds: ["push"], repository: name, tag });
      return push ? push.actor || "anonymous" : null;
    };
    const reader = new TagDetailsReader(registry.driver, registry.repository(name), pushedBy);
    const found: (TagDetails | null)[] = new Array(names.length).fill(null);
    await mapLimit(
      names.map((tag, index) => ({ tag, index })),
      8,
      async ({ tag, index }) => {
        found[index] = await reader.read(tag);
      },
    );
    res.json({ tags: found.filter((entry): entry is TagDetails => entry !== null) });
  };

  const remove = async (req: Request, res: Response, name: string, tag: string) => {
    checkTag(tag);
    await management.getRepository(caller(res), name);
    if (!(await caller(res).may(name, "delete"))) throw forbidden(`you may not delete tags of ${name}`);
    if (!config.storage.delete.enabled) throw new RegistryError("UNSUPPORTED", "deletes are disabled on this registry (storage.delete.enabled)", undefined, 405);
    if (config.storage.maintenance.readonly.enabled) {
      throw new RegistryError("UNSUPPORTED", "the registry is in read-only mode (storage.maintenance.readonly)", undefined, 405);
    }
    const events = registry.events.tagDeleted(req, name, tag);
    res.status(202).json(deletedView(await trash.deleteTag(name, tag, actorOf(req), events)));
  };

  router.use("/repositories", async (req, res, next) => {
    const one = /^\/(.+)\/_tags\/([^/]+)$/.exec(req.path);
    if (one && req.method === "DELETE") return remove(req, res, decode(one[1] ?? ""), decode(one[2] ?? ""));
    const all = /^\/(.+)\/_tags\/?$/.exec(req.path);
    if (all && req.method === "GET") return list(req, res, decode(all[1] ?? ""));
    next();
  });
  return router;
}
