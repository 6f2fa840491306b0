/** Blobs as one repository sees them: linked through `_layers` (or a manifest revision). */
import type { Readable, Writable } from "node:stream";
import type { StorageDriver } from "../../storage-drivers/driver.js";
import { RegistryError } from "./errors.js";
import * as paths from "./paths.js";
import type { Digest } from "./reference.js";
import { isNotFound, readLinkOrNull, toRegistryError } from "./storage-errors.js";

export interface BlobInfo {
  digest: Digest;
  size: number;
}

/** The spec's answer for a blob this repository does not have. */
function blobUnknown(digest: Digest): RegistryError {
  return new RegistryError("BLOB_UNKNOWN", undefined, { digest: digest.value });
}

export class BlobStore {
  constructor(
    private readonly driver: StorageDriver,
    private readonly name: string,
  ) {}

  /** Whether this repository links the blob (as a layer, or as one of its manifests). */
  async isLinked(digest: Digest): Promise<boolean> {
    const layer = await readLinkOrNull(() => this.driver.getContent(paths.layerLink(this.name, digest)));
    if (layer === digest.value) return true;
    const revision = await readLinkOrNull(() => this.driver.getContent(paths.revisionLink(this.name, digest)));
    return revision === digest.value;
  }

  /** The blob's size when this repository links it and its data exists; BLOB_UNKNOWN otherwise. */
  async stat(digest: Digest): Promise<BlobInfo> {
    if (!(await this.isLinked(digest))) throw blobUnknown(digest);
    const size = await blobSize(this.driver, digest);
    if (size === null) throw blobUnknown(digest);
    return { digest, size };
  }

  async open(digest: Digest, offset = 0): Promise<Readable> {
    try {
      return await this.driver.reader(paths.blobData(digest), offset);
    } catch (error) {
      if (isNotFound(error)) throw blobUnknown(digest);
      throw toRegistryError(error);
    }
  }

  /**
   * Writes the blob's bytes [offset, offset + length) to `sink` when the driver can send them
   * itself (driver.send); false when it cannot, and open() is the way.
   */
  async send(digest: Digest, offset: number, length: number, sink: Writable): Promise<boolean> {
    if (!this.driver.send) return false;
    try {
      await this.driver.send(paths.blobData(digest), offset, length, sink);
    } catch (error) {
      if (isNotFound(error)) throw blobUnknown(digest);
      throw error;
    }
    return true;
  }

  async redirectUrl(digest: Digest, method: "GET" | "HEAD"): Promise<string | null> {
    return this.driver.redirectUrl ? this.driver.redirectUrl(paths.blobData(digest), method) : null;
  }

  async link(digest: Digest): Promise<void> {
    await this.driver.putContent(paths.layerLink(this.name, digest), Buffer.from(digest.value));
  }

  /** Removes the repository's layer link; the data stays until garbage collection. */
  async unlink(digest: Digest): Promise<void> {
    const layer = await readLinkOrNull(() => this.driver.getContent(paths.layerLink(this.name, digest)));
    if (layer !== digest.value) throw blobUnknown(digest);
    await this.driver.delete(paths.layerDir(this.name, digest));
  }
}

/** Size of the blob's data in the global store, or null when there is none. */
export async function blobSize(driver: StorageDriver, digest: Digest): Promise<number | null> {
  try {
    return (await driver.stat(paths.blobData(digest))).size;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw toRegistryError(error);
  }
}
