/**
 * LDAP over TLS against a real slapd with a certificate from a test CA: ldaps:// and StartTLS
 * log users in when ldap.tls.ca names that CA, and the login is refused with a clear error
 * (503 for the client, the reason in the log and in the administrator's test login) when the
 * certificate is not trusted. The server certificate names only 127.0.0.1, so StartTLS must
 * check it against the host of ldap.url (not Node's default, "localhost").
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestCa } from "../src/auth/test-pki.js";
import { berthCli } from "./harness/berth-cli.js";
import { startSlapd, sshaPassword, type Slapd } from "./harness/slapd.js";
import { startBerth, tempDir, type RunningRegistry } from "./harness/servers.js";

const SUFFIX = "dc=berth,dc=test";
const PEOPLE = `ou=people,${SUFFIX}`;
const SEARCH_DN = `cn=berth-search,${SUFFIX}`;
const ADMIN = { name: "harbourmaster", password: "harbour-secret" };

const TREE = [
  [`dn: ${PEOPLE}`, "objectClass: organizationalUnit", "ou: people", ""].join("\n"),
  [`dn: ${SEARCH_DN}`, "objectClass: organizationalRole", "objectClass: simpleSecurityObject", "cn: berth-search", `userPassword: ${sshaPassword("search-secret")}`, ""].join("\n"),
  [`dn: uid=queequeg,${PEOPLE}`, "objectClass: inetOrgPerson", "uid: queequeg", "cn: Queequeg", "sn: Queequeg", `userPassword: ${sshaPassword("queequeg-secret")}`, ""].join("\n"),
].join("\n");

let pkiDir: string | undefined;
let ca: TestCa | undefined;
let otherCa: TestCa | undefined;
let slapd: Slapd | undefined;

function ready(): { slapd: Slapd; ldapsUrl: string; ca: TestCa; otherCa: TestCa } {
  if (!slapd?.ldapsUrl || !ca || !otherCa) throw new Error("setup failed: the test CA or slapd did not start (see the beforeAll error)");
  return { slapd, ldapsUrl: slapd.ldapsUrl, ca, otherCa };
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

interface Answer {
  status: number;
  body: { accountInfo?: { name: string }; errors?: { code: string; message: string }[] };
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Answer["body"]) : {} };
}

/** queequeg's login at the token service, as `docker login` makes it. */
async function login(berth: RunningRegistry): Promise<Answer> {
  return answer(await fetch(`${berth.url}/auth/token?service=berth&offline_token=true`, { headers: { authorization: basic("queequeg", "queequeg-secret") } }));
}

/** The administrator (a managed user, so LDAP trouble does not lock them out) tests queequeg's login. */
async function testLogin(berth: RunningRegistry): Promise<Answer> {
  return answer(
    await fetch(`${berth.url}/api/v0/auth/test-login`, {
      method: "POST",
      headers: { authorization: basic(ADMIN.name, ADMIN.password), "content-type": "application/json" },
      body: JSON.stringify({ username: "queequeg", password: "queequeg-secret" }),
    }),
  );
}

const tlsSessions = () => (readFileSync(ready().slapd.logFile, "utf8").match(/TLS established/g) ?? []).length;

/** A Berth with these ldap settings and a managed administrator (made with the CLI), for `work`. */
async function withBerth(ldap: Record<string, string>, work: (berth: RunningRegistry) => Promise<void>): Promise<void> {
  const dir = tempDir("ldap-tls");
  const env = {
    REGISTRY_AUTH_BERTH_MODE: "token",
    REGISTRY_DATABASE_PATH: join(dir, "berth.sqlite"),
    REGISTRY_LOG_LEVEL: "info",
    REGISTRY_LDAP_BINDDN: SEARCH_DN,
    REGISTRY_LDAP_BINDPASSWORD: "search-secret",
    REGISTRY_LDAP_USERBASEDN: PEOPLE,
    REGISTRY_LDAP_USERFILTER: "(objectClass=inetOrgPerson)",
    REGISTRY_LDAP_SYNCINTERVAL: "1h",
    ...ldap,
  };
  await berthCli(env.REGISTRY_DATABASE_PATH, ["user", "add", ADMIN.name, "--password-stdin", "--role", "admin"], `${ADMIN.password}\n`, env);
  const berth = await startBerth({ env });
  try {
    await work(berth);
    const log = readFileSync(berth.logFile, "utf8");
    for (const secret of ["queequeg-secret", "search-secret", ADMIN.password]) expect(log).not.toContain(secret);
  } finally {
    await berth.stop();
    rmSync(berth.root, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  pkiDir = tempDir("ldap-pki");
  ca = TestCa.root(pkiDir, "ldap-ca", "/CN=Berth LDAP test CA");
  otherCa = TestCa.root(pkiDir, "other-ca", "/CN=Some other CA");
  // Only the IP address: a check against any other name fails.
  const server = ca.issue("slapd", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n");
  slapd = await startSlapd({ suffix: SUFFIX, ldif: TREE, tls: { cert: server.cert, key: server.key } });
});

afterAll(async () => {
  await slapd?.stop();
  if (pkiDir) rmSync(pkiDir, { recursive: true, force: true });
});

describe("LDAP over TLS against slapd", () => {
  it("logs in over ldaps:// when ldap.tls.ca is the CA that signed the server's certificate", async () => {
    const { ldapsUrl, ca } = ready();
    const before = tlsSessions();
    await withBerth({ REGISTRY_LDAP_URL: ldapsUrl, REGISTRY_LDAP_TLS_CA: ca.cert }, async (berth) => {
      const token = await login(berth);
      expect(token.status, JSON.stringify(token.body)).toBe(200);
      expect((await testLogin(berth)).body).toEqual({ accountInfo: { name: "queequeg", isAdmin: false, isReadOnly: false, isReadWrite: false, isAnonymous: false } });
    });
    expect(tlsSessions()).toBeGreaterThan(before);
  });

  it("logs in with StartTLS on ldap:// when the CA is trusted, checking the certificate against the host of the URL", async () => {
    const { slapd, ca } = ready();
    const before = tlsSessions();
    await withBerth({ REGISTRY_LDAP_URL: slapd.url, REGISTRY_LDAP_STARTTLS: "true", REGISTRY_LDAP_TLS_CA: ca.cert }, async (berth) => {
      const token = await login(berth);
      expect(token.status, JSON.stringify(token.body)).toBe(200);
      expect((await testLogin(berth)).status).toBe(200);
    });
    // Upgraded with the StartTLS extended operation, then TLS on the same connection.
    expect(readFileSync(slapd.logFile, "utf8")).toContain("oid=1.3.6.1.4.1.1466.20037");
    expect(tlsSessions()).toBeGreaterThan(before);
  });

  it("refuses the login with a clear error over ldaps:// when the CA is not trusted", async () => {
    const { ldapsUrl } = ready();
    await withBerth({ REGISTRY_LDAP_URL: ldapsUrl }, async (berth) => {
      const token = await login(berth);
      expect(token.status).toBe(503);
      expect(token.body.errors?.[0]).toEqual({ code: "UNAVAILABLE", message: "the LDAP directory cannot be reached: see the registry's log", detail: undefined });
      const tested = await testLogin(berth);
      expect(tested.status).toBe(503);
      expect(tested.body.errors?.[0]?.message).toMatch(/certificate of the LDAP server ldaps:\/\/127\.0\.0\.1:\d+ is not trusted \(.+\): set ldap\.tls\.ca to the PEM file of the CA that signed it/);
      expect(readFileSync(berth.logFile, "utf8")).toMatch(/is not trusted .*set ldap\.tls\.ca/);
      // The sync says why a linked group could not be read.
      const admin = (method: string, path: string, body: unknown) =>
        fetch(`${berth.url}/api/v0${path}`, { method, headers: { authorization: basic(ADMIN.name, ADMIN.password), "content-type": "application/json" }, body: JSON.stringify(body) });
      expect((await admin("POST", "/orgs", { name: "pequod" })).status).toBe(201);
      expect((await admin("POST", "/orgs/pequod/teams", { name: "crew", ldapGroupDn: `cn=crew,${SUFFIX}` })).status).toBe(201);
      const sync = (await (await admin("POST", "/ldap/sync", {})).json()) as { failures: { team: string; error: string }[] };
      expect(sync.failures).toEqual([{ org: "pequod", team: "crew", error: expect.stringMatching(/is not trusted .*set ldap\.tls\.ca/) }]);
      // A directory that cannot be asked is not a wrong password: no lockout follows.
      for (let i = 0; i < 6; i += 1) expect((await login(berth)).status).toBe(503);
    });
  });

  it("refuses StartTLS with a clear error when ldap.tls.ca is another CA", async () => {
    const { slapd, otherCa } = ready();
    await withBerth({ REGISTRY_LDAP_URL: slapd.url, REGISTRY_LDAP_STARTTLS: "true", REGISTRY_LDAP_TLS_CA: otherCa.cert }, async (berth) => {
      expect((await login(berth)).status).toBe(503);
      expect((await testLogin(berth)).body.errors?.[0]?.message).toMatch(/is not trusted .*set ldap\.tls\.ca/);
    });
  });
});
