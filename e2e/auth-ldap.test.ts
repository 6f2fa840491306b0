/**
 * LDAP users against a real Debian slapd: login = search as the search user + bind as the
 * user; the admin group gives the admin role; teams linked to a group get its members on
 * sync (and lose those who leave); wrong, empty and unknown credentials are refused; group
 * membership by member DNs as well as memberUid, and by the users' memberOf (slapd's memberof
 * overlay keeps it as groups change, as Active Directory does).
 */
import { Attribute, Change, Client } from "ldapts";
import { readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { LdapDirectory } from "../src/auth/ldap.js";
import { LdapSync } from "../src/auth/ldap-sync.js";
import { loadConfig } from "../src/config/index.js";
import { SqliteMetadataStore } from "../src/metadata/sqlite.js";
import { addEntry, startSlapd, sshaPassword, type Slapd } from "./harness/slapd.js";
import { startBerth, type RunningRegistry } from "./harness/servers.js";

const SUFFIX = "dc=berth,dc=test";
const PEOPLE = `ou=people,${SUFFIX}`;
const GROUPS = `ou=groups,${SUFFIX}`;
const SEARCH_DN = `cn=berth-search,ou=services,${SUFFIX}`;

function person(uid: string, name: string): string {
  return [`dn: uid=${uid},${PEOPLE}`, "objectClass: inetOrgPerson", `uid: ${uid}`, `cn: ${name}`, `sn: ${name}`, `displayName: ${name}`, `userPassword: ${sshaPassword(`${uid}-secret`)}`, ""].join("\n");
}

const TREE = [
  [`dn: ou=people,${SUFFIX}`, "objectClass: organizationalUnit", "ou: people", ""].join("\n"),
  [`dn: ou=groups,${SUFFIX}`, "objectClass: organizationalUnit", "ou: groups", ""].join("\n"),
  [`dn: ou=services,${SUFFIX}`, "objectClass: organizationalUnit", "ou: services", ""].join("\n"),
  [`dn: ${SEARCH_DN}`, "objectClass: organizationalRole", "objectClass: simpleSecurityObject", "cn: berth-search", `userPassword: ${sshaPassword("search-secret")}`, ""].join("\n"),
  person("starbuck", "Starbuck"),
  person("queequeg", "Queequeg"),
  person("ishmael", "Ishmael"),
  person("stubb", "Stubb"),
  [`dn: cn=registry-admins,${GROUPS}`, "objectClass: posixGroup", "cn: registry-admins", "gidNumber: 1000", "memberUid: starbuck", ""].join("\n"),
  [`dn: cn=harpooners,${GROUPS}`, "objectClass: posixGroup", "cn: harpooners", "gidNumber: 1001", "memberUid: queequeg", "memberUid: ishmael", ""].join("\n"),
  [`dn: cn=mates,${GROUPS}`, "objectClass: groupOfNames", "cn: mates", `member: uid=starbuck,${PEOPLE}`, `member: uid=stubb,${PEOPLE}`, ""].join("\n"),
].join("\n");

let slapd: Slapd | undefined;
let berth: RunningRegistry | undefined;

function ldapEnv(url: string, memberAttribute = "memberUid", adminGroup = `cn=registry-admins,${GROUPS}`): Record<string, string> {
  return {
    REGISTRY_LDAP_URL: url,
    REGISTRY_LDAP_BINDDN: SEARCH_DN,
    REGISTRY_LDAP_BINDPASSWORD: "search-secret",
    REGISTRY_LDAP_USERBASEDN: PEOPLE,
    REGISTRY_LDAP_USERFILTER: "(objectClass=inetOrgPerson)",
    REGISTRY_LDAP_ADMINGROUPDN: adminGroup,
    REGISTRY_LDAP_GROUPMEMBERATTRIBUTE: memberAttribute,
    REGISTRY_LDAP_SYNCINTERVAL: "1h",
  };
}

function ready(): { slapd: Slapd; berth: RunningRegistry } {
  if (!slapd || !berth) throw new Error("setup failed: slapd or Berth did not start (see the beforeAll error)");
  return { slapd, berth };
}

const basic = (user: string, password = `${user}-secret`) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

async function api(user: string, method: string, path: string, body?: unknown, registry = ready().berth): Promise<{ status: number; body: any }> {
  const res = await fetch(`${registry.url}/api/v0${path}`, {
    method,
    headers: { authorization: basic(user), "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** The scope Berth's token service grants the user (null when the login fails). */
async function granted(user: string, scope: string, password = `${user}-secret`, registry = ready().berth): Promise<string | null> {
  const res = await fetch(`${registry.url}/auth/token?service=berth&scope=${encodeURIComponent(scope)}`, { headers: { authorization: basic(user, password) } });
  if (res.status === 401) return null;
  expect(res.status).toBe(200);
  return ((await res.json()) as { scope: string }).scope;
}

async function asRoot(work: (client: Client) => Promise<void>): Promise<void> {
  const { slapd } = ready();
  const client = new Client({ url: slapd.url });
  await client.bind(slapd.rootDn, slapd.rootPassword);
  try {
    await work(client);
  } finally {
    await client.unbind();
  }
}

beforeAll(async () => {
  slapd = await startSlapd({ suffix: SUFFIX, ldif: TREE, memberOf: true });
  berth = await startBerth({ env: { REGISTRY_AUTH_BERTH_MODE: "token", REGISTRY_LOG_LEVEL: "info", ...ldapEnv(slapd.url) } });
});

afterAll(async () => {
  await berth?.stop();
  if (berth) rmSync(berth.root, { recursive: true, force: true });
  await slapd?.stop();
});

describe("LDAP users against slapd", () => {
  it("logs a member of the admin group in as an administrator, keeping no password", async () => {
    expect(await granted("starbuck", "registry:admin:*")).toBe("registry:admin:*");
    const me = await api("starbuck", "GET", "/accounts/me");
    expect(me.body).toEqual({ accountInfo: { name: "starbuck", isAdmin: true, isReadOnly: false, isReadWrite: false, isAnonymous: false } });
    const user = await api("starbuck", "GET", "/users/starbuck");
    expect(user.body).toMatchObject({ name: "starbuck", source: "ldap", role: "admin", fullName: "Starbuck" });
  });

  it("refuses wrong, empty and unknown credentials, and filter tricks", async () => {
    expect(await granted("queequeg", "", "wrong")).toBeNull();
    expect(await granted("queequeg", "", "")).toBeNull();
    expect(await granted("ahab", "", "ahab-secret")).toBeNull();
    expect(await granted("*", "", "queequeg-secret")).toBeNull();
    expect(await granted("queequeg)(uid=*", "", "queequeg-secret")).toBeNull();
    // The search user itself is not a user.
    expect(await granted("berth-search", "", "search-secret")).toBeNull();
  });

  it("syncs a team linked to an LDAP group, and access follows the team's grants", async () => {
    expect((await api("starbuck", "POST", "/orgs", { name: "pequod" })).status).toBe(201);
    expect((await api("starbuck", "POST", "/orgs/pequod/teams", { name: "harpooners", ldapGroupDn: `cn=harpooners,${GROUPS}` })).status).toBe(201);
    expect((await api("starbuck", "POST", "/repositories", { name: "pequod/whaling", visibility: "private" })).status).toBe(201);
    expect((await api("starbuck", "PUT", "/repositories/pequod/whaling/_grants/harpooners", { level: "read-write" })).status).toBe(200);
    const sync = await api("starbuck", "POST", "/ldap/sync");
    expect(sync.body).toEqual({ teams: [{ org: "pequod", team: "harpooners", members: ["queequeg", "ishmael"] }], failures: [] });
    expect((await api("starbuck", "GET", "/orgs/pequod/teams/harpooners/members")).body).toEqual({ members: ["ishmael", "queequeg"] });
    // queequeg never logged in before the sync: created by it, and now he can push.
    expect(await granted("queequeg", "repository:pequod/whaling:pull,push")).toBe("repository:pequod/whaling:pull,push");
    expect(await granted("stubb", "repository:pequod/whaling:pull,push")).toBe("");
    const login = await api("starbuck", "POST", "/auth/test-login", { username: "queequeg", password: "queequeg-secret" });
    expect(login.body).toEqual({ accountInfo: { name: "queequeg", isAdmin: false, isReadOnly: false, isReadWrite: false, isAnonymous: false } });
  });

  it("drops members who leave the group, and the admin role of those who leave the admin group", async () => {
    await asRoot(async (client) => {
      await client.modify(`cn=harpooners,${GROUPS}`, new Change({ operation: "delete", modification: new Attribute({ type: "memberUid", values: ["ishmael"] }) }));
      await client.modify(`cn=registry-admins,${GROUPS}`, new Change({ operation: "replace", modification: new Attribute({ type: "memberUid", values: ["queequeg"] }) }));
    });
    expect((await api("starbuck", "POST", "/ldap/sync")).body.teams).toEqual([{ org: "pequod", team: "harpooners", members: ["queequeg"] }]);
    expect(await granted("ishmael", "repository:pequod/whaling:pull")).toBe("");
    expect((await api("starbuck", "GET", "/accounts/me")).body.accountInfo.isAdmin).toBe(false);
    expect((await api("queequeg", "GET", "/accounts/me")).body.accountInfo.isAdmin).toBe(true);
  });

  it("reads group members by member DN too", async () => {
    const config = loadConfig({ env: { REGISTRY_AUTH_BERTH_MODE: "token", ...ldapEnv(ready().slapd.url, "member") } });
    if (!config.ldap) throw new Error("the ldap section did not load");
    const directory = new LdapDirectory(config.ldap);
    expect((await directory.groupMembers(`cn=mates,${GROUPS}`)).sort()).toEqual(["starbuck", "stubb"]);
    const stubb = await directory.findUser("stubb");
    expect(stubb).toMatchObject({ dn: `uid=stubb,${PEOPLE}`, login: "stubb", fullName: "Stubb" });
    expect(stubb && (await directory.isMember(`cn=mates,${GROUPS}`, stubb))).toBe(true);
    const ishmael = await directory.findUser("ishmael");
    expect(ishmael && (await directory.isMember(`cn=mates,${GROUPS}`, ishmael))).toBe(false);
  });

  describe("with memberOf as the member attribute", () => {
    const OFFICERS = `cn=officers,${GROUPS}`;
    const BOATSTEERERS = `cn=boatsteerers,${GROUPS}`;
    const dn = (uid: string) => `uid=${uid},${PEOPLE}`;
    let viaMemberOf: RunningRegistry | undefined;
    const registry = () => {
      if (!viaMemberOf) throw new Error("setup failed: the memberOf Berth did not start");
      return viaMemberOf;
    };
    const call = (user: string, method: string, path: string, body?: unknown) => api(user, method, path, body, registry());
    const memberOf = async (uid: string) => {
      let groups: string[] = [];
      await asRoot(async (client) => {
        const { searchEntries } = await client.search(dn(uid), { scope: "base", attributes: ["memberOf"] });
        const value = searchEntries[0]?.memberOf ?? [];
        groups = (Array.isArray(value) ? value : [value]).map(String);
      });
      return groups;
    };

    beforeAll(async () => {
      // Added online, so that the memberof overlay writes memberOf on the members.
      await addEntry(ready().slapd, OFFICERS, { objectClass: "groupOfNames", cn: "officers", member: dn("stubb") });
      await addEntry(ready().slapd, BOATSTEERERS, { objectClass: "groupOfNames", cn: "boatsteerers", member: [dn("queequeg"), dn("ishmael")] });
      viaMemberOf = await startBerth({ env: { REGISTRY_AUTH_BERTH_MODE: "token", REGISTRY_LOG_LEVEL: "info", ...ldapEnv(ready().slapd.url, "memberOf", OFFICERS) } });
    });

    afterAll(async () => {
      await viaMemberOf?.stop();
      if (viaMemberOf) rmSync(viaMemberOf.root, { recursive: true, force: true });
    });

    it("the directory writes memberOf on the users (the overlay is on)", async () => {
      expect(await memberOf("stubb")).toEqual([OFFICERS]);
      expect((await memberOf("ishmael")).sort()).toEqual([BOATSTEERERS]);
    });

    it("logs a user whose memberOf names the admin group in as an administrator, and others not", async () => {
      expect(await granted("stubb", "registry:admin:*", undefined, registry())).toBe("registry:admin:*");
      expect((await call("stubb", "GET", "/accounts/me")).body.accountInfo).toMatchObject({ name: "stubb", isAdmin: true });
      expect(await granted("ishmael", "registry:admin:*", undefined, registry())).toBe("");
      expect((await call("ishmael", "GET", "/accounts/me")).body.accountInfo).toMatchObject({ name: "ishmael", isAdmin: false });
      // starbuck is the admin of the memberUid group, which this Berth does not read.
      expect((await call("starbuck", "GET", "/accounts/me")).body.accountInfo).toMatchObject({ name: "starbuck", isAdmin: false });
      const test = await call("stubb", "POST", "/auth/test-login", { username: "queequeg", password: "queequeg-secret" });
      expect(test.body).toEqual({ accountInfo: { name: "queequeg", isAdmin: false, isReadOnly: false, isReadWrite: false, isAnonymous: false } });
    });

    it("syncs a team linked to a group from its members' memberOf, following changes in the directory", async () => {
      expect((await call("stubb", "POST", "/orgs", { name: "pequod" })).status).toBe(201);
      expect((await call("stubb", "POST", "/orgs/pequod/teams", { name: "boatsteerers", ldapGroupDn: BOATSTEERERS })).status).toBe(201);
      expect((await call("stubb", "POST", "/repositories", { name: "pequod/boats", visibility: "private" })).status).toBe(201);
      expect((await call("stubb", "PUT", "/repositories/pequod/boats/_grants/boatsteerers", { level: "read-only" })).status).toBe(200);
      const first = await call("stubb", "POST", "/ldap/sync");
      expect(first.body.failures).toEqual([]);
      expect(first.body.teams.map((team: { members: string[] }) => [...team.members].sort())).toEqual([["ishmael", "queequeg"]]);
      expect(await granted("ishmael", "repository:pequod/boats:pull", undefined, registry())).toBe("repository:pequod/boats:pull");

      // ishmael moves from the boat to the officers, stubb leaves the officers.
      await asRoot(async (client) => {
        await client.modify(BOATSTEERERS, new Change({ operation: "delete", modification: new Attribute({ type: "member", values: [dn("ishmael")] }) }));
        await client.modify(OFFICERS, new Change({ operation: "replace", modification: new Attribute({ type: "member", values: [dn("ishmael")] }) }));
      });
      expect(await memberOf("ishmael")).toEqual([OFFICERS]);
      const second = await call("stubb", "POST", "/ldap/sync");
      expect(second.body.teams).toEqual([{ org: "pequod", team: "boatsteerers", members: ["queequeg"] }]);
      expect((await call("stubb", "GET", "/accounts/me")).body.accountInfo.isAdmin).toBe(false);
      expect((await call("ishmael", "GET", "/accounts/me")).body.accountInfo.isAdmin).toBe(true);
      expect((await call("ishmael", "GET", "/orgs/pequod/teams/boatsteerers/members")).body).toEqual({ members: ["queequeg"] });
      // ishmael is an administrator now, who may pull everything; stubb may not pull the team's repository.
      expect(await granted("stubb", "repository:pequod/boats:pull", undefined, registry())).toBe("");
    });

    it("syncs on its own every ldap.syncinterval, with nobody asking", async () => {
      const config = loadConfig({ env: { REGISTRY_AUTH_BERTH_MODE: "token", ...ldapEnv(ready().slapd.url, "memberOf", OFFICERS), REGISTRY_LDAP_SYNCINTERVAL: "300ms" } });
      const ldap = config.ldap;
      if (!ldap) throw new Error("the ldap section did not load");
      const metadata = new SqliteMetadataStore(":memory:");
      await metadata.access.createOrg("crew", new Date().toISOString());
      await metadata.access.createTeam({ org: "crew", name: "boat", description: "", ldapGroupDn: BOATSTEERERS });
      const members = async () => (await metadata.access.listMembers("crew", "boat")).sort().join(",");
      const eventually = async (expected: string) => {
        const deadline = Date.now() + 30_000;
        while ((await members()) !== expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        expect(await members()).toBe(expected);
      };
      const sync = new LdapSync(new LdapDirectory(ldap), metadata, ldap, pino({ level: "silent" }));
      sync.start();
      try {
        await eventually("queequeg");
        await asRoot((client) => client.modify(BOATSTEERERS, new Change({ operation: "add", modification: new Attribute({ type: "member", values: [dn("starbuck")] }) })));
        await eventually("queequeg,starbuck");
      } finally {
        await sync.stop();
        await metadata.close();
      }
    });
  });

  it("never logs passwords", () => {
    const log = readFileSync(ready().berth.logFile, "utf8");
    for (const secret of ["starbuck-secret", "queequeg-secret", "search-secret"]) expect(log).not.toContain(secret);
  });
});
