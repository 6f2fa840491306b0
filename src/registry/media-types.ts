/** Manifest media types the registry understands. */
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

export const MANIFEST_TYPES = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST] as const;
export type ManifestMediaType = (typeof MANIFEST_TYPES)[number];

export function isManifestType(value: string): value is ManifestMediaType {
  return (MANIFEST_TYPES as readonly string[]).includes(value);
}

export function isIndexType(value: string): boolean {
  return value === OCI_INDEX || value === DOCKER_MANIFEST_LIST;
}

/** Layers a registry need not hold: their content lives elsewhere (`urls`). */
export function isNonDistributable(mediaType: string): boolean {
  return (
    mediaType.startsWith("application/vnd.oci.image.layer.nondistributable.") ||
    mediaType === "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
  );
}
