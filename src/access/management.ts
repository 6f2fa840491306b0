/**
 * Managing users, organizations, teams, repositories, grants and robot tokens — the one place
 * both the management API and the CLI go through, so both check the same permissions, validate
 * the same way and leave the same audit entries. Who may do what (DTR 1.4):
 *   administrators: everything;
 *   owners of an organization (its `owners` team): its teams, members, grants, repositories
 *     and robot tokens;
 *   repository admins (own namespace, admin grant): the repository's visibility and description;
 *   everyone logged in: their own account, and what they may pull.
 * Anything a caller may not pull is answered "not found", never "denied".
 */
import { randomUUID } from "node:crypto";
import type { Authorization } from "../auth/controller.js";
import { hashPassword } from "../auth/passwords.js";
import { principalName } from "../auth/principal.js";
import { hashRobotSecret, newRobotSecret, robotLogin } from "../auth/robots.js";
import type {
  AuditEntry,
  GlobalRole,
  GrantLevel,
  RepositorySettings,
  RobotRecord,
  TeamGrant,
  TeamRecord,
  UserRecord,
  Visibility,
} from "../metadata/access-records.js";
import type { MetadataStore } from "../metadata/store.js";
import { checkName } from "../registry/reference.js";
import { conflict, forbidden, invalid, notFound } from "./errors.js";
import { filteredPage } from "./filtered-page.js";
import { isAccountName, namespaceOf } from "./namespace.js";
import type { AccessPolicy } from "./policy.js";
import { repositoryPresent, unrestoredDelete } from "./presence.js";

export const ROLES: readonly GlobalRole[] = ["none", "read-only", "read-write", "admin"];
export const GRANT_LEVELS: readonly GrantLevel[] = ["read-only", "read-write", "admin"];
export const MIN_PASSWORD_LENGTH = 8;
export const OWNERS_TEAM = "owners";

export interface UserView {
  name: string;
  fullName: string;
  role: GlobalRole;
  source: UserRecord["source"];
  active: boolean;
  createdAt: string;
}

export interface RepositoryView {
  name: string;
  namespace: string | null;
  visibility: Visibility;
  description: string;
}

export interface RobotView {
  id: string;
  name: string;
  login: string;
  scope: { kind: RobotRecord["scopeKind"]; name: string };
  access: RobotRecord["access"];
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface AccountInfo {
  name: string;
  isAdmin: boolean;
  isReadOnly: boolean;
  isReadWrite: boolean;
  isAnonymous: boolean;
}

export const userView = (user: UserRecord): UserView => ({
  name: user.name,
  fullName: user.fullName,
  role: user.role,
  source: user.source,
  active: user.active,
  createdAt: user.createdAt,
});

export const robotView = (robot: RobotRecord): RobotView => ({
  id: robot.id,
  name: robot.name,
  login: robotLogin(robot.name),
  scope: { kind: robot.scopeKind, name: robot.scope },
  access: robot.access,
  createdBy: robot.createdBy,
  createdAt: robot.createdAt,
  expiresAt: robot.expiresAt,
  revokedAt: robot.revokedAt,
  lastUsedAt: robot.lastUsedAt,
});

function checkAccountName(name: string, what: string): void {
  if (!isAccountName(name)) {
    throw invalid(`${what} names are lower-case letters and digits, separated by single '.', '_' or '-' (at most 64 characters)`, { name: name.slice(0, 80) });
  }
}

function checkPassword(password: unknown): string {
  if (typeof password !== "string" || password.length < MIN_PASSWORD_LENGTH || password.length > 1024) {
    throw invalid(`passwords are at least ${MIN_PASSWORD_LENGTH} characters long`);
  }
  return password;
}

function checkRole(role: unknown): GlobalRole {
  if (!ROLES.includes(role as GlobalRole)) throw invalid(`role must be one of ${ROLES.join(", ")}`);
  return role as GlobalRole;
}

function checkVisibility(visibility: unknown): Visibility {
  if (visibility !== "public" && visibility !== "private") throw invalid('visibility must be "public" or "private"');
  return visibility;
}

function checkLevel(level: unknown): GrantLevel {
  if (!GRANT_LEVELS.includes(level as GrantLevel)) throw invalid(`level must be one of ${GRANT_LEVELS.join(", ")}`);
  return level as GrantLevel;
}

function checkText(value: unknown, what: string, max = 1000): string {
  if (typeof value !== "string" || value.length > max) throw invalid(`${what} must be a string of at most ${max} characters`);
  return value;
}

export interface NewUser {
  name: string;
  password?: string;
  role?: GlobalRole;
  fullName?: string;
}

export interface UserChanges {
  password?: string;
  role?: GlobalRole;
  fullName?: string;
  active?: boolean;
}

export interface NewRobot {
  name: string;
  scope: { kind: "repository" | "namespace"; name: string };
  access: "pull" | "push";
  /** Seconds until it expires; never when absent. */
  expiresIn?: number;
}

export class AccessManagement {
  constructor(
    private readonly metadata: MetadataStore,
    private readonly policy: AccessPolicy,
    private readonly defaultVisibility: Visibility,
  ) {}

  private get records() {
    return this.metadata.access;
  }

  private async audit(actor: Authorization, action: string, target: string, detail: Record<string, unknown> | null = null): Promise<void> {
    await this.records.addAudit({ at: new Date().toISOString(), actor: principalName(actor.principal) || "anonymous", action, target, detail });
  }

  private requireAdmin(actor: Authorization): void {
    if (!actor.isAdmin) throw forbidden("only administrators may do this");
  }

  private async isOwner(actor: Authorization, org: string): Promise<boolean> {
    if (actor.isAdmin) return true;
    const { principal } = actor;
    if (principal.kind !== "user") return false;
    return (await this.records.listMembers(org, OWNERS_TEAM)).includes(principal.name);
  }

  private async requireOrg(actor: Authorization, org: string, owner: boolean): Promise<void> {
    if (!(await this.records.orgExists(org))) throw notFound(`organization ${JSON.stringify(org)}`);
    if (owner && !(await this.isOwner(actor, org))) throw forbidden(`only owners of ${org} may do this`);
  }

  private async requireTeam(actor: Authorization, org: string, team: string, owner: boolean): Promise<TeamRecord> {
    await this.requireOrg(actor, org, owner);
    const record = await this.records.getTeam(org, team);
    if (!record) throw notFound(`team ${JSON.stringify(`${org}/${team}`)}`);
    return record;
  }

  /** A repository the caller may pull (else "not found": a private repository's existence is not told). */
  private async requireRepository(actor: Authorization, name: string): Promise<RepositoryView> {
    checkName(name);
    const settings = await this.records.getRepository(name);
    const exists = await repositoryPresent(this.metadata, name, settings);
    if (!exists || !(await actor.may(name, "pull"))) throw notFound(`repository ${JSON.stringify(name)}`);
    return this.view(name, settings);
  }

  private view(name: string, settings: RepositorySettings | null): RepositoryView {
    return {
      name,
      namespace: namespaceOf(name),
      visibility: settings?.visibility ?? this.defaultVisibility,
      description: settings?.description ?? "",
    };
  }

  // Accounts

  async accountInfo(actor: Authorization): Promise<AccountInfo> {
    const { principal } = actor;
    let role: GlobalRole = "none";
    if (principal.kind === "user") role = (await this.records.getUser(principal.name))?.role ?? principal.role;
    return {
      name: principalName(principal),
      isAdmin: actor.isAdmin,
      isReadOnly: role === "read-only",
      isReadWrite: role === "read-write",
      isAnonymous: principal.kind === "anonymous",
    };
  }

  async listUsers(actor: Authorization, page: { limit: number; after?: string }): Promise<UserView[]> {
    this.requireAdmin(actor);
    return (await this.records.listUsers(page)).map(userView);
  }

  async getUser(actor: Authorization, name: string): Promise<UserView> {
    const self = actor.principal.kind === "user" && actor.principal.name === name;
    if (!self) this.requireAdmin(actor);
    const user = await this.records.getUser(name);
    if (!user) throw notFound(`user ${JSON.stringify(name)}`);
    return userView(user);
  }

  async createUser(actor: Authorization, input: NewUser, source: UserRecord["source"] = "managed"): Promise<UserView> {
    this.requireAdmin(actor);
    checkAccountName(input.name, "user");
    const role = input.role === undefined ? "none" : checkRole(input.role);
    const passwordHash = source === "managed" ? await hashPassword(checkPassword(input.password)) : null;
    const user: UserRecord = {
      name: input.name,
      passwordHash,
      role,
      source,
      fullName: input.fullName === undefined ? "" : checkText(input.fullName, "fullName", 200),
      active: true,
      createdAt: new Date().toISOString(),
    };
    if (!(await this.records.createUser(user))) throw conflict(`the name ${JSON.stringify(input.name)} is taken by a user or an organization`);
    await this.audit(actor, "user.create", input.name, { role, source });
    return userView(user);
  }

  async updateUser(actor: Authorization, name: string, changes: UserChanges): Promise<UserView> {
    const self = actor.principal.kind === "user" && actor.principal.name === name;
    if (!actor.isAdmin && (!self || changes.role !== undefined || changes.active !== undefined)) {
      throw forbidden("only administrators may change roles or other users");
    }
    const user = await this.records.getUser(name);
    if (!user) throw notFound(`user ${JSON.stringify(name)}`);
    if (changes.password !== undefined && user.source !== "managed") throw invalid("an LDAP user's password is changed in the directory");
    const update = {
      ...(changes.password !== undefined ? { passwordHash: await hashPassword(checkPassword(changes.password)) } : {}),
      ...(changes.role !== undefined ? { role: checkRole(changes.role) } : {}),
      ...(changes.fullName !== undefined ? { fullName: checkText(changes.fullName, "fullName", 200) } : {}),
      ...(changes.active !== undefined ? { active: changes.active === true } : {}),
    };
    await this.records.updateUser(name, update);
    await this.audit(actor, "user.update", name, {
      ...(update.passwordHash ? { password: "changed" } : {}),
      ...(update.role ? { role: update.role } : {}),
      ...(update.fullName !== undefined ? { fullName: update.fullName } : {}),
      ...(update.active !== undefined ? { active: update.active } : {}),
    });
    return this.getUser(actor, name);
  }

  async deleteUser(actor: Authorization, name: string): Promise<void> {
    this.requireAdmin(actor);
    if (!(await this.records.deleteUser(name))) throw notFound(`user ${JSON.stringify(name)}`);
    await this.audit(actor, "user.delete", name);
  }

  // Organizations and teams

  async listOrgs(page: { limit: number; after?: string }): Promise<string[]> {
    return this.records.listOrgs(page);
  }

  async getOrg(actor: Authorization, org: string): Promise<{ name: string; teams: TeamRecord[] }> {
    await this.requireOrg(actor, org, false);
    return { name: org, teams: await this.records.listTeams(org) };
  }

  async createOrg(actor: Authorization, org: string): Promise<{ name: string }> {
    this.requireAdmin(actor);
    checkAccountName(org, "organization");
    if (!(await this.records.createOrg(org, new Date().toISOString()))) {
      throw conflict(`the name ${JSON.stringify(org)} is taken by a user or an organization`);
    }
    await this.audit(actor, "org.create", org);
    return { name: org };
  }

  async deleteOrg(actor: Authorization, org: string): Promise<void> {
    this.requireAdmin(actor);
    if (!(await this.records.deleteOrg(org))) throw notFound(`organization ${JSON.stringify(org)}`);
    await this.audit(actor, "org.delete", org);
  }

  async createTeam(actor: Authorization, org: string, input: { name: string; description?: string; ldapGroupDn?: string | null }): Promise<TeamRecord> {
    await this.requireOrg(actor, org, true);
    checkAccountName(input.name, "team");
    const team: TeamRecord = {
      org,
      name: input.name,
      description: input.description === undefined ? "" : checkText(input.description, "description"),
      ldapGroupDn: input.ldapGroupDn ? checkText(input.ldapGroupDn, "ldapGroupDn") : null,
    };
    if (!(await this.records.createTeam(team))) throw conflict(`team ${org}/${input.name} exists`);
    await this.audit(actor, "team.create", `${org}/${input.name}`, { ldapGroupDn: team.ldapGroupDn });
    return team;
  }

  async updateTeam(actor: Authorization, org: string, team: string, changes: { description?: string; ldapGroupDn?: string | null }): Promise<TeamRecord> {
    await this.requireTeam(actor, org, team, true);
    const update = {
      ...(changes.description !== undefined ? { description: checkText(changes.description, "description") } : {}),
      ...(changes.ldapGroupDn !== undefined ? { ldapGroupDn: changes.ldapGroupDn === null || changes.ldapGroupDn === "" ? null : checkText(changes.ldapGroupDn, "ldapGroupDn") } : {}),
    };
    await this.records.updateTeam(org, team, update);
    await this.audit(actor, "team.update", `${org}/${team}`, update);
    return this.requireTeam(actor, org, team, false);
  }

  async deleteTeam(actor: Authorization, org: string, team: string): Promise<void> {
    await this.requireTeam(actor, org, team, true);
    if (team === OWNERS_TEAM) throw invalid("the owners team cannot be deleted");
    await this.records.deleteTeam(org, team);
    await this.audit(actor, "team.delete", `${org}/${team}`);
  }

  async getTeam(actor: Authorization, org: string, team: string): Promise<TeamRecord & { members: string[] }> {
    const record = await this.requireTeam(actor, org, team, false);
    return { ...record, members: await this.records.listMembers(org, team) };
  }

  async listMembers(actor: Authorization, org: string, team: string): Promise<string[]> {
    await this.requireTeam(actor, org, team, false);
    return this.records.listMembers(org, team);
  }

  async addMember(actor: Authorization, org: string, team: string, user: string): Promise<void> {
    await this.requireTeam(actor, org, team, true);
    if (!(await this.records.getUser(user))) throw notFound(`user ${JSON.stringify(user)}`);
    await this.records.addMember(org, team, user);
    await this.audit(actor, "team.member.add", `${org}/${team}`, { user });
  }

  async removeMember(actor: Authorization, org: string, team: string, user: string): Promise<void> {
    await this.requireTeam(actor, org, team, true);
    if (!(await this.records.removeMember(org, team, user))) throw notFound(`member ${JSON.stringify(user)} of ${org}/${team}`);
    await this.audit(actor, "team.member.remove", `${org}/${team}`, { user });
  }

  // Repositories and grants

  /** Repositories the caller may pull: stored ones and those with settings only (not soft-deleted), in name order. */
  async listRepositories(actor: Authorization, page: { limit: number; after?: string }, namespace?: string): Promise<RepositoryView[]> {
    const prefix = namespace === undefined ? undefined : `${namespace}/`;
    const source = async (p: { limit: number; after?: string }): Promise<string[]> => {
      const [stored, configured] = await Promise.all([
        this.metadata.listRepositories(p),
        this.records.listRepositories(p).then((rows) => rows.map((row) => row.name)),
      ]);
      return [...new Set([...stored, ...configured])].sort().slice(0, p.limit);
    };
    const keep = async (name: string) =>
      (prefix === undefined || name.startsWith(prefix)) && (await repositoryPresent(this.metadata, name, await this.records.getRepository(name))) && actor.may(name, "pull");
    const names = await filteredPage(source, keep, page);
    return Promise.all(names.map(async (name) => this.view(name, await this.records.getRepository(name))));
  }

  async getRepository(actor: Authorization, name: string): Promise<RepositoryView> {
    return this.requireRepository(actor, name);
  }

  async createRepository(actor: Authorization, input: { name: string; visibility?: Visibility; description?: string }): Promise<RepositoryView> {
    checkName(input.name);
    const namespace = namespaceOf(input.name);
    const mayCreate = (await this.policy.forPrincipal(actor.principal)).mayCreate(input.name);
    if (!actor.isAdmin && !(await mayCreate)) throw forbidden(`you may not create repositories in ${namespace ?? "the top level"}`);
    const settings: RepositorySettings = {
      name: input.name,
      visibility: input.visibility === undefined ? this.defaultVisibility : checkVisibility(input.visibility),
      description: input.description === undefined ? "" : checkText(input.description, "description"),
      createdAt: new Date().toISOString(),
    };
    if (await this.metadata.repositoryExists(input.name)) throw conflict(`repository ${input.name} exists`);
    const deleted = await unrestoredDelete(this.metadata, input.name);
    if (deleted?.state === "purged") {
      // Collected for good: the old settings and grants went with it.
      await this.records.deleteRepository(input.name);
    } else if (deleted) {
      const state =
        deleted.state === "purging"
          ? "is being removed by garbage collection; create it anew once that has finished"
          : `was deleted and can still be restored (deleted item ${deleted.id}); restore it, or create it anew once garbage collection has removed it`;
      throw conflict(`repository ${input.name} ${state}`);
    }
    if (!(await this.records.createRepository(settings))) throw conflict(`repository ${input.name} exists`);
    await this.audit(actor, "repository.create", input.name, { visibility: settings.visibility });
    return this.view(input.name, settings);
  }

  async updateRepository(actor: Authorization, name: string, changes: { visibility?: Visibility; description?: string }): Promise<RepositoryView> {
    const current = await this.requireRepository(actor, name);
    if (!(await actor.may(name, "admin"))) throw forbidden(`only admins of ${name} may change its settings`);
    const existing = await this.records.getRepository(name);
    const settings: RepositorySettings = {
      name,
      visibility: changes.visibility === undefined ? current.visibility : checkVisibility(changes.visibility),
      description: changes.description === undefined ? current.description : checkText(changes.description, "description"),
      createdAt: existing?.createdAt ?? new Date().toISOString(),
    };
    await this.records.putRepository(settings);
    await this.audit(actor, "repository.update", name, { visibility: settings.visibility, description: settings.description });
    return this.view(name, settings);
  }

  private async requireGrantManager(actor: Authorization, repository: string): Promise<string> {
    await this.requireRepository(actor, repository);
    const org = namespaceOf(repository);
    if (org === null || !(await this.records.orgExists(org))) throw invalid("only repositories of an organization have team grants");
    if (!(await this.isOwner(actor, org))) throw forbidden(`only owners of ${org} may grant access to its repositories`);
    return org;
  }

  async listGrants(actor: Authorization, repository: string): Promise<TeamGrant[]> {
    await this.requireRepository(actor, repository);
    return this.records.grantsOn(repository);
  }

  async putGrant(actor: Authorization, repository: string, team: string, level: GrantLevel): Promise<TeamGrant> {
    const org = await this.requireGrantManager(actor, repository);
    await this.requireTeam(actor, org, team, true);
    // A grant needs a settings row: the repository may not have been pushed yet.
    if ((await this.records.getRepository(repository)) === null) {
      await this.records.createRepository({ name: repository, visibility: this.defaultVisibility, description: "", createdAt: new Date().toISOString() });
    }
    const grant: TeamGrant = { org, team, repository, level: checkLevel(level) };
    await this.records.putGrant(grant);
    await this.audit(actor, "grant.put", repository, { team: `${org}/${team}`, level: grant.level });
    return grant;
  }

  async deleteGrant(actor: Authorization, repository: string, team: string): Promise<void> {
    const org = await this.requireGrantManager(actor, repository);
    if (!(await this.records.deleteGrant(org, team, repository))) throw notFound(`a grant to ${org}/${team}`);
    await this.audit(actor, "grant.delete", repository, { team: `${org}/${team}` });
  }

  // Robot tokens

  /** Who may manage robots of a scope: administrators, and owners of the organization it is in. */
  private async requireRobotManager(actor: Authorization, scope: { kind: "repository" | "namespace"; name: string }): Promise<void> {
    const org = scope.kind === "namespace" ? scope.name : namespaceOf(scope.name);
    if (org !== null && (await this.records.getUser(org)) !== null) throw invalid("robot tokens never reach a user's own namespace");
    if (actor.isAdmin) return;
    if (org === null || !(await this.records.orgExists(org)) || !(await this.isOwner(actor, org))) {
      throw forbidden("only administrators and owners of the organization may manage its robot tokens");
    }
  }

  async createRobot(actor: Authorization, input: NewRobot): Promise<{ robot: RobotView; secret: string }> {
    checkAccountName(input.name, "robot");
    if (input.scope.kind !== "repository" && input.scope.kind !== "namespace") throw invalid('scope.kind must be "repository" or "namespace"');
    if (input.scope.kind === "repository") checkName(input.scope.name);
    else checkAccountName(input.scope.name, "namespace");
    if (input.access !== "pull" && input.access !== "push") throw invalid('access must be "pull" or "push"');
    if (input.expiresIn !== undefined && (!Number.isInteger(input.expiresIn) || input.expiresIn <= 0)) throw invalid("expiresIn is a positive number of seconds");
    await this.requireRobotManager(actor, input.scope);
    const secret = newRobotSecret();
    const now = Date.now();
    const robot: RobotRecord = {
      id: randomUUID(),
      name: input.name,
      createdBy: principalName(actor.principal) || "anonymous",
      secretHash: hashRobotSecret(secret),
      scopeKind: input.scope.kind,
      scope: input.scope.name,
      access: input.access,
      createdAt: new Date(now).toISOString(),
      expiresAt: input.expiresIn === undefined ? null : new Date(now + input.expiresIn * 1000).toISOString(),
      revokedAt: null,
      lastUsedAt: null,
    };
    if (!(await this.records.createRobot(robot))) throw conflict(`robot ${input.name} exists`);
    await this.audit(actor, "robot.create", input.name, { scope: `${robot.scopeKind}:${robot.scope}`, access: robot.access });
    return { robot: robotView(robot), secret };
  }

  async listRobots(actor: Authorization): Promise<RobotView[]> {
    const all = await this.records.listRobots();
    const visible: RobotView[] = [];
    for (const robot of all) {
      const allowed = await this.requireRobotManager(actor, { kind: robot.scopeKind, name: robot.scope }).then(
        () => true,
        () => false,
      );
      if (allowed) visible.push(robotView(robot));
    }
    return visible;
  }

  async revokeRobot(actor: Authorization, name: string): Promise<RobotView> {
    const robot = await this.records.getRobotByName(name);
    if (!robot) throw notFound(`robot ${JSON.stringify(name)}`);
    await this.requireRobotManager(actor, { kind: robot.scopeKind, name: robot.scope });
    await this.records.revokeRobot(robot.id, new Date().toISOString());
    await this.audit(actor, "robot.revoke", name);
    return robotView((await this.records.getRobot(robot.id)) ?? robot);
  }

  // Audit log and settings

  async listAudit(actor: Authorization, limit: number, before?: number): Promise<AuditEntry[]> {
    this.requireAdmin(actor);
    return this.records.listAudit(limit, before);
  }

  async recordSetting(actor: Authorization, key: string, value: string | null): Promise<void> {
    this.requireAdmin(actor);
    await this.metadata.settings.set(key, value);
    await this.audit(actor, "setting.update", key, { value });
  }
}
