/**
 * Object names exactly as registry:2's Swift driver writes them, so a container it filled is
 * served as it is and the other way round:
 * - driver path /a/b          → "<prefix>/files/a/b"   (leading and trailing "/" trimmed)
 * - a file's segments          → "<prefix>/segments/<3 hex>/<more hex>/<16-digit number>", fresh
 *                                for each new file (see newSegmentsPrefix)
 * - a segmented file           → an empty object with X-Object-Manifest: "<container>/<segments>"
 *                                (a dynamic large object: Swift serves the segments concatenated
 *                                in name order)
 */
import { createHash, randomBytes } from "node:crypto";

/** registry:2 concatenates and trims without normalising the prefix, and so do we. */
function trimSlashes(name: string): string {
  return name.replace(/^\/+/, "").replace(/\/+$/, "");
}

export function objectName(prefix: string, path: string): string {
  return trimSlashes(`${prefix}/files${path}`);
}

/** Where a directory's children are listed: its object name plus "/". */
export function childPrefix(prefix: string, path: string): string {
  return `${objectName(prefix, path)}/`;
}

/** The driver path of an object name below childPrefix(prefix, "/"), e.g. "files/a/b" → "/a/b". */
export function driverPath(prefix: string, name: string): string {
  const root = objectName(prefix, "/");
  const rest = name.startsWith(`${root}/`) ? name.slice(root.length) : `/${name}`;
  return trimTrailing(rest);
}

function trimTrailing(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

/** Every segment object lives below this. */
export function segmentsRoot(prefix: string): string {
  return trimSlashes(`${prefix}/segments`);
}

/** SHA-1 of nothing: what registry:2's `sha1.New().Sum(b)` appends to b (it never hashes b). */
const EMPTY_SHA1 = createHash("sha1").digest();

/**
 * registry:2.8 names a file's segments by hex(path ‖ 32 random bytes ‖ sha1 of nothing), split
 * after 3 characters; the same form is kept so both registries' containers look alike.
 */
export function newSegmentsPrefix(prefix: string, path: string, random: Buffer = randomBytes(32)): string {
  const hex = Buffer.concat([Buffer.from(path, "utf8"), random, EMPTY_SHA1]).toString("hex");
  return trimSlashes(`${prefix}/segments/${hex.slice(0, 3)}/${hex.slice(3)}`);
}

export function segmentName(segmentsPrefix: string, number: number): string {
  return `${segmentsPrefix}/${String(number).padStart(16, "0")}`;
}

/** The number of a segment object directly below segmentsPrefix, or null for anything else. */
export function segmentNumber(segmentsPrefix: string, name: string): number | null {
  const match = /^\/(\d{16})$/.exec(name.slice(segmentsPrefix.length));
  return name.startsWith(segmentsPrefix) && match ? Number(match[1]) : null;
}

export interface ManifestTarget {
  container: string;
  /** Object-name prefix of the segments. */
  prefix: string;
}

/** "container/some/prefix" → its parts; the header value registry:2 writes and reads. */
export function parseManifestHeader(value: string): ManifestTarget {
  const slash = value.indexOf("/");
  if (slash < 0) return { container: unquote(value), prefix: "" };
  return { container: unquote(value.slice(0, slash)), prefix: unquote(value.slice(slash + 1)) };
}

/** Swift unquotes the header; registry:2 writes it raw. Both read the same for registry paths. */
function unquote(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

export function manifestHeader(container: string, segmentsPrefix: string): string {
  return `${container}/${segmentsPrefix}`;
}
