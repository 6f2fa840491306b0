/**
 * A repository created by a push gets its settings row (the default visibility) once its first
 * manifest is stored, so changing the default later does not flip repositories people already
 * have. Wraps an access controller: after an authorized manifest PUT answered 201, the row is
 * written if missing.
 */
import type { Request } from "express";
import type { AccessController, Authorization } from "../auth/controller.js";
import type { ResourceAccess } from "../auth/scope.js";
import type { Visibility } from "../metadata/access-records.js";
import type { MetadataStore } from "../metadata/store.js";

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
        req.res?.once("finish", () => {
          if (req.res?.statusCode !== 201) return;
          const settings = { name: pushed.name, visibility: defaultVisibility(), description: "", createdAt: new Date().toISOString() };
          metadata.access.createRepository(settings).catch(onError);
        });
      }
      return authorization;
    },
  };
}
