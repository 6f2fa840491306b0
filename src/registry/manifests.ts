/**
 * Manifests of one repository: stored as blobs with a revision link (registry:2 layout),
 * indexed in metadata after the storage write.
 */
import { createHash } from "node:crypto";
import type { StorageDriver } from "../../storage-drivers/driver.js";
import { manifestHoldSet, whileHeld } from "../gc/holds.js";
import type { MetadataStore } from "../metadata/store.js";
import type { NotificationEvent } from "../notifications/events.js";
import type { BlobStore } from "./blobs.js";
import { RegistryError } from "./errors.js";
import { parseManifest, storedMediaType, type ParsedManifest } from "./manifest-parse.js";
import type { ManifestCache } from "./manifest-cache.js";
import * as paths from "./paths.js";
import type { Digest, ManifestReference } from "./reference.js";
import { isNotFound, readLinkOrNull, toRegistryError } from "./storage-errors.js";
import type { TagStore } from "./tags.js";

export interface StoredManifest {
  digest: Digest;
  mediaType: string;
  content: Buffer;
}

export interface PushResult {
  digest: Digest;
  manifest: ParsedManifest;
}

/** What a push did, for the notification events stored with its index change. */
export interface PushedManifest extends PushResult {
  repository: string;
  size: number;
  tags: string[];
}

export class ManifestStore {
  constructor(
    private readonly driver: StorageDriver,
    private readonly metadata: MetadataStore,
    private readonly name: string,
    private readonly blobs: BlobStore,
    private readonly tags: TagStore,
    private readonly cache: ManifestCache,
  ) {}

  async exists(digest: Digest): Promise<boolean> {
    const link = await readLinkOrNull(() => this.driver.getContent(paths.revisionLink(this.name, digest)));
    return link === digest.value;
  }

  async get(reference: ManifestReference): Promise<StoredManifest> {
    const digest = reference.kind === "tag" ? await this.tags.resolve(reference.tag) : reference.digest;
    if (!(await this.exists(digest))) throw new RegistryError("MANIFEST_UNKNOWN", undefined, { digest: digest.value });
    const cached = this.cache.get(digest.value);
    if (cached) return { digest, ...cached };
    let content: Buffer;
    try {
      content = await this.driver.getContent(paths.blobData(digest));
    } catch (error) {
      if (isNotFound(error)) throw new RegistryError("MANIFEST_UNKNOWN", undefined, { digest: digest.value });
      throw toRegistryError(error);
    }
    const entry = { mediaType: storedMediaType(content), content };
    this.cache.set(digest.value, entry);
    return { digest, ...entry };
  }

  /**
   * Validates and stores a manifest, then tags it. Storage order: blob data, revision link,
   * tags; then the metadata index. A failed check writes nothing.
   */
  async put(
    reference: ManifestReference,
    body: Buffer,
    contentType: string | undefined,
    extraTags: string[],
    events: (pushed: PushedManifest) => readonly NotificationEvent[] = () => [],
  ): Promise<PushResult> {
    const manifest = parseManifest(body, contentType);
    const algorithm = reference.kind === "digest" ? reference.digest.algorithm : "sha256";
    const hex = createHash(algorithm).update(body).digest("hex");
    const digest: Digest = { algorithm, hex, value: `${algorithm}:${hex}` };
    if (reference.kind === "digest" && reference.digest.value !== digest.value) {
      throw new RegistryError("DIGEST_INVALID", "manifest digest does not match its content", {
        expected: reference.digest.value,
        actual: digest.value,
      });
    }
    // Hold what the manifest makes reachable, so an online garbage collection cannot delete
    // it between the check and the links (the argument is in src/gc/holds.ts).
    const held = await manifestHoldSet(this.driver, digest.value, manifest);
    await whileHeld(this.metadata, held, async () => {
      await this.checkReferences(manifest);

      try {
        await this.driver.putContent(paths.blobData(digest), body);
        await this.driver.putContent(paths.revisionLink(this.name, digest), Buffer.from(digest.value));
      } catch (error) {
        throw toRegistryError(error);
      }
      const tags = reference.kind === "tag" ? [reference.tag, ...extraTags] : extraTags;
      for (const tag of tags) await this.tags.set(tag, digest);

      await this.metadata.putManifest(
        {
          repository: this.name,
          digest: digest.value,
          mediaType: manifest.mediaType,
          size: body.length,
          artifactType: manifest.artifactType,
          subject: manifest.subject?.digest.value ?? null,
          annotations: manifest.annotations,
        },
        events({ repository: this.name, digest, manifest, size: body.length, tags }),
      );
      for (const tag of tags) await this.metadata.setTag(this.name, tag, digest.value);
    });
    return { digest, manifest };
  }

  /** Deletes a revision and the tags pointing at it; the blob data stays until garbage collection. */
  async delete(digest: Digest): Promise<void> {
    if (!(await this.exists(digest))) throw new RegistryError("MANIFEST_UNKNOWN", undefined, { digest: digest.value });
    for (const { tag, digest: target } of await this.tags.all()) {
      if (target.value === digest.value) await this.tags.delete(tag);
    }
    await this.driver.delete(paths.revisionDir(this.name, digest));
    await this.metadata.deleteManifest(this.name, digest.value);
  }

  private async checkReferences(manifest: ParsedManifest): Promise<void> {
    for (const blob of manifest.blobs) {
      if (!(await this.blobs.isLinked(blob.digest)) || !(await this.blobExists(blob.digest))) {
        throw new RegistryError("MANIFEST_BLOB_UNKNOWN", undefined, { digest: blob.digest.value });
      }
    }
    for (const child of manifest.children) {
      if (!(await this.exists(child.digest))) {
        throw new RegistryError("MANIFEST_BLOB_UNKNOWN", "index references a manifest unknown to the repository", {
          digest: child.digest.value,
        });
      }
    }
  }

  private async blobExists(digest: Digest): Promise<boolean> {
    try {
      await this.driver.stat(paths.blobData(digest));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw toRegistryError(error);
    }
  }
}
