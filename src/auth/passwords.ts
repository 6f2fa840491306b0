/**
 * bcrypt hashing and checking (bcryptjs), with successful checks remembered briefly
 * (verified-cache.ts) so Basic credentials on every request stay cheap.
 */
import bcrypt from "bcryptjs";
import { randomBytes } from "node:crypto";
import { VerifiedCache } from "./verified-cache.js";

export const BCRYPT_COST = 10;

/** $2a$, $2b$ and $2y$ are bcrypt; anything else is refused. */
export function isBcryptHash(hash: string): boolean {
  return /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(hash);
}

export async function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_COST);
}

/**
 * A valid bcrypt hash of nothing anyone knows: checked against when the user is unknown, so
 * timing does not tell. Made on first use (async), not at import, where it cost every start ~0.7 s.
 */
let decoyHash: Promise<string> | undefined;
function decoy(): Promise<string> {
  decoyHash ??= bcrypt.hash(randomBytes(16).toString("hex"), BCRYPT_COST);
  return decoyHash;
}

export class PasswordChecker {
  private readonly verified = new VerifiedCache();

  /** Whether the password matches the bcrypt hash; with no hash, spends the same time and answers false. */
  async check(password: string, hash: string | null | undefined): Promise<boolean> {
    if (!hash || !isBcryptHash(hash)) {
      await bcrypt.compare(password, await decoy());
      return false;
    }
    if (this.verified.has(hash, password)) return true;
    const ok = await bcrypt.compare(password, hash);
    if (ok) this.verified.add(hash, password);
    return ok;
  }
}
