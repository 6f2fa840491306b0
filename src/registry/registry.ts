/** The registry over a storage driver and the metadata index: registry.repository(name) → stores. */
import type { StorageDriver } from "../../storage-drivers/driver.js";
import type { MetadataStore } from "../metadata/store.js";
import { NO_EVENTS, type RegistryEvents } from "../notifications/registry-events.js";
import { BlobStore } from "./blobs.js";
import { ManifestCache } from "./manifest-cache.js";
import { ManifestStore } from "./manifests.js";
import { checkName } from "./reference.js";
import { TagStore } from "./tags.js";
import { UploadHashes } from "./upload-hashes.js";
import { UploadSessionLock } from "./upload-session-lock.js";
import { UploadStore } from "./uploads.js";

export interface Repository {
  name: string;
  blobs: BlobStore;
  uploads: UploadStore;
  manifests: ManifestStore;
  tags: TagStore;
}

export class Registry {
  private readonly hashes = new UploadHashes();
  private readonly manifestCache = new ManifestCache();
  private readonly uploadLocks: UploadSessionLock;

  constructor(
    readonly driver: StorageDriver,
    readonly metadata: MetadataStore,
    /** Notification events of what the API serves (none by default). */
    readonly events: RegistryEvents = NO_EVENTS,
  ) {
    this.uploadLocks = new UploadSessionLock(metadata);
  }

  /** The stores of one repository; the name is validated against the spec's grammar. */
  repository(name: string): Repository {
    checkName(name);
    const blobs = new BlobStore(this.driver, name);
    const tags = new TagStore(this.driver, name);
    return {
      name,
      blobs,
      tags,
      uploads: new UploadStore(this.driver, name, blobs, this.hashes, this.uploadLocks, this.metadata),
      manifests: new ManifestStore(this.driver, this.metadata, name, blobs, tags, this.manifestCache),
    };
  }
}
