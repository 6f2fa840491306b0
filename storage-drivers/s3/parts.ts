/**
 * S3's size rules, as pure arithmetic the writer and move() follow: every part of a multipart
 * upload but the last is at least 5 MiB, none above 5 GiB, at most 10,000 of them; CopyObject and
 * one UploadPartCopy move at most 5 GiB. Emulators enforce few of these; AWS enforces all.
 */
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const MIN_PART_SIZE = 5 * MiB;
export const MAX_PART_SIZE = 5 * GiB;
export const MAX_PARTS = 10_000;
/** The largest object one CopyObject (or one UploadPartCopy) may copy. */
export const MAX_COPY_SIZE = 5 * GiB;

/** An inclusive byte range, as S3's Range and x-amz-copy-source-range headers spell it. */
export interface ByteRange {
  start: number;
  end: number;
}

export function rangeHeader(range: ByteRange): string {
  return `bytes=${range.start}-${range.end}`;
}

/**
 * How an appending writer carries what the object already holds into its new multipart upload:
 * nothing to carry; read it back and send it with the first part (below 5 MiB it may not stand
 * as a part of its own unless it is the last, as registry:2 does); or copy it server-side.
 */
export function carryStrategy(size: number): "none" | "read" | "copy" {
  if (size === 0) return "none";
  return size < MIN_PART_SIZE ? "read" : "copy";
}

/**
 * Ranges that copy an object of `size` bytes (≥ 5 MiB) as the leading parts of a multipart upload
 * that goes on after them: as few as the 5 GiB copy limit allows, split evenly, so each is at
 * least 5 MiB too.
 */
export function carryRanges(size: number): ByteRange[] {
  if (size < MIN_PART_SIZE) throw new RangeError(`cannot carry ${size} bytes as parts: below the ${MIN_PART_SIZE}-byte minimum`);
  const count = Math.ceil(size / MAX_COPY_SIZE);
  return evenRanges(size, count);
}

/** Whether a move of `size` bytes takes a multipart copy rather than one CopyObject. */
export function needsMultipartCopy(size: number, thresholdSize: number): boolean {
  return size > thresholdSize || size > MAX_COPY_SIZE;
}

/**
 * Ranges of a multipart copy of `size` bytes in parts of `chunkSize` (the last one shorter); the
 * part size grows when that many parts would exceed 10,000.
 */
export function copyRanges(size: number, chunkSize: number): ByteRange[] {
  const partSize = Math.min(MAX_PART_SIZE, Math.max(chunkSize, Math.ceil(size / MAX_PARTS)));
  const ranges: ByteRange[] = [];
  for (let start = 0; start < size; start += partSize) ranges.push({ start, end: Math.min(size, start + partSize) - 1 });
  return ranges;
}

/** Checks a part number before its upload, so a too-large object fails with a reason, not at completion. */
export function checkPartNumber(partNumber: number, chunkSize: number): void {
  if (partNumber > MAX_PARTS) {
    throw new RangeError(`an S3 object has at most ${MAX_PARTS} parts: with chunksize ${chunkSize} that is ${MAX_PARTS * chunkSize} bytes; raise storage.s3.chunksize`);
  }
}

function evenRanges(size: number, count: number): ByteRange[] {
  const ranges: ByteRange[] = [];
  for (let i = 0; i < count; i++) {
    const start = Math.floor((size * i) / count);
    const end = Math.floor((size * (i + 1)) / count) - 1;
    ranges.push({ start, end });
  }
  return ranges;
}
