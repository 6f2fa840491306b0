/** AccessRecords on PostgreSQL (tables from the access-control migration in postgres-migrations.ts). */
import type { AccessRecords, AuditEntry, NamePage, RepositorySettings, RobotRecord, TeamGrant, TeamRecord, UserRecord } from "./access-records.js";
import type { PgDatabase, Queryable } from "./postgres-pool.js";
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

/** pg_advisory_xact_lock key taken while a user or an organization is created ("berth" + 2): one name space for both. */
const NAMES_LOCK = (0x6265727402n).toString();

export class PostgresAccessRecords implements AccessRecords {
  constructor(private readonly db: PgDatabase) {}

  /** Takes the names lock, then answers whether a user or an organization has the name. */
  private async lockNames(tx: Queryable, name: string): Promise<boolean> {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [NAMES_LOCK]);
    const { rowCount } = await tx.query("SELECT 1 FROM users WHERE name = $1 UNION SELECT 1 FROM orgs WHERE name = $1", [name]);
    return (rowCount ?? 0) > 0;
  }

  async getUser(name: string): Promise<UserRecord | null> {
    const { rows } = await this.db.query<UserRow>("SELECT * FROM users WHERE name = $1", [name]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  async listUsers(page: NamePage): Promise<UserRecord[]> {
    const { rows } = await this.db.query<UserRow>("SELECT * FROM users WHERE name > $1 ORDER BY name LIMIT $2", [page.after ?? "", page.limit]);
    return rows.map(toUser);
  }

  async createUser(user: UserRecord): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      if (await this.lockNames(tx, user.name)) return false;
      await tx.query(
        "INSERT INTO users (name, password_hash, role, source, full_name, active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [user.name, user.passwordHash, user.role, user.source, user.fullName, user.active, user.createdAt],
      );
      return true;
    });
  }

  async updateUser(name: string, changes: Partial<Pick<UserRecord, "passwordHash" | "role" | "fullName" | "active">>): Promise<boolean> {
    const columns: [string, unknown][] = [];
    if (changes.passwordHash !== undefined) columns.push(["password_hash", changes.passwordHash]);
    if (changes.role !== undefined) columns.push(["role", changes.role]);
    if (changes.fullName !== undefined) columns.push(["full_name", changes.fullName]);
    if (changes.active !== undefined) columns.push(["active", changes.active]);
    if (columns.length === 0) return (await this.getUser(name)) !== null;
    const sets = columns.map(([column], index) => `${column} = $${index + 1}`).join(", ");
    const result = await this.db.query(`UPDATE users SET ${sets} WHERE name = $${columns.length + 1}`, [...columns.map(([, value]) => value), name]);
    return (result.rowCount ?? 0) > 0;
  }

  async deleteUser(name: string): Promise<boolean> {
    return ((await this.db.query("DELETE FROM users WHERE name = $1", [name])).rowCount ?? 0) > 0;
  }

  async orgExists(name: string): Promise<boolean> {
    return (await this.db.query("SELECT 1 FROM orgs WHERE name = $1", [name])).rowCount === 1;
  }

  async listOrgs(page: NamePage): Promise<string[]> {
    const { rows } = await this.db.query<{ name: string }>("SELECT name FROM orgs WHERE name > $1 ORDER BY name LIMIT $2", [page.after ?? "", page.limit]);
    return rows.map((row) => row.name);
  }

  async createOrg(name: string, createdAt: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      if (await this.lockNames(tx, name)) return false;
      await tx.query("INSERT INTO orgs (name, created_at) VALUES ($1, $2)", [name, createdAt]);
      await tx.query("INSERT INTO teams (org, name, description) VALUES ($1, 'owners', 'Owners of the organization')", [name]);
      return true;
    });
  }

  async deleteOrg(name: string): Promise<boolean> {
    return ((await this.db.query("DELETE FROM orgs WHERE name = $1", [name])).rowCount ?? 0) > 0;
  }

  async getTeam(org: string, name: string): Promise<TeamRecord | null> {
    const { rows } = await this.db.query<TeamRow>("SELECT * FROM teams WHERE org = $1 AND name = $2", [org, name]);
    return rows[0] ? toTeam(rows[0]) : null;
  }

  async listTeams(org: string): Promise<TeamRecord[]> {
    return (await this.db.query<TeamRow>("SELECT * FROM teams WHERE org = $1 ORDER BY name", [org])).rows.map(toTeam);
  }

  async ldapTeams(): Promise<TeamRecord[]> {
    return (await this.db.query<TeamRow>("SELECT * FROM teams WHERE ldap_group_dn IS NOT NULL ORDER BY org, name")).rows.map(toTeam);
  }

  async createTeam(team: TeamRecord): Promise<boolean> {
    const result = await this.db.query(
      `INSERT INTO teams (org, name, description, ldap_group_dn) SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM orgs WHERE name = $1)
       ON CONFLICT DO NOTHING`,
      [team.org, team.name, team.description, team.ldapGroupDn],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async updateTeam(org: string, name: string, changes: Partial<Pick<TeamRecord, "description" | "ldapGroupDn">>): Promise<boolean> {
    const team = await this.getTeam(org, name);
    if (!team) return false;
    await this.db.query("UPDATE teams SET description = $1, ldap_group_dn = $2 WHERE org = $3 AND name = $4", [
      changes.description ?? team.description,
      changes.ldapGroupDn === undefined ? team.ldapGroupDn : changes.ldapGroupDn,
      org,
      name,
    ]);
    return true;
  }

  async deleteTeam(org: string, name: string): Promise<boolean> {
    return ((await this.db.query("DELETE FROM teams WHERE org = $1 AND name = $2", [org, name])).rowCount ?? 0) > 0;
  }

  async listMembers(org: string, team: string): Promise<string[]> {
    const { rows } = await this.db.query<{ user: string }>('SELECT "user" FROM team_members WHERE org = $1 AND team = $2 ORDER BY "user"', [org, team]);
    return rows.map((row) => row.user);
  }

  async addMember(org: string, team: string, user: string): Promise<void> {
    await this.db.query('INSERT INTO team_members (org, team, "user") VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [org, team, user]);
  }

  async removeMember(org: string, team: string, user: string): Promise<boolean> {
    return ((await this.db.query('DELETE FROM team_members WHERE org = $1 AND team = $2 AND "user" = $3', [org, team, user])).rowCount ?? 0) > 0;
  }

  async setMembers(org: string, team: string, users: string[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query("DELETE FROM team_members WHERE org = $1 AND team = $2", [org, team]);
      await tx.query(
        'INSERT INTO team_members (org, team, "user") SELECT DISTINCT $1, $2, u FROM unnest($3::text[]) AS u ON CONFLICT DO NOTHING',
        [org, team, users],
      );
    });
  }

  async teamsOf(user: string): Promise<{ org: string; team: string }[]> {
    return (await this.db.query<{ org: string; team: string }>('SELECT org, team FROM team_members WHERE "user" = $1 ORDER BY org, team', [user])).rows;
  }

  async getRepository(name: string): Promise<RepositorySettings | null> {
    const { rows } = await this.db.query<RepositoryRow>("SELECT * FROM repository_settings WHERE name = $1", [name]);
    return rows[0] ? toRepository(rows[0]) : null;
  }

  async listRepositories(page: NamePage, namespace?: string): Promise<RepositorySettings[]> {
    const { rows } =
      namespace === undefined
        ? await this.db.query<RepositoryRow>("SELECT * FROM repository_settings WHERE name > $1 ORDER BY name LIMIT $2", [page.after ?? "", page.limit])
        : await this.db.query<RepositoryRow>(
            "SELECT * FROM repository_settings WHERE name LIKE $1 ESCAPE '\\' AND name > $2 ORDER BY name LIMIT $3",
            [underNamespace(namespace), page.after ?? "", page.limit],
          );
    return rows.map(toRepository);
  }

  async putRepository(settings: RepositorySettings): Promise<void> {
    await this.db.query(
      `INSERT INTO repository_settings (name, visibility, description, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO UPDATE SET visibility = excluded.visibility, description = excluded.description`,
      [settings.name, settings.visibility, settings.description, settings.createdAt],
    );
  }

  async createRepository(settings: RepositorySettings): Promise<boolean> {
    const result = await this.db.query(
      "INSERT INTO repository_settings (name, visibility, description, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
      [settings.name, settings.visibility, settings.description, settings.createdAt],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async deleteRepository(name: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.query("DELETE FROM team_grants WHERE repository = $1", [name]);
      return ((await tx.query("DELETE FROM repository_settings WHERE name = $1", [name])).rowCount ?? 0) > 0;
    });
  }

  async grantsOn(repository: string): Promise<TeamGrant[]> {
    return (await this.db.query<TeamGrant>("SELECT org, team, repository, level FROM team_grants WHERE repository = $1 ORDER BY org, team", [repository]))
      .rows;
  }

  async grantsOfTeam(org: string, team: string): Promise<TeamGrant[]> {
    return (
      await this.db.query<TeamGrant>("SELECT org, team, repository, level FROM team_grants WHERE org = $1 AND team = $2 ORDER BY repository", [org, team])
    ).rows;
  }

  async putGrant(grant: TeamGrant): Promise<void> {
    await this.db.query(
      `INSERT INTO team_grants (org, team, repository, level) VALUES ($1, $2, $3, $4)
       ON CONFLICT (org, team, repository) DO UPDATE SET level = excluded.level`,
      [grant.org, grant.team, grant.repository, grant.level],
    );
  }

  async deleteGrant(org: string, team: string, repository: string): Promise<boolean> {
    const result = await this.db.query("DELETE FROM team_grants WHERE org = $1 AND team = $2 AND repository = $3", [org, team, repository]);
    return (result.rowCount ?? 0) > 0;
  }

  async createRobot(robot: RobotRecord): Promise<boolean> {
    const result = await this.db.query(
      `INSERT INTO robot_tokens (id, name, created_by, secret_hash, scope_kind, scope, access, created_at, expires_at, revoked_at, last_used_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
      [
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
      ],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async getRobot(id: string): Promise<RobotRecord | null> {
    const { rows } = await this.db.query<RobotRow>("SELECT * FROM robot_tokens WHERE id = $1", [id]);
    return rows[0] ? toRobot(rows[0]) : null;
  }

  async getRobotByName(name: string): Promise<RobotRecord | null> {
    const { rows } = await this.db.query<RobotRow>("SELECT * FROM robot_tokens WHERE name = $1", [name]);
    return rows[0] ? toRobot(rows[0]) : null;
  }

  async listRobots(): Promise<RobotRecord[]> {
    return (await this.db.query<RobotRow>("SELECT * FROM robot_tokens ORDER BY name")).rows.map(toRobot);
  }

  async revokeRobot(id: string, at: string): Promise<boolean> {
    return ((await this.db.query("UPDATE robot_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", [at, id])).rowCount ?? 0) > 0;
  }

  async touchRobot(id: string, at: string): Promise<void> {
    await this.db.query("UPDATE robot_tokens SET last_used_at = $1 WHERE id = $2", [at, id]);
  }

  async addAudit(entry: Omit<AuditEntry, "id">): Promise<void> {
    await this.db.query("INSERT INTO audit_log (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)", [
      entry.at,
      entry.actor,
      entry.action,
      entry.target,
      entry.detail === null ? null : JSON.stringify(entry.detail),
    ]);
  }

  async listAudit(limit: number, before?: number): Promise<AuditEntry[]> {
    const { rows } = await this.db.query<AuditRow>("SELECT * FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2", [
      before ?? Number.MAX_SAFE_INTEGER,
      limit,
    ]);
    return rows.map(toAudit);
  }
}
