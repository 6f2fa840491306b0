/**
 * A small LRU of manifest bodies by digest. Content-addressed data never changes,
 * so caching it is safe across replicas; the revision link is still checked on every read.
 */
export interface CachedManifest {
  mediaType: string;
  content: Buffer;
}

export class ManifestCache {
  private readonly entries = new Map<string, CachedManifest>();
  private bytes = 0;

  constructor(private readonly maxBytes = 32 * 1024 * 1024) {}

  get(digest: string): CachedManifest | undefined {
    const entry = this.entries.get(digest);
    if (entry) {
      this.entries.delete(digest);
      this.entries.set(digest, entry);
    }
    return entry;
  }

  set(digest: string, entry: CachedManifest): void {
    if (entry.content.length > this.maxBytes / 4 || this.entries.has(digest)) return;
    this.entries.set(digest, entry);
    this.bytes += entry.content.length;
    for (const [key, value] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(key);
      this.bytes -= value.content.length;
    }
  }
}
