/**
 * Keeps teams linked to an LDAP group (ldapGroupDn) in step with the group, and LDAP users'
 * admin role with admingroupdn: at start, every ldap.syncinterval, and on demand (management
 * API). Members who never logged in are created as LDAP users; names taken by managed users
 * are left out of the team, with a warning.
 */
import type { Logger } from "pino";
import type { LdapConfig } from "../config/types.js";
import type { MetadataStore } from "../metadata/store.js";
import { describeLdapFailure, LdapUnavailableError } from "./ldap-errors.js";
import { provisionLdapUser, type LdapDirectory } from "./ldap.js";

export interface LdapSyncReport {
  teams: { org: string; team: string; members: string[] }[];
  /** Groups that could not be read. */
  failures: { org: string; team: string; error: string }[];
}

export class LdapSync {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<LdapSyncReport> | undefined;

  constructor(
    private readonly directory: LdapDirectory,
    private readonly metadata: MetadataStore,
    private readonly config: LdapConfig,
    private readonly logger: Logger,
  ) {}

  /** One sync; concurrent callers share the run in progress. */
  run(): Promise<LdapSyncReport> {
    this.running ??= this.sync().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async sync(): Promise<LdapSyncReport> {
    const admins = new Set(this.config.admingroupdn ? await this.adminGroupMembers(this.config.admingroupdn) : []);
    const report: LdapSyncReport = { teams: [], failures: [] };
    for (const team of await this.metadata.access.ldapTeams()) {
      try {
        const members: string[] = [];
        for (const login of await this.directory.groupMembers(team.ldapGroupDn ?? "")) {
          const user = await provisionLdapUser(this.metadata, this.config, login, "", admins.has(login));
          if (user) members.push(login);
          else this.logger.warn({ user: login, team: `${team.org}/${team.name}` }, "LDAP group member skipped: the name belongs to a managed user");
        }
        await this.metadata.access.setMembers(team.org, team.name, members);
        report.teams.push({ org: team.org, team: team.name, members });
      } catch (error) {
        const message = describeLdapFailure(error, this.config.url);
        report.failures.push({ org: team.org, team: team.name, error: message });
        this.logger.error({ team: `${team.org}/${team.name}`, group: team.ldapGroupDn, err: message }, "LDAP team sync failed");
      }
    }
    // LDAP users' admin role follows the admin group.
    if (this.config.admingroupdn) {
      let after: string | undefined;
      for (;;) {
        const page = await this.metadata.access.listUsers(after === undefined ? { limit: 500 } : { limit: 500, after });
        for (const user of page) {
          const admin = admins.has(user.name);
          if (user.source === "ldap" && (user.role === "admin") !== admin) await provisionLdapUser(this.metadata, this.config, user.name, "", admin);
        }
        if (page.length < 500) break;
        after = page[page.length - 1]?.name;
      }
    }
    return report;
  }

  /** Without the admin group nothing can be synced: the directory is unavailable. */
  private async adminGroupMembers(groupDn: string): Promise<string[]> {
    try {
      return await this.directory.groupMembers(groupDn);
    } catch (error) {
      throw new LdapUnavailableError(describeLdapFailure(error, this.config.url));
    }
  }

  start(): void {
    const tick = () => {
      this.run().then(
        (report) => this.logger.info({ teams: report.teams.length, failures: report.failures.length }, "LDAP sync done"),
        (error: unknown) => this.logger.error({ err: error instanceof LdapUnavailableError ? error.reason : String(error) }, "LDAP sync failed"),
      );
    };
    tick();
    this.timer = setInterval(tick, this.config.syncinterval);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }
}
