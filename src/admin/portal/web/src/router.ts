/**
 * A hash router: `#/repositories/library/app` → ["repositories", "library", "app"]. Hash
 * URLs need nothing from the server (the registry owns every other path), survive reloads and
 * work with the back button.
 */
import { useEffect, useState } from "preact/hooks";

export function currentPath(): string {
  const hash = window.location.hash.replace(/^#/, "");
  return hash === "" ? "/" : hash;
}

export function useRoute(): string {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const changed = () => setPath(currentPath());
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return path;
}

export function href(path: string): string {
  return `#${path}`;
}

export function navigate(path: string): void {
  window.location.hash = path;
}

/** The path's segments after a prefix, decoded; null when the path does not start with it. */
export function after(path: string, prefix: string): string | null {
  if (path === prefix) return "";
  if (!path.startsWith(`${prefix}/`)) return null;
  return decodeURIComponent(path.slice(prefix.length + 1));
}
