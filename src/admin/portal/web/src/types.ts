/** The shapes the management API answers with (see /api/v0/openapi.json). */
export interface Account {
  name: string;
  role: string;
  source: string;
  isAdmin: boolean;
}

export interface SessionInfo {
  signIn: "available" | "not-needed" | "unavailable";
  accessModel: boolean;
  account: Account | null;
  csrfToken: string | null;
  expiresAt: string | null;
}

export interface RepositoryView {
  name: string;
  namespace: string | null;
  visibility: "public" | "private";
  description: string;
}

export interface TagDetails {
  name: string;
  digest: string;
  mediaType: string;
  size: number | null;
  platforms: string[];
  pushedAt: string | null;
  pushedBy: string | null;
}

export interface DeletedItem {
  id: string;
  kind: "tag" | "manifest" | "repository";
  repository: string;
  tag: string | null;
  digest: string | null;
  tags: string[];
  deletedBy: string;
  deletedAt: string;
  state: string;
  restorable: boolean;
  restoredBy: string | null;
  changedAt: string | null;
  gcRun: number | null;
}

export interface TeamView {
  org: string;
  name: string;
  description: string;
  ldapGroupDn: string | null;
}

export interface Grant {
  org: string;
  team: string;
  repository: string;
  level: "read-only" | "read-write" | "admin";
}

export interface UserView {
  name: string;
  fullName: string;
  role: "none" | "read-only" | "read-write" | "admin";
  source: "managed" | "ldap";
  active: boolean;
  createdAt: string;
}

export interface RobotView {
  id: string;
  name: string;
  login: string;
  scope: { kind: "repository" | "namespace"; name: string };
  access: "pull" | "push";
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface GcSchedule {
  schedule: string;
  source: "config" | "api";
  configured: string;
  nextRun: string | null;
}

export interface GcSummary {
  blobsDeleted?: number;
  bytesFreed?: number;
  manifestsDeleted?: number;
  trashPurged?: number;
  uploadsPurged?: number;
  durationMs?: number;
  sample?: { blobs?: string[]; manifests?: string[]; trash?: string[] };
}

export interface GcRun {
  id: number;
  trigger: string;
  state: string;
  dryRun: boolean;
  deleteUntagged: boolean;
  graceSeconds: number;
  owner: string;
  startedAt: string | null;
  finishedAt: string | null;
  summary: GcSummary | null;
  error: string | null;
}

export interface EventView {
  id: string;
  at: string;
  kind: "push" | "pull" | "delete" | "restore" | "login" | "admin";
  actor: string;
  repository: string | null;
  tag: string | null;
  digest: string | null;
  address: string | null;
  action: string;
  target: string;
  detail: Record<string, unknown> | null;
}
