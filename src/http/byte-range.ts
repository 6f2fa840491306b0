/** Parsing a single-range `Range: bytes=…` header against a blob's size. */
import { RegistryError } from "../registry/errors.js";

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

const RANGE_PATTERN = /^bytes=(\d{0,15})-(\d{0,15})$/;

/** null when there is no Range header; RANGE_INVALID (416) when it is malformed or unsatisfiable. */
export function parseByteRange(header: string | undefined, size: number): ByteRange | null {
  if (header === undefined) return null;
  const match = RANGE_PATTERN.exec(header.trim());
  const unsatisfiable = () =>
    new RegistryError("RANGE_INVALID", "requested range not satisfiable", { range: header.slice(0, 100), size }, 416, {
      "Content-Range": `bytes */${size}`,
    });
  if (!match) throw unsatisfiable();
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") throw unsatisfiable();
  if (first === "") {
    // Suffix range: the last N bytes.
    const length = Number(last);
    if (length === 0 || size === 0) throw unsatisfiable();
    return { start: Math.max(size - length, 0), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) throw unsatisfiable();
  return { start, end };
}

/** Parses an upload's `Content-Range: <start>-<end>` (registry:2 omits the "bytes " unit; accept both). */
export function parseContentRange(header: string | undefined): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^(?:bytes )?(\d{1,15})-(\d{1,15})$/.exec(header.trim());
  if (!match) throw new RegistryError("RANGE_INVALID", "malformed Content-Range", { contentRange: header.slice(0, 100) }, 416);
  return { start: Number(match[1]), end: Number(match[2]) };
}
