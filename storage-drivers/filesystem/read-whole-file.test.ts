import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readWholeFile } from "./read-whole-file.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "berth-read-whole-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("readWholeFile", () => {
  // Around each read size: the first (2 KiB), the second (16 KiB) and the largest (1 MiB) reads.
  it.each([0, 71, 2047, 2048, 2049, 16 * 1024 + 2048, 3 * 1024 * 1024 + 5])("returns all %i bytes", async (size) => {
    const content = randomBytes(size);
    const file = join(dir, `f${size}`);
    await writeFile(file, content);
    const read = await readWholeFile(file);
    expect(read.length).toBe(size);
    expect(read.equals(content)).toBe(true);
  });

  it("fails with ENOENT for a missing file", async () => {
    await expect(readWholeFile(join(dir, "missing"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("fails with EISDIR for a directory, closing what it opened", async () => {
    await expect(readWholeFile(dir)).rejects.toMatchObject({ code: "EISDIR" });
  });
});
