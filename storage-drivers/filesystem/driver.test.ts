import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createDriver } from "../index.js";
import { runDriverSuite } from "../suite.js";
import { STAGING_DIR } from "./driver.js";

async function fixture() {
  const root = await mkdtemp(join(tmpdir(), "berth-fs-"));
  return { root, driver: createDriver("filesystem", { rootdirectory: root }), cleanup: () => rm(root, { recursive: true, force: true }) };
}

runDriverSuite("filesystem", fixture);

describe("filesystem driver specifics", () => {
  it("writes driver path /a/b as <root>/a/b, and hides its staging folder", async () => {
    const { root, driver, cleanup } = await fixture();
    try {
      await driver.putContent("/docker/registry/v2/x", Buffer.from("y"));
      await driver.delete("/docker/registry/v2/x");
      await driver.putContent("/docker/registry/v2/x", Buffer.from("y"));
      expect((await readdir(root)).sort()).toEqual([STAGING_DIR, "docker"].sort());
      expect(await driver.list("/")).toEqual(["/docker"]);
      expect(await readdir(join(root, STAGING_DIR))).toEqual([]);
    } finally {
      await cleanup();
    }
  });
});
