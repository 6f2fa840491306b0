/** GET /v2/<name>/referrers/<digest>: an OCI index of the manifests whose subject is the digest. */
import { OCI_INDEX } from "../registry/media-types.js";
import { checkDigest } from "../registry/reference.js";
import { queryParam, type Handler } from "./context.js";

export const getReferrers: Handler = async (context) => {
  const { name } = context.registry.repository(context.params.name ?? "");
  const subject = checkDigest(context.params.digest ?? "");
  const artifactType = queryParam(context, "artifactType");
  const records = await context.registry.metadata.referrers(name, subject.value, artifactType || undefined);
  if (artifactType) context.res.setHeader("OCI-Filters-Applied", "artifactType");
  const manifests = records.map((record) => ({
    mediaType: record.mediaType,
    digest: record.digest,
    size: record.size,
    ...(record.artifactType === null ? {} : { artifactType: record.artifactType }),
    ...(record.annotations === null ? {} : { annotations: record.annotations }),
  }));
  context.res.setHeader("Content-Type", OCI_INDEX);
  context.res.status(200).end(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
};
