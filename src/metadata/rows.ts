/** Database rows → records: the column layout both stores (SQLite and PostgreSQL) share. */
import type {
  AuditEntry,
  GlobalRole,
  RepositorySettings,
  RobotRecord,
  TeamRecord,
  UserRecord,
  UserSource,
  Visibility,
} from "./access-records.js";
import type { DeletedItem, DeletedState, GcRun, GcRunState, GcTrigger } from "./gc-records.js";
import type { SessionRecord } from "./session-records.js";
import type { ManifestRecord } from "./store.js";

export interface ManifestRow {
  repository: string;
  digest: string;
  media_type: string;
  size: number;
  artifact_type: string | null;
  subject: string | null;
  annotations: string | null;
}

export function toRecord(row: ManifestRow): ManifestRecord {
  return {
    repository: row.repository,
    digest: row.digest,
    mediaType: row.media_type,
    size: row.size,
    artifactType: row.artifact_type,
    subject: row.subject,
    annotations: row.annotations === null ? null : (JSON.parse(row.annotations) as Record<string, string>),
  };
}

export interface DeletedRow {
  id: string;
  kind: DeletedItem["kind"];
  repository: string;
  tag: string | null;
  digest: string | null;
  tags: string;
  manifests: string;
  deleted_by: string;
  deleted_at: number;
  state: DeletedState;
  restored_by: string | null;
  changed_at: number | null;
  gc_run: number | null;
}

export function toItem(row: DeletedRow): DeletedItem {
  return {
    id: row.id,
    kind: row.kind,
    repository: row.repository,
    tag: row.tag,
    digest: row.digest,
    tags: JSON.parse(row.tags) as string[],
    manifests: JSON.parse(row.manifests) as string[],
    deletedBy: row.deleted_by,
    deletedAt: row.deleted_at,
    state: row.state,
    restoredBy: row.restored_by,
    changedAt: row.changed_at,
    gcRun: row.gc_run,
  };
}

export interface RunRow {
  id: number;
  trigger: GcTrigger;
  owner: string;
  /** 1/0 in SQLite, booleans in PostgreSQL. */
  dry_run: number | boolean;
  delete_untagged: number | boolean;
  grace_ms: number;
  state: GcRunState;
  started_at: number;
  mark_started_at: number | null;
  heartbeat_at: number;
  finished_at: number | null;
  summary: string | null;
  error: string | null;
}

export function toRun(row: RunRow): GcRun {
  return {
    id: row.id,
    trigger: row.trigger,
    owner: row.owner,
    dryRun: row.dry_run === 1 || row.dry_run === true,
    deleteUntagged: row.delete_untagged === 1 || row.delete_untagged === true,
    graceMs: row.grace_ms,
    state: row.state,
    startedAt: row.started_at,
    markStartedAt: row.mark_started_at,
    heartbeatAt: row.heartbeat_at,
    finishedAt: row.finished_at,
    summary: row.summary === null ? null : (JSON.parse(row.summary) as Record<string, unknown>),
    error: row.error,
  };
}

export interface UserRow {
  name: string;
  password_hash: string | null;
  role: GlobalRole;
  source: UserSource;
  full_name: string;
  /** 1/0 in SQLite, a boolean in PostgreSQL. */
  active: number | boolean;
  created_at: string;
}

export interface TeamRow {
  org: string;
  name: string;
  description: string;
  ldap_group_dn: string | null;
}

export interface RepositoryRow {
  name: string;
  visibility: Visibility;
  description: string;
  created_at: string;
}

export interface RobotRow {
  id: string;
  name: string;
  created_by: string;
  secret_hash: string;
  scope_kind: "repository" | "namespace";
  scope: string;
  access: "pull" | "push";
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  detail: string | null;
}

export const toUser = (row: UserRow): UserRecord => ({
  name: row.name,
  passwordHash: row.password_hash,
  role: row.role,
  source: row.source,
  fullName: row.full_name,
  active: row.active === 1 || row.active === true,
  createdAt: row.created_at,
});

export const toTeam = (row: TeamRow): TeamRecord => ({ org: row.org, name: row.name, description: row.description, ldapGroupDn: row.ldap_group_dn });

export const toRepository = (row: RepositoryRow): RepositorySettings => ({
  name: row.name,
  visibility: row.visibility,
  description: row.description,
  createdAt: row.created_at,
});

export const toRobot = (row: RobotRow): RobotRecord => ({
  id: row.id,
  name: row.name,
  createdBy: row.created_by,
  secretHash: row.secret_hash,
  scopeKind: row.scope_kind,
  scope: row.scope,
  access: row.access,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
  lastUsedAt: row.last_used_at,
});

export const toAudit = (row: AuditRow): AuditEntry => ({
  id: row.id,
  at: row.at,
  actor: row.actor,
  action: row.action,
  target: row.target,
  detail: row.detail === null ? null : (JSON.parse(row.detail) as Record<string, unknown>),
});

/** A LIKE pattern matching names under `<namespace>/`, with LIKE's wildcards escaped. */
export function underNamespace(namespace: string): string {
  return `${namespace.replace(/[\\%_]/g, (char) => `\\${char}`)}/%`;
}

export interface SessionRow {
  id_hash: string;
  user: string;
  source: SessionRecord["source"];
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

export function toSession(row: SessionRow): SessionRecord {
  return {
    idHash: row.id_hash,
    user: row.user,
    source: row.source,
    csrfToken: row.csrf_token,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
  };
}
