/**
 * Soft deletes and restore. Deleting a tag, a manifest or a repository moves its link files
 * out of the registry:2 tree into the Berth trash (trash-paths.ts), so the /v2 API, the
 * catalog, `berth reindex` and a registry:2 serving the same storage all stop seeing it at
 * once, while the blobs stay until a collection. Restore moves the files back.
 *
 * Order of writes: the metadata record first (a collection running now then treats the entry
 * as a root, see holds.ts), entry.json, then the link files — a tag's current link first, so
 * it disappears at the first move — then the index. A restore holds every digest it brings
 * back (holds.ts), checks they are all in storage, moves the files back with tags' current
 * links last, and re-indexes.
 */
import { randomBytes } from "node:crypto";
import type { StorageDriver } from "../../storage-drivers/driver.js";
import type { DeletedItem, DeletedKind } from "../metadata/gc-records.js";
import { manifestRecord, revisions } from "../metadata/reindex.js";
import type { MetadataStore } from "../metadata/store.js";
import type { NotificationEvent } from "../notifications/events.js";
import { blobSize } from "../registry/blobs.js";
import { RegistryError } from "../registry/errors.js";
import * as paths from "../registry/paths.js";
import { parseDigest, type Digest } from "../registry/reference.js";
import { isNotFound, readLinkOrNull, toRegistryError } from "../registry/storage-errors.js";
import { TagStore } from "../registry/tags.js";
import { manifestClosure, whileHeld } from "./holds.js";
import { TRASH, trashDescriptor, trashEntry, trashFile, trashFiles } from "./trash-paths.js";

/** Files below a folder, in walk order; none when it does not exist. */
async function filesBelow(driver: StorageDriver, dir: string): Promise<string[]> {
  const files: string[] = [];
  try {
    for await (const info of driver.walk(dir)) if (!info.isDir) files.push(info.path);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  return files;
}

async function deleteIfPresent(driver: StorageDriver, path: string): Promise<void> {
  try {
    await driver.delete(path);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** Moves a file unless it is already gone (a retried or concurrent move); true when it moved. */
async function moveIfPresent(driver: StorageDriver, from: string, to: string): Promise<boolean> {
  try {
    await driver.move(from, to);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** Tag current links first: hiding a tag is the one move that must come before the others. */
function currentLinksFirst(files: string[]): string[] {
  const isCurrent = (path: string) => path.endsWith("/current/link");
  return [...files.filter(isCurrent), ...files.filter((path) => !isCurrent(path))];
}

function newId(now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, "").replace(".", "");
  return `${stamp}-${randomBytes(5).toString("hex")}`;
}

function gone(item: DeletedItem): RegistryError {
  const when = item.changedAt === null ? "" : ` at ${new Date(item.changedAt).toISOString()}`;
  const run = item.gcRun === null ? "" : ` run ${item.gcRun}`;
  const verb = item.state === "purging" ? "is being removed" : "was permanently removed";
  return new RegistryError(
    "NOT_FOUND",
    `${describe(item)} ${verb} by garbage collection${run}${when}: it can no longer be restored`,
    { id: item.id, state: item.state, gcRun: item.gcRun },
    410,
  );
}

function describe(item: Pick<DeletedItem, "kind" | "repository" | "tag" | "digest">): string {
  if (item.kind === "tag") return `tag ${item.repository}:${item.tag}`;
  if (item.kind === "manifest") return `manifest ${item.repository}@${item.digest}`;
  return `repository ${item.repository}`;
}

export class Trash {
  constructor(
    private readonly driver: StorageDriver,
    private readonly metadata: MetadataStore,
  ) {}

  /** `events`: the delete's notifications, stored with the index change. */
  async deleteTag(name: string, tag: string, actor: string, events: readonly NotificationEvent[] = []): Promise<DeletedItem> {
    const digest = await new TagStore(this.driver, name).resolve(tag);
    const files = await filesBelow(this.driver, paths.tagDir(name, tag));
    const item = await this.moveToTrash({ kind: "tag", repository: name, tag, digest: digest.value, tags: [tag], manifests: [digest.value] }, actor, files);
    await deleteIfPresent(this.driver, paths.tagDir(name, tag));
    await this.metadata.deleteTag(name, tag, events);
    return item;
  }

  /** Deletes a manifest revision with every tag pointing at it, as registry:2's manifest DELETE does. */
  async deleteManifest(name: string, digest: Digest, actor: string, events: readonly NotificationEvent[] = []): Promise<DeletedItem> {
    const link = await readLinkOrNull(() => this.driver.getContent(paths.revisionLink(name, digest)));
    if (link !== digest.value) throw new RegistryError("MANIFEST_UNKNOWN", undefined, { digest: digest.value });
    const tags = (await new TagStore(this.driver, name).all()).filter((entry) => entry.digest.value === digest.value).map((entry) => entry.tag);
    const files: string[] = [];
    for (const tag of tags) files.push(...(await filesBelow(this.driver, paths.tagDir(name, tag))));
    files.push(...(await filesBelow(this.driver, paths.revisionDir(name, digest))));
    const item = await this.moveToTrash({ kind: "manifest", repository: name, tag: null, digest: digest.value, tags, manifests: [digest.value] }, actor, files);
    for (const tag of tags) await deleteIfPresent(this.driver, paths.tagDir(name, tag));
    await deleteIfPresent(this.driver, paths.revisionDir(name, digest));
    await this.metadata.deleteManifest(name, digest.value, events);
    return item;
  }

  /** Deletes a whole repository: its tags, revisions and layer links (nested repositories stay). */
  async deleteRepository(name: string, actor: string): Promise<DeletedItem> {
    const manifestFiles = await filesBelow(this.driver, paths.manifestsDir(name));
    if (manifestFiles.length === 0) throw new RegistryError("NAME_UNKNOWN", undefined, { name });
    const tags = (await new TagStore(this.driver, name).all()).map((entry) => entry.tag);
    const manifests = (await revisions(this.driver, name)).map((digest) => digest.value);
    const files = [...manifestFiles, ...(await filesBelow(this.driver, paths.layersDir(name)))];
    const item = await this.moveToTrash({ kind: "repository", repository: name, tag: null, digest: null, tags, manifests }, actor, files);
    await deleteIfPresent(this.driver, paths.manifestsDir(name));
    await deleteIfPresent(this.driver, paths.layersDir(name));
    await this.metadata.deleteRepository(name);
    return item;
  }

  async restore(id: string, actor: string): Promise<DeletedItem> {
    const item = await this.metadata.deleted.get(id);
    if (!item) throw new RegistryError("NOT_FOUND", "no deleted item with this id", { id });
    if (item.state === "purging" || item.state === "purged") throw gone(item);
    if (item.state === "restored") {
      throw new RegistryError("UNSUPPORTED", `${describe(item)} was already restored by ${item.restoredBy ?? "someone"}`, { id }, 409);
    }
    await this.refuseConflicts(item);
    if (!(await this.metadata.deleted.transition(id, ["deleted", "restoring"], "restoring"))) {
      const now = await this.metadata.deleted.get(id);
      throw now && (now.state === "purging" || now.state === "purged") ? gone(now) : new RegistryError("UNSUPPORTED", "the item changed state meanwhile; retry", { id }, 409);
    }
    const closure = await manifestClosure(this.driver, item.manifests);
    await whileHeld(this.metadata, closure.digests, async () => {
      const missing = [...closure.missingManifests, ...(await this.missingBlobs(closure.digests, closure.missingManifests))];
      if (missing.length > 0) {
        await this.metadata.deleted.transition(id, ["restoring"], "deleted");
        throw new RegistryError(
          "NOT_FOUND",
          `${describe(item)} cannot be restored: content it needs is no longer in storage (removed by a garbage collection outside Berth?)`,
          { id, missing: missing.slice(0, 20) },
          410,
        );
      }
      const root = paths.repository(item.repository);
      const stored = await filesBelow(this.driver, trashFiles(id));
      const prefix = `${trashFiles(id)}/`;
      // Current links last: a tag reappears only when everything it needs is back.
      for (const file of currentLinksFirst(stored).reverse()) {
        await moveIfPresent(this.driver, file, `${root}/${file.slice(prefix.length)}`);
      }
    });
    await this.reindex(item);
    await deleteIfPresent(this.driver, trashEntry(id));
    await this.metadata.deleted.transition(id, ["restoring"], "restored", { restoredBy: actor });
    return (await this.metadata.deleted.get(id)) ?? item;
  }

  /** Removes a purged entry's files from the trash (the collector). */
  async removeEntry(id: string): Promise<void> {
    await deleteIfPresent(this.driver, trashEntry(id));
  }

  /** The entries in the storage trash, read from their entry.json (unreadable ones are skipped). */
  async storedEntries(): Promise<DeletedItem[]> {
    let ids: string[];
    try {
      ids = (await this.driver.list(TRASH)).map((path) => path.slice(path.lastIndexOf("/") + 1));
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    const entries: DeletedItem[] = [];
    for (const id of ids) {
      try {
        const stored = JSON.parse((await this.driver.getContent(trashDescriptor(id))).toString("utf8")) as DeletedItem;
        if (stored.id === id && Array.isArray(stored.manifests) && typeof stored.deletedAt === "number") entries.push(stored);
      } catch (error) {
        if (!isNotFound(error) && !(error instanceof SyntaxError)) throw error;
      }
    }
    return entries;
  }

  /**
   * Storage is the source of truth: trash entries with no record in metadata (a new or rebuilt
   * database) get one back, as deleted, so they are listed, restorable and collected as usual.
   */
  async importOrphans(): Promise<DeletedItem[]> {
    const imported: DeletedItem[] = [];
    for (const entry of await this.storedEntries()) {
      if (await this.metadata.deleted.get(entry.id)) continue;
      const item: DeletedItem = { ...entry, state: "deleted", restoredBy: null, changedAt: null, gcRun: null };
      await this.metadata.deleted.add(item);
      imported.push(item);
    }
    return imported;
  }

  private async moveToTrash(
    what: { kind: DeletedKind; repository: string; tag: string | null; digest: string | null; tags: string[]; manifests: string[] },
    actor: string,
    files: string[],
  ): Promise<DeletedItem> {
    const deletedAt = Date.now();
    const item: DeletedItem = { id: newId(deletedAt), ...what, deletedBy: actor, deletedAt, state: "deleted", restoredBy: null, changedAt: null, gcRun: null };
    await this.metadata.deleted.add(item);
    try {
      await this.driver.putContent(trashDescriptor(item.id), Buffer.from(JSON.stringify(item, null, 2)));
      const prefix = `${paths.repository(item.repository)}/`;
      for (const file of currentLinksFirst(files)) {
        await moveIfPresent(this.driver, file, trashFile(item.id, file.slice(prefix.length)));
      }
    } catch (error) {
      throw toRegistryError(error);
    }
    return item;
  }

  private async refuseConflicts(item: DeletedItem): Promise<void> {
    const name = item.repository;
    if (item.kind === "repository") {
      if ((await filesBelow(this.driver, paths.manifestsDir(name))).length > 0) {
        throw new RegistryError("UNSUPPORTED", `repository ${name} exists again; delete it before restoring the deleted one`, { id: item.id }, 409);
      }
      return;
    }
    for (const tag of item.tags) {
      const current = await readLinkOrNull(() => this.driver.getContent(paths.tagCurrentLink(name, tag)));
      if (current !== null) {
        throw new RegistryError("UNSUPPORTED", `tag ${name}:${tag} exists again (pointing at ${current}); delete it before restoring`, { id: item.id, tag }, 409);
      }
    }
    const digest = item.kind === "tag" && item.digest !== null ? parseDigest(item.digest) : null;
    if (digest && (await readLinkOrNull(() => this.driver.getContent(paths.revisionLink(name, digest)))) !== digest.value) {
      throw new RegistryError(
        "UNSUPPORTED",
        `manifest ${digest.value}, which tag ${name}:${item.tag} pointed at, is no longer in the repository; restore the manifest first`,
        { id: item.id, digest: digest.value },
        409,
      );
    }
  }

  private async missingBlobs(digests: string[], skip: string[]): Promise<string[]> {
    const missing: string[] = [];
    for (const text of digests) {
      if (skip.includes(text)) continue;
      const digest = parseDigest(text);
      if (digest && (await blobSize(this.driver, digest)) === null) missing.push(text);
    }
    return missing;
  }

  /** Puts the restored revisions and tags back into the metadata index. */
  private async reindex(item: DeletedItem): Promise<void> {
    const name = item.repository;
    const digests = item.kind === "repository" ? await revisions(this.driver, name) : item.manifests.map(parseDigest).filter((d): d is Digest => d !== null);
    for (const digest of digests) {
      try {
        await this.metadata.putManifest(await manifestRecord(this.driver, name, digest));
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    for (const { tag, digest } of await new TagStore(this.driver, name).all()) {
      if (item.kind === "repository" || item.tags.includes(tag)) await this.metadata.setTag(name, tag, digest.value);
    }
  }
}
