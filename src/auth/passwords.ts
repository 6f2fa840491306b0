/**
 * bcrypt hashing and checking (bcryptjs). A successful check is remembered for a short while
 * under an HMAC of hash and password with a per-process key, so a client sending Basic
 * credentials on every request costs one bcrypt per minute, not one per request. Nothing
 * derived from a password leaves the process.
 */
import bcrypt from "bcryptjs";
import { createHmac, randomBytes } from "node:crypto";

export const BCRYPT_COST = 10;
const CACHE_MS = 60_000;
const CACHE_SIZE = 1000;

/** $2a$, $2b$ and $2y$ are bcrypt; anything else is refused. */
export function isBcryptHash(hash: string): boolean {
  return /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(hash);
}

export async function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_COST);
}

/** A valid bcrypt hash of nothing anyone knows: checked against when the user is unknown, so timing does not tell. */
const DECOY_HASH = bcrypt.hashSync(randomBytes(16).toString("hex"), BCRYPT_COST);

export class PasswordChecker {
  private readonly key = randomBytes(32);
  private readonly verified = new Map<string, number>();

  private cacheKey(hash: string, password: string): string {
    return createHmac("sha256", this.key).update(hash).update("\u0000").update(password).digest("base64");
  }

  /** Whether the password matches the bcrypt hash; with no hash, spends the same time and answers false. */
  async check(password: string, hash: string | null | undefined): Promise<boolean> {
    if (!hash || !isBcryptHash(hash)) {
      await bcrypt.compare(password, DECOY_HASH);
      return false;
    }
    const key = this.cacheKey(hash, password);
    const until = this.verified.get(key);
    if (until !== undefined && until > Date.now()) return true;
    if (until !== undefined) this.verified.delete(key);
    const ok = await bcrypt.compare(password, hash);
    if (ok) {
      this.verified.set(key, Date.now() + CACHE_MS);
      if (this.verified.size > CACHE_SIZE) {
        const oldest = this.verified.keys().next().value;
        if (oldest !== undefined) this.verified.delete(oldest);
      }
    }
    return ok;
  }
}
