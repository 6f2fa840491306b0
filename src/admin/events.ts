/**
 * The portal's event log (administrators; mounted behind requireAdmin): the activity log
 * (pushes, pulls, deletes, restores) and the audit log (sign-ins, administrators' actions)
 * as one list, newest first.
 *   GET /events?kind=&actor=&repository=&n=&before=
 *     kind: push | pull | delete | restore | login | admin (all when absent)
 *     → {events: [{id, at, kind, actor, repository, tag, digest, address, action, target, detail}], next}
 *     next: the `before` of the following page, null at the end
 * The two logs are paged by their own ids; `before` carries both ("<activity id>.<audit id>").
 */
import { Router } from "express";
import { invalid } from "../access/errors.js";
import type { AuditEntry } from "../metadata/access-records.js";
import { ACTIVITY_KINDS, type ActivityEntry, type ActivityKind } from "../metadata/activity-records.js";
import type { MetadataStore } from "../metadata/store.js";

type EventKind = ActivityKind | "login" | "admin";
const KINDS: readonly EventKind[] = [...ACTIVITY_KINDS, "login", "admin"];
const MAX_PAGE = 200;
/** Audit entries read per page at most when a filter leaves few of them. */
const MAX_AUDIT_SCAN = 5000;
const AUDIT_BATCH = 200;
/** A source with nothing left: ids are positive. */
const EXHAUSTED = 0;

export interface EventView {
  id: string;
  at: string;
  kind: EventKind;
  actor: string;
  repository: string | null;
  tag: string | null;
  digest: string | null;
  address: string | null;
  /** The audit log's action (e.g. "repository.create"); the kind for activity. */
  action: string;
  target: string;
  detail: Record<string, unknown> | null;
}

/** Portal sign-ins and sign-outs, and `docker login` through the token service. */
function auditKind(entry: AuditEntry): EventKind {
  return entry.action.startsWith("portal.sign") || entry.action === "registry.login" ? "login" : "admin";
}

function fromActivity(entry: ActivityEntry): EventView {
  const target = entry.tag ? `${entry.repository}:${entry.tag}` : entry.digest ? `${entry.repository}@${entry.digest}` : entry.repository;
  return { id: `a${entry.id}`, at: entry.at, kind: entry.kind, actor: entry.actor, repository: entry.repository, tag: entry.tag, digest: entry.digest, address: entry.address, action: entry.kind, target, detail: null };
}

function fromAudit(entry: AuditEntry): EventView {
  const address = typeof entry.detail?.address === "string" ? entry.detail.address : null;
  return { id: `u${entry.id}`, at: entry.at, kind: auditKind(entry), actor: entry.actor, repository: null, tag: null, digest: null, address, action: entry.action, target: entry.target, detail: entry.detail };
}

function parseCursor(value: unknown): { activity?: number; audit?: number } {
  if (value === undefined || value === "") return {};
  if (typeof value !== "string" || !/^\d{0,15}\.\d{0,15}$/.test(value)) throw invalid("before must be the next value of a previous page");
  const [activity = "", audit = ""] = value.split(".");
  return { ...(activity !== "" ? { activity: Number(activity) } : {}), ...(audit !== "" ? { audit: Number(audit) } : {}) };
}

function text(value: unknown, key: string): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (typeof value !== "string" || value.length > 300) throw invalid(`${key} must be a string`);
  return value;
}

export function eventsRouter(metadata: MetadataStore): Router {
  const router = Router();
  router.get("/events", async (req, res) => {
    const kindValue = text(req.query.kind, "kind");
    if (kindValue !== undefined && !KINDS.includes(kindValue as EventKind)) throw invalid(`kind must be one of ${KINDS.join(", ")}`);
    const kind = kindValue as EventKind | undefined;
    const actor = text(req.query.actor, "actor");
    const repository = text(req.query.repository, "repository");
    const nValue = text(req.query.n, "n") ?? "50";
    if (!/^\d{1,3}$/.test(nValue) || Number(nValue) < 1 || Number(nValue) > MAX_PAGE) throw invalid(`n must be an integer from 1 to ${MAX_PAGE}`);
    const n = Number(nValue);
    const cursor = parseCursor(req.query.before);

    const wantsActivity = (kind === undefined || (ACTIVITY_KINDS as readonly string[]).includes(kind)) && cursor.activity !== EXHAUSTED;
    const activity = wantsActivity
      ? await metadata.activity.list({
          limit: n,
          ...(cursor.activity !== undefined ? { before: cursor.activity } : {}),
          ...(kind ? { kinds: [kind as ActivityKind] } : {}),
          ...(actor !== undefined ? { actor } : {}),
          ...(repository !== undefined ? { repository } : {}),
        })
      : [];

    // The audit log has no filters of its own: read it in batches, keeping what matches.
    const wantsAudit = (kind === undefined || kind === "login" || kind === "admin") && cursor.audit !== EXHAUSTED;
    const audit: AuditEntry[] = [];
    let auditScannedTo = cursor.audit;
    let auditEnded = !wantsAudit;
    const matches = (entry: AuditEntry) =>
      (kind === undefined || auditKind(entry) === kind) &&
      (actor === undefined || entry.actor === actor) &&
      (repository === undefined || entry.target === repository || entry.detail?.repository === repository);
    for (let scanned = 0; wantsAudit && audit.length < n && scanned < MAX_AUDIT_SCAN; scanned += AUDIT_BATCH) {
      const batch = await metadata.access.listAudit(AUDIT_BATCH, auditScannedTo);
      for (const entry of batch) {
        if (audit.length >= n) break;
        auditScannedTo = entry.id;
        if (matches(entry)) audit.push(entry);
      }
      if (batch.length < AUDIT_BATCH && audit.length < n) {
        auditEnded = true;
        break;
      }
    }

    const merged = [...activity.map(fromActivity), ...audit.map(fromAudit)].sort((a, b) => (a.at === b.at ? b.id.localeCompare(a.id) : a.at < b.at ? 1 : -1));
    const page = merged.slice(0, n);
    // Where each source goes on from: after its oldest entry shown, or where it was when none was shown.
    const shown = (prefix: string) => page.filter((event) => event.id.startsWith(prefix)).map((event) => Number(event.id.slice(1)));
    const nextFor = (ids: number[], allTaken: boolean, ended: boolean, before: number | undefined, scannedTo?: number): number | undefined => {
      if (allTaken && ended) return EXHAUSTED;
      if (allTaken) return scannedTo ?? (ids.length > 0 ? Math.min(...ids) : before);
      return ids.length > 0 ? Math.min(...ids) : before;
    };
    const activityIds = shown("a");
    const auditIds = shown("u");
    const nextActivity = wantsActivity ? nextFor(activityIds, activityIds.length === activity.length, activity.length < n, cursor.activity) : EXHAUSTED;
    const nextAudit = wantsAudit ? nextFor(auditIds, auditIds.length === audit.length, auditEnded, cursor.audit, auditScannedTo) : EXHAUSTED;
    const next = nextActivity === EXHAUSTED && nextAudit === EXHAUSTED ? null : `${nextActivity ?? ""}.${nextAudit ?? ""}`;
    res.json({ events: page, next });
  });
  return router;
}
