import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { SqliteMetadataStore } from "./sqlite.js";
import { runMetadataSuites } from "./suites/index.js";

const dir = mkdtempSync(join(tmpdir(), "berth-sqlite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let databases = 0;

runMetadataSuites({
  name: "sqlite",
  async create() {
    const path = join(dir, `index-${++databases}.sqlite`);
    return { open: async () => new SqliteMetadataStore(path) };
  },
});
