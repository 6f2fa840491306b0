/**
 * Management API for garbage collection, under /api/v0 (authorization is put in front of it
 * by the caller):
 *   GET    /gc/schedule            the schedule in force, where it comes from, the next run
 *   PUT    /gc/schedule            {"schedule": "0 0 0 * * *"} sets it at runtime ("" pauses)
 *   DELETE /gc/schedule            back to the config file's gc.schedule
 *   POST   /gc/runs[?wait=true]    {"dryRun","deleteUntagged","grace"} starts a run now
 *   POST   /gc/preview             a dry run, answered with its summary when done
 *   GET    /gc/runs?n=&last=       runs, newest first, with their summaries
 *   GET    /gc/runs/:id            one run
 */
import express, { Router, type Request } from "express";
import type { Config } from "../config/types.js";
import { parseGoDuration } from "../config/duration.js";
import { GarbageCollector } from "../gc/collector.js";
import type { GcScheduler } from "../gc/scheduler.js";
import type { GcRun } from "../metadata/gc-records.js";
import { RegistryError } from "../registry/errors.js";
import type { Registry } from "../registry/registry.js";

export interface GcApiDependencies {
  registry: Registry;
  config: Config;
  /** The schedule of `berth serve`; schedule endpoints answer 503 without one. */
  scheduler?: GcScheduler;
}

const MAX_RUNS_PAGE = 100;

function badRequest(message: string, detail?: unknown): RegistryError {
  return new RegistryError("UNSUPPORTED", message, detail, 400);
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function runView(run: GcRun) {
  return {
    id: run.id,
    trigger: run.trigger,
    state: run.state,
    dryRun: run.dryRun,
    deleteUntagged: run.deleteUntagged,
    graceSeconds: run.graceMs / 1000,
    owner: run.owner,
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
    summary: run.summary,
    error: run.error,
  };
}

function body(req: Request): Record<string, unknown> {
  const value: unknown = req.body;
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw badRequest("the body must be a JSON object");
  return value as Record<string, unknown>;
}

function optionalBoolean(input: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = input[key];
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw badRequest(`${key} must be true or false`);
  return value;
}

function graceOf(input: Record<string, unknown>, fallback: number): number {
  const value = input.grace;
  if (value === undefined) return fallback;
  const ms = typeof value === "string" ? parseGoDuration(value) : undefined;
  if (ms === undefined || ms < 0) throw badRequest('grace must be a duration like "30s", "10m" or "1h"');
  return ms;
}

export function gcRouter({ registry, config, scheduler }: GcApiDependencies): Router {
  const router = Router();
  // The serving process's collector (counted in metrics); a standalone one where there is no scheduler.
  const collector = scheduler?.collector ?? new GarbageCollector(registry.driver, registry.metadata);
  router.use("/gc", express.json({ limit: "16kb" }));

  const requireScheduler = (): GcScheduler => {
    if (!scheduler) throw new RegistryError("UNAVAILABLE", "no schedule in this process (only `berth serve` runs one)", undefined, 503);
    return scheduler;
  };

  router.get("/gc/schedule", async (_req, res) => {
    res.json(await requireScheduler().state());
  });

  router.put("/gc/schedule", async (req, res) => {
    const value = body(req).schedule;
    if (typeof value !== "string") throw badRequest('schedule must be a string: a cron expression, or "" for none');
    res.json(await requireScheduler().set(value));
  });

  router.delete("/gc/schedule", async (_req, res) => {
    res.json(await requireScheduler().set(null));
  });

  const start = async (req: Request, forceDry: boolean) => {
    const input = body(req);
    const dryRun = forceDry || optionalBoolean(input, "dryRun", false);
    if (!dryRun && config.storage.maintenance.readonly.enabled) {
      throw new RegistryError("UNSUPPORTED", "the registry is in read-only mode (storage.maintenance.readonly): only dry runs", undefined, 405);
    }
    return collector.start({
      trigger: "api",
      dryRun,
      deleteUntagged: optionalBoolean(input, "deleteUntagged", config.gc.deleteuntagged),
      graceMs: graceOf(input, config.gc.grace),
      uploadAgeMs: config.storage.maintenance.uploadpurging.age,
    });
  };

  router.post("/gc/runs", async (req, res) => {
    const { run, done } = await start(req, false);
    if (req.query.wait === "true" || req.query.wait === "1") {
      res.status(200).json(runView(await done));
      return;
    }
    done.catch(() => undefined);
    res.status(202).setHeader("Location", `${req.baseUrl}/gc/runs/${run.id}`).json(runView(run));
  });

  router.post("/gc/preview", async (req, res) => {
    const { done } = await start(req, true);
    res.json(runView(await done));
  });

  router.get("/gc/runs", async (req, res) => {
    const n = typeof req.query.n === "string" ? Number(req.query.n) : 20;
    const last = typeof req.query.last === "string" ? Number(req.query.last) : undefined;
    if (!Number.isInteger(n) || n < 1 || n > MAX_RUNS_PAGE) throw badRequest(`n must be an integer from 1 to ${MAX_RUNS_PAGE}`);
    if (last !== undefined && !Number.isInteger(last)) throw badRequest("last must be a run id");
    const runs = await registry.metadata.gcRuns.list(n, last);
    res.json({ runs: runs.map(runView) });
  });

  router.get("/gc/runs/:id", async (req, res) => {
    const id = Number(req.params.id);
    const run = Number.isInteger(id) ? await registry.metadata.gcRuns.get(id) : null;
    if (!run) throw new RegistryError("NOT_FOUND", "no garbage collection run with this id", { id: req.params.id.slice(0, 40) });
    res.json(runView(run));
  });

  return router;
}
