/**
 * The OpenAPI 3 document of the management API, served at /api/v0/openapi.json. Written by
 * hand beside the routes; a test checks that every route is documented and nothing else is.
 */
import { MATCH_KINDS } from "../metadata/search-records.js";
import { GC_PATHS, GC_SCHEMAS } from "./gc-openapi.js";
import { PORTAL_PATHS, PORTAL_SCHEMAS } from "./portal-openapi.js";

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ "application/json": { schema } });
const ok = (description: string, schema?: Schema) => (schema ? { description, content: json(schema) } : { description });
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((code) => [String(code), { description: ERROR_TEXT[code] ?? "error", content: json(ref("Errors")) }]));
const body = (schema: Schema) => ({ required: true, content: json(schema) });
const pathParam = (name: string, description: string) => ({ name, in: "path", required: true, schema: { type: "string" }, description });
const queryParam = (name: string, description: string, schema: Schema = { type: "string" }) => ({ name, in: "query", required: false, schema, description });
const PAGE = [queryParam("n", "page size (1-1000, 100 by default)", { type: "integer", minimum: 1, maximum: 1000 }), queryParam("last", "the last entry of the previous page")];

const ERROR_TEXT: Record<number, string> = {
  400: "invalid input",
  401: "authentication required (with a Basic or Bearer challenge)",
  403: "not allowed",
  404: "not found (or not visible to the caller)",
  409: "the name is taken",
  503: "the LDAP directory cannot be reached (the reason is in the message)",
};

const REPOSITORY_NAME = {
  name: "name",
  in: "path",
  required: true,
  schema: { type: "string" },
  // allowReserved is for query parameters only in OpenAPI 3.1; the slashes are said in words.
  description: "repository name; it may hold slashes (e.g. engineering/barca), sent as they are",
};

const TEAM_PROPERTIES = { org: { type: "string" }, name: { type: "string" }, description: { type: "string" }, ldapGroupDn: { type: ["string", "null"] } };

const schemas: Record<string, Schema> = {
  Errors: {
    type: "object",
    properties: {
      errors: {
        type: "array",
        items: { type: "object", properties: { code: { type: "string" }, message: { type: "string" }, detail: {} }, required: ["code", "message"] },
      },
    },
  },
  Role: { type: "string", enum: ["none", "read-only", "read-write", "admin"] },
  GrantLevel: { type: "string", enum: ["read-only", "read-write", "admin"] },
  Visibility: { type: "string", enum: ["public", "private"] },
  AccountInfo: {
    type: "object",
    properties: {
      accountInfo: {
        type: "object",
        properties: {
          name: { type: "string" },
          isAdmin: { type: "boolean" },
          isReadOnly: { type: "boolean" },
          isReadWrite: { type: "boolean" },
          isAnonymous: { type: "boolean" },
        },
        required: ["name", "isAdmin", "isReadOnly", "isReadWrite", "isAnonymous"],
      },
    },
  },
  User: {
    type: "object",
    properties: {
      name: { type: "string" },
      fullName: { type: "string" },
      role: ref("Role"),
      source: { type: "string", enum: ["managed", "ldap"] },
      active: { type: "boolean" },
      createdAt: { type: "string", format: "date-time" },
    },
  },
  NewUser: {
    type: "object",
    required: ["name", "password"],
    properties: { name: { type: "string" }, password: { type: "string", minLength: 8 }, role: ref("Role"), fullName: { type: "string" } },
  },
  UserChanges: {
    type: "object",
    properties: { password: { type: "string", minLength: 8 }, fullName: { type: "string" }, role: ref("Role"), active: { type: "boolean" } },
  },
  Team: { type: "object", properties: TEAM_PROPERTIES },
  TeamWithMembers: { type: "object", properties: { ...TEAM_PROPERTIES, members: { type: "array", items: { type: "string" } } } },
  Org: {
    type: "object",
    properties: { name: { type: "string" }, teams: { type: "array", items: ref("Team") } },
    required: ["name", "teams"],
  },
  Repository: {
    type: "object",
    properties: { name: { type: "string" }, namespace: { type: ["string", "null"] }, visibility: ref("Visibility"), description: { type: "string" } },
  },
  Grant: {
    type: "object",
    properties: { org: { type: "string" }, team: { type: "string" }, repository: { type: "string" }, level: ref("GrantLevel") },
  },
  Robot: {
    type: "object",
    properties: {
      id: { type: "string" },
      name: { type: "string" },
      login: { type: "string", description: "the user name to log in with: robot$<name>" },
      scope: { type: "object", properties: { kind: { type: "string", enum: ["repository", "namespace"] }, name: { type: "string" } } },
      access: { type: "string", enum: ["pull", "push"] },
      createdBy: { type: "string" },
      createdAt: { type: "string", format: "date-time" },
      expiresAt: { type: ["string", "null"], format: "date-time" },
      revokedAt: { type: ["string", "null"], format: "date-time" },
      lastUsedAt: { type: ["string", "null"], format: "date-time" },
    },
  },
  AuditEntry: {
    type: "object",
    properties: {
      id: { type: "integer" },
      at: { type: "string", format: "date-time" },
      actor: { type: "string" },
      action: { type: "string" },
      target: { type: "string" },
      detail: { type: ["object", "null"] },
    },
  },
  SearchResults: {
    type: "object",
    properties: {
      query: { type: "string", description: "q as searched (trimmed)" },
      total: { type: "integer", description: "every match the caller may pull, not only this page" },
      offset: { type: "integer" },
      limit: { type: "integer" },
      results: {
        type: "array",
        items: {
          type: "object",
          properties: {
            name: { type: "string" },
            namespace: { type: ["string", "null"] },
            description: { type: "string" },
            visibility: ref("Visibility"),
            match: { type: "string", enum: [...MATCH_KINDS], description: "how it matched, best first in this order" },
          },
          required: ["name", "namespace", "description", "visibility", "match"],
        },
      },
    },
    required: ["query", "total", "offset", "limit", "results"],
  },
  AccessSettings: {
    type: "object",
    properties: { createOnPush: { type: "boolean" }, defaultVisibility: ref("Visibility"), anonymous: { type: "boolean" } },
  },
};

const ORG = pathParam("org", "organization name");
const TEAM = pathParam("team", "team name");

const paths: Record<string, Record<string, Schema>> = {
  "/openapi.json": { get: { summary: "This document", security: [], responses: { 200: ok("OpenAPI 3 document") } } },
  "/accounts/me": {
    get: { summary: "The caller's account", security: [], responses: { 200: ok("account", ref("AccountInfo")), ...errors(401) } },
  },
  "/auth/test-login": {
    post: {
      summary: "Check a user name and password (administrators); counts as a login attempt. 503 says why the LDAP directory cannot be used",
      requestBody: body({ type: "object", required: ["username", "password"], properties: { username: { type: "string" }, password: { type: "string" } } }),
      responses: { 200: ok("the account that logged in", ref("AccountInfo")), ...errors(400, 401, 403, 503) },
    },
  },
  "/users": {
    get: { summary: "List users (administrators)", parameters: PAGE, responses: { 200: ok("users", { type: "object", properties: { users: { type: "array", items: ref("User") } } }), ...errors(401, 403) } },
    post: { summary: "Create a managed user (administrators)", requestBody: body(ref("NewUser")), responses: { 201: ok("created", ref("User")), ...errors(400, 401, 403, 409) } },
  },
  "/users/{user}": {
    get: { summary: "One user (administrators, or the user)", parameters: [pathParam("user", "user name")], responses: { 200: ok("user", ref("User")), ...errors(401, 403, 404) } },
    patch: {
      summary: "Change a user: password and full name (the user), role and active (administrators)",
      parameters: [pathParam("user", "user name")],
      requestBody: body(ref("UserChanges")),
      responses: { 200: ok("changed", ref("User")), ...errors(400, 401, 403, 404) },
    },
    delete: { summary: "Delete a user (administrators)", parameters: [pathParam("user", "user name")], responses: { 204: ok("deleted"), ...errors(401, 403, 404) } },
  },
  "/orgs": {
    get: { summary: "List organizations", parameters: PAGE, responses: { 200: ok("organizations", { type: "object", properties: { orgs: { type: "array", items: { type: "string" } } } }), ...errors(401) } },
    post: {
      summary: "Create an organization with its owners team (administrators)",
      requestBody: body({ type: "object", required: ["name"], properties: { name: { type: "string" } } }),
      responses: { 201: ok("created", { type: "object", properties: { name: { type: "string" } }, required: ["name"] }), ...errors(400, 401, 403, 409) },
    },
  },
  "/orgs/{org}": {
    get: { summary: "An organization and its teams", parameters: [ORG], responses: { 200: ok("organization", ref("Org")), ...errors(401, 404) } },
    delete: { summary: "Delete an organization, its teams and grants (administrators)", parameters: [ORG], responses: { 204: ok("deleted"), ...errors(401, 403, 404) } },
  },
  "/orgs/{org}/teams": {
    get: { summary: "Teams of an organization", parameters: [ORG], responses: { 200: ok("teams", { type: "object", properties: { teams: { type: "array", items: ref("Team") } } }), ...errors(401, 404) } },
    post: {
      summary: "Create a team (owners); ldapGroupDn links it to an LDAP group whose members are synced",
      parameters: [ORG],
      requestBody: body({ type: "object", required: ["name"], properties: { name: { type: "string" }, description: { type: "string" }, ldapGroupDn: { type: ["string", "null"] } } }),
      responses: { 201: ok("created", ref("Team")), ...errors(400, 401, 403, 404, 409) },
    },
  },
  "/orgs/{org}/teams/{team}": {
    get: { summary: "A team with its members", parameters: [ORG, TEAM], responses: { 200: ok("team", ref("TeamWithMembers")), ...errors(401, 404) } },
    patch: {
      summary: "Change a team (owners)",
      parameters: [ORG, TEAM],
      requestBody: body({ type: "object", properties: { description: { type: "string" }, ldapGroupDn: { type: ["string", "null"] } } }),
      responses: { 200: ok("changed", ref("Team")), ...errors(400, 401, 403, 404) },
    },
    delete: { summary: "Delete a team (owners; not the owners team)", parameters: [ORG, TEAM], responses: { 204: ok("deleted"), ...errors(400, 401, 403, 404) } },
  },
  "/orgs/{org}/teams/{team}/members": {
    get: { summary: "Members of a team", parameters: [ORG, TEAM], responses: { 200: ok("members", { type: "object", properties: { members: { type: "array", items: { type: "string" } } } }), ...errors(401, 404) } },
  },
  "/orgs/{org}/teams/{team}/members/{user}": {
    put: { summary: "Add a member (owners)", parameters: [ORG, TEAM, pathParam("user", "user name")], responses: { 204: ok("added"), ...errors(401, 403, 404) } },
    delete: { summary: "Remove a member (owners)", parameters: [ORG, TEAM, pathParam("user", "user name")], responses: { 204: ok("removed"), ...errors(401, 403, 404) } },
  },
  "/repositories": {
    get: {
      summary: "Repositories the caller may pull",
      security: [],
      parameters: [...PAGE, queryParam("namespace", "only repositories under <namespace>/")],
      responses: { 200: ok("repositories", { type: "object", properties: { repositories: { type: "array", items: ref("Repository") } } }), ...errors(400, 401) },
    },
    post: {
      summary: "Create a repository (where the caller may create: own namespace, owners of the organization, read-write and admin users)",
      requestBody: body({ type: "object", required: ["name"], properties: { name: { type: "string" }, visibility: ref("Visibility"), description: { type: "string" } } }),
      responses: { 201: ok("created", ref("Repository")), ...errors(400, 401, 403, 409) },
    },
  },
  "/repositories/{name}": {
    get: { summary: "A repository's settings", security: [], parameters: [REPOSITORY_NAME], responses: { 200: ok("repository", ref("Repository")), ...errors(401, 404) } },
    patch: {
      summary: "Change visibility or description (repository admins)",
      parameters: [REPOSITORY_NAME],
      requestBody: body({ type: "object", properties: { visibility: ref("Visibility"), description: { type: "string" } } }),
      responses: { 200: ok("changed", ref("Repository")), ...errors(400, 401, 403, 404) },
    },
  },
  "/repositories/{name}/_grants": {
    get: { summary: "Team grants on a repository", parameters: [REPOSITORY_NAME], responses: { 200: ok("grants", { type: "object", properties: { grants: { type: "array", items: ref("Grant") } } }), ...errors(401, 404) } },
  },
  "/repositories/{name}/_grants/{team}": {
    put: {
      summary: "Grant a team of the repository's organization access (owners)",
      parameters: [REPOSITORY_NAME, TEAM],
      requestBody: body({ type: "object", required: ["level"], properties: { level: ref("GrantLevel") } }),
      responses: { 200: ok("granted", ref("Grant")), ...errors(400, 401, 403, 404) },
    },
    delete: { summary: "Remove a team's grant (owners)", parameters: [REPOSITORY_NAME, TEAM], responses: { 204: ok("removed"), ...errors(400, 401, 403, 404) } },
  },
  "/search": {
    get: {
      summary: "Search the repositories the caller may pull by name, description and tag",
      description:
        "Ranked: exact name; name ending in /q; name or a path component starting with q; name containing q; " +
        "description containing q; a tag containing q. Within a rank shorter names first, then by name. " +
        "Case-insensitive; an empty q lists every repository the caller may pull, by name. Filtered as the catalog is: " +
        "a private repository never shows to someone who cannot pull it; soft-deleted repositories never show.",
      security: [],
      parameters: [
        queryParam("q", "search term (at most 255 characters; empty: everything)", { type: "string", maxLength: 255 }),
        queryParam("limit", "results per page (1-100, 25 by default)", { type: "integer", minimum: 1, maximum: 100 }),
        queryParam("offset", "results to skip (0 by default)", { type: "integer", minimum: 0 }),
      ],
      responses: { 200: ok("matches, best first", ref("SearchResults")), ...errors(400, 401) },
    },
  },
  "/robots": {
    get: { summary: "Robot tokens the caller manages (never their secrets)", responses: { 200: ok("robots", { type: "object", properties: { robots: { type: "array", items: ref("Robot") } } }), ...errors(401) } },
    post: {
      summary: "Create a robot token for a repository or a namespace of an organization; the secret is in this answer only",
      requestBody: body({
        type: "object",
        required: ["name", "scope", "access"],
        properties: {
          name: { type: "string" },
          scope: { type: "object", required: ["kind", "name"], properties: { kind: { type: "string", enum: ["repository", "namespace"] }, name: { type: "string" } } },
          access: { type: "string", enum: ["pull", "push"] },
          expiresIn: { type: "integer", minimum: 1, description: "seconds" },
        },
      }),
      responses: { 201: ok("created", { type: "object", properties: { robot: ref("Robot"), secret: { type: "string" } } }), ...errors(400, 401, 403, 409) },
    },
  },
  "/robots/{robot}": {
    delete: { summary: "Revoke a robot token", parameters: [pathParam("robot", "robot name")], responses: { 200: ok("revoked", ref("Robot")), ...errors(401, 403, 404) } },
  },
  "/audit": {
    get: {
      summary: "Administrative actions, newest first (administrators)",
      parameters: [queryParam("n", "how many (1-1000)", { type: "integer" }), queryParam("before", "entries with a smaller id", { type: "integer" })],
      responses: { 200: ok("entries", { type: "object", properties: { entries: { type: "array", items: ref("AuditEntry") } } }), ...errors(400, 401, 403) },
    },
  },
  "/ldap/sync": {
    post: {
      summary: "Sync teams linked to LDAP groups now, and LDAP users' admin role (administrators; with an ldap section)",
      responses: {
        200: ok("each team's members, and the groups that could not be read", {
          type: "object",
          properties: {
            teams: { type: "array", items: { type: "object", properties: { org: { type: "string" }, team: { type: "string" }, members: { type: "array", items: { type: "string" } } } } },
            failures: { type: "array", items: { type: "object", properties: { org: { type: "string" }, team: { type: "string" }, error: { type: "string" } } } },
          },
        }),
        ...errors(401, 403, 404, 503),
      },
    },
  },
  "/settings/access": {
    get: { summary: "Access settings", responses: { 200: ok("settings", ref("AccessSettings")), ...errors(401) } },
    put: {
      summary: "Switch create-on-push (administrators)",
      requestBody: body({ type: "object", required: ["createOnPush"], properties: { createOnPush: { type: "boolean" } } }),
      responses: { 200: ok("settings", ref("AccessSettings")), ...errors(400, 401, 403) },
    },
  },
};

// Soft deletes and garbage collection (issue 5), documented beside their routes.
for (const [path, methods] of Object.entries(GC_PATHS)) paths[path] = { ...paths[path], ...methods };
Object.assign(schemas, GC_SCHEMAS);
for (const [path, methods] of Object.entries(PORTAL_PATHS)) paths[path] = { ...paths[path], ...methods };
Object.assign(schemas, PORTAL_SCHEMAS);

export function openApiDocument(serverUrl: string): Schema {
  return {
    openapi: "3.1.0",
    info: {
      title: "Berth management API",
      version: "0",
      description:
        "Users, organizations, teams, repositories, grants and robot tokens (Docker Trusted Registry 1.4's model). " +
        "Authenticate with HTTP Basic credentials, a Bearer token from /auth/token, or the web portal's session " +
        "cookie (POST /session; state-changing calls then carry the X-Berth-CSRF header).",
    },
    servers: [{ url: serverUrl }],
    security: [{ basic: [] }, { bearer: [] }, { session: [] }],
    components: {
      securitySchemes: { basic: { type: "http", scheme: "basic" }, bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" }, session: { type: "apiKey", in: "cookie", name: "berth_session" } },
      schemas,
    },
    paths,
  };
}

/** Path templates and methods documented, e.g. ["GET /users/{name}", …] (for the test that keeps routes and document together). */
export function documentedOperations(): string[] {
  return Object.entries(paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
}
