import { mkdir, mkdtemp, readdir, readFile, rm, symlink } from "node:fs/promises";
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

  it("keeps the order of many small and empty chunks across its write buffers", async () => {
    const { root, driver, cleanup } = await fixture();
    try {
      const writer = await driver.writer("/up/data");
      const expected: Buffer[] = [];
      for (let i = 0; i < 5000; i++) {
        const chunk = Buffer.alloc(i % 7 === 0 ? 0 : 701, i % 251);
        expected.push(chunk);
        await writer.write(chunk);
      }
      await writer.commit();
      expect((await readFile(join(root, "up", "data"))).equals(Buffer.concat(expected))).toBe(true);
    } finally {
      await cleanup();
    }
  });

  it("reports a failed background write (a full disk) from the writer, never as an unhandled rejection", async () => {
    const { root, driver, cleanup } = await fixture();
    try {
      await mkdir(join(root, "up"));
      await symlink("/dev/full", join(root, "up", "data"));
      const writer = await driver.writer("/up/data", { append: true });
      const writeAll = async () => {
        for (let i = 0; i < 64; i++) await writer.write(Buffer.alloc(64 * 1024, 1));
        await writer.commit();
      };
      await expect(writeAll()).rejects.toThrow(/ENOSPC/);
      await writer.close();
    } finally {
      await cleanup();
    }
  });
});
