/** The web portal's part of the management API's OpenAPI document: sessions and tags (merged in openapi.ts). */
type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ "application/json": { schema } });
const ok = (description: string, schema?: Schema) => (schema ? { description, content: json(schema) } : { description });
const error = (description: string) => ({ description, content: json(ref("Errors")) });
const REPOSITORY_NAME = { name: "name", in: "path", required: true, schema: { type: "string" }, description: "repository name; it may hold slashes, sent as they are" };

export const PORTAL_SCHEMAS: Record<string, Schema> = {
  Event: {
    type: "object",
    properties: {
      id: { type: "string" },
      at: { type: "string", format: "date-time" },
      kind: { type: "string", enum: ["push", "pull", "delete", "restore", "login", "admin"] },
      actor: { type: "string" },
      repository: { type: ["string", "null"] },
      tag: { type: ["string", "null"] },
      digest: { type: ["string", "null"] },
      address: { type: ["string", "null"] },
      action: { type: "string" },
      target: { type: "string" },
      detail: { type: ["object", "null"] },
    },
  },
  Session: {
    type: "object",
    properties: {
      signIn: { type: "string", enum: ["available", "not-needed", "unavailable"], description: "not-needed: no access control; unavailable: an external token issuer" },
      accessModel: { type: "boolean", description: "users, organizations, teams and robots are managed by Berth (auth.berth)" },
      account: {
        type: ["object", "null"],
        properties: { name: { type: "string" }, role: { type: "string" }, source: { type: "string" }, isAdmin: { type: "boolean" } },
      },
      csrfToken: { type: ["string", "null"], description: "send it in the X-Berth-CSRF header with every state-changing call made with the cookie" },
      expiresAt: { type: ["string", "null"], format: "date-time", description: "when the session ends without further requests" },
    },
  },
  TagDetails: {
    type: "object",
    properties: {
      name: { type: "string" },
      digest: { type: "string" },
      mediaType: { type: "string" },
      size: { type: ["integer", "null"], description: "manifest, config and layers in bytes (an index: its images together)" },
      platforms: { type: "array", items: { type: "string" }, description: "os/architecture[/variant]" },
      pushedAt: { type: ["string", "null"], format: "date-time" },
      pushedBy: { type: ["string", "null"] },
    },
  },
};

const ADMIN_ERRORS = { 401: error("authentication required"), 403: error("administrators only") };

export const PORTAL_PATHS: Record<string, Record<string, Schema>> = {
  "/session": {
    get: { summary: "The portal session of the request's cookie (signed out: account null)", security: [], responses: { 200: ok("session", ref("Session")) } },
    post: {
      summary: "Sign in to the portal: sets an HttpOnly, SameSite=Strict session cookie",
      security: [],
      requestBody: { required: true, content: json({ type: "object", required: ["username", "password"], properties: { username: { type: "string" }, password: { type: "string" } } }) },
      responses: { 201: ok("signed in", ref("Session")), 400: error("missing fields, not JSON, or no sign-in on this registry"), 401: error("wrong credentials"), 403: error("robot accounts cannot sign in"), 429: error("too many failed logins") },
    },
    delete: { summary: "Sign out (needs the X-Berth-CSRF header when signed in)", security: [], responses: { 204: ok("signed out"), 403: error("missing CSRF token") } },
  },
  "/repositories/{name}/_tags": {
    get: {
      summary: "A repository's tags with digest, size, platforms and push time",
      security: [],
      parameters: [REPOSITORY_NAME, { name: "n", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 1000 } }, { name: "last", in: "query", required: false, schema: { type: "string" } }],
      responses: { 200: ok("tags", { type: "object", properties: { tags: { type: "array", items: ref("TagDetails") } } }), 400: error("invalid input"), 404: error("no such repository (or not visible)") },
    },
  },
  "/repositories/{name}/_tags/{tag}": {
    delete: {
      summary: "Soft-delete a tag (restorable from /deleted until a garbage collection)",
      parameters: [REPOSITORY_NAME, { name: "tag", in: "path", required: true, schema: { type: "string" } }],
      responses: { 202: ok("deleted", ref("DeletedItem")), 400: error("invalid tag"), 401: error("authentication required"), 403: error("may not delete"), 404: error("no such repository or tag"), 405: error("deletes disabled or read-only") },
    },
  },
  "/settings/auth": {
    get: {
      summary: "The login method in force and its options (LDAP without its bind password); set in the configuration file",
      responses: { 200: ok("auth settings", { type: "object", properties: { method: { type: "string", enum: ["htpasswd", "berth", "token", "silly", "none"] }, berth: { type: ["object", "null"] }, htpasswd: { type: ["object", "null"] }, token: { type: ["object", "null"] }, ldap: { type: ["object", "null"] }, session: { type: "object" } } }), ...ADMIN_ERRORS },
    },
  },
  "/settings/storage": {
    get: {
      summary: "The storage driver in use, its switches, a live probe and the health checks' failures",
      responses: { 200: ok("storage", { type: "object", properties: { driver: { type: "string" }, deleteEnabled: { type: "boolean" }, readOnly: { type: "boolean" }, redirectDisabled: { type: "boolean" }, uploadPurging: { type: "object", properties: { enabled: { type: "boolean" }, ageSeconds: { type: "number" } } }, probe: { type: "object" }, healthChecks: { type: "object" } } }), ...ADMIN_ERRORS },
    },
  },
  "/events": {
    get: {
      summary: "The event log: pushes, pulls, deletes and restores, sign-ins and administrators' actions, newest first",
      parameters: [
        { name: "kind", in: "query", required: false, schema: { type: "string", enum: ["push", "pull", "delete", "restore", "login", "admin"] } },
        { name: "actor", in: "query", required: false, schema: { type: "string" } },
        { name: "repository", in: "query", required: false, schema: { type: "string" } },
        { name: "n", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 200 } },
        { name: "before", in: "query", required: false, schema: { type: "string" }, description: "the next value of the previous page" },
      ],
      responses: {
        200: ok("events", { type: "object", properties: { events: { type: "array", items: ref("Event") }, next: { type: ["string", "null"] } } }),
        400: error("invalid filter"),
        ...ADMIN_ERRORS,
      },
    },
  },
};
