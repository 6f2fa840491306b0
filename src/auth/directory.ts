/**
 * Berth's users in one place: logging in (robots by `robot$<name>`, then managed users, then
 * LDAP for names that are not managed users) and turning a token's subject back into a
 * principal — null when the user was deleted or deactivated, or the robot revoked, so their
 * tokens stop working at once.
 */
import type { MetadataStore } from "../metadata/store.js";
import type { Authenticator } from "./authenticator.js";
import { ManagedUserAuthenticator } from "./managed-users.js";
import type { PasswordChecker } from "./passwords.js";
import { ANONYMOUS, type Principal } from "./principal.js";
import { ROBOT_PREFIX, RobotAuthenticator, robotPrincipal, robotUsable } from "./robots.js";
import { credentialVersion, type TokenSubject } from "./tokens.js";

export class Directory implements Authenticator {
  private readonly robots: RobotAuthenticator;
  private readonly managed: ManagedUserAuthenticator;

  constructor(
    private readonly metadata: MetadataStore,
    passwords: PasswordChecker,
    /** LDAP, when configured: asked about names that are not managed users. */
    private readonly ldap?: Authenticator,
  ) {
    this.robots = new RobotAuthenticator(metadata);
    this.managed = new ManagedUserAuthenticator(metadata, passwords);
  }

  async verify(user: string, password: string): Promise<Principal | null> {
    if (user.startsWith(ROBOT_PREFIX)) return this.robots.verify(user, password);
    const record = await this.metadata.access.getUser(user);
    if (this.ldap && (record === null || record.source === "ldap")) return this.ldap.verify(user, password);
    return this.managed.verify(user, password);
  }

  async principalFor(subject: TokenSubject): Promise<Principal | null> {
    if (subject.kind === "anonymous") return ANONYMOUS;
    if (subject.kind === "robot") {
      const robot = await this.metadata.access.getRobot(subject.name);
      return robot && robotUsable(robot) ? robotPrincipal(robot) : null;
    }
    const user = await this.metadata.access.getUser(subject.name);
    return user?.active ? { kind: "user", name: user.name, role: user.role, source: user.source } : null;
  }

  /** What a refresh token is bound to: the password hash (or robot secret hash) at login. */
  async credentialVersion(subject: TokenSubject): Promise<string | null> {
    if (subject.kind === "robot") {
      const robot = await this.metadata.access.getRobot(subject.name);
      return robot ? credentialVersion(robot.secretHash) : null;
    }
    if (subject.kind === "user") {
      const user = await this.metadata.access.getUser(subject.name);
      return user ? credentialVersion(user.passwordHash) : null;
    }
    return null;
  }
}
