/**
 * Management API for soft deletes, under /api/v0 (authorization is put in front of it by the
 * caller):
 *   GET    /deleted?kind=&repository=&state=&n=&last=   deleted tags, manifests, repositories,
 *                                                       newest first, with who and when
 *   GET    /deleted/:id                                 one of them
 *   POST   /deleted/:id/restore                         restores it (410 once collected)
 *   DELETE /repositories/<name>                         soft-deletes a whole repository; one that
 *                                                       was never pushed (settings only, made through
 *                                                       the API) has nothing to restore: its settings
 *                                                       and grants are removed (204)
 */
import { Router } from "express";
import { repositoryPresent } from "../access/presence.js";
import type { Config } from "../config/types.js";
import { actorOf } from "../gc/actor.js";
import { Trash } from "../gc/trash.js";
import { activityEntry } from "./activity-recorder.js";
import type { DeletedItem, DeletedKind, DeletedState } from "../metadata/gc-records.js";
import type { MetadataStore } from "../metadata/store.js";
import { RegistryError } from "../registry/errors.js";
import { checkName } from "../registry/reference.js";
import type { Registry } from "../registry/registry.js";

export interface DeletedApiDependencies {
  registry: Registry;
  config: Config;
}

const KINDS: readonly DeletedKind[] = ["tag", "manifest", "repository"];
const STATES: readonly DeletedState[] = ["deleted", "restoring", "restored", "purging", "purged"];
const MAX_PAGE = 1000;

function badRequest(message: string): RegistryError {
  return new RegistryError("UNSUPPORTED", message, undefined, 400);
}

export function deletedView(item: DeletedItem) {
  return {
    id: item.id,
    kind: item.kind,
    repository: item.repository,
    tag: item.tag,
    digest: item.digest,
    tags: item.tags,
    deletedBy: item.deletedBy,
    deletedAt: new Date(item.deletedAt).toISOString(),
    state: item.state,
    restorable: item.state === "deleted" || item.state === "restoring",
    restoredBy: item.restoredBy,
    changedAt: item.changedAt === null ? null : new Date(item.changedAt).toISOString(),
    gcRun: item.gcRun,
  };
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], key: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) throw badRequest(`${key} must be one of ${allowed.join(", ")}`);
  return value as T;
}

/** A repository known by its settings alone (not a soft-deleted one, whose settings wait for a restore): removed for good. */
async function deleteSettingsOnly(metadata: MetadataStore, name: string, actor: string): Promise<boolean> {
  if (!(await repositoryPresent(metadata, name, await metadata.access.getRepository(name)))) return false;
  if (!(await metadata.access.deleteRepository(name))) return false;
  await metadata.access.addAudit({ at: new Date().toISOString(), actor, action: "repository.delete", target: name, detail: { settingsOnly: true } });
  return true;
}

export function deletedRouter({ registry, config }: DeletedApiDependencies): Router {
  const router = Router();
  const trash = new Trash(registry.driver, registry.metadata);

  router.get("/deleted", async (req, res) => {
    const kind = oneOf(req.query.kind, KINDS, "kind");
    const state = oneOf(req.query.state, STATES, "state");
    const n = typeof req.query.n === "string" ? Number(req.query.n) : 100;
    if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) throw badRequest(`n must be an integer from 1 to ${MAX_PAGE}`);
    const repository = typeof req.query.repository === "string" ? req.query.repository : undefined;
    const last = typeof req.query.last === "string" ? req.query.last : undefined;
    const items = await registry.metadata.deleted.list({
      limit: n,
      ...(kind ? { kind } : {}),
      ...(state ? { states: [state] } : {}),
      ...(repository !== undefined ? { repository } : {}),
      ...(last !== undefined ? { before: last } : {}),
    });
    res.json({ items: items.map(deletedView) });
  });

  router.get("/deleted/:id", async (req, res) => {
    const item = await registry.metadata.deleted.get(req.params.id);
    if (!item) throw new RegistryError("NOT_FOUND", "no deleted item with this id", { id: req.params.id.slice(0, 80) });
    res.json(deletedView(item));
  });

  router.post("/deleted/:id/restore", async (req, res) => {
    if (config.storage.maintenance.readonly.enabled) {
      throw new RegistryError("UNSUPPORTED", "the registry is in read-only mode (storage.maintenance.readonly)", undefined, 405);
    }
    const restored = await trash.restore(req.params.id, actorOf(req));
    await registry.metadata.activity.record([activityEntry(req, "restore", restored.repository, restored.tag, restored.digest)]);
    res.json(deletedView(restored));
  });

  router.delete("/repositories/*name", async (req, res) => {
    const segments = (req.params as { name?: string[] }).name ?? [];
    const name = checkName(segments.join("/"));
    if (!config.storage.delete.enabled) throw new RegistryError("UNSUPPORTED", "deletes are disabled on this registry (storage.delete.enabled)", undefined, 405);
    if (config.storage.maintenance.readonly.enabled) {
      throw new RegistryError("UNSUPPORTED", "the registry is in read-only mode (storage.maintenance.readonly)", undefined, 405);
    }
    let deleted: DeletedItem;
    try {
      deleted = await trash.deleteRepository(name, actorOf(req));
    } catch (error) {
      if (!(error instanceof RegistryError && error.code === "NAME_UNKNOWN") || !(await deleteSettingsOnly(registry.metadata, name, actorOf(req)))) throw error;
      res.status(204).end();
      return;
    }
    await registry.metadata.activity.record([activityEntry(req, "delete", name, null, null)]);
    res.status(202).json(deletedView(deleted));
  });

  return router;
}
