/**
 * The web portal in a real browser (headless Debian chromium, playwright-core) against Berth
 * with its own users and token service, and real docker pushing: sign in; create a user, an
 * organization, a team with the user in it, a private repository and a grant to the team; the
 * user pushes with docker and the tag appears with its digest; a robot token; delete the tag,
 * restore it from the trash; change the garbage-collection schedule, preview and run a
 * collection, test a login; the event log filtered; search; sign out. Screenshots of each step go to e2e/artifacts/portal/ (CI keeps them).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { berthCli } from "./harness/berth-cli.js";
import { launchBrowser, type Browser } from "./harness/browser.js";
import { startDockerd, type Dockerd } from "./harness/dockerd.js";
import { buildImage, pushImage, type BuiltImage } from "./harness/images.js";
import { startBerth, tempDir, type RunningRegistry } from "./harness/servers.js";

const ADMIN = { name: "gordon", password: "gordon-portal-pw" };
const MEMBER = { name: "orca", password: "orca-portal-pw" };

let dockerd: Dockerd | undefined;
let berth: RunningRegistry | undefined;
let browser: Browser | undefined;
let workDir: string;
let database: string;
let image: BuiltImage;
let pushedDigest = "";

function ready(): { dockerd: Dockerd; berth: RunningRegistry; browser: Browser } {
  if (!dockerd || !berth || !browser) throw new Error("setup failed: dockerd, Berth or chromium did not start (see the beforeAll error)");
  return { dockerd, berth, browser };
}

/** The page as shown now breaks no WCAG 2.1 A/AA rule axe-core checks. */
async function expectAccessible(where: string): Promise<void> {
  const violations = await ready().browser.accessibilityViolations();
  expect(violations, `${where}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
}

beforeAll(async () => {
  workDir = tempDir("portal");
  database = join(workDir, "berth.sqlite");
  berth = await startBerth({ env: { REGISTRY_AUTH_BERTH_MODE: "token", REGISTRY_DATABASE_PATH: database } });
  await berthCli(database, ["user", "add", ADMIN.name, "--password-stdin", "--role", "admin"], `${ADMIN.password}\n`);
  dockerd = await startDockerd();
  image = await buildImage(dockerd, { tag: "portal/app:src", layerSizes: [40_000] });
  browser = await launchBrowser("portal");
});

afterAll(async () => {
  await browser?.close();
  await dockerd?.stop();
  await berth?.stop();
  if (berth) rmSync(berth.root, { recursive: true, force: true });
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("the web portal in chromium", () => {
  it("asks to sign in, refuses a wrong password, then signs in", async () => {
    const { berth, browser } = ready();
    const { page } = browser;
    await page.goto(`${berth.url}/`);
    await page.getByRole("heading", { name: "Sign in to Berth" }).waitFor();
    await page.getByLabel("User name").fill(ADMIN.name);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "incorrect username or password" }).waitFor();
    await browser.screenshot("sign-in-refused");
    await expectAccessible("sign-in page");
    // By keyboard alone: user name, Tab, password, Enter.
    await page.getByLabel("User name").focus();
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("password");
    await page.keyboard.type(ADMIN.password);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Repositories", level: 1 }).waitFor();
    expect(await page.getByText(`Signed in as ${ADMIN.name}`).isVisible()).toBe(true);
    const cookies = await browser.context.cookies();
    expect(cookies.find((cookie) => cookie.name === "berth_session")).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    await browser.screenshot("signed-in");
    await expectAccessible("repositories page");
  });

  it("creates a user, an organization with a team and a member, a private repository and a grant", async () => {
    const { browser } = ready();
    const { page } = browser;
    await page.getByRole("link", { name: "Users" }).click();
    await page.getByLabel("User name").fill(MEMBER.name);
    await page.getByLabel("Password").fill(MEMBER.password);
    await page.getByLabel("Global role", { exact: true }).selectOption("none");
    await page.getByRole("button", { name: "Create user" }).click();
    await page.locator(`tr[data-user="${MEMBER.name}"]`).waitFor();

    await page.getByRole("link", { name: "Organizations" }).click();
    await page.getByLabel("Name").fill("engineering");
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.getByRole("heading", { name: "engineering", level: 1 }).waitFor();
    await page.getByLabel("Team name").fill("core");
    await page.getByLabel("Team description").fill("Core developers");
    await page.getByRole("button", { name: "Create team" }).click();
    await page.getByRole("heading", { name: "Team engineering/core" }).waitFor();
    await page.getByLabel("User name").fill(MEMBER.name);
    await page.getByRole("button", { name: "Add member" }).click();
    await page.getByRole("button", { name: `Remove ${MEMBER.name}` }).waitFor();
    await browser.screenshot("team-with-member");
    await expectAccessible("team page");

    await page.getByRole("link", { name: "Repositories", exact: true }).first().click();
    await page.getByLabel("Name", { exact: true }).fill("engineering/barca");
    await page.getByLabel("Visibility").selectOption("private");
    await page.getByLabel("Description", { exact: true }).fill("The portal test's application");
    await page.getByRole("button", { name: "Create repository" }).click();
    await page.getByRole("heading", { name: /engineering\/barca/, level: 1 }).waitFor();
    expect(await page.locator("h1 .badge").textContent()).toBe("private");
    await page.getByLabel("Team", { exact: true }).selectOption("core");
    await page.getByLabel("Access", { exact: true }).selectOption("read-write");
    await page.getByRole("button", { name: "Grant access" }).click();
    await page.locator('tr[data-grant="core"]').waitFor();
    expect(await page.locator('tr[data-grant="core"]').textContent()).toContain("read-write");
    await browser.screenshot("repository-granted");
  });

  it("shows the tag the team member pushed with docker: digest, size, platform, pull command", async () => {
    const { dockerd, berth, browser } = ready();
    const { page } = browser;
    expect(await dockerd.docker(["login", "-u", MEMBER.name, "-p", MEMBER.password, berth.host])).toMatch(/Login Succeeded/);
    await dockerd.docker(["tag", image.id, `${berth.host}/engineering/barca:v1`]);
    pushedDigest = (await pushImage(dockerd, `${berth.host}/engineering/barca:v1`)).digest;
    await page.reload();
    const row = page.locator('tr[data-tag="v1"]');
    await row.waitFor();
    expect(await row.locator("code").getAttribute("title")).toBe(pushedDigest);
    expect(await row.textContent()).toMatch(/KiB/);
    expect(await row.textContent()).toContain(`by ${MEMBER.name}`);
    expect(await page.getByLabel("Pull command").inputValue()).toBe(`docker pull ${berth.host}/engineering/barca:v1`);
    await browser.screenshot("repository-with-tag");
    await expectAccessible("repository page");
  });

  it("creates a robot token whose secret is shown once and works", async () => {
    const { berth, browser } = ready();
    const { page } = browser;
    await page.getByRole("link", { name: "Robot tokens" }).click();
    await page.getByLabel("Robot name").fill("ci");
    await page.getByLabel("Reaches").selectOption("repository");
    await page.getByLabel("Repository").fill("engineering/barca");
    await page.getByLabel("Access").selectOption("pull");
    await page.getByRole("button", { name: "Create robot token" }).click();
    const secret = await page.getByLabel("Secret").inputValue();
    expect(secret).toMatch(/^brt_/);
    const basic = Buffer.from(`robot$ci:${secret}`).toString("base64");
    const tags = await fetch(`${berth.url}/v2/engineering/barca/tags/list`, { headers: { authorization: `Basic ${basic}` } });
    expect(tags.status).toBe(200);
    await browser.screenshot("robot-created");
  });

  it("deletes the tag, and restores it from the trash", async () => {
    const { berth, browser } = ready();
    const { page } = browser;
    await page.goto(`${berth.url}/#/repositories/engineering/barca`);
    // By keyboard: Enter on the delete button moves the focus to the confirmation, Enter again deletes.
    await page.getByRole("button", { name: "Delete v1" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Really delete v1" }).waitFor();
    // The focus moves once the confirmation has rendered, a moment after it appears on a loaded machine.
    await page.waitForFunction(() => document.activeElement?.textContent === "Really delete v1", undefined, { timeout: 10_000 });
    await page.keyboard.press("Enter");
    await page.getByRole("status").filter({ hasText: "Deleted tag v1" }).waitFor();
    await page.locator('tr[data-tag="v1"]').waitFor({ state: "detached" });
    expect((await fetch(`${berth.url}/v2/engineering/barca/tags/list`)).status).toBe(401);
    await browser.screenshot("tag-deleted");
    await page.getByRole("link", { name: "Recently deleted" }).click();
    await page.getByRole("heading", { name: "Recently deleted" }).waitFor();
    await browser.screenshot("trash");
    await expectAccessible("recently deleted page");
    await page.getByRole("button", { name: "Restore engineering/barca:v1" }).click();
    await page.getByRole("status").filter({ hasText: "Restored engineering/barca:v1" }).waitFor();
    await page.getByRole("button", { name: "Restore engineering/barca:v1" }).waitFor({ state: "detached" });
    await page.goto(`${berth.url}/#/repositories/engineering/barca`);
    await page.locator('tr[data-tag="v1"]').waitFor();
    expect(await page.locator('tr[data-tag="v1"] code').getAttribute("title")).toBe(pushedDigest);
  });

  it("changes the garbage-collection schedule, previews a collection and runs one", async () => {
    const { berth, browser } = ready();
    const { page } = browser;
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("heading", { name: "Settings", level: 1 }).waitFor();
    await page.getByText(/healthy \(answered in/).waitFor();
    await page.getByLabel("Schedule (cron)").fill("0 30 3 * * *");
    await page.getByRole("button", { name: "Save schedule" }).click();
    await page.getByRole("status").filter({ hasText: "Schedule set to 0 30 3 * * *" }).waitFor();
    await page.getByText(/Schedule in force: 0 30 3 \* \* \* \(set here; next run/).waitFor();
    const schedule = await fetch(`${berth.url}/api/v0/gc/schedule`, { headers: { authorization: `Basic ${Buffer.from(`${ADMIN.name}:${ADMIN.password}`).toString("base64")}` } });
    expect(await schedule.json()).toMatchObject({ schedule: "0 30 3 * * *", source: "api" });
    await page.getByRole("button", { name: "Preview (dry run)" }).click();
    await page.getByRole("region", { name: "Dry-run preview" }).filter({ hasText: "would free" }).waitFor();
    await page.getByRole("button", { name: "Run now" }).click();
    await page.getByRole("status").filter({ hasText: "Garbage collection started" }).waitFor();
    await page.locator("tr[data-run]").nth(1).waitFor();
    await page.getByLabel("User name").fill(MEMBER.name);
    await page.getByLabel("Password").fill(MEMBER.password);
    await page.getByRole("button", { name: "Test login" }).click();
    await page.getByRole("status").filter({ hasText: `Login works: ${MEMBER.name}, no global role` }).waitFor();
    await browser.screenshot("settings");
    await expectAccessible("settings page");
  });

  it("shows pushes, deletes, restores, sign-ins and admin actions in the event log, filtered", async () => {
    const { browser } = ready();
    const { page } = browser;
    await page.getByRole("link", { name: "Event log" }).click();
    await page.locator('tr[data-kind="push"]').first().waitFor();
    for (const kind of ["delete", "restore", "login", "admin"]) await page.locator(`tr[data-kind="${kind}"]`).first().waitFor();
    // The team member's docker login, beside the portal's sign-ins.
    await page.locator('tr[data-kind="login"]').filter({ hasText: `registry.login ${MEMBER.name}` }).waitFor();
    await page.getByLabel("Show").selectOption("push");
    await page.getByLabel("By user").fill(MEMBER.name);
    await page.getByRole("button", { name: "Apply filter" }).click();
    await page.locator('tr[data-kind="admin"]').first().waitFor({ state: "detached" });
    const rows = page.locator("tbody tr");
    expect(await rows.count()).toBeGreaterThan(0);
    for (const text of await rows.allTextContents()) expect(text).toContain(`${MEMBER.name}push engineering/barca:v1`);
    await browser.screenshot("event-log");
    await expectAccessible("event log");
  });

  it("searches repositories by name and description", async () => {
    const { browser } = ready();
    const { page } = browser;
    await page.getByRole("link", { name: "Repositories", exact: true }).first().click();
    await page.getByRole("link", { name: "engineering/barca" }).waitFor();
    await page.getByLabel("Search repositories").fill("application");
    await page.getByRole("link", { name: "engineering/barca" }).waitFor();
    await browser.screenshot("search");
    await page.getByLabel("Search repositories").fill("nothing-like-this");
    await page.getByText("No repository matches").waitFor();
    await browser.screenshot("search-empty");
  });

  it("signs out", async () => {
    const { browser } = ready();
    const { page } = browser;
    const consoleLink = await page.getByRole("link", { name: "API console" }).getAttribute("href");
    expect((await fetch(new URL(consoleLink ?? "", page.url()))).status).toBe(200);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to Berth" }).waitFor();
    expect(await page.getByText("You are signed out.").isVisible()).toBe(true);
    // Nothing the portal did was blocked by its own Content-Security-Policy.
    expect(browser.cspViolations).toEqual([]);
  });
});
