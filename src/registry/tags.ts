/** Tags as registry:2 stores them: `_manifests/tags/<tag>/current/link` plus an index of past targets. */
import type { StorageDriver } from "../../storage-drivers/driver.js";
import { RegistryError } from "./errors.js";
import * as paths from "./paths.js";
import { parseDigest, type Digest } from "./reference.js";
import { isNotFound, readLinkOrNull, toRegistryError } from "./storage-errors.js";

export class TagStore {
  constructor(
    private readonly driver: StorageDriver,
    private readonly name: string,
  ) {}

  /** The digest a tag points at now; MANIFEST_UNKNOWN when there is no such tag. */
  async resolve(tag: string): Promise<Digest> {
    const link = await readLinkOrNull(() => this.driver.getContent(paths.tagCurrentLink(this.name, tag)));
    const digest = link === null ? null : parseDigest(link);
    if (!digest) throw new RegistryError("MANIFEST_UNKNOWN", undefined, { tag });
    return digest;
  }

  /** Index link first, then the current link: a reader never sees a tag without its history. */
  async set(tag: string, digest: Digest): Promise<void> {
    const content = Buffer.from(digest.value);
    await this.driver.putContent(paths.tagIndexLink(this.name, tag, digest), content);
    await this.driver.putContent(paths.tagCurrentLink(this.name, tag), content);
  }

  async delete(tag: string): Promise<void> {
    try {
      await this.driver.delete(paths.tagDir(this.name, tag));
    } catch (error) {
      if (isNotFound(error)) throw new RegistryError("MANIFEST_UNKNOWN", undefined, { tag });
      throw toRegistryError(error);
    }
  }

  /** Every tag with the digest it points at, read from storage (for reindex and manifest delete). */
  async all(): Promise<{ tag: string; digest: Digest }[]> {
    let entries: string[];
    try {
      entries = await this.driver.list(paths.tagsDir(this.name));
    } catch (error) {
      if (isNotFound(error)) return [];
      throw toRegistryError(error);
    }
    const result: { tag: string; digest: Digest }[] = [];
    for (const entry of entries) {
      const tag = entry.slice(entry.lastIndexOf("/") + 1);
      const link = await readLinkOrNull(() => this.driver.getContent(paths.tagCurrentLink(this.name, tag)));
      const digest = link === null ? null : parseDigest(link);
      if (digest) result.push({ tag, digest });
    }
    return result;
  }
}
