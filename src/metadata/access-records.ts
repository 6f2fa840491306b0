/**
 * What the metadata store keeps for access control (issue 4): users, organizations, teams and
 * their members, repository settings, team grants, robot tokens and the audit log.
 * Repository settings live apart from the index's `repositories` table, so `berth reindex`
 * (which rebuilds the index) never loses who may pull what. Times are ISO 8601 strings.
 */
import type { GlobalRole } from "../config/types.js";

export type { GlobalRole };

export type UserSource = "managed" | "ldap";

export interface UserRecord {
  name: string;
  /** bcrypt; null for LDAP users (the directory checks their password). */
  passwordHash: string | null;
  role: GlobalRole;
  source: UserSource;
  fullName: string;
  /** A deactivated user cannot log in; their refresh tokens stop working. */
  active: boolean;
  createdAt: string;
}

export interface TeamRecord {
  org: string;
  name: string;
  description: string;
  /** Members are synced from this LDAP group when set. */
  ldapGroupDn: string | null;
}

export type Visibility = "public" | "private";

export interface RepositorySettings {
  name: string;
  visibility: Visibility;
  description: string;
  createdAt: string;
}

export type GrantLevel = "read-only" | "read-write" | "admin";

export interface TeamGrant {
  org: string;
  team: string;
  repository: string;
  level: GrantLevel;
}

export interface RobotRecord {
  id: string;
  name: string;
  /** Who created it. */
  createdBy: string;
  /** sha256 hex of the secret; the secret itself is shown once, at creation. */
  secretHash: string;
  /** A repository name, or a namespace (every repository under `<namespace>/`). */
  scopeKind: "repository" | "namespace";
  scope: string;
  access: "pull" | "push";
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  detail: Record<string, unknown> | null;
}

export interface NamePage {
  limit: number;
  /** Entries strictly after this one in lexical order. */
  after?: string;
}

export interface AccessRecords {
  getUser(name: string): Promise<UserRecord | null>;
  listUsers(page: NamePage): Promise<UserRecord[]>;
  /** false when a user or an organization already has the name. */
  createUser(user: UserRecord): Promise<boolean>;
  updateUser(name: string, changes: Partial<Pick<UserRecord, "passwordHash" | "role" | "fullName" | "active">>): Promise<boolean>;
  /** Also removes the user from every team. */
  deleteUser(name: string): Promise<boolean>;

  orgExists(name: string): Promise<boolean>;
  listOrgs(page: NamePage): Promise<string[]>;
  /** Creates the organization with its `owners` team; false when a user or an organization already has the name. */
  createOrg(name: string, createdAt: string): Promise<boolean>;
  /** Removes its teams, memberships and grants. */
  deleteOrg(name: string): Promise<boolean>;

  getTeam(org: string, name: string): Promise<TeamRecord | null>;
  listTeams(org: string): Promise<TeamRecord[]>;
  /** Every team linked to an LDAP group. */
  ldapTeams(): Promise<TeamRecord[]>;
  createTeam(team: TeamRecord): Promise<boolean>;
  updateTeam(org: string, name: string, changes: Partial<Pick<TeamRecord, "description" | "ldapGroupDn">>): Promise<boolean>;
  deleteTeam(org: string, name: string): Promise<boolean>;
  listMembers(org: string, team: string): Promise<string[]>;
  addMember(org: string, team: string, user: string): Promise<void>;
  removeMember(org: string, team: string, user: string): Promise<boolean>;
  /** Replaces a team's members (LDAP group sync). */
  setMembers(org: string, team: string, users: string[]): Promise<void>;
  /** The teams a user belongs to. */
  teamsOf(user: string): Promise<{ org: string; team: string }[]>;

  getRepository(name: string): Promise<RepositorySettings | null>;
  /** Settings rows, optionally of one namespace (`<namespace>/...`). */
  listRepositories(page: NamePage, namespace?: string): Promise<RepositorySettings[]>;
  /** Inserts or replaces. */
  putRepository(settings: RepositorySettings): Promise<void>;
  /** Inserts; false when the repository already has settings. */
  createRepository(settings: RepositorySettings): Promise<boolean>;
  /** Removes the settings and grants of a repository. */
  deleteRepository(name: string): Promise<boolean>;

  grantsOn(repository: string): Promise<TeamGrant[]>;
  grantsOfTeam(org: string, team: string): Promise<TeamGrant[]>;
  putGrant(grant: TeamGrant): Promise<void>;
  deleteGrant(org: string, team: string, repository: string): Promise<boolean>;

  createRobot(robot: RobotRecord): Promise<boolean>;
  getRobot(id: string): Promise<RobotRecord | null>;
  getRobotByName(name: string): Promise<RobotRecord | null>;
  listRobots(): Promise<RobotRecord[]>;
  revokeRobot(id: string, at: string): Promise<boolean>;
  touchRobot(id: string, at: string): Promise<void>;

  addAudit(entry: Omit<AuditEntry, "id">): Promise<void>;
  /** Newest first; entries with an id below `before`. */
  listAudit(limit: number, before?: number): Promise<AuditEntry[]>;
}
