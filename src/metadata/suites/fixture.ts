/** What the shared metadata suites run on: a way to make an empty database and open stores on it. */
import { afterEach } from "vitest";
import type { ManifestRecord, MetadataStore } from "../store.js";

export interface MetadataDatabase {
  /** A store on this database; several may be open at once (replicas sharing it). */
  open(): Promise<MetadataStore>;
}

export interface MetadataFactory {
  /** "sqlite", "postgres": shown in the suite names. */
  name: string;
  /** A new, empty database. */
  create(): Promise<MetadataDatabase>;
}

export function manifestRecord(repository: string, digest: string, extra: Partial<ManifestRecord> = {}): ManifestRecord {
  return { repository, digest, mediaType: "application/vnd.oci.image.manifest.v1+json", size: 10, artifactType: null, subject: null, annotations: null, ...extra };
}

/**
 * store(): an open store on a new database, closed after the test; reopen(): another store on
 * the database of the last store() call.
 */
export function storeFixture(factory: MetadataFactory): { store(): Promise<MetadataStore>; reopen(): Promise<MetadataStore> } {
  const opened: MetadataStore[] = [];
  let database: MetadataDatabase | undefined;
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close().catch(() => undefined)));
  });
  const track = (store: MetadataStore) => {
    opened.push(store);
    return store;
  };
  return {
    async store() {
      database = await factory.create();
      return track(await database.open());
    },
    async reopen() {
      if (!database) throw new Error("reopen() before store()");
      return track(await database.open());
    },
  };
}
