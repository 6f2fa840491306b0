/**
 * Portal sign-in sessions: a random token in an HttpOnly, SameSite=Strict cookie; the
 * metadata database keeps only its sha256, with the user, a CSRF token and the deadlines.
 * A session ends `lifetime` after sign-in or `idle` after its last request, whichever is
 * first, and at sign-out. Nothing about a session lives only in this process, so any
 * replica sharing the database accepts it.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { SessionRecord, SessionRecords } from "../metadata/session-records.js";

export const SESSION_COOKIE = "berth_session";
/** The header the portal sends the session's CSRF token in, on every state-changing call. */
export const CSRF_HEADER = "x-berth-csrf";

/** Activity is written at most this often per session (a page load makes several calls). */
const TOUCH_EVERY_MS = 30_000;

export interface SessionTimes {
  /** Milliseconds from sign-in to the end of a session. */
  lifetime: number;
  /** Milliseconds without a request after which a session ends. */
  idle: number;
}

export interface StartedSession {
  /** The cookie's value: shown to the browser once, stored only hashed. */
  token: string;
  record: SessionRecord;
}

function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Constant-time comparison of two strings (false when the lengths differ). */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

export class Sessions {
  constructor(
    private readonly records: SessionRecords,
    readonly times: SessionTimes,
    private readonly now: () => number = Date.now,
  ) {}

  async start(user: string, source: SessionRecord["source"]): Promise<StartedSession> {
    const now = this.now();
    // Sign-ins are rare: a good moment to forget sessions that ended.
    await this.records.deleteExpired(now, now - this.times.idle);
    const token = randomBytes(32).toString("base64url");
    const record: SessionRecord = {
      idHash: hashToken(token),
      user,
      source,
      csrfToken: randomBytes(24).toString("base64url"),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.times.lifetime,
    };
    await this.records.create(record);
    return { token, record };
  }

  /** The live session the token names (its activity recorded), or null when unknown or ended. */
  async resume(token: string): Promise<SessionRecord | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    const record = await this.records.get(hashToken(token));
    if (!record) return null;
    const now = this.now();
    if (now >= record.expiresAt || now - record.lastSeenAt >= this.times.idle) {
      await this.records.delete(record.idHash);
      return null;
    }
    if (now - record.lastSeenAt >= TOUCH_EVERY_MS) {
      await this.records.touch(record.idHash, now);
      record.lastSeenAt = now;
    }
    return record;
  }

  /** When the session ends if nothing more happens. */
  endsAt(record: SessionRecord): number {
    return Math.min(record.expiresAt, record.lastSeenAt + this.times.idle);
  }

  async end(token: string): Promise<void> {
    await this.records.delete(hashToken(token));
  }

  async endAllOf(user: string): Promise<void> {
    await this.records.deleteForUser(user);
  }
}

/** One cookie's value from a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface CookieOptions {
  path: string;
  secure: boolean;
  /** Seconds; 0 removes the cookie. */
  maxAge: number;
}

export function sessionCookie(value: string, options: CookieOptions): string {
  const parts = [`${SESSION_COOKIE}=${value}`, `Path=${options.path}`, `Max-Age=${options.maxAge}`, "HttpOnly", "SameSite=Strict"];
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}
