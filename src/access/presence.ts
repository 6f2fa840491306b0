/**
 * Whether a repository is there, for the access model and every listing: stored (in the
 * index), or known by its settings alone (created through the API, not pushed yet). Settings
 * outlive a soft delete, so that a restore brings back the description, visibility and
 * grants; but a repository whose content went to the trash is gone from every listing until
 * it is restored (or pushed again), as if it had never existed. Settings made after the
 * delete (the name created anew once the collector removed the old content) are a new
 * repository.
 */
import type { RepositorySettings } from "../metadata/access-records.js";
import type { DeletedItem } from "../metadata/gc-records.js";
import type { MetadataStore } from "../metadata/store.js";

/** The newest soft delete of the whole repository, unless it was restored. */
export async function unrestoredDelete(metadata: MetadataStore, repository: string): Promise<DeletedItem | null> {
  const [newest] = await metadata.deleted.list({ kind: "repository", repository, limit: 1 });
  return newest && newest.state !== "restored" ? newest : null;
}

export async function repositoryPresent(metadata: MetadataStore, repository: string, settings: RepositorySettings | null): Promise<boolean> {
  if (await metadata.repositoryExists(repository)) return true;
  if (settings === null) return false;
  const deleted = await unrestoredDelete(metadata, repository);
  // An unreadable createdAt counts as before the delete: hidden rather than shown.
  return deleted === null || Date.parse(settings.createdAt) > deleted.deletedAt;
}
