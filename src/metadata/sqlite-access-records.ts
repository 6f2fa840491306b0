/** AccessRecords on better-sqlite3 (tables from the access-control migration). */
import type Database from "better-sqlite3";
import type { AccessRecords, AuditEntry, GrantLevel, NamePage, RepositorySettings, RobotRecord, TeamGrant, TeamRecord, UserRecord } from "./access-records.js";
import {
  toAudit,
  toRepository,
  toRobot,
  toTeam,
  toUser,
  underNamespace,
  type AuditRow,
  type RepositoryRow,
  type RobotRow,
  type TeamRow,
  type UserRow,
} from "./rows.js";

export const ACCESS_MIGRATION = `
  CREATE TABLE users (
    name TEXT PRIMARY KEY,
    password_hash TEXT,
    role TEXT NOT NULL CHECK (role IN ('none', 'read-only', 'read-write', 'admin')),
    source TEXT NOT NULL CHECK (source IN ('managed', 'ldap')),
    full_name TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
  );
  CREATE TABLE orgs (name TEXT PRIMARY KEY, created_at TEXT NOT NULL);
  CREATE TABLE teams (
    org TEXT NOT NULL REFERENCES orgs (name) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    ldap_group_dn TEXT,
    PRIMARY KEY (org, name)
  );
  CREATE TABLE team_members (
    org TEXT NOT NULL,
    team TEXT NOT NULL,
    user TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    PRIMARY KEY (org, team, user),
    FOREIGN KEY (org, team) REFERENCES teams (org, name) ON DELETE CASCADE
  );
  CREATE INDEX team_members_by_user ON team_members (user);
  CREATE TABLE repository_settings (
    name TEXT PRIMARY KEY,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'private')),
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
  );
  CREATE TABLE team_grants (
    org TEXT NOT NULL,
    team TEXT NOT NULL,
    repository TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('read-only', 'read-write', 'admin')),
    PRIMARY KEY (org, team, repository),
    FOREIGN KEY (org, team) REFERENCES teams (org, name) ON DELETE CASCADE
  );
  CREATE INDEX team_grants_by_repository ON team_grants (repository);
  CREATE TABLE robot_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    scope_kind TEXT NOT NULL CHECK (scope_kind IN ('repository', 'namespace')),
    scope TEXT NOT NULL,
    access TEXT NOT NULL CHECK (access IN ('pull', 'push')),
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT,
    last_used_at TEXT
  );
  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT
  );`;

export class SqliteAccessRecords implements AccessRecords {
  constructor(private readonly db: Database.Database) {}

  private nameTaken(name: string): boolean {
    return (
      this.db.prepare("SELECT 1 FROM users WHERE name = ? UNION SELECT 1 FROM orgs WHERE name = ?").pluck().get(name, name) !==
      undefined
    );
  }

  async getUser(name: string): Promise<UserRecord | null> {
    const row = this.db.prepare("SELECT * FROM users WHERE name = ?").get(name) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  async listUsers(page: NamePage): Promise<UserRecord[]> {
    const rows = this.db.prepare("SELECT * FROM users WHERE name > ? ORDER BY name LIMIT ?").all(page.after ?? "", page.limit) as UserRow[];
    return rows.map(toUser);
  }

  async createUser(user: UserRecord): Promise<boolean> {
    return this.db.transaction(() => {
      if (this.nameTaken(user.name)) return false;
      this.db
        .prepare(
          "INSERT INTO users (name, password_hash, role, source, full_name, active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .run(user.name, user.passwordHash, user.role, user.source, user.fullName, user.active ? 1 : 0, user.createdAt);
      return true;
    })();
  }

  async updateUser(name: string, changes: Partial<Pick<UserRecord, "passwordHash" | "role" | "fullName" | "active">>): Promise<boolean> {
    const columns: [string, unknown][] = [];
    if (changes.passwordHash !== undefined) columns.push(["password_hash", changes.passwordHash]);
    if (changes.role !== undefined) columns.push(["role", changes.role]);
    if (changes.fullName !== undefined) columns.push(["full_name", changes.fullName]);
    if (changes.active !== undefined) columns.push(["active", changes.active ? 1 : 0]);
    if (columns.length === 0) return (await this.getUser(name)) !== null;
    const sets = columns.map(([column]) => `${column} = ?`).join(", ");
    const result = this.db.prepare(`UPDATE users SET ${sets} WHERE name = ?`).run(...columns.map(([, value]) => value), name);
    return result.changes > 0;
  }

  async deleteUser(name: string): Promise<boolean> {
    return this.db.prepare("DELETE FROM users WHERE name = ?").run(name).changes > 0;
  }

  async orgExists(name: string): Promise<boolean> {
    return this.db.prepare("SELECT 1 FROM orgs WHERE name = ?").get(name) !== undefined;
  }

  async listOrgs(page: NamePage): Promise<string[]> {
    return this.db.prepare("SELECT name FROM orgs WHERE name > ? ORDER BY name LIMIT ?").pluck().all(page.after ?? "", page.limit) as string[];
  }

  async createOrg(name: string, createdAt: string): Promise<boolean> {
    return this.db.transaction(() => {
      if (this.nameTaken(name)) return false;
      this.db.prepare("INSERT INTO orgs (name, created_at) VALUES (?, ?)").run(name, createdAt);
      this.db.prepare("INSERT INTO teams (org, name, description) VALUES (?, 'owners', 'Owners of the organization')").run(name);
      return true;
    })();
  }

  async deleteOrg(name: string): Promise<boolean> {
    return this.db.prepare("DELETE FROM orgs WHERE name = ?").run(name).changes > 0;
  }

  async getTeam(org: string, name: string): Promise<TeamRecord | null> {
    const row = this.db.prepare("SELECT * FROM teams WHERE org = ? AND name = ?").get(org, name) as TeamRow | undefined;
    return row ? toTeam(row) : null;
  }

  async listTeams(org: string): Promise<TeamRecord[]> {
    return (this.db.prepare("SELECT * FROM teams WHERE org = ? ORDER BY name").all(org) as TeamRow[]).map(toTeam);
  }

  async ldapTeams(): Promise<TeamRecord[]> {
    return (this.db.prepare("SELECT * FROM teams WHERE ldap_group_dn IS NOT NULL ORDER BY org, name").all() as TeamRow[]).map(toTeam);
  }

  async createTeam(team: TeamRecord): Promise<boolean> {
    const result = this.db
      .prepare("INSERT OR IGNORE INTO teams (org, name, description, ldap_group_dn) SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM orgs WHERE name = ?)")
      .run(team.org, team.name, team.description, team.ldapGroupDn, team.org);
    return result.changes > 0;
  }

  async updateTeam(org: string, name: string, changes: Partial<Pick<TeamRecord, "description" | "ldapGroupDn">>): Promise<boolean> {
    const team = await this.getTeam(org, name);
    if (!team) return false;
    this.db
      .prepare("UPDATE teams SET description = ?, ldap_group_dn = ? WHERE org = ? AND name = ?")
      .run(changes.description ?? team.description, changes.ldapGroupDn === undefined ? team.ldapGroupDn : changes.ldapGroupDn, org, name);
    return true;
  }

  async deleteTeam(org: string, name: string): Promise<boolean> {
    return this.db.prepare("DELETE FROM teams WHERE org = ? AND name = ?").run(org, name).changes > 0;
  }

  async listMembers(org: string, team: string): Promise<string[]> {
    return this.db.prepare("SELECT user FROM team_members WHERE org = ? AND team = ? ORDER BY user").pluck().all(org, team) as string[];
  }

  async addMember(org: string, team: string, user: string): Promise<void> {
    this.db.prepare("INSERT OR IGNORE INTO team_members (org, team, user) VALUES (?, ?, ?)").run(org, team, user);
  }

  async removeMember(org: string, team: string, user: string): Promise<boolean> {
    return this.db.prepare("DELETE FROM team_members WHERE org = ? AND team = ? AND user = ?").run(org, team, user).changes > 0;
  }

  async setMembers(org: string, team: string, users: string[]): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM team_members WHERE org = ? AND team = ?").run(org, team);
      const insert = this.db.prepare("INSERT OR IGNORE INTO team_members (org, team, user) VALUES (?, ?, ?)");
      for (const user of users) insert.run(org, team, user);
    })();
  }

  async teamsOf(user: string): Promise<{ org: string; team: string }[]> {
    return this.db.prepare("SELECT org, team FROM team_members WHERE user = ? ORDER BY org, team").all(user) as { org: string; team: string }[];
  }

  async getRepository(name: string): Promise<RepositorySettings | null> {
    const row = this.db.prepare("SELECT * FROM repository_settings WHERE name = ?").get(name) as RepositoryRow | undefined;
    return row ? toRepository(row) : null;
  }

  async listRepositories(page: NamePage, namespace?: string): Promise<RepositorySettings[]> {
    const rows = (
      namespace === undefined
        ? this.db.prepare("SELECT * FROM repository_settings WHERE name > ? ORDER BY name LIMIT ?").all(page.after ?? "", page.limit)
        : this.db
            .prepare("SELECT * FROM repository_settings WHERE name LIKE ? ESCAPE '\\' AND name > ? ORDER BY name LIMIT ?")
            .all(underNamespace(namespace), page.after ?? "", page.limit)
    ) as RepositoryRow[];
    return rows.map(toRepository);
  }

  async putRepository(settings: RepositorySettings): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO repository_settings (name, visibility, description, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET visibility = excluded.visibility, description = excluded.description`,
      )
      .run(settings.name, settings.visibility, settings.description, settings.createdAt);
  }

  async createRepository(settings: RepositorySettings): Promise<boolean> {
    const result = this.db
      .prepare("INSERT OR IGNORE INTO repository_settings (name, visibility, description, created_at) VALUES (?, ?, ?, ?)")
      .run(settings.name, settings.visibility, settings.description, settings.createdAt);
    return result.changes > 0;
  }

  async deleteRepository(name: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.db.prepare("DELETE FROM team_grants WHERE repository = ?").run(name);
      return this.db.prepare("DELETE FROM repository_settings WHERE name = ?").run(name).changes > 0;
    })();
  }

  async grantsOn(repository: string): Promise<TeamGrant[]> {
    return this.db.prepare("SELECT org, team, repository, level FROM team_grants WHERE repository = ? ORDER BY org, team").all(repository) as TeamGrant[];
  }

  async grantsOfTeam(org: string, team: string): Promise<TeamGrant[]> {
    return this.db
      .prepare("SELECT org, team, repository, level FROM team_grants WHERE org = ? AND team = ? ORDER BY repository")
      .all(org, team) as TeamGrant[];
  }

  async putGrant(grant: TeamGrant): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO team_grants (org, team, repository, level) VALUES (?, ?, ?, ?)
         ON CONFLICT (org, team, repository) DO UPDATE SET level = excluded.level`,
      )
      .run(grant.org, grant.team, grant.repository, grant.level satisfies GrantLevel);
  }

  async deleteGrant(org: string, team: string, repository: string): Promise<boolean> {
    return this.db.prepare("DELETE FROM team_grants WHERE org = ? AND team = ? AND repository = ?").run(org, team, repository).changes > 0;
  }

  async createRobot(robot: RobotRecord): Promise<boolean> {
    const result = this.db
      .prepare(
        `INSERT OR IGNORE INTO robot_tokens (id, name, created_by, secret_hash, scope_kind, scope, access, created_at, expires_at, revoked_at, last_used_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        robot.id,
        robot.name,
        robot.createdBy,
        robot.secretHash,
        robot.scopeKind,
        robot.scope,
        robot.access,
        robot.createdAt,
        robot.expiresAt,
        robot.revokedAt,
        robot.lastUsedAt,
      );
    return result.changes > 0;
  }

  async getRobot(id: string): Promise<RobotRecord | null> {
    const row = this.db.prepare("SELECT * FROM robot_tokens WHERE id = ?").get(id) as RobotRow | undefined;
    return row ? toRobot(row) : null;
  }

  async getRobotByName(name: string): Promise<RobotRecord | null> {
    const row = this.db.prepare("SELECT * FROM robot_tokens WHERE name = ?").get(name) as RobotRow | undefined;
    return row ? toRobot(row) : null;
  }

  async listRobots(): Promise<RobotRecord[]> {
    return (this.db.prepare("SELECT * FROM robot_tokens ORDER BY name").all() as RobotRow[]).map(toRobot);
  }

  async revokeRobot(id: string, at: string): Promise<boolean> {
    return this.db.prepare("UPDATE robot_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").run(at, id).changes > 0;
  }

  async touchRobot(id: string, at: string): Promise<void> {
    this.db.prepare("UPDATE robot_tokens SET last_used_at = ? WHERE id = ?").run(at, id);
  }

  async addAudit(entry: Omit<AuditEntry, "id">): Promise<void> {
    this.db
      .prepare("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)")
      .run(entry.at, entry.actor, entry.action, entry.target, entry.detail === null ? null : JSON.stringify(entry.detail));
  }

  async listAudit(limit: number, before?: number): Promise<AuditEntry[]> {
    const rows = this.db
      .prepare("SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?")
      .all(before ?? Number.MAX_SAFE_INTEGER, limit) as AuditRow[];
    return rows.map(toAudit);
  }
}
