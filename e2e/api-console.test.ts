/**
 * The API console (/api/docs, Swagger UI) in headless Debian chromium against Berth with its
 * own users: it renders the management API's document, and "try it out" works with the web
 * portal's session — a GET (search) as the signed-in user, and a POST (create a repository)
 * that needs the session's CSRF token, which the console adds. Signed out, the same search
 * shows only what anonymous callers may pull. Screenshots in e2e/artifacts/api-console/.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type Browser } from "./harness/browser.js";
import { berthCli } from "./harness/berth-cli.js";
import { startBerth, tempDir, type RunningRegistry } from "./harness/servers.js";

const ADMIN = { name: "gordon", password: "gordon-console-pw" };

let berth: RunningRegistry | undefined;
let browser: Browser | undefined;
let workDir = "";

function ready(): { berth: RunningRegistry; browser: Browser } {
  if (!berth || !browser) throw new Error("setup failed: Berth or chromium did not start (see the beforeAll error)");
  return { berth, browser };
}

async function createRepository(name: string, visibility: string, description: string): Promise<void> {
  const res = await fetch(`${ready().berth.url}/api/v0/repositories`, {
    method: "POST",
    headers: { authorization: `Basic ${Buffer.from(`${ADMIN.name}:${ADMIN.password}`).toString("base64")}`, "content-type": "application/json" },
    body: JSON.stringify({ name, visibility, description }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
}

/** The operation block of Swagger UI for a method and path, expanded, with "Try it out" on. */
async function tryItOut(page: Page, method: string, path: string): Promise<Locator> {
  const block = page.locator(`.opblock-${method}`).filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) });
  if (!(await block.locator(".opblock-body").isVisible())) await block.locator(".opblock-summary").first().click();
  const button = block.getByRole("button", { name: "Try it out" });
  if (await button.isVisible()) await button.click();
  return block;
}

/** Executes the block's request and returns the status and body Swagger UI shows. */
async function execute(block: Locator): Promise<{ status: number; body: string }> {
  await block.getByRole("button", { name: "Execute" }).click();
  const row = block.locator(".live-responses-table tbody tr.response").first();
  await row.waitFor();
  const status = Number((await row.locator(".response-col_status").innerText()).trim());
  const body = await row.locator(".response-col_description pre").first().innerText();
  return { status, body };
}

async function search(page: Page, term: string): Promise<{ status: number; names: string[] }> {
  const block = await tryItOut(page, "get", "/search");
  await block.locator('tr[data-param-name="q"] input').fill(term);
  const { status, body } = await execute(block);
  return { status, names: status === 200 ? (JSON.parse(body) as { results: { name: string }[] }).results.map((entry) => entry.name) : [] };
}

beforeAll(async () => {
  workDir = tempDir("api-console");
  const database = join(workDir, "berth.sqlite");
  berth = await startBerth({ env: { REGISTRY_AUTH_BERTH_MODE: "token", REGISTRY_DATABASE_PATH: database } });
  await berthCli(database, ["user", "add", ADMIN.name, "--password-stdin", "--role", "admin"], `${ADMIN.password}\n`);
  browser = await launchBrowser("api-console");
  await createRepository("console/open", "public", "Shown to everyone");
  await createRepository("console/secret", "private", "Shown to those who may pull it");
});

afterAll(async () => {
  await browser?.close();
  await berth?.stop();
  if (berth) rmSync(berth.root, { recursive: true, force: true });
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("the API console in chromium", () => {
  it("renders the management API's document from the registry itself, without errors", async () => {
    const { berth, browser } = ready();
    const { page } = browser;
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    const outside: string[] = [];
    page.on("request", (req) => {
      if (!req.url().startsWith(berth.url)) outside.push(req.url());
    });
    await page.goto(`${berth.url}/api/docs`);
    await page.getByRole("heading", { name: /Berth management API/ }).waitFor();
    await page.locator('.opblock-summary-path[data-path="/search"]').waitFor();
    await browser.screenshot("console");
    expect(problems).toEqual([]);
    expect(outside).toEqual([]);
  });

  it("tries GET /search signed out (anonymous), then with the portal's session", async () => {
    const { berth, browser } = ready();
    const { page } = browser;
    expect(await search(page, "console")).toEqual({ status: 200, names: ["console/open"] });
    const signIn = await browser.context.request.post(`${berth.url}/api/v0/session`, { data: { username: ADMIN.name, password: ADMIN.password } });
    expect(signIn.status()).toBe(201);
    expect(await search(page, "console")).toEqual({ status: 200, names: ["console/open", "console/secret"] });
    await browser.screenshot("search-signed-in");
  });

  it("tries POST /repositories with the session: the console adds the CSRF token", async () => {
    const { berth, browser } = ready();
    const { page } = browser;
    // The cookie alone is not enough for a state-changing call.
    const bare = await browser.context.request.post(`${berth.url}/api/v0/repositories`, { data: { name: "console/no-token" } });
    expect(bare.status()).toBe(403);
    const block = await tryItOut(page, "post", "/repositories");
    await block.locator(".body-param textarea").fill(JSON.stringify({ name: "console/made-here", visibility: "private", description: "made in the console" }));
    const created = await execute(block);
    await browser.screenshot("create-repository");
    expect(created.status, created.body).toBe(201);
    expect(JSON.parse(created.body)).toMatchObject({ name: "console/made-here", visibility: "private" });
    // Made by gordon (the session's user), as the audit log says.
    const audit = await browser.context.request.get(`${berth.url}/api/v0/audit?n=5`);
    const entries = ((await audit.json()) as { entries: { actor: string; action: string; target: string }[] }).entries;
    expect(entries.find((entry) => entry.target === "console/made-here")).toMatchObject({ actor: ADMIN.name, action: "repository.create" });
  });
});
