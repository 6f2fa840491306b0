/**
 * The DTR 1.4 permission model as one pure function: what a caller may do on a repository,
 * from facts gathered elsewhere (policy.ts). Levels add up:
 *   global role  read-only → pull everything; read-write → pull, push, delete everything;
 *                admin → everything, including repository settings
 *   own namespace `<user>/...` → everything
 *   owners team of the namespace's organization → everything on its repositories
 *   team grants  read-only → pull; read-write → pull, push, delete; admin → plus settings
 *   public repository → pull, for anyone (anonymous too, when allowed)
 * A repository that does not exist yet can be pushed (created) only where the caller could
 * own it, and only when create-on-push is on. The answer for a private repository the caller
 * has no part in equals the answer for a repository that does not exist, so nothing leaks.
 */
import type { GlobalRole, GrantLevel, TeamGrant, Visibility } from "../metadata/access-records.js";

export type Action = "pull" | "push" | "delete" | "admin";

export const ALL_ACTIONS: readonly Action[] = ["pull", "push", "delete", "admin"];

const LEVEL_ACTIONS: Record<GrantLevel, readonly Action[]> = {
  "read-only": ["pull"],
  "read-write": ["pull", "push", "delete"],
  admin: ALL_ACTIONS,
};

const ROLE_ACTIONS: Record<GlobalRole, readonly Action[]> = {
  none: [],
  "read-only": ["pull"],
  "read-write": ["pull", "push", "delete"],
  admin: ALL_ACTIONS,
};

export type Subject =
  | { kind: "anonymous" }
  | {
      kind: "user";
      name: string;
      role: GlobalRole;
      /** Teams the user is in. */
      teams: { org: string; team: string }[];
    }
  | { kind: "robot"; scopeKind: "repository" | "namespace"; scope: string; access: "pull" | "push" };

export interface RepositoryFacts {
  name: string;
  /** The first path component's owner: a user, an organization, or nothing known. */
  namespace: { kind: "user" | "org" | "none"; name: string | null };
  /** Stored (or has settings): false means a push would create it. */
  exists: boolean;
  visibility: Visibility;
  grants: TeamGrant[];
}

export interface ModelSettings {
  createOnPush: boolean;
  /** Anonymous callers may pull public repositories. */
  anonymousPull: boolean;
}

function robotActions(robot: Extract<Subject, { kind: "robot" }>, repo: RepositoryFacts): Action[] {
  // Robots never reach a person's own namespace.
  if (repo.namespace.kind === "user") return [];
  const inScope = robot.scopeKind === "repository" ? repo.name === robot.scope : repo.namespace.name === robot.scope;
  if (!inScope) return [];
  return robot.access === "push" ? ["pull", "push"] : ["pull"];
}

function userActions(user: Extract<Subject, { kind: "user" }>, repo: RepositoryFacts): Action[] {
  const actions: Action[] = [...ROLE_ACTIONS[user.role]];
  const { namespace } = repo;
  if (namespace.kind === "user" && namespace.name === user.name) actions.push(...ALL_ACTIONS);
  if (namespace.kind === "org" && user.teams.some((team) => team.org === namespace.name && team.team === "owners")) {
    actions.push(...ALL_ACTIONS);
  }
  for (const grant of repo.grants) {
    if (user.teams.some((team) => team.org === grant.org && team.team === grant.team)) actions.push(...LEVEL_ACTIONS[grant.level]);
  }
  return actions;
}

export function decide(subject: Subject, repo: RepositoryFacts, settings: ModelSettings): Set<Action> {
  let actions: Action[];
  if (subject.kind === "robot") actions = robotActions(subject, repo);
  else if (subject.kind === "user") actions = userActions(subject, repo);
  else actions = [];
  const publicPull = repo.exists && repo.visibility === "public" && (subject.kind !== "anonymous" || settings.anonymousPull);
  if (publicPull && subject.kind !== "robot") actions.push("pull");
  const allowed = new Set(actions);
  // Creating by push: a setting, and only for those who could push there at all.
  if (!repo.exists && !settings.createOnPush) allowed.delete("push");
  return allowed;
}
