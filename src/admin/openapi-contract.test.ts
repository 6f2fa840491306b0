/**
 * The management API's OpenAPI document as a contract: the document is valid OpenAPI 3.1, and every
 * documented operation, called for real on a seeded registry, answers with a documented status and a
 * JSON body that validates against the documented schema of that status, with no field the schema does not name.
 * POST /ldap/sync is called only where no ldap section is configured (its 404); its 200 is tested in e2e with slapd.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { Express } from "express";
import { pino } from "pino";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDriver } from "../../storage-drivers/index.js";
import { createApp } from "../app.js";
import { hashPassword } from "../auth/passwords.js";
import { basicAuth, securedRegistry } from "../auth/testing.js";
import { loadConfig } from "../config/index.js";
import { GarbageCollector } from "../gc/collector.js";
import { GcScheduler } from "../gc/scheduler.js";
import { SqliteMetadataStore } from "../metadata/sqlite.js";
import { Registry } from "../registry/registry.js";
import { pushImage } from "../test-support.js";
import { documentedOperations, openApiDocument } from "./openapi.js";

type Json = Record<string, unknown>;
type Method = "get" | "post" | "put" | "patch" | "delete";

const DOCUMENT_ID = "https://berth.test/openapi.json";
const document = openApiDocument("http://berth.test/api/v0");
const paths = document.paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Json }> }> }>>;

/**
 * The schema with every object that lists its properties closed (additionalProperties: false), so that a
 * field the handler sends but the document does not name fails too. Objects without listed properties stay open.
 */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== "object") return schema;
  const copy: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    copy[key] = key === "properties" ? Object.fromEntries(Object.entries(value as Json).map(([name, property]) => [name, closed(property)])) : closed(value);
  }
  if ("properties" in copy) copy.additionalProperties = false;
  return copy;
}

// Response schemas refer to "#/components/schemas/…": point those at the whole document, added to ajv once.
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ $id: DOCUMENT_ID, components: closed(document.components) as Json });
const compiled = new Map<string, ValidateFunction>();

function responseValidator(operation: string, status: string, schema: Json): ValidateFunction {
  const key = `${operation} ${status}`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(closed(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${DOCUMENT_ID}#/components/`))) as Json);
    compiled.set(key, validate);
  }
  return validate;
}

/** Operations called (e.g. "GET /users/{user}") and the statuses they answered. */
const called = new Map<string, Set<number>>();

/**
 * Calls a documented operation and checks the answer against the document: a documented status, and a
 * body that validates against that status's JSON schema (or no body where none is documented).
 */
async function call(
  method: Method,
  template: string,
  options: { app?: Express; values?: Record<string, string>; query?: Record<string, string>; body?: Json; auth?: string | null; cookie?: string; csrf?: string; status?: number } = {},
): Promise<request.Response> {
  const operation = `${method.toUpperCase()} ${template}`;
  const documented = paths[template]?.[method];
  expect(documented, `${operation} is documented`).toBeDefined();
  const path = template.replace(/\{(\w+)\}/g, (_match, key: string) => options.values?.[key] ?? key);
  let req = request(options.app ?? app)[method](`/api/v0${path}`);
  if (options.query) req = req.query(options.query);
  if (options.auth !== null) req = req.set("Authorization", options.auth ?? admin);
  if (options.cookie) req = req.set("Cookie", options.cookie);
  if (options.csrf) req = req.set("X-Berth-CSRF", options.csrf);
  const res = options.body ? await req.send(options.body) : await req;
  const context = `${operation} → ${res.status} ${res.text.slice(0, 300)}`;
  if (options.status !== undefined) expect(res.status, context).toBe(options.status);
  const response = documented?.responses[String(res.status)];
  expect(response, `${context}: status not documented (${Object.keys(documented?.responses ?? {}).join(", ")})`).toBeDefined();
  const schema = response?.content?.["application/json"]?.schema;
  if (schema) {
    expect(res.headers["content-type"], context).toMatch(/^application\/json/);
    const validate = responseValidator(operation, String(res.status), schema);
    expect(validate(res.body), `${context}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  } else if (res.status === 204) {
    expect(res.text, context).toBe("");
  }
  called.set(operation, (called.get(operation) ?? new Set()).add(res.status));
  return res;
}

let app: Express;
const admin = basicAuth("gordon", "gordon-password");

/** The app of `berth serve`, with a collection schedule (securedRegistry has none: its schedule endpoints answer 503). */
function scheduledApp(): { app: Express; scheduler: GcScheduler } {
  const config = loadConfig({ env: {} });
  config.log.accesslog.disabled = true;
  const driver = createDriver("inmemory", {});
  const metadata = new SqliteMetadataStore(":memory:");
  const logger = pino({ level: "silent" });
  const scheduler = new GcScheduler(new GarbageCollector(driver, metadata), metadata, config, logger);
  return { app: createApp({ config, registry: new Registry(driver, metadata), logger, gcScheduler: scheduler }), scheduler };
}
const scheduled = scheduledApp();
afterAll(() => scheduled.scheduler.stop());

beforeAll(async () => {
  const registry = await securedRegistry({ REGISTRY_AUTH_BERTH_MODE: "basic" });
  app = registry.app;
  await registry.metadata.access.createUser({
    name: "gordon", passwordHash: await hashPassword("gordon-password"), role: "admin", source: "managed", fullName: "", active: true, createdAt: new Date().toISOString(),
  });
  // Content pushed through the same registry without access control: tags, sizes, events, search hits.
  await pushImage(registry.open, "engineering/app", "v1");
  await pushImage(registry.open, "engineering/app", "v2");
});

describe("the management API's OpenAPI document", () => {
  it("validates against the OpenAPI 3.1 schema", async () => {
    const result = await new Validator().validate(document);
    const errors = typeof result.errors === "string" ? [result.errors] : (result.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ""} ${JSON.stringify(error.params)}`);
    expect(errors.join("\n")).toBe("");
    expect(result.valid).toBe(true);
  });

  it("is honoured by every documented operation, called with seeded data", async () => {
    const app_ = { values: { name: "engineering/app", org: "engineering", team: "core", user: "nobody", robot: "ci" } };

    await call("get", "/openapi.json", { auth: null, status: 200 });
    await call("get", "/accounts/me", { status: 200 });
    await call("get", "/accounts/me", { auth: null, status: 200 });
    await call("post", "/auth/test-login", { body: { username: "gordon", password: "gordon-password" }, status: 200 });
    await call("post", "/auth/test-login", { body: { username: "gordon", password: "wrong-password" }, status: 401 });

    // Users
    await call("post", "/users", { body: { name: "nobody", password: "nobody-password", fullName: "No Body" }, status: 201 });
    await call("post", "/users", { body: { name: "nobody", password: "nobody-password" }, status: 409 });
    await call("post", "/users", { body: { name: "short" , password: "x" }, status: 400 });
    await call("get", "/users", { status: 200 });
    await call("get", "/users", { auth: null, status: 401 });
    await call("get", "/users/{user}", { ...app_, status: 200 });
    await call("get", "/users/{user}", { values: { user: "ghost" }, status: 404 });
    await call("patch", "/users/{user}", { ...app_, body: { fullName: "Nobody At All" }, status: 200 });

    // Organizations, teams, members
    await call("post", "/orgs", { body: { name: "engineering" }, status: 201 });
    await call("post", "/orgs", { body: { name: "engineering" }, status: 409 });
    await call("get", "/orgs", { status: 200 });
    await call("get", "/orgs/{org}", { ...app_, status: 200 });
    await call("get", "/orgs/{org}", { values: { org: "ghosts" }, status: 404 });
    await call("post", "/orgs/{org}/teams", { ...app_, body: { name: "core", description: "the core team" }, status: 201 });
    await call("get", "/orgs/{org}/teams", { ...app_, status: 200 });
    await call("get", "/orgs/{org}/teams/{team}", { ...app_, status: 200 });
    await call("patch", "/orgs/{org}/teams/{team}", { ...app_, body: { description: "still the core team" }, status: 200 });
    await call("put", "/orgs/{org}/teams/{team}/members/{user}", { ...app_, status: 204 });
    await call("get", "/orgs/{org}/teams/{team}/members", { ...app_, status: 200 });

    // Repositories, grants, tags, search
    await call("post", "/repositories", { body: { name: "engineering/empty", visibility: "private", description: "settings only" }, status: 201 });
    await call("get", "/repositories", { status: 200 });
    await call("get", "/repositories", { auth: null, status: 200 });
    await call("get", "/repositories/{name}", { ...app_, status: 200 });
    await call("patch", "/repositories/{name}", { ...app_, body: { description: "the app" }, status: 200 });
    await call("put", "/repositories/{name}/_grants/{team}", { ...app_, body: { level: "read-only" }, status: 200 });
    await call("get", "/repositories/{name}/_grants", { ...app_, status: 200 });
    await call("get", "/repositories/{name}/_tags", { ...app_, status: 200 });
    await call("get", "/search", { query: { q: "app" }, status: 200 });
    await call("get", "/search", { query: { limit: "0" }, status: 400 });

    // Robots, audit, settings
    await call("post", "/robots", { body: { name: "ci", scope: { kind: "repository", name: "engineering/app" }, access: "pull" }, status: 201 });
    await call("get", "/robots", { status: 200 });
    await call("get", "/audit", { status: 200 });
    await call("get", "/settings/access", { status: 200 });
    await call("put", "/settings/access", { body: { createOnPush: true }, status: 200 });
    await call("get", "/settings/auth", { status: 200 });
    await call("get", "/settings/storage", { status: 200 });
    await call("post", "/ldap/sync", { status: 404 }); // no ldap section here: the real sync is in e2e (slapd)

    // Garbage collection
    await call("get", "/gc/schedule", { status: 503 });
    await scheduled.scheduler.start();
    await call("get", "/gc/schedule", { app: scheduled.app, status: 200 });
    await call("put", "/gc/schedule", { app: scheduled.app, body: { schedule: "0 3 * * *" }, status: 200 });
    await call("put", "/gc/schedule", { app: scheduled.app, body: { schedule: 3 }, status: 400 });
    await call("delete", "/gc/schedule", { app: scheduled.app, status: 200 });
    await call("post", "/gc/preview", { body: {}, status: 200 });
    const run = await call("post", "/gc/runs", { query: { wait: "true" }, body: { dryRun: true }, status: 200 });
    await call("get", "/gc/runs", { status: 200 });
    await call("get", "/gc/runs/{id}", { values: { id: String(run.body.id) }, status: 200 });
    await call("get", "/gc/runs/{id}", { values: { id: "999999" }, status: 404 });

    // Soft deletes and restores
    const deletedTag = await call("delete", "/repositories/{name}/_tags/{tag}", { values: { ...app_.values, tag: "v2" }, status: 202 });
    await call("get", "/deleted", { status: 200 });
    await call("get", "/deleted/{id}", { values: { id: String(deletedTag.body.id) }, status: 200 });
    await call("post", "/deleted/{id}/restore", { values: { id: String(deletedTag.body.id) }, status: 200 });
    await call("post", "/deleted/{id}/restore", { values: { id: String(deletedTag.body.id) }, status: 409 });
    await call("get", "/events", { status: 200 });

    // Portal sessions
    await call("get", "/session", { auth: null, status: 200 });
    const signedIn = await call("post", "/session", { auth: null, body: { username: "gordon", password: "gordon-password" }, status: 201 });
    const cookie = ((signedIn.headers["set-cookie"] as unknown as string[])[0] ?? "").split(";")[0] ?? "";
    await call("get", "/session", { auth: null, cookie, status: 200 });
    await call("delete", "/session", { auth: null, cookie, status: 403 });
    await call("delete", "/session", { auth: null, cookie, csrf: signedIn.body.csrfToken as string, status: 204 });

    // Deletes, last
    await call("delete", "/robots/{robot}", { ...app_, status: 200 });
    await call("delete", "/repositories/{name}/_grants/{team}", { ...app_, status: 204 });
    await call("delete", "/orgs/{org}/teams/{team}/members/{user}", { ...app_, status: 204 });
    await call("delete", "/repositories/{name}", { ...app_, status: 202 });
    await call("delete", "/repositories/{name}", { values: { name: "engineering/empty" }, status: 204 });
    await call("delete", "/orgs/{org}/teams/{team}", { ...app_, status: 204 });
    await call("delete", "/users/{user}", { ...app_, status: 204 });
    await call("delete", "/orgs/{org}", { ...app_, status: 204 });
    await call("delete", "/orgs/{org}", { ...app_, status: 404 });

    // Every documented operation was called (none is left out: add new ones above).
    expect([...called.keys()].sort()).toEqual([...documentedOperations()].sort());
  });
});
