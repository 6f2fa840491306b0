/**
 * An htpasswd file of bcrypt entries (`htpasswd -B`), re-read when it changes (checked at
 * most once a second), so users can be added or removed without a restart. Entries with
 * other hash kinds (MD5 $apr1$, {SHA}, crypt) are refused with a log line naming the user
 * and the line, never the hash.
 */
import { readFile, stat } from "node:fs/promises";
import type { Logger } from "pino";
import type { Authenticator } from "./authenticator.js";
import { isBcryptHash, PasswordChecker } from "./passwords.js";
import type { Principal } from "./principal.js";

const RECHECK_MS = 1000;

/** registry:2 lets every htpasswd user do everything; the same here. */
export function htpasswdPrincipal(user: string): Principal {
  return { kind: "user", name: user, role: "admin", source: "htpasswd" };
}

export class HtpasswdAuthenticator implements Authenticator {
  private entries = new Map<string, string>();
  private version = "";
  private checkedAt = 0;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    private readonly logger: Logger,
    private readonly passwords: PasswordChecker = new PasswordChecker(),
  ) {}

  private async reload(): Promise<void> {
    let version: string;
    try {
      const info = await stat(this.path);
      version = `${info.ino}:${info.size}:${info.mtimeMs}`;
    } catch (error) {
      if (this.version !== "missing") this.logger.error({ path: this.path, err: error }, "htpasswd file cannot be read: every login is refused");
      this.entries = new Map();
      this.version = "missing";
      return;
    }
    if (version === this.version) return;
    const text = await readFile(this.path, "utf8");
    this.entries = this.parse(text);
    this.version = version;
    this.logger.info({ path: this.path, users: this.entries.size }, "htpasswd file loaded");
  }

  private parse(text: string): Map<string, string> {
    const entries = new Map<string, string>();
    text.split(/\r?\n/).forEach((raw, index) => {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) return;
      const colon = line.indexOf(":");
      const user = colon < 0 ? line : line.slice(0, colon);
      const hash = colon < 0 ? "" : line.slice(colon + 1);
      if (!isBcryptHash(hash)) {
        this.logger.warn(
          { path: this.path, line: index + 1, user },
          "htpasswd entry refused: only bcrypt hashes are accepted (create it with `htpasswd -B`)",
        );
        return;
      }
      entries.set(user, hash);
    });
    return entries;
  }

  private async fresh(): Promise<void> {
    if (Date.now() - this.checkedAt < RECHECK_MS) return;
    this.loading ??= this.reload().finally(() => {
      this.checkedAt = Date.now();
      this.loading = undefined;
    });
    await this.loading;
  }

  async verify(user: string, password: string): Promise<Principal | null> {
    await this.fresh();
    const ok = await this.passwords.check(password, this.entries.get(user));
    return ok ? htpasswdPrincipal(user) : null;
  }

  /** Whether the file (as it is now) still has the user: a portal session ends when it does not. */
  async has(user: string): Promise<boolean> {
    await this.fresh();
    return this.entries.has(user);
  }
}
