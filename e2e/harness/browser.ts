/**
 * Headless Debian chromium driven by playwright-core (no browser download): a fresh profile
 * per launch, no network beyond the registry under test, screenshots under e2e/artifacts/.
 */
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
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

/** One accessibility rule a page breaks, as axe-core reports it. */
export interface AccessibilityViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

export interface Browser {
  page: Page;
  context: BrowserContext;
  /** Console errors about the Content-Security-Policy: something the portal does that its own policy blocks. */
  cspViolations: string[];
  /** The WCAG 2 A and AA rules (axe-core) the page as shown now breaks. */
  accessibilityViolations(): Promise<AccessibilityViolation[]>;
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
  const cspViolations: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  return {
    page,
    context,
    cspViolations,
    async accessibilityViolations() {
      // Evaluated through the DevTools protocol, which the page's CSP does not govern.
      if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
      return page.evaluate(async () => {
        const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
        const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
        return result.violations.map((violation) => ({ id: violation.id, impact: violation.impact, help: violation.help, targets: violation.nodes.map((node) => node.target.join(" ")) }));
      });
    },
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
