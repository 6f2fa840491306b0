/** Who is making a request, once their credentials (or the lack of them) are checked. */
import type { GlobalRole } from "../config/types.js";

export type Principal =
  | { kind: "anonymous" }
  /** A person: a managed, LDAP or htpasswd user, or the subject of an external issuer's token. */
  | { kind: "user"; name: string; role: GlobalRole; source: "managed" | "ldap" | "htpasswd" | "token" }
  /** A CI robot token, limited to one repository or namespace. */
  | { kind: "robot"; name: string; id: string; scopeKind: "repository" | "namespace"; scope: string; access: "pull" | "push" };

export const ANONYMOUS: Principal = { kind: "anonymous" };

/** The name to record in audit entries and tokens ("" for anonymous). */
export function principalName(principal: Principal): string {
  return principal.kind === "anonymous" ? "" : principal.name;
}
