/**
 * Portal sign-in sessions (issue 6). Only a hash of the session token is stored, so a copy of
 * the database does not let anyone sign in. Times are epoch milliseconds.
 */

export interface SessionRecord {
  /** sha256 hex of the token the browser holds in its cookie. */
  idHash: string;
  /** The user signed in. */
  user: string;
  /** Where the user was found: a managed or LDAP user, or an htpasswd entry. */
  source: "managed" | "ldap" | "htpasswd";
  /** Sent back by the portal in a header on every state-changing call. */
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  /** The session ends at the earlier of this and lastSeenAt + the idle timeout. */
  expiresAt: number;
}

export interface SessionRecords {
  create(session: SessionRecord): Promise<void>;
  get(idHash: string): Promise<SessionRecord | null>;
  /** Records activity (moving the idle deadline). */
  touch(idHash: string, lastSeenAt: number): Promise<void>;
  delete(idHash: string): Promise<boolean>;
  /** Ends every session of a user (deleted, deactivated, password changed). */
  deleteForUser(user: string): Promise<number>;
  /** Removes sessions past `expiresAt` or idle since before `idleBefore`; how many went. */
  deleteExpired(now: number, idleBefore: number): Promise<number>;
}
