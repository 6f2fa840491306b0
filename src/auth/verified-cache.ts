/**
 * Remembers successful credential checks for a short while, so a client sending Basic
 * credentials with every request costs one bcrypt (or LDAP bind) per minute, not per request.
 * Entries are HMACs under a per-process random key: nothing derived from a password leaves
 * the process or can be compared offline. Failures are never remembered.
 */
import { createHmac, randomBytes } from "node:crypto";

export class VerifiedCache {
  private readonly key = randomBytes(32);
  private readonly until = new Map<string, number>();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly size = 1000,
  ) {}

  private entry(parts: string[]): string {
    const hmac = createHmac("sha256", this.key);
    for (const part of parts) hmac.update(part).update("\u0000");
    return hmac.digest("base64");
  }

  has(...parts: string[]): boolean {
    const key = this.entry(parts);
    const until = this.until.get(key);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.until.delete(key);
    return false;
  }

  add(...parts: string[]): void {
    this.until.set(this.entry(parts), Date.now() + this.ttlMs);
    if (this.until.size > this.size) {
      const oldest = this.until.keys().next().value;
      if (oldest !== undefined) this.until.delete(oldest);
    }
  }
}
