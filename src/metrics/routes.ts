/**
 * The route a request path belongs to, as a low-cardinality label. Names follow registry:2's
 * route names (its `handler` label), so dashboards built for registry:2 keep working.
 */
const V2_ROUTES: [RegExp, string][] = [
  [/^\/?$/, "base"],
  [/^\/_catalog$/, "catalog"],
  [/^\/.+\/tags\/list$/, "tags"],
  [/^\/.+\/manifests\/[^/]+$/, "manifest"],
  [/^\/.+\/blobs\/uploads\/?$/, "blob_upload"],
  [/^\/.+\/blobs\/uploads\/[^/]+$/, "blob_upload_chunk"],
  [/^\/.+\/blobs\/[^/]+$/, "blob"],
  [/^\/.+\/referrers\/[^/]+$/, "referrers"],
];

/** `path` without query; `prefix` is http.prefix without its trailing "/". */
export function routeOf(path: string, prefix: string): string {
  const v2 = `${prefix}/v2`;
  if (path === v2 || path.startsWith(`${v2}/`)) {
    const rest = path.slice(v2.length);
    return V2_ROUTES.find(([pattern]) => pattern.test(rest))?.[1] ?? "unknown";
  }
  if (path === "/healthz" || path === "/readyz") return "health";
  if (path.startsWith("/api/")) return "api";
  return "unknown";
}
