/**
 * Driver paths ↔ blob names.
 *
 * registry:2.8's azure driver has no rootdirectory and names each blob by the driver path
 * itself, leading slash included ("/docker/registry/v2/blobs/..."; Azure keeps the empty first
 * segment). With rootdirectory unset (or empty) Berth does the same, so a container that
 * registry:2 filled is served as it is, and the other way round.
 *
 * With rootdirectory set, names follow distribution v3 (the first release with the key): the
 * root without surrounding slashes, then the path ("<root>/docker/registry/v2/..."); a root of
 * "/" gives v3's unprefixed names ("docker/registry/v2/...").
 */
export class BlobNames {
  /** null: registry:2.8 names; otherwise the trimmed root ("" for "/"). */
  private readonly root: string | null;

  constructor(rootdirectory: string | undefined) {
    this.root = rootdirectory === undefined ? null : rootdirectory.replace(/^\/+|\/+$/g, "");
  }

  /** The blob holding the file at a driver path ("/a/b"). */
  blob(path: string): string {
    if (this.root === null) return path;
    return this.root === "" ? path.slice(1) : `${this.root}${path}`;
  }

  /** The name prefix of everything below a directory path ("/" for the root). */
  prefix(directory: string): string {
    if (directory !== "/") return `${this.blob(directory)}/`;
    if (this.root === null) return "/";
    return this.root === "" ? "" : `${this.root}/`;
  }

  /** The driver path of a blob name (or of a listed prefix without its trailing "/"). */
  path(blobName: string): string {
    if (this.root === null) return blobName;
    return this.root === "" ? `/${blobName}` : blobName.slice(this.root.length);
  }
}
