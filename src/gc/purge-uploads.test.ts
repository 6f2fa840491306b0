import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDriver } from "../../storage-drivers/index.js";
import { purgeUploads } from "./purge-uploads.js";

const root = mkdtempSync(join(tmpdir(), "berth-purge-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function upload(name: string, uuid: string, startedAt: string | null, ageMs: number): void {
  const dir = join(root, "docker/registry/v2/repositories", name, "_uploads", uuid);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "data"), "partial");
  if (startedAt !== null) writeFileSync(join(dir, "startedat"), startedAt);
  const when = new Date(Date.now() - ageMs);
  utimesSync(dir, when, when);
}

describe("purgeUploads", () => {
  it("removes sessions older than the age, by startedat or else by their folder's age", async () => {
    const hour = 3_600_000;
    upload("a", "00000000-0000-4000-8000-000000000001", "2001-01-01T00:00:00Z", 0);
    upload("a", "00000000-0000-4000-8000-000000000002", new Date().toISOString().replace(/\.\d+Z$/, "Z"), 0);
    // No startedat yet: being created now (kept), or broken and old (removed).
    upload("a", "00000000-0000-4000-8000-000000000003", null, 0);
    upload("b/c", "00000000-0000-4000-8000-000000000004", null, 48 * hour);
    const driver = createDriver("filesystem", { rootdirectory: root });
    const dry = await purgeUploads(driver, 24 * hour, true);
    expect(dry.purged.sort()).toEqual(["a/00000000-0000-4000-8000-000000000001", "b/c/00000000-0000-4000-8000-000000000004"]);
    const done = await purgeUploads(driver, 24 * hour, false);
    expect(done.examined).toBe(4);
    expect((await driver.list("/docker/registry/v2/repositories/a/_uploads")).map((p) => p.slice(-1))).toEqual(["2", "3"]);
  });
});
