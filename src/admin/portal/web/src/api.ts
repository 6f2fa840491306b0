/**
 * Calls to Berth's management API (/api/v0, beside the page whatever http.prefix is). The
 * session cookie goes along by itself; state-changing calls carry the session's CSRF token.
 * Errors come back as ApiError with the registry's message.
 */
const BASE = new URL("api/v0/", new URL(".", window.location.href));
const CSRF_HEADER = "X-Berth-CSRF";

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface ErrorBody {
  errors?: { code?: string; message?: string }[];
}

async function failure(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as ErrorBody;
    const first = body.errors?.[0];
    if (first?.message) message = first.message;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, message);
}

/** Listeners told when a call finds the session gone (401), so the portal can ask to sign in. */
const signedOutListeners = new Set<() => void>();
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers[CSRF_HEADER] = csrfToken;
  const res = await fetch(new URL(path.replace(/^\//, ""), BASE), {
    method,
    headers,
    credentials: "same-origin",
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) {
    const error = await failure(res);
    if (res.status === 401 && path !== "session") for (const listener of signedOutListeners) listener();
    throw error;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** A repository name in a URL path: each component escaped, slashes kept. */
export function repoPath(name: string): string {
  return name.split("/").map(encodeURIComponent).join("/");
}

export const get = <T>(path: string) => api<T>("GET", path);
export const post = <T>(path: string, body?: unknown) => api<T>("POST", path, body ?? {});
export const put = <T>(path: string, body?: unknown) => api<T>("PUT", path, body ?? {});
export const patch = <T>(path: string, body?: unknown) => api<T>("PATCH", path, body ?? {});
export const del = <T>(path: string) => api<T>("DELETE", path);
