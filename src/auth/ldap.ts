/**
 * LDAP users (ldapts): login = search for the user as the search user (binddn), then bind as
 * the entry found with the password given. A user who logs in is kept as a Berth user of
 * source "ldap" (no password stored), so teams, grants and roles work as for managed users;
 * members of admingroupdn get the admin role. Group membership is read by memberUid (posix
 * groups), member/uniqueMember (groups of DNs) or the user's memberOf.
 */
import { Client, ResultCodeError, type Entry } from "ldapts";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import type { ConnectionOptions } from "node:tls";
import type { Logger } from "pino";
import { isAccountName } from "../access/namespace.js";
import { ConfigError } from "../config/errors.js";
import type { LdapConfig } from "../config/types.js";
import type { GlobalRole, UserRecord } from "../metadata/access-records.js";
import type { MetadataStore } from "../metadata/store.js";
import type { Authenticator } from "./authenticator.js";
import { describeLdapFailure, LdapUnavailableError } from "./ldap-errors.js";
import type { Principal } from "./principal.js";
import { VerifiedCache } from "./verified-cache.js";

export interface LdapUser {
  dn: string;
  /** The login attribute's value, lower-cased: the Berth user name. */
  login: string;
  fullName: string;
  memberOf: string[];
}

/** RFC 4515: a value inside a search filter. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\*()\u0000]/g, (char) => `\\${char.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

function values(entry: Entry, attribute: string): string[] {
  const key = Object.keys(entry).find((name) => name.toLowerCase() === attribute.toLowerCase());
  const value = key === undefined ? undefined : entry[key];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => (Buffer.isBuffer(item) ? item.toString("utf8") : item));
}

/** DNs compared as LDAP does for these purposes: case and spaces around separators do not matter. */
function sameDn(a: string, b: string): boolean {
  const normal = (dn: string) => dn.toLowerCase().replace(/\s*([,=])\s*/g, "$1").trim();
  return normal(a) === normal(b);
}

export class LdapDirectory {
  /** ldap.tls.ca, read once at start so that a wrong path stops the start, naming the key. */
  private readonly ca: Buffer | undefined;

  constructor(private readonly config: LdapConfig) {
    try {
      this.ca = config.tls.ca ? readFileSync(config.tls.ca) : undefined;
    } catch (error) {
      throw new ConfigError([`ldap.tls.ca: cannot read ${config.tls.ca}: ${error instanceof Error ? error.message : String(error)}`]);
    }
  }

  private tlsOptions(): ConnectionOptions {
    // StartTLS upgrades a socket ldapts opened: without the host, Node would check the
    // certificate against "localhost". SNI takes host names only.
    const host = new URL(this.config.url).hostname.replace(/^\[|\]$/g, "");
    return {
      host,
      ...(isIP(host) === 0 ? { servername: host } : {}),
      ...(this.ca ? { ca: this.ca } : {}),
      rejectUnauthorized: !this.config.tls.insecureskipverify,
    };
  }

  private async connect(): Promise<Client> {
    // ldapts speaks TLS from the start whenever it is given TLS options: only for ldaps://.
    const ldaps = this.config.url.toLowerCase().startsWith("ldaps://");
    const client = new Client({
      url: this.config.url,
      timeout: this.config.timeout,
      connectTimeout: this.config.timeout,
      ...(ldaps ? { tlsOptions: this.tlsOptions() } : {}),
      strictDN: false,
    });
    try {
      if (this.config.starttls) await client.startTLS(this.tlsOptions());
    } catch (error) {
      await client.unbind().catch(() => undefined);
      throw error;
    }
    return client;
  }

  /** Runs searches as the search user (anonymously without binddn). */
  private async asSearchUser<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.connect();
    try {
      if (this.config.binddn) await client.bind(this.config.binddn, this.config.bindpassword ?? "");
      return await work(client);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  private toUser(entry: Entry): LdapUser | null {
    const login = values(entry, this.config.loginattribute)[0]?.toLowerCase();
    if (!login || !isAccountName(login)) return null;
    const fullName = values(entry, "displayName")[0] ?? values(entry, "cn")[0] ?? "";
    return { dn: entry.dn, login, fullName, memberOf: values(entry, "memberOf") };
  }

  private userFilter(login: string): string {
    return `(&${this.config.userfilter}(${this.config.loginattribute}=${escapeFilterValue(login)}))`;
  }

  private attributes(): string[] {
    return [this.config.loginattribute, "cn", "displayName", "memberOf"];
  }

  /** The one entry under userbasedn with this login (none, or more than one, → null). */
  async findUser(login: string): Promise<LdapUser | null> {
    return this.asSearchUser(async (client) => {
      const { searchEntries } = await client.search(this.config.userbasedn, {
        scope: "sub",
        filter: this.userFilter(login),
        attributes: this.attributes(),
        sizeLimit: 2,
      });
      const [entry, ...others] = searchEntries;
      return entry && others.length === 0 ? this.toUser(entry) : null;
    });
  }

  /**
   * A bind as the user. An empty password would be an unauthenticated bind, which "succeeds":
   * refused. The server refusing the bind is a wrong password; anything else (connection, TLS)
   * is thrown.
   */
  async checkPassword(dn: string, password: string): Promise<boolean> {
    if (password === "") return false;
    const client = await this.connect();
    try {
      await client.bind(dn, password);
      return true;
    } catch (error) {
      if (error instanceof ResultCodeError) return false;
      throw error;
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  async isMember(groupDn: string, user: LdapUser): Promise<boolean> {
    const attribute = this.config.groupmemberattribute;
    if (attribute === "memberOf") return user.memberOf.some((dn) => sameDn(dn, groupDn));
    return this.asSearchUser(async (client) => {
      try {
        return await client.compare(groupDn, attribute, attribute === "memberUid" ? user.login : user.dn);
      } catch {
        return false; // no such group, or no such attribute on it
      }
    });
  }

  /** Logins of a group's members (users outside userbasedn or the filter are left out). */
  async groupMembers(groupDn: string): Promise<string[]> {
    const attribute = this.config.groupmemberattribute;
    return this.asSearchUser(async (client) => {
      if (attribute === "memberOf") {
        const { searchEntries } = await client.search(this.config.userbasedn, {
          scope: "sub",
          filter: `(&${this.config.userfilter}(memberOf=${escapeFilterValue(groupDn)}))`,
          attributes: this.attributes(),
        });
        return searchEntries.map((entry) => this.toUser(entry)?.login).filter((login): login is string => login !== undefined);
      }
      const { searchEntries } = await client.search(groupDn, { scope: "base", attributes: [attribute] });
      const members = searchEntries[0] ? values(searchEntries[0], attribute) : [];
      if (attribute === "memberUid") return members.map((login) => login.toLowerCase()).filter(isAccountName);
      const logins: string[] = [];
      for (const dn of members) {
        const { searchEntries: found } = await client
          .search(dn, { scope: "base", filter: this.config.userfilter, attributes: this.attributes() })
          .catch(() => ({ searchEntries: [] as Entry[] }));
        const user = found[0] ? this.toUser(found[0]) : null;
        if (user) logins.push(user.login);
      }
      return logins;
    });
  }
}

/** The role an LDAP user gets now: admin from the admin group; otherwise what Berth has (an admin who left the group drops to the default). */
export function ldapRole(current: GlobalRole | undefined, isAdmin: boolean, config: LdapConfig): GlobalRole {
  if (isAdmin) return "admin";
  if (current === undefined) return config.defaultrole;
  if (current === "admin" && config.admingroupdn) return config.defaultrole;
  return current;
}

/** Creates or updates the Berth record of an LDAP user; null when the name belongs to a managed user or an organization. */
export async function provisionLdapUser(metadata: MetadataStore, config: LdapConfig, login: string, fullName: string, isAdmin: boolean): Promise<UserRecord | null> {
  const existing = await metadata.access.getUser(login);
  if (existing && existing.source !== "ldap") return null;
  const role = ldapRole(existing?.role, isAdmin, config);
  if (existing) {
    if (existing.role !== role || (fullName && existing.fullName !== fullName)) {
      await metadata.access.updateUser(login, { role, ...(fullName ? { fullName } : {}) });
    }
    return { ...existing, role, fullName: fullName || existing.fullName };
  }
  const record: UserRecord = { name: login, passwordHash: null, role, source: "ldap", fullName, active: true, createdAt: new Date().toISOString() };
  return (await metadata.access.createUser(record)) ? record : null;
}

export class LdapAuthenticator implements Authenticator {
  private readonly verified = new VerifiedCache();

  constructor(
    private readonly directory: LdapDirectory,
    private readonly metadata: MetadataStore,
    private readonly config: LdapConfig,
    private readonly logger: Logger,
  ) {}

  async verify(user: string, password: string): Promise<Principal | null> {
    if (!isAccountName(user) || password === "") return null;
    if (this.verified.has(user, password)) {
      const record = await this.metadata.access.getUser(user);
      if (record?.source === "ldap" && record.active) return { kind: "user", name: record.name, role: record.role, source: "ldap" };
    }
    const checked = await this.askDirectory(user, async () => {
      const found = await this.directory.findUser(user);
      if (!found || !(await this.directory.checkPassword(found.dn, password))) return null;
      const isAdmin = this.config.admingroupdn ? await this.directory.isMember(this.config.admingroupdn, found) : false;
      return { found, isAdmin };
    });
    if (!checked) return null;
    const record = await provisionLdapUser(this.metadata, this.config, checked.found.login, checked.found.fullName, checked.isAdmin);
    if (!record?.active) return null;
    this.verified.add(user, password);
    return { kind: "user", name: record.name, role: record.role, source: "ldap" };
  }

  private async askDirectory<T>(user: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const reason = describeLdapFailure(error, this.config.url);
      this.logger.error({ err: reason, user }, "LDAP login failed: the directory cannot be reached or refuses Berth");
      throw new LdapUnavailableError(reason);
    }
  }
}
