/**
 * Signing in to the web portal with LDAP users of a real Debian slapd: an administrator (by
 * the admin group) in chromium, who sees the LDAP fields on the settings page and tests
 * another user's login there; a plain user and a wrong password through the session API.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type Browser } from "./harness/browser.js";
import { startSlapd, sshaPassword, type Slapd } from "./harness/slapd.js";
import { startBerth, type RunningRegistry } from "./harness/servers.js";

const SUFFIX = "dc=portal,dc=test";
const PEOPLE = `ou=people,${SUFFIX}`;
const GROUPS = `ou=groups,${SUFFIX}`;

function person(uid: string): string {
  return [`dn: uid=${uid},${PEOPLE}`, "objectClass: inetOrgPerson", `uid: ${uid}`, `cn: ${uid}`, `sn: ${uid}`, `userPassword: ${sshaPassword(`${uid}-secret`)}`, ""].join("\n");
}

const TREE = [
  [`dn: ${PEOPLE}`, "objectClass: organizationalUnit", "ou: people", ""].join("\n"),
  [`dn: ${GROUPS}`, "objectClass: organizationalUnit", "ou: groups", ""].join("\n"),
  person("starbuck"),
  person("queequeg"),
  [`dn: cn=registry-admins,${GROUPS}`, "objectClass: posixGroup", "cn: registry-admins", "gidNumber: 1000", "memberUid: starbuck", ""].join("\n"),
].join("\n");

let slapd: Slapd | undefined;
let berth: RunningRegistry | undefined;
let browser: Browser | undefined;

function ready(): { berth: RunningRegistry; browser: Browser } {
  if (!slapd || !berth || !browser) throw new Error("setup failed: slapd, Berth or chromium did not start (see the beforeAll error)");
  return { berth, browser };
}

async function signIn(username: string, password: string): Promise<{ status: number; body: { account?: { name: string; source: string; isAdmin: boolean } } }> {
  const res = await fetch(`${ready().berth.url}/api/v0/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password }) });
  return { status: res.status, body: (await res.json()) as { account?: { name: string; source: string; isAdmin: boolean } } };
}

beforeAll(async () => {
  slapd = await startSlapd({ suffix: SUFFIX, ldif: TREE });
  berth = await startBerth({
    env: {
      REGISTRY_AUTH_BERTH_MODE: "token",
      REGISTRY_LDAP_URL: slapd.url,
      REGISTRY_LDAP_BINDDN: slapd.rootDn,
      REGISTRY_LDAP_BINDPASSWORD: slapd.rootPassword,
      REGISTRY_LDAP_USERBASEDN: PEOPLE,
      REGISTRY_LDAP_USERFILTER: "(objectClass=inetOrgPerson)",
      REGISTRY_LDAP_ADMINGROUPDN: `cn=registry-admins,${GROUPS}`,
      REGISTRY_LDAP_GROUPMEMBERATTRIBUTE: "memberUid",
    },
  });
  browser = await launchBrowser("portal-ldap");
});

afterAll(async () => {
  await browser?.close();
  await berth?.stop();
  await slapd?.stop();
  if (berth) rmSync(berth.root, { recursive: true, force: true });
});

describe("portal sign-in with LDAP", () => {
  it("signs in an LDAP administrator in the browser, who sees the LDAP settings and tests a login", async () => {
    const { berth, browser } = ready();
    const { page } = browser;
    await page.goto(`${berth.url}/`);
    await page.getByLabel("User name").fill("starbuck");
    await page.getByLabel("Password").fill("starbuck-secret");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("Signed in as starbuck (admin)").waitFor();
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByText(slapd?.url ?? "ldap://").first().waitFor();
    await page.getByText(`cn=registry-admins,${GROUPS}`).waitFor();
    await page.getByLabel("User name").fill("queequeg");
    await page.getByLabel("Password").fill("queequeg-secret");
    await page.getByRole("button", { name: "Test login" }).click();
    await page.getByRole("status").filter({ hasText: "Login works: queequeg, no global role" }).waitFor();
    await browser.screenshot("ldap-settings");
  });

  it("signs in a plain LDAP user and refuses a wrong password", async () => {
    expect(await signIn("queequeg", "queequeg-secret")).toMatchObject({ status: 201, body: { account: { name: "queequeg", source: "ldap", isAdmin: false } } });
    expect((await signIn("queequeg", "wrong-secret")).status).toBe(401);
    expect((await signIn("nobody", "nobody-secret")).status).toBe(401);
  });
});
