/**
 * Where Berth keeps soft-deleted link files: a root folder beside docker/, which registry:2
 * never reads (its catalog, tag lists and garbage-collect only look below docker/registry/v2).
 * An entry holds the moved files under their path relative to the repository folder, and an
 * entry.json describing them, so the trash explains itself without the metadata database.
 */
export const TRASH = "/berth/trash";

export function trashEntry(id: string): string {
  return `${TRASH}/${id}`;
}

export function trashDescriptor(id: string): string {
  return `${trashEntry(id)}/entry.json`;
}

/** Where a file at `relative` (below repositories/<name>/) is kept while deleted. */
export function trashFile(id: string, relative: string): string {
  return `${trashEntry(id)}/files/${relative}`;
}

export function trashFiles(id: string): string {
  return `${trashEntry(id)}/files`;
}
