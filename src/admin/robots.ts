/**
 * /api/v0/robots: CI robot tokens (administrators, and owners of the organization they reach).
 *   GET    /robots                 list (never the secrets)
 *   POST   /robots                 {name, scope: {kind: repository|namespace, name}, access: pull|push, expiresIn?}
 *                                  → {robot, secret}: the secret is shown this once
 *   DELETE /robots/:name           revoke (its tokens stop working at once)
 */
import { Router } from "express";
import { invalid } from "../access/errors.js";
import type { AccessManagement } from "../access/management.js";
import { caller, jsonBody, requiredString } from "./request.js";

export function robotsRouter(management: AccessManagement): Router {
  const router = Router();
  router.get("/robots", async (_req, res) => {
    res.json({ robots: await management.listRobots(caller(res)) });
  });
  router.post("/robots", async (req, res) => {
    const body = jsonBody(req);
    const scope = body.scope as { kind?: unknown; name?: unknown } | undefined;
    if (typeof scope !== "object" || scope === null || typeof scope.name !== "string") throw invalid("scope must be {kind, name}");
    if (scope.kind !== "repository" && scope.kind !== "namespace") throw invalid('scope.kind must be "repository" or "namespace"');
    const access = requiredString(body, "access");
    if (access !== "pull" && access !== "push") throw invalid('access must be "pull" or "push"');
    if (body.expiresIn !== undefined && typeof body.expiresIn !== "number") throw invalid("expiresIn must be a number of seconds");
    const created = await management.createRobot(caller(res), {
      name: requiredString(body, "name"),
      scope: { kind: scope.kind, name: scope.name },
      access,
      ...(typeof body.expiresIn === "number" ? { expiresIn: body.expiresIn } : {}),
    });
    res.status(201).json(created);
  });
  router.delete("/robots/:name", async (req, res) => {
    res.json(await management.revokeRobot(caller(res), req.params.name));
  });
  return router;
}
