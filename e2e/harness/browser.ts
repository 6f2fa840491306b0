/**
 * Headless Debian chromium driven by playwright-core (no browser download): a fresh profile
 * per launch, no network beyond the registry under test, screenshots under e2e/artifacts/.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { PROJECT_ROOT, requireProgram, tempDir } from "./servers.js";

export const CHROMIUM = "/usr/bin/chromium";

const ARGS = [
  "--no-sandbox",
  "--headless",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  page: Page;
  context: BrowserContext;
  /** Saves a full-page PNG as e2e/artifacts/<folder>/<NN>-<name>.png; returns its path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function launchBrowser(artifactFolder: string): Promise<Browser> {
  requireProgram(CHROMIUM, "chromium");
  const profile = tempDir("chromium-profile");
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
    viewport: { width: 1280, height: 900 },
  });
  context.setDefaultTimeout(30_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const artifacts = join(PROJECT_ROOT, "e2e", "artifacts", artifactFolder);
  // Only this run's screenshots: numbered steps from an older run would mislead.
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  let count = 0;
  return {
    page,
    context,
    async screenshot(name) {
      count++;
      const path = join(artifacts, `${String(count).padStart(2, "0")}-${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
