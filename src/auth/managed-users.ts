/** Managed users: bcrypt hashes in the metadata store, created through the API or the CLI. */
import type { MetadataStore } from "../metadata/store.js";
import type { Authenticator } from "./authenticator.js";
import type { PasswordChecker } from "./passwords.js";
import type { Principal } from "./principal.js";

export class ManagedUserAuthenticator implements Authenticator {
  constructor(
    private readonly metadata: MetadataStore,
    private readonly passwords: PasswordChecker,
  ) {}

  async verify(user: string, password: string): Promise<Principal | null> {
    const record = await this.metadata.access.getUser(user);
    const hash = record?.source === "managed" && record.active ? record.passwordHash : null;
    // An unknown or inactive user still costs one bcrypt check: timing does not tell them apart.
    if (!(await this.passwords.check(password, hash)) || !record) return null;
    return { kind: "user", name: record.name, role: record.role, source: "managed" };
  }
}
