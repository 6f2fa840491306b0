/** Blob uploads: POST (session, monolithic, mount), PATCH, PUT, GET status, DELETE. */
import { whileHeld } from "../gc/holds.js";
import { authorizationOf } from "../auth/controller.js";
import { RegistryError } from "../registry/errors.js";
import { blobSize, type BlobInfo } from "../registry/blobs.js";
import { checkDigest, checkName, type Digest } from "../registry/reference.js";
import { rangeHeader, type Chunk, type UploadStatus } from "../registry/uploads.js";
import type { Repository } from "../registry/registry.js";
import { parseContentRange } from "./byte-range.js";
import { queryParam, urlFor, type Handler, type HandlerContext } from "./context.js";

function hasBody(context: HandlerContext): boolean {
  const { headers } = context.req;
  if (headers["transfer-encoding"] !== undefined) return true;
  const length = headers["content-length"];
  return length !== undefined && length !== "0";
}

function chunkOf(context: HandlerContext): Chunk {
  const range = parseContentRange(context.req.headers["content-range"]);
  const declared = context.req.headers["content-length"];
  const length = declared === undefined ? undefined : Number(declared);
  return { body: context.req, ...(range ? { range } : {}), ...(length !== undefined && Number.isSafeInteger(length) ? { length } : {}) };
}

function digestParam(context: HandlerContext): Digest {
  const value = queryParam(context, "digest");
  if (value === undefined) throw new RegistryError("DIGEST_INVALID", "the digest query parameter is required");
  return checkDigest(value);
}

function sendSession(context: HandlerContext, repository: Repository, status: UploadStatus, code: 202 | 204): void {
  const { res } = context;
  res.setHeader("Location", urlFor(context, `/v2/${repository.name}/blobs/uploads/${status.uuid}`));
  res.setHeader("Range", rangeHeader(status.size));
  res.setHeader("Docker-Upload-UUID", status.uuid);
  res.setHeader("Content-Length", "0");
  res.status(code).end();
}

function sendBlobCreated(context: HandlerContext, repository: Repository, digest: Digest): void {
  const { res } = context;
  res.setHeader("Location", urlFor(context, `/v2/${repository.name}/blobs/${digest.value}`));
  res.setHeader("Docker-Content-Digest", digest.value);
  res.setHeader("Content-Length", "0");
  res.status(201).end();
}

/**
 * Cross-repository mount. With `from`, the blob must be linked there and the caller must be
 * allowed to pull from there. Without `from` (OCI 1.1), any blob the registry holds is
 * mounted, for callers who may pull every repository (others would learn which blobs exist).
 * When the mount is not done, a normal upload session starts (202), as the spec says.
 */
async function tryMount(context: HandlerContext, repository: Repository, mount: string): Promise<boolean> {
  const digest = checkDigest(mount);
  const from = queryParam(context, "from");
  const authorization = authorizationOf(context.res);
  if (from !== undefined) {
    const source = context.registry.repository(checkName(from));
    if (!(await authorization.may(source.name, "pull"))) return false;
    if (!(await source.blobs.isLinked(digest))) return false;
  } else if (!authorization.isAdmin) {
    return false;
  }
  // Held against an online garbage collection deleting the blob meanwhile (src/gc/holds.ts).
  const mounted = await whileHeld(context.registry.metadata, [digest.value], async () => {
    if ((await blobSize(context.registry.driver, digest)) === null) return false;
    await repository.blobs.link(digest);
    return true;
  });
  if (!mounted) return false;
  const size = (await blobSize(context.registry.driver, digest)) ?? 0;
  await context.registry.events.blobMounted(context.req, { repository: repository.name, digest: digest.value, size }, from);
  sendBlobCreated(context, repository, digest);
  return true;
}

export const startUpload: Handler = async (context) => {
  const repository = context.registry.repository(context.params.name ?? "");
  const mount = queryParam(context, "mount");
  if (mount !== undefined && (await tryMount(context, repository, mount))) return;

  const digestValue = queryParam(context, "digest");
  const digest = digestValue === undefined ? undefined : checkDigest(digestValue);
  const session = await repository.uploads.create();
  if (digest === undefined) {
    sendSession(context, repository, session, 202);
    return;
  }
  // Monolithic upload: POST ?digest= with the whole blob as the body.
  let pushed: BlobInfo;
  try {
    pushed = await repository.uploads.complete(session.uuid, digest, hasBody(context) ? chunkOf(context) : undefined);
  } catch (error) {
    // Leave no session behind for a monolithic upload that failed.
    await repository.uploads.cancel(session.uuid).catch(() => undefined);
    throw error;
  }
  await context.registry.events.blobPushed(context.req, { repository: repository.name, digest: digest.value, size: pushed.size });
  sendBlobCreated(context, repository, digest);
};

export const patchUpload: Handler = async (context) => {
  const repository = context.registry.repository(context.params.name ?? "");
  const status = await repository.uploads.append(context.params.uuid ?? "", chunkOf(context));
  sendSession(context, repository, status, 202);
};

export const completeUpload: Handler = async (context) => {
  const repository = context.registry.repository(context.params.name ?? "");
  const digest = digestParam(context);
  const { size } = await repository.uploads.complete(context.params.uuid ?? "", digest, hasBody(context) ? chunkOf(context) : undefined);
  await context.registry.events.blobPushed(context.req, { repository: repository.name, digest: digest.value, size });
  sendBlobCreated(context, repository, digest);
};

export const getUploadStatus: Handler = async (context) => {
  const repository = context.registry.repository(context.params.name ?? "");
  const status = await repository.uploads.status(context.params.uuid ?? "");
  sendSession(context, repository, status, 204);
};

export const cancelUpload: Handler = async (context) => {
  const repository = context.registry.repository(context.params.name ?? "");
  await repository.uploads.cancel(context.params.uuid ?? "");
  context.res.status(204).end();
};
