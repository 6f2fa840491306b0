/**
 * Driver paths ↔ object keys, as registry:2's s3-aws driver maps them: the root directory without
 * its leading and trailing "/", then the path without its leading "/" — "/docker/registry/v2/..."
 * is "<root>/docker/registry/v2/..." ("docker/registry/v2/..." without a root).
 */
export class KeyLayout {
  constructor(private readonly rootPrefix: string) {}

  /** The object key of a file. */
  key(path: string): string {
    return this.rootPrefix === "" ? path.slice(1) : `${this.rootPrefix}${path}`;
  }

  /** The prefix every key below a directory starts with ("" or "<root>/" for the root). */
  below(path: string): string {
    if (path === "/") return this.rootPrefix === "" ? "" : `${this.rootPrefix}/`;
    return `${this.key(path)}/`;
  }

  /** The driver path of a key (or of a common prefix, its trailing "/" dropped). */
  path(key: string): string {
    const inside = this.rootPrefix === "" ? key : key.slice(this.rootPrefix.length + 1);
    return `/${inside.replace(/\/$/, "")}`;
  }
}
