/**
 * What the portal shows of a tag: the digest it points at, the image's size (manifest, config
 * and layers, as `docker images` sums them; for an index, its images together), the platforms
 * (from the index's descriptors, or the image config's os/architecture), and when it was
 * pushed (the modification time of the tag's current link) and by whom (the activity log, when
 * it saw the push). Read from storage, the source of
 * truth; anything unreadable is left out rather than failing the whole list.
 */
import type { StorageDriver } from "../../storage-drivers/driver.js";
import * as paths from "../registry/paths.js";
import { parseDigest, type Digest } from "../registry/reference.js";
import type { Repository } from "../registry/registry.js";

export interface TagDetails {
  name: string;
  digest: string;
  mediaType: string;
  /** Bytes; null when a part could not be read. */
  size: number | null;
  /** "os/architecture[/variant]" of each image. */
  platforms: string[];
  pushedAt: string | null;
  pushedBy: string | null;
}

interface DescriptorJson {
  mediaType?: string;
  digest?: string;
  size?: number;
  platform?: { os?: string; architecture?: string; variant?: string };
}

interface ManifestJson {
  mediaType?: string;
  config?: DescriptorJson;
  layers?: DescriptorJson[];
  manifests?: DescriptorJson[];
}

/** An image config larger than this is not read for its platform. */
const MAX_CONFIG_BYTES = 1024 * 1024;
/** At most this many images of an index are read for its size. */
const MAX_CHILDREN = 32;

function platformName(platform: { os?: string; architecture?: string; variant?: string }): string | null {
  if (!platform.os || !platform.architecture || platform.os === "unknown") return null;
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join("/");
}

function descriptorSize(descriptor: DescriptorJson | undefined): number {
  return typeof descriptor?.size === "number" && descriptor.size >= 0 ? descriptor.size : 0;
}

export class TagDetailsReader {
  constructor(
    private readonly driver: StorageDriver,
    private readonly repository: Repository,
    /** Who last pushed the tag, from the activity log (null when it has no record). */
    private readonly pushedBy: (tag: string) => Promise<string | null> = async () => null,
  ) {}

  private async manifest(digest: Digest): Promise<{ mediaType: string; size: number; json: ManifestJson } | null> {
    try {
      const stored = await this.repository.manifests.get({ kind: "digest", digest });
      return { mediaType: stored.mediaType, size: stored.content.length, json: JSON.parse(stored.content.toString("utf8")) as ManifestJson };
    } catch {
      return null;
    }
  }

  private async configPlatform(config: DescriptorJson | undefined): Promise<string | null> {
    const digest = config?.digest === undefined ? null : parseDigest(config.digest);
    if (!digest || descriptorSize(config) > MAX_CONFIG_BYTES) return null;
    try {
      const json = JSON.parse((await this.driver.getContent(paths.blobData(digest))).toString("utf8")) as { os?: string; architecture?: string; variant?: string };
      return platformName(json);
    } catch {
      return null;
    }
  }

  /** An image's bytes and platform. */
  private async image(size: number, json: ManifestJson): Promise<{ size: number; platform: string | null }> {
    const layers = (json.layers ?? []).reduce((sum, layer) => sum + descriptorSize(layer), 0);
    return { size: size + descriptorSize(json.config) + layers, platform: await this.configPlatform(json.config) };
  }

  async read(tag: string): Promise<TagDetails | null> {
    const link = paths.tagCurrentLink(this.repository.name, tag);
    let digest: Digest | null;
    let pushedAt: string | null = null;
    try {
      digest = parseDigest((await this.driver.getContent(link)).toString("utf8"));
      pushedAt = (await this.driver.stat(link)).modTime.toISOString();
    } catch {
      return null;
    }
    if (!digest) return null;
    const manifest = await this.manifest(digest);
    const details: TagDetails = { name: tag, digest: digest.value, mediaType: manifest?.mediaType ?? "", size: null, platforms: [], pushedAt, pushedBy: await this.pushedBy(tag) };
    if (!manifest) return details;
    if (Array.isArray(manifest.json.manifests)) {
      let size: number | null = manifest.size;
      for (const child of manifest.json.manifests.slice(0, MAX_CHILDREN)) {
        const name = child.platform ? platformName(child.platform) : null;
        if (name === null) continue; // attestations and other non-images
        details.platforms.push(name);
        const childDigest = child.digest === undefined ? null : parseDigest(child.digest);
        const stored = childDigest ? await this.manifest(childDigest) : null;
        size = stored && size !== null ? size + (await this.image(stored.size, stored.json)).size : null;
      }
      details.size = size;
      return details;
    }
    const image = await this.image(manifest.size, manifest.json);
    details.size = image.size;
    if (image.platform) details.platforms.push(image.platform);
    return details;
  }
}
