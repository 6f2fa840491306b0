/**
 * walk() for object stores that list one directory level at a time: each directory's children
 * (already in lexical order), a directory followed by everything below it. A directory emptied
 * while the walk goes on is skipped, as a filesystem walk skips one removed meanwhile.
 */
import type { FileInfo } from "./driver.js";
import { PathNotFoundError } from "./errors.js";

export async function* walkByListing(path: string, children: (path: string) => Promise<FileInfo[]>, driver: string): AsyncGenerator<FileInfo> {
  const entries = await children(path);
  if (entries.length === 0 && path !== "/") throw new PathNotFoundError(path, driver);
  for (const entry of entries) {
    yield entry;
    if (!entry.isDir) continue;
    try {
      yield* walkByListing(entry.path, children, driver);
    } catch (error) {
      if (!(error instanceof PathNotFoundError)) throw error; // emptied while walking
    }
  }
}
