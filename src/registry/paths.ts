/**
 * The registry:2 storage layout: the only place that builds storage paths.
 * Every path is a driver path below /docker/registry/v2 (see DESIGN.md).
 */
import type { Digest } from "./reference.js";

export const ROOT = "/docker/registry/v2";
export const REPOSITORIES = `${ROOT}/repositories`;
export const BLOBS = `${ROOT}/blobs`;

export function blobDir(digest: Digest): string {
  return `${BLOBS}/${digest.algorithm}/${digest.hex.slice(0, 2)}/${digest.hex}`;
}

export function blobData(digest: Digest): string {
  return `${blobDir(digest)}/data`;
}

export function repository(name: string): string {
  return `${REPOSITORIES}/${name}`;
}

export function layerDir(name: string, digest: Digest): string {
  return `${repository(name)}/_layers/${digest.algorithm}/${digest.hex}`;
}

export function layerLink(name: string, digest: Digest): string {
  return `${layerDir(name, digest)}/link`;
}

export function layersDir(name: string): string {
  return `${repository(name)}/_layers`;
}

export function manifestsDir(name: string): string {
  return `${repository(name)}/_manifests`;
}

export function revisionsDir(name: string): string {
  return `${manifestsDir(name)}/revisions`;
}

export function revisionLink(name: string, digest: Digest): string {
  return `${revisionsDir(name)}/${digest.algorithm}/${digest.hex}/link`;
}

export function revisionDir(name: string, digest: Digest): string {
  return `${revisionsDir(name)}/${digest.algorithm}/${digest.hex}`;
}

export function tagsDir(name: string): string {
  return `${manifestsDir(name)}/tags`;
}

export function tagDir(name: string, tag: string): string {
  return `${tagsDir(name)}/${tag}`;
}

export function tagCurrentLink(name: string, tag: string): string {
  return `${tagDir(name, tag)}/current/link`;
}

export function tagIndexLink(name: string, tag: string, digest: Digest): string {
  return `${tagDir(name, tag)}/index/${digest.algorithm}/${digest.hex}/link`;
}

export function uploadsDir(name: string): string {
  return `${repository(name)}/_uploads`;
}

export function uploadDir(name: string, uuid: string): string {
  return `${uploadsDir(name)}/${uuid}`;
}

export function uploadData(name: string, uuid: string): string {
  return `${uploadDir(name, uuid)}/data`;
}

export function uploadStartedAt(name: string, uuid: string): string {
  return `${uploadDir(name, uuid)}/startedat`;
}
