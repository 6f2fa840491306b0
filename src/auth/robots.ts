/**
 * Robot (CI) tokens: a login name `robot$<name>` and a random secret shown once. Only the
 * secret's sha256 is stored; it is compared in constant time. A robot reaches one repository
 * or one namespace, pull-only or push, until revoked or expired.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { RobotRecord } from "../metadata/access-records.js";
import type { MetadataStore } from "../metadata/store.js";
import type { Authenticator } from "./authenticator.js";
import type { Principal } from "./principal.js";

export const ROBOT_PREFIX = "robot$";

export function robotLogin(name: string): string {
  return `${ROBOT_PREFIX}${name}`;
}

export function newRobotSecret(): string {
  return `brt_${randomBytes(32).toString("base64url")}`;
}

export function hashRobotSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

/** A robot that may still be used (not revoked, not expired). */
export function robotUsable(robot: RobotRecord, now = Date.now()): boolean {
  return robot.revokedAt === null && (robot.expiresAt === null || Date.parse(robot.expiresAt) > now);
}

export function robotPrincipal(robot: RobotRecord): Principal {
  return { kind: "robot", name: robotLogin(robot.name), id: robot.id, scopeKind: robot.scopeKind, scope: robot.scope, access: robot.access };
}

export class RobotAuthenticator implements Authenticator {
  constructor(private readonly metadata: MetadataStore) {}

  async verify(user: string, password: string): Promise<Principal | null> {
    if (!user.startsWith(ROBOT_PREFIX)) return null;
    const robot = await this.metadata.access.getRobotByName(user.slice(ROBOT_PREFIX.length));
    const presented = hashRobotSecret(password);
    // Compared even for unknown robots, so timing does not tell which exist.
    const matches = sameHash(presented, robot?.secretHash ?? "0".repeat(64));
    if (!robot || !matches || !robotUsable(robot)) return null;
    await this.metadata.access.touchRobot(robot.id, new Date().toISOString());
    return robotPrincipal(robot);
  }
}
