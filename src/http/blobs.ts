/** GET, HEAD and DELETE /v2/<name>/blobs/<digest>. */
import { pipeline } from "node:stream/promises";
import { noteObjectStoreRead } from "../../storage-drivers/young-garbage.js";
import { RegistryError } from "../registry/errors.js";
import { checkDigest } from "../registry/reference.js";
import { parseByteRange } from "./byte-range.js";
import type { Handler, HandlerContext } from "./context.js";

function blobTarget(context: HandlerContext) {
  const repository = context.registry.repository(context.params.name ?? "");
  return { repository, digest: checkDigest(context.params.digest ?? "") };
}

export const getBlob: Handler = async (context) => {
  const { req, res } = context;
  const { repository, digest } = blobTarget(context);
  const { size } = await repository.blobs.stat(digest);
  const method = req.method === "HEAD" ? "HEAD" : "GET";
  if (method === "GET") await context.registry.events.blobPulled(req, { repository: repository.name, digest: digest.value, size });

  if (!context.config.storage.redirect.disable) {
    const url = await repository.blobs.redirectUrl(digest, method);
    if (url) {
      // A malformed or unsatisfiable Range gets the spec's 416 here: storage answers some with a
      // 500 (Swift, for "bytes=-0"), which a client would take for the registry's.
      parseByteRange(req.headers.range, size);
      res.setHeader("Docker-Content-Digest", digest.value);
      res.redirect(307, url);
      return;
    }
  }

  const etag = `"${digest.value}"`;
  res.setHeader("Docker-Content-Digest", digest.value);
  res.setHeader("ETag", etag);
  res.setHeader("Accept-Ranges", "bytes");
  res.setHeader("Cache-Control", "max-age=31536000");
  res.setHeader("Content-Type", "application/octet-stream");
  if (req.headers["if-none-match"] === etag) {
    res.status(304).end();
    return;
  }

  const range = parseByteRange(req.headers.range, size);
  const start = range?.start ?? 0;
  const length = range ? range.end - range.start + 1 : size;
  res.setHeader("Content-Length", String(length));
  if (range) {
    res.status(206);
    res.setHeader("Content-Range", `bytes ${range.start}-${range.end}/${size}`);
  } else {
    res.status(200);
  }
  if (method === "HEAD" || length === 0) {
    res.end();
    return;
  }
  if (await repository.blobs.send(digest, start, length, res)) {
    res.end();
    return;
  }
  const stream = await repository.blobs.open(digest, start);
  await pipeline(stream, (source: AsyncIterable<Buffer>) => firstBytes(source, length), res);
};

/**
 * The first `length` bytes of a blob stream (a range reads only what it covers: leaving the loop
 * destroys the source), each chunk counted towards the young-generation collection (young-garbage.ts;
 * streams come from object stores, since the filesystem driver answers through driver.send).
 */
async function* firstBytes(source: AsyncIterable<Buffer>, length: number): AsyncIterable<Buffer> {
  let remaining = length;
  for await (const bytes of source) {
    noteObjectStoreRead(bytes.length);
    if (bytes.length >= remaining) {
      yield bytes.subarray(0, remaining);
      return;
    }
    remaining -= bytes.length;
    yield bytes;
  }
}

export const deleteBlob: Handler = async (context) => {
  const { repository, digest } = blobTarget(context);
  if (!context.config.storage.delete.enabled) throw new RegistryError("UNSUPPORTED", "deletes are disabled on this registry");
  await repository.blobs.unlink(digest);
  await context.registry.events.blobDeleted(context.req, repository.name, digest.value);
  context.res.setHeader("Docker-Content-Digest", digest.value);
  context.res.status(202).end();
};
