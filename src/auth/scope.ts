/**
 * Access requests in the Docker token spec's terms: `repository:<name>:pull,push`,
 * `registry:catalog:*`; and what a /v2 request needs (registry:2's rules).
 */
export interface ResourceAccess {
  type: string;
  name: string;
  actions: string[];
}

export type RepositoryAction = "pull" | "push" | "delete";

/** `repository:samalba/my-app:pull,push` → one entry; names may hold ':' (a host:port prefix). Invalid → null. */
export function parseScope(scope: string): ResourceAccess | null {
  const first = scope.indexOf(":");
  const last = scope.lastIndexOf(":");
  if (first <= 0 || last === first) return null;
  const type = scope.slice(0, first);
  const name = scope.slice(first + 1, last);
  const actions = scope
    .slice(last + 1)
    .split(",")
    .filter((action) => action !== "");
  if (!/^[a-z0-9]+(\([a-z0-9]+\))?$/i.test(type) || name === "" || actions.length === 0) return null;
  // A resource class such as repository(plugin) is still a repository.
  return { type: type.replace(/\(.*\)$/, ""), name, actions };
}

/** The space-separated scope strings of a request (`scope=a&scope=b`, or `scope=a b` as OAuth2 sends it). */
export function parseScopes(values: string[]): ResourceAccess[] {
  return values
    .flatMap((value) => value.split(" "))
    .filter((value) => value !== "")
    .map(parseScope)
    .filter((entry): entry is ResourceAccess => entry !== null);
}

export function formatScope(access: ResourceAccess): string {
  return `${access.type}:${access.name}:${access.actions.join(",")}`;
}

export const CATALOG: ResourceAccess = { type: "registry", name: "catalog", actions: ["*"] };

/** What dockerd asks a token for before `docker search` (registry v1 search, src/search/docker-v1.ts). */
export const CATALOG_SEARCH: ResourceAccess = { type: "registry", name: "catalog", actions: ["search"] };

/** Registry-wide administration (Berth's management API): what administrators' tokens carry. */
export const ADMIN: ResourceAccess = { type: "registry", name: "admin", actions: ["*"] };

const REPOSITORY_PATH = /^\/(.+)\/(tags\/list|manifests\/[^/]+|blobs\/uploads\/?|blobs\/uploads\/[^/]+|blobs\/[^/]+|referrers\/[^/]+)$/;

function decodeName(value: string): string | null {
  if (/%2f/i.test(value)) return null;
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

/**
 * What a /v2 request needs, by method and path (relative to /v2): nothing but a login for
 * `/`, the catalog scope for `/_catalog`, and repository actions as registry:2 asks for
 * them — GET/HEAD pull; POST/PUT/PATCH pull and push; DELETE delete; anything on an upload
 * session pull and push.
 * An unknown path needs a login only (its handler answers 404).
 */
export function wantedAccess(method: string, path: string): ResourceAccess[] {
  if (path === "/_catalog") return [CATALOG];
  const match = REPOSITORY_PATH.exec(path);
  const name = match?.[1] === undefined ? null : decodeName(match[1]);
  if (!match || name === null) return [];
  const isUpload = match[2]?.startsWith("blobs/uploads") ?? false;
  let actions: RepositoryAction[];
  if (isUpload) actions = ["pull", "push"];
  else if (method === "GET" || method === "HEAD") actions = ["pull"];
  else if (method === "DELETE") actions = ["delete"];
  else actions = ["pull", "push"];
  return [{ type: "repository", name, actions }];
}
