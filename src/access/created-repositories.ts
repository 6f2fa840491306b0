/**
 * A repository created by a push gets its settings row (the default visibility) once its first
 * manifest is stored, so changing the default later does not flip repositories people already
 * have. Wraps an access controller: after an authorized manifest PUT answered 201, the row is
 * written if missing.
 *
 * A row left by a soft-deleted repository (kept for its restore) does not pass to a new
 * repository pushed under the same name: it would make the new one public, or open to a team,
 * because its predecessor was. A manifest PUT that re-creates the name replaces it with fresh
 * settings before anything is stored (so the new content is never judged by the old row); the
 * deleted repository, if restored later, comes back with those fresh (default) settings.
 */
import type { Request } from "express";
import type { AccessController, Authorization } from "../auth/controller.js";
import type { ResourceAccess } from "../auth/scope.js";
import type { RepositorySettings, Visibility } from "../metadata/access-records.js";
import type { MetadataStore } from "../metadata/store.js";
import { unrestoredDelete } from "./presence.js";

/** Replaces the settings a soft-deleted repository left, when a push re-creates its name. */
async function replaceLeftSettings(metadata: MetadataStore, settings: RepositorySettings): Promise<void> {
  if (await metadata.repositoryExists(settings.name)) return;
  const left = await metadata.access.getRepository(settings.name);
  if (!left) return;
  const deleted = await unrestoredDelete(metadata, settings.name);
  if (!deleted || Date.parse(left.createdAt) > deleted.deletedAt) return;
  await metadata.access.deleteRepository(settings.name);
  await metadata.access.createRepository(settings);
}

export function recordingCreatedRepositories(
  controller: AccessController,
  metadata: MetadataStore,
  defaultVisibility: () => Visibility,
  onError: (error: unknown) => void,
): AccessController {
  return {
    authenticate: (req) => controller.authenticate(req),
    async authorize(req: Request, wanted: ResourceAccess[]): Promise<Authorization> {
      const authorization = await controller.authorize(req, wanted);
      const pushed = wanted.find((access) => access.type === "repository" && access.actions.includes("push"));
      if (pushed && req.method === "PUT" && /\/manifests\/[^/]+$/.test(req.path)) {
        const fresh = () => ({ name: pushed.name, visibility: defaultVisibility(), description: "", createdAt: new Date().toISOString() });
        await replaceLeftSettings(metadata, fresh());
        req.res?.once("finish", () => {
          if (req.res?.statusCode !== 201) return;
          metadata.access.createRepository(fresh()).catch(onError);
        });
      }
      return authorization;
    },
  };
}
