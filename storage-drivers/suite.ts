/**
 * The one test suite every storage driver passes. A driver's own test file is a few lines:
 * runDriverSuite("filesystem", async () => ({ driver, cleanup })).
 */
import { createHash, randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FileInfo, StorageDriver } from "./driver.js";
import { InvalidOffsetError, InvalidPathError, PathNotFoundError } from "./errors.js";

export interface DriverFixture {
  driver: StorageDriver;
  cleanup: () => Promise<void>;
}

async function readAll(driver: StorageDriver, path: string, offset = 0): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await driver.reader(path, offset)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function collect(iterable: AsyncIterable<FileInfo>): Promise<FileInfo[]> {
  const all: FileInfo[] = [];
  for await (const info of iterable) all.push(info);
  return all;
}

export function runDriverSuite(name: string, setup: () => Promise<DriverFixture>): void {
  describe(`storage driver suite: ${name}`, () => {
    let fixture: DriverFixture;
    let driver: StorageDriver;
    beforeEach(async () => {
      fixture = await setup();
      driver = fixture.driver;
    });
    afterEach(async () => fixture.cleanup());

    it("stores and returns whole files, replacing on overwrite", async () => {
      await driver.putContent("/a/b/file", Buffer.from("first"));
      expect((await driver.getContent("/a/b/file")).toString()).toBe("first");
      await driver.putContent("/a/b/file", Buffer.from("2nd"));
      expect((await driver.getContent("/a/b/file")).toString()).toBe("2nd");
      await driver.putContent("/a/empty", new Uint8Array());
      expect((await driver.getContent("/a/empty")).length).toBe(0);
      // Sizes around and well past a first read's buffer come back whole.
      for (const size of [16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 1_500_000]) {
        const content = Buffer.alloc(size, size % 251);
        await driver.putContent("/a/sized", content);
        expect((await driver.getContent("/a/sized")).equals(content), String(size)).toBe(true);
      }
    });

    it("reports missing paths as PathNotFoundError from every call", async () => {
      await driver.putContent("/present/file", Buffer.from("x"));
      await expect(driver.getContent("/missing")).rejects.toBeInstanceOf(PathNotFoundError);
      await expect(driver.getContent("/present")).rejects.toBeInstanceOf(PathNotFoundError);
      await expect(driver.stat("/missing")).rejects.toBeInstanceOf(PathNotFoundError);
      await expect(driver.list("/missing")).rejects.toBeInstanceOf(PathNotFoundError);
      await expect(driver.reader("/missing")).rejects.toBeInstanceOf(PathNotFoundError);
      await expect(driver.move("/missing", "/elsewhere")).rejects.toBeInstanceOf(PathNotFoundError);
      await expect(driver.delete("/missing")).rejects.toBeInstanceOf(PathNotFoundError);
      await expect(driver.getContent("/present/file/below")).rejects.toBeInstanceOf(PathNotFoundError);
    });

    it("rejects paths outside the grammar before touching storage", async () => {
      const bad = ["", "relative", "/trailing/", "//double", "/a//b", "/a/../b", "/..", "/./a", "/a/.", "/a/..", "/nul\0byte", "/space here", "/back\\slash", "/ü"];
      for (const path of bad) {
        await expect(driver.putContent(path, Buffer.from("x")), path).rejects.toBeInstanceOf(InvalidPathError);
        await expect(driver.getContent(path), path).rejects.toBeInstanceOf(InvalidPathError);
      }
      await expect(driver.move("/a", "/b/../c")).rejects.toBeInstanceOf(InvalidPathError);
      await expect(driver.delete("/")).rejects.toBeInstanceOf(InvalidPathError);
      // Dots inside a name are fine.
      await driver.putContent("/..a/.b/c..", Buffer.from("dots"));
      expect((await driver.getContent("/..a/.b/c..")).toString()).toBe("dots");
    });

    it("stats files and directories", async () => {
      await driver.putContent("/dir/sub/file", Buffer.from("12345"));
      const file = await driver.stat("/dir/sub/file");
      expect(file).toMatchObject({ path: "/dir/sub/file", size: 5, isDir: false });
      expect(Math.abs(file.modTime.getTime() - Date.now())).toBeLessThan(60_000);
      expect(await driver.stat("/dir/sub")).toMatchObject({ path: "/dir/sub", isDir: true });
    });

    it("lists direct children as full paths in lexical order", async () => {
      for (const path of ["/l/b/x", "/l/a", "/l/c/d/e", "/lx/not-a-child"]) await driver.putContent(path, Buffer.from("x"));
      expect(await driver.list("/l")).toEqual(["/l/a", "/l/b", "/l/c"]);
      expect(await driver.list("/")).toEqual(expect.arrayContaining(["/l", "/lx"]));
      expect(await driver.list("/")).toHaveLength(2);
    });

    it("moves files, replacing the destination and creating its parents", async () => {
      await driver.putContent("/src/file", Buffer.from("moved"));
      await driver.putContent("/dst/deep/file", Buffer.from("old"));
      await driver.move("/src/file", "/dst/deep/file");
      expect((await driver.getContent("/dst/deep/file")).toString()).toBe("moved");
      await expect(driver.getContent("/src/file")).rejects.toBeInstanceOf(PathNotFoundError);
      await driver.putContent("/src/other", Buffer.from("o"));
      await driver.move("/src/other", "/new/parents/here");
      expect((await driver.getContent("/new/parents/here")).toString()).toBe("o");
    });

    it("deletes files and whole trees, leaving siblings that share a prefix", async () => {
      for (const path of ["/d/tree/a", "/d/tree/b/c", "/d/tree2/keep", "/d/treefile"]) await driver.putContent(path, Buffer.from("x"));
      await driver.delete("/d/tree");
      await expect(driver.stat("/d/tree")).rejects.toBeInstanceOf(PathNotFoundError);
      await expect(driver.getContent("/d/tree/b/c")).rejects.toBeInstanceOf(PathNotFoundError);
      expect(await driver.list("/d")).toEqual(["/d/tree2", "/d/treefile"]);
      await driver.delete("/d/treefile");
      expect(await driver.list("/d")).toEqual(["/d/tree2"]);
    });

    it("reads from an offset; at the end gives nothing, past it InvalidOffsetError", async () => {
      await driver.putContent("/r/file", Buffer.from("0123456789"));
      expect((await readAll(driver, "/r/file", 0)).toString()).toBe("0123456789");
      expect((await readAll(driver, "/r/file", 4)).toString()).toBe("456789");
      expect((await readAll(driver, "/r/file", 10)).length).toBe(0);
      await expect(driver.reader("/r/file", 11)).rejects.toBeInstanceOf(InvalidOffsetError);
    });

    it("writes streams, appends to what is there, and reports the size", async () => {
      const first = await driver.writer("/w/data");
      await first.write(Buffer.from("hello "));
      expect(first.size).toBe(6);
      await first.commit();
      const second = await driver.writer("/w/data", { append: true });
      expect(second.size).toBe(6);
      await second.write(Buffer.from("world"));
      await second.commit();
      expect((await driver.getContent("/w/data")).toString()).toBe("hello world");
      expect((await driver.stat("/w/data")).size).toBe(11);
      const fresh = await driver.writer("/w/data");
      expect(fresh.size).toBe(0);
      await fresh.write(Buffer.from("new"));
      await fresh.commit();
      expect((await driver.getContent("/w/data")).toString()).toBe("new");
    });

    it("keeps what was written on close and discards everything on cancel", async () => {
      const kept = await driver.writer("/c/kept");
      await kept.write(Buffer.from("partial"));
      await kept.close();
      expect((await driver.getContent("/c/kept")).toString()).toBe("partial");
      const cancelled = await driver.writer("/c/kept", { append: true });
      await cancelled.write(Buffer.from(" more"));
      await cancelled.cancel();
      await expect(driver.getContent("/c/kept")).rejects.toBeInstanceOf(PathNotFoundError);
    });

    it("aborts a writer back to what the path held before it", async () => {
      await driver.putContent("/ab/data", Buffer.from("kept"));
      const writer = await driver.writer("/ab/data", { append: true });
      await writer.write(Buffer.alloc(3 * 1024 * 1024, 1));
      await writer.abort();
      expect((await driver.getContent("/ab/data")).toString()).toBe("kept");
      const fresh = await driver.writer("/ab/new", { append: true });
      await fresh.write(Buffer.from("gone"));
      await fresh.abort();
      expect(await driver.getContent("/ab/new").then((b) => b.length, () => 0)).toBe(0);
    });

    it("streams 24 MiB in uneven chunks through writer and reader intact", async () => {
      const hash = createHash("sha256");
      const writer = await driver.writer("/big/blob");
      let total = 0;
      for (let i = 0; i < 48; i++) {
        const chunk = randomBytes(512 * 1024 + (i % 7) * 1000);
        hash.update(chunk);
        total += chunk.length;
        await writer.write(chunk);
      }
      await writer.commit();
      expect((await driver.stat("/big/blob")).size).toBe(total);
      const back = createHash("sha256");
      let read = 0;
      for await (const chunk of await driver.reader("/big/blob")) {
        back.update(chunk as Buffer);
        read += (chunk as Buffer).length;
      }
      expect(read).toBe(total);
      expect(back.digest("hex")).toBe(hash.digest("hex"));
    });

    it("never shows a torn file under concurrent putContent to one path", async () => {
      const versions = Array.from({ length: 12 }, (_, i) => Buffer.alloc(256 * 1024, i + 1));
      const reads: Promise<void>[] = [];
      await Promise.all(
        versions.map(async (content) => {
          await driver.putContent("/race/file", content);
          reads.push(
            driver.getContent("/race/file").then((seen) => {
              expect(seen.length).toBe(content.length);
              expect(seen.every((byte) => byte === seen[0])).toBe(true);
            }),
          );
        }),
      );
      await Promise.all(reads);
    });

    it("walks every file and directory, parents before children, in lexical order", async () => {
      for (const path of ["/t/b/2", "/t/a", "/t/b/1", "/t/c/d/e"]) await driver.putContent(path, Buffer.from("x"));
      const walked = await collect(driver.walk("/t"));
      expect(walked.map((info) => `${info.path}${info.isDir ? "/" : ""}`)).toEqual([
        "/t/a",
        "/t/b/",
        "/t/b/1",
        "/t/b/2",
        "/t/c/",
        "/t/c/d/",
        "/t/c/d/e",
      ]);
      await expect(collect(driver.walk("/nothing"))).rejects.toBeInstanceOf(PathNotFoundError);
    });
  });
}
