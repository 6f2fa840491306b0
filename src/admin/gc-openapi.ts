/** The soft-delete and garbage-collection part of the management API's OpenAPI document (merged in openapi.ts). */
type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ "application/json": { schema } });
const ok = (description: string, schema: Schema) => ({ description, content: json(schema) });
const error = (description: string) => ({ description, content: json(ref("Errors")) });
const pathParam = (name: string, description: string) => ({ name, in: "path", required: true, schema: { type: "string" }, description });
const queryParam = (name: string, description: string, schema: Schema = { type: "string" }) => ({ name, in: "query", required: false, schema, description });

const ERRORS = {
  400: error("invalid input"),
  401: error("authentication required"),
  403: error("administrators only"),
};
const NO_SCHEDULER = error("no schedule in this process (only `berth serve` runs one)");

export const GC_SCHEMAS: Record<string, Schema> = {
  GcSchedule: {
    type: "object",
    properties: {
      schedule: { type: "string", description: 'cron, 5 fields or 6 with seconds first ("0 0 0 * * *"); "" when none' },
      source: { type: "string", enum: ["config", "api"] },
      configured: { type: "string", description: "gc.schedule from the config file" },
      nextRun: { type: ["string", "null"], format: "date-time" },
    },
  },
  GcRun: {
    type: "object",
    properties: {
      id: { type: "integer" },
      trigger: { type: "string", enum: ["schedule", "api", "cli"] },
      state: { type: "string", enum: ["running", "succeeded", "failed"] },
      dryRun: { type: "boolean" },
      deleteUntagged: { type: "boolean" },
      graceSeconds: { type: "number" },
      owner: { type: "string" },
      startedAt: { type: "string", format: "date-time" },
      finishedAt: { type: ["string", "null"], format: "date-time" },
      summary: {
        type: ["object", "null"],
        description: "blobsDeleted, bytesFreed, layerLinksDeleted, manifestsDeleted, trashPurged, uploadsPurged, blobsMarked, keptRecent, keptHeld, markMs, sweepMs, durationMs, sample",
      },
      error: { type: ["string", "null"] },
    },
  },
  GcRunRequest: {
    type: "object",
    properties: {
      dryRun: { type: "boolean" },
      deleteUntagged: { type: "boolean", description: "gc.deleteuntagged by default" },
      grace: { type: "string", description: 'a duration like "30m"; gc.grace by default' },
    },
  },
  DeletedItem: {
    type: "object",
    properties: {
      id: { type: "string" },
      kind: { type: "string", enum: ["tag", "manifest", "repository"] },
      repository: { type: "string" },
      tag: { type: ["string", "null"] },
      digest: { type: ["string", "null"] },
      tags: { type: "array", items: { type: "string" } },
      deletedBy: { type: "string" },
      deletedAt: { type: "string", format: "date-time" },
      state: { type: "string", enum: ["deleted", "restoring", "restored", "purging", "purged"] },
      restorable: { type: "boolean" },
      restoredBy: { type: ["string", "null"] },
      changedAt: { type: ["string", "null"], format: "date-time" },
      gcRun: { type: ["integer", "null"] },
    },
  },
};

const ID = pathParam("id", "run id");
const ITEM = pathParam("id", "deleted item id");

export const GC_PATHS: Record<string, Record<string, Schema>> = {
  "/gc/schedule": {
    get: { summary: "The garbage collection schedule in force and its next run", responses: { 200: ok("schedule", ref("GcSchedule")), 401: ERRORS[401], 403: ERRORS[403], 503: NO_SCHEDULER } },
    put: {
      summary: 'Set the schedule at runtime ("" pauses it); kept across restarts',
      requestBody: { required: true, content: json({ type: "object", required: ["schedule"], properties: { schedule: { type: "string" } } }) },
      responses: { 200: ok("schedule", ref("GcSchedule")), ...ERRORS, 503: NO_SCHEDULER },
    },
    delete: { summary: "Go back to the config file's gc.schedule", responses: { 200: ok("schedule", ref("GcSchedule")), 401: ERRORS[401], 403: ERRORS[403], 503: NO_SCHEDULER } },
  },
  "/gc/runs": {
    get: {
      summary: "Collection runs, newest first, with their summaries",
      parameters: [queryParam("n", "page size (1-100, 20 by default)", { type: "integer" }), queryParam("last", "runs older than this id", { type: "integer" })],
      responses: { 200: ok("runs", { type: "object", properties: { runs: { type: "array", items: ref("GcRun") } } }), ...ERRORS },
    },
    post: {
      summary: "Start a collection now (202), or with ?wait=true answer when it is done (200); 409 while another runs",
      parameters: [queryParam("wait", "true: answer when the run is done")],
      requestBody: { required: false, content: json(ref("GcRunRequest")) },
      responses: { 200: ok("finished run", ref("GcRun")), 202: ok("started run", ref("GcRun")), ...ERRORS, 409: error("another collection holds the lease") },
    },
  },
  "/gc/runs/{id}": {
    get: { summary: "One run", parameters: [ID], responses: { 200: ok("run", ref("GcRun")), 401: ERRORS[401], 403: ERRORS[403], 404: error("no such run") } },
  },
  "/gc/preview": {
    post: {
      summary: "A dry run: what a collection would delete, deleting nothing",
      requestBody: { required: false, content: json(ref("GcRunRequest")) },
      responses: { 200: ok("finished dry run", ref("GcRun")), ...ERRORS },
    },
  },
  "/deleted": {
    get: {
      summary: "Soft-deleted tags, manifests and repositories, newest first, with who deleted them and when",
      parameters: [
        queryParam("kind", "tag, manifest or repository"),
        queryParam("repository", "only this repository"),
        queryParam("state", "deleted, restoring, restored, purging or purged"),
        queryParam("n", "page size (1-1000, 100 by default)", { type: "integer" }),
        queryParam("last", "the id of the last item of the previous page"),
      ],
      responses: { 200: ok("items", { type: "object", properties: { items: { type: "array", items: ref("DeletedItem") } } }), ...ERRORS },
    },
  },
  "/deleted/{id}": {
    get: { summary: "One deleted item", parameters: [ITEM], responses: { 200: ok("item", ref("DeletedItem")), 401: ERRORS[401], 403: ERRORS[403], 404: error("no such item") } },
  },
  "/deleted/{id}/restore": {
    post: {
      summary: "Restore a deleted item; refused once a collection removed its content",
      parameters: [ITEM],
      responses: {
        200: ok("restored", ref("DeletedItem")),
        401: ERRORS[401],
        403: ERRORS[403],
        404: error("no such item"),
        409: error("already restored, or the name is taken again"),
        410: error("removed by garbage collection: cannot be restored"),
      },
    },
  },
  "/repositories/{name}": {
    delete: {
      summary:
        "Soft-delete a repository (needs storage.delete.enabled): it leaves the catalog and /v2 at once, restorable until a collection. A repository never pushed (settings only) has nothing to restore: its settings and grants are removed",
      parameters: [pathParam("name", "repository name; it may hold slashes, sent as they are")],
      responses: { 202: ok("deleted", ref("DeletedItem")), 204: { description: "a repository never pushed: its settings and grants removed" }, ...ERRORS, 404: error("no such repository"), 405: error("deletes are disabled") },
    },
  },
};
