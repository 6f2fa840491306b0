/** PUT, GET, HEAD and DELETE /v2/<name>/manifests/<tag|digest>. */
import { actorOf } from "../gc/actor.js";
import { Trash } from "../gc/trash.js";
import { RegistryError } from "../registry/errors.js";
import { isManifestType } from "../registry/media-types.js";
import { checkTag, parseReference } from "../registry/reference.js";
import { queryParams, urlFor, type Handler, type HandlerContext } from "./context.js";
import { readBody } from "./read-body.js";

function target(context: HandlerContext) {
  const repository = context.registry.repository(context.params.name ?? "");
  return { repository, reference: parseReference(context.params.reference ?? "") };
}

/**
 * Content negotiation: a client that lists manifest types in Accept and not this one
 * (nor a wildcard) cannot use it; answer MANIFEST_UNKNOWN as distribution does.
 */
function acceptable(accept: string | undefined, mediaType: string): boolean {
  if (!accept) return true;
  const types = accept.split(",").map((entry) => entry.split(";")[0]?.trim().toLowerCase() ?? "");
  if (types.includes(mediaType) || types.includes("*/*") || types.includes("application/*")) return true;
  return !types.some(isManifestType);
}

export const getManifest: Handler = async (context) => {
  const { req, res } = context;
  const { repository, reference } = target(context);
  const manifest = await repository.manifests.get(reference);
  if (!acceptable(req.headers.accept, manifest.mediaType)) {
    throw new RegistryError("MANIFEST_UNKNOWN", "the manifest's media type is not in the Accept header", {
      mediaType: manifest.mediaType,
    });
  }
  if (req.method === "GET") {
    const tags = reference.kind === "tag" ? [reference.tag] : [];
    await context.registry.events.manifestPulled(req, { repository: repository.name, digest: manifest.digest.value, mediaType: manifest.mediaType, size: manifest.content.length, tags });
  }
  const etag = `"${manifest.digest.value}"`;
  res.setHeader("Content-Type", manifest.mediaType);
  res.setHeader("Docker-Content-Digest", manifest.digest.value);
  res.setHeader("ETag", etag);
  res.setHeader("Content-Length", String(manifest.content.length));
  if (req.headers["if-none-match"] === etag) {
    res.status(304).end();
    return;
  }
  res.status(200);
  if (req.method === "HEAD") res.end();
  else res.end(manifest.content);
};

export const putManifest: Handler = async (context) => {
  const { req, res, config } = context;
  const { repository, reference } = target(context);
  const extraTags = queryParams(context, "tag").map(checkTag);
  const body = await readBody(req, config.validation.manifests.maxsize);
  const { digest, manifest } = await repository.manifests.put(reference, body, req.headers["content-type"], extraTags, (pushed) =>
    context.registry.events.manifestPushed(req, pushed),
  );
  res.setHeader("Location", urlFor(context, `/v2/${repository.name}/manifests/${digest.value}`));
  res.setHeader("Docker-Content-Digest", digest.value);
  if (manifest.subject) res.setHeader("OCI-Subject", manifest.subject.digest.value);
  // One OCI-Tag header per tag a push by digest created through ?tag=.
  if (extraTags.length > 0) res.setHeader("OCI-Tag", extraTags);
  res.setHeader("Content-Length", "0");
  res.status(201).end();
};

export const deleteManifest: Handler = async (context) => {
  const { repository, reference } = target(context);
  if (!context.config.storage.delete.enabled) throw new RegistryError("UNSUPPORTED", "deletes are disabled on this registry");
  // A soft delete: the links move to the trash, restorable until a garbage collection (src/gc/trash.ts).
  const trash = new Trash(context.registry.driver, context.registry.metadata);
  const { events } = context.registry;
  if (reference.kind === "tag") {
    await trash.deleteTag(repository.name, reference.tag, actorOf(context.req), events.tagDeleted(context.req, repository.name, reference.tag));
  } else {
    const deleted = events.manifestDeleted(context.req, repository.name, reference.digest.value);
    await trash.deleteManifest(repository.name, reference.digest, actorOf(context.req), deleted);
  }
  context.res.status(202).end();
};
