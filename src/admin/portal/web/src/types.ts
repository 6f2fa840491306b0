/** The shapes the management API answers with (see /api/v0/openapi.json). */
export interface Account {
  name: string;
  role: string;
  source: string;
  isAdmin: boolean;
}

export interface SessionInfo {
  signIn: "available" | "not-needed" | "unavailable";
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
