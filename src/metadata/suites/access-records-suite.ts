/** Users, organizations, teams, repository settings, grants, robot tokens and the audit log, run against every implementation. */
import { describe, expect, it } from "vitest";
import type { RobotRecord, UserRecord } from "../access-records.js";
import { storeFixture, type MetadataFactory } from "./fixture.js";

const AT = "2026-11-28T00:00:00.000Z";

function user(name: string, extra: Partial<UserRecord> = {}): UserRecord {
  return { name, passwordHash: "$2a$hash", role: "none", source: "managed", fullName: "", active: true, createdAt: AT, ...extra };
}

function robot(id: string, name: string, extra: Partial<RobotRecord> = {}): RobotRecord {
  return {
    id,
    name,
    createdBy: "admin",
    secretHash: "ab".repeat(32),
    scopeKind: "repository",
    scope: "team/app",
    access: "pull",
    createdAt: AT,
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    ...extra,
  };
}

export function accessRecordsSuite(factory: MetadataFactory): void {
  describe(`access records (${factory.name})`, () => {
    const fixture = storeFixture(factory);

    it("creates, lists, updates and deletes users; a name is a user's or an organization's, not both", async () => {
      const { access } = await fixture.store();
      expect(await access.createUser(user("bob", { role: "admin", fullName: "Bob B" }))).toBe(true);
      expect(await access.createUser(user("alice", { source: "ldap", passwordHash: null, active: false }))).toBe(true);
      expect(await access.createUser(user("bob"))).toBe(false);
      expect(await access.createOrg("bob", AT)).toBe(false);
      expect(await access.getUser("bob")).toEqual(user("bob", { role: "admin", fullName: "Bob B" }));
      expect(await access.getUser("alice")).toEqual(user("alice", { source: "ldap", passwordHash: null, active: false }));
      expect(await access.getUser("carol")).toBeNull();
      expect((await access.listUsers({ limit: 10 })).map((u) => u.name)).toEqual(["alice", "bob"]);
      expect((await access.listUsers({ limit: 10, after: "alice" })).map((u) => u.name)).toEqual(["bob"]);
      expect(await access.updateUser("alice", { active: true, role: "read-write", fullName: "Alice", passwordHash: "x" })).toBe(true);
      expect(await access.getUser("alice")).toMatchObject({ active: true, role: "read-write", fullName: "Alice", passwordHash: "x" });
      expect(await access.updateUser("alice", {})).toBe(true);
      expect(await access.updateUser("carol", {})).toBe(false);
      expect(await access.updateUser("carol", { role: "admin" })).toBe(false);
      expect(await access.deleteUser("alice")).toBe(true);
      expect(await access.deleteUser("alice")).toBe(false);
    });

    it("organizations come with an owners team; teams, members and LDAP links", async () => {
      const { access } = await fixture.store();
      await access.createUser(user("bob"));
      await access.createUser(user("ann"));
      expect(await access.createOrg("acme", AT)).toBe(true);
      expect(await access.createOrg("acme", AT)).toBe(false);
      expect(await access.createUser(user("acme"))).toBe(false);
      expect(await access.orgExists("acme")).toBe(true);
      expect(await access.listOrgs({ limit: 10 })).toEqual(["acme"]);
      expect(await access.listTeams("acme")).toEqual([{ org: "acme", name: "owners", description: "Owners of the organization", ldapGroupDn: null }]);
      expect(await access.createTeam({ org: "acme", name: "devs", description: "Developers", ldapGroupDn: null })).toBe(true);
      expect(await access.createTeam({ org: "acme", name: "devs", description: "again", ldapGroupDn: null })).toBe(false);
      expect(await access.createTeam({ org: "nobody", name: "devs", description: "", ldapGroupDn: null })).toBe(false);
      expect(await access.updateTeam("acme", "devs", { ldapGroupDn: "cn=devs,dc=x" })).toBe(true);
      expect(await access.updateTeam("acme", "ghosts", { description: "x" })).toBe(false);
      expect(await access.getTeam("acme", "devs")).toEqual({ org: "acme", name: "devs", description: "Developers", ldapGroupDn: "cn=devs,dc=x" });
      expect(await access.ldapTeams()).toEqual([{ org: "acme", name: "devs", description: "Developers", ldapGroupDn: "cn=devs,dc=x" }]);

      await access.addMember("acme", "devs", "bob");
      await access.addMember("acme", "devs", "bob");
      await access.addMember("acme", "owners", "bob");
      expect(await access.listMembers("acme", "devs")).toEqual(["bob"]);
      expect(await access.teamsOf("bob")).toEqual([{ org: "acme", team: "devs" }, { org: "acme", team: "owners" }]);
      await access.setMembers("acme", "devs", ["ann", "bob", "ann"]);
      expect(await access.listMembers("acme", "devs")).toEqual(["ann", "bob"]);
      expect(await access.removeMember("acme", "devs", "ann")).toBe(true);
      expect(await access.removeMember("acme", "devs", "ann")).toBe(false);
      // Deleting a user takes them out of every team.
      await access.deleteUser("bob");
      expect(await access.teamsOf("bob")).toEqual([]);
      expect(await access.deleteTeam("acme", "devs")).toBe(true);
      expect(await access.getTeam("acme", "devs")).toBeNull();
      expect(await access.deleteOrg("acme")).toBe(true);
      expect(await access.listTeams("acme")).toEqual([]);
      expect(await access.deleteOrg("acme")).toBe(false);
    });

    it("repository settings and team grants, by namespace with LIKE's wildcards taken literally", async () => {
      const { access } = await fixture.store();
      const settings = (name: string, visibility: "public" | "private" = "private") => ({ name, visibility, description: "", createdAt: AT });
      expect(await access.createRepository(settings("acme/app"))).toBe(true);
      expect(await access.createRepository(settings("acme/app", "public"))).toBe(false);
      await access.putRepository({ ...settings("acme/app", "public"), description: "The app" });
      await access.putRepository(settings("acme/lib"));
      await access.putRepository(settings("acme_x/lib"));
      await access.putRepository(settings("acmeZ/lib"));
      await access.putRepository(settings("a%/lib"));
      expect(await access.getRepository("acme/app")).toEqual({ name: "acme/app", visibility: "public", description: "The app", createdAt: AT });
      expect((await access.listRepositories({ limit: 10 }, "acme")).map((r) => r.name)).toEqual(["acme/app", "acme/lib"]);
      expect((await access.listRepositories({ limit: 10, after: "acme/app" }, "acme")).map((r) => r.name)).toEqual(["acme/lib"]);
      expect((await access.listRepositories({ limit: 10 }, "acme_x")).map((r) => r.name)).toEqual(["acme_x/lib"]);
      expect((await access.listRepositories({ limit: 10 }, "a%")).map((r) => r.name)).toEqual(["a%/lib"]);
      expect((await access.listRepositories({ limit: 2 })).map((r) => r.name)).toEqual(["a%/lib", "acme/app"]);

      await access.createOrg("acme", AT);
      await access.createTeam({ org: "acme", name: "devs", description: "", ldapGroupDn: null });
      await access.putGrant({ org: "acme", team: "devs", repository: "acme/app", level: "read-only" });
      await access.putGrant({ org: "acme", team: "devs", repository: "acme/app", level: "read-write" });
      await access.putGrant({ org: "acme", team: "owners", repository: "acme/app", level: "admin" });
      await access.putGrant({ org: "acme", team: "devs", repository: "acme/lib", level: "read-only" });
      expect(await access.grantsOn("acme/app")).toEqual([
        { org: "acme", team: "devs", repository: "acme/app", level: "read-write" },
        { org: "acme", team: "owners", repository: "acme/app", level: "admin" },
      ]);
      expect((await access.grantsOfTeam("acme", "devs")).map((g) => g.repository)).toEqual(["acme/app", "acme/lib"]);
      expect(await access.deleteGrant("acme", "devs", "acme/lib")).toBe(true);
      expect(await access.deleteGrant("acme", "devs", "acme/lib")).toBe(false);
      expect(await access.deleteRepository("acme/app")).toBe(true);
      expect(await access.grantsOn("acme/app")).toEqual([]);
      expect(await access.deleteRepository("acme/app")).toBe(false);
      // Deleting a team drops its grants.
      await access.putGrant({ org: "acme", team: "devs", repository: "acme/lib", level: "read-only" });
      await access.deleteTeam("acme", "devs");
      expect(await access.grantsOn("acme/lib")).toEqual([]);
    });

    it("robot tokens: unique ids and names, revoke once, last use", async () => {
      const { access } = await fixture.store();
      expect(await access.createRobot(robot("r1", "ci"))).toBe(true);
      expect(await access.createRobot(robot("r1", "other"))).toBe(false);
      expect(await access.createRobot(robot("r2", "ci"))).toBe(false);
      expect(await access.createRobot(robot("r3", "backup", { scopeKind: "namespace", scope: "team", access: "push", expiresAt: AT }))).toBe(true);
      expect(await access.getRobot("r1")).toEqual(robot("r1", "ci"));
      expect(await access.getRobotByName("backup")).toEqual(robot("r3", "backup", { scopeKind: "namespace", scope: "team", access: "push", expiresAt: AT }));
      expect(await access.getRobot("nope")).toBeNull();
      expect((await access.listRobots()).map((r) => r.name)).toEqual(["backup", "ci"]);
      expect(await access.revokeRobot("r1", AT)).toBe(true);
      expect(await access.revokeRobot("r1", AT)).toBe(false);
      await access.touchRobot("r3", "2026-11-29T00:00:00.000Z");
      expect(await access.getRobot("r3")).toMatchObject({ lastUsedAt: "2026-11-29T00:00:00.000Z", revokedAt: null });
      expect((await access.getRobot("r1"))?.revokedAt).toBe(AT);
    });

    it("the audit log, newest first, paged by id", async () => {
      const { access } = await fixture.store();
      for (let i = 1; i <= 5; i++) await access.addAudit({ at: AT, actor: "admin", action: `act${i}`, target: `t${i}`, detail: i % 2 ? { n: i } : null });
      const all = await access.listAudit(10);
      expect(all.map((entry) => entry.action)).toEqual(["act5", "act4", "act3", "act2", "act1"]);
      expect(all[0]).toEqual({ id: expect.any(Number), at: AT, actor: "admin", action: "act5", target: "t5", detail: { n: 5 } });
      expect(all[1]?.detail).toBeNull();
      const older = await access.listAudit(2, all[1]?.id);
      expect(older.map((entry) => entry.action)).toEqual(["act3", "act2"]);
    });
  });
}
