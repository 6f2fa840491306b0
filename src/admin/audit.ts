/**
 * Administrators' views and switches:
 *   GET /audit?n=&before=       admin actions, newest first ({id, at, actor, action, target, detail})
 *   GET /settings/access        {createOnPush, defaultVisibility, anonymous}
 *   PUT /settings/access        {createOnPush} (recorded in the audit log)
 */
import { Router } from "express";
import { invalid } from "../access/errors.js";
import type { AccessManagement } from "../access/management.js";
import { CREATE_ON_PUSH_SETTING } from "../access/policy.js";
import type { BerthAuthConfig } from "../config/types.js";
import type { MetadataStore } from "../metadata/store.js";
import { caller, jsonBody, MAX_PAGE } from "./request.js";

export function auditRouter(management: AccessManagement, metadata: MetadataStore, berth: BerthAuthConfig): Router {
  const router = Router();
  router.get("/audit", async (req, res) => {
    const n = typeof req.query.n === "string" ? req.query.n : "100";
    const before = typeof req.query.before === "string" ? req.query.before : undefined;
    if (!/^\d{1,4}$/.test(n) || Number(n) < 1 || Number(n) > MAX_PAGE) throw invalid(`n must be an integer from 1 to ${MAX_PAGE}`);
    if (before !== undefined && !/^\d{1,15}$/.test(before)) throw invalid("before must be an entry id");
    res.json({ entries: await management.listAudit(caller(res), Number(n), before === undefined ? undefined : Number(before)) });
  });
  const accessSettings = async () => {
    const setting = await metadata.settings.get(CREATE_ON_PUSH_SETTING);
    return {
      createOnPush: setting === null ? berth.createonpush : setting === "true",
      defaultVisibility: berth.defaultvisibility,
      anonymous: berth.anonymous,
    };
  };
  router.get("/settings/access", async (_req, res) => {
    res.json(await accessSettings());
  });
  router.put("/settings/access", async (req, res) => {
    const body = jsonBody(req);
    if (typeof body.createOnPush !== "boolean") throw invalid("createOnPush must be true or false");
    await management.recordSetting(caller(res), CREATE_ON_PUSH_SETTING, String(body.createOnPush));
    res.json(await accessSettings());
  });
  return router;
}
