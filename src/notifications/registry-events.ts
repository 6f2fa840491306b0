/**
 * What the /v2 handlers tell about the changes and reads they serve. Events that come with
 * an index change are returned, for the metadata store to keep in the same transaction.
 */
import type { Request } from "express";
import type { PushedManifest } from "../registry/manifests.js";
import type { EventReference, NotificationEvent } from "./events.js";

export interface ManifestFacts {
  repository: string;
  digest: string;
  mediaType: string;
  size: number;
  /** Tags pushed (or pulled by); empty for a push or pull by digest. */
  tags: string[];
  /** Blobs and child manifests the manifest references (for includereferences). */
  references?: EventReference[];
}

export interface BlobFacts {
  repository: string;
  digest: string;
  size: number;
}

export interface RegistryEvents {
  manifestPushed(req: Request, pushed: PushedManifest): NotificationEvent[];
  manifestDeleted(req: Request, repository: string, digest: string): NotificationEvent[];
  tagDeleted(req: Request, repository: string, tag: string): NotificationEvent[];
  manifestPulled(req: Request, manifest: ManifestFacts): Promise<void>;
  blobPushed(req: Request, blob: BlobFacts): Promise<void>;
  blobPulled(req: Request, blob: BlobFacts): Promise<void>;
  blobMounted(req: Request, blob: BlobFacts, fromRepository: string | undefined): Promise<void>;
  blobDeleted(req: Request, repository: string, digest: string): Promise<void>;
}

/** For a registry without notifications: builds and stores nothing. */
export const NO_EVENTS: RegistryEvents = {
  manifestPushed: () => [],
  manifestDeleted: () => [],
  tagDeleted: () => [],
  manifestPulled: async () => undefined,
  blobPushed: async () => undefined,
  blobPulled: async () => undefined,
  blobMounted: async () => undefined,
  blobDeleted: async () => undefined,
};
