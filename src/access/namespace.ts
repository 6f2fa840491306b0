/** Repository names and the namespace that owns them: `<namespace>/<rest>`; a name without a slash has none. */
export function namespaceOf(repository: string): string | null {
  const slash = repository.indexOf("/");
  return slash <= 0 ? null : repository.slice(0, slash);
}

/** User, organization and team names: lower-case letters, digits, `-`, `_`, `.` (a repository path component). */
export const ACCOUNT_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export function isAccountName(name: string): boolean {
  return name.length <= 64 && ACCOUNT_NAME.test(name);
}
