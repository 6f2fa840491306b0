/**
 * Records what the /v2 API (and the portal's tag delete) did in the activity log, for the
 * portal's event log: manifest pushes, pulls (GET) and deletes, with the user and address.
 * Wraps the notifier, whose events still go to the outbox unchanged. An entry is written
 * once the response has gone out with a success status, so a failed push leaves none; a
 * failure to write one is logged and never fails the request.
 */
import type { Request } from "express";
import { clientAddress } from "../auth/controller.js";
import { actorOf, ANONYMOUS } from "../gc/actor.js";
import type { ActivityEntry, ActivityKind, ActivityLog } from "../metadata/activity-records.js";
import type { NotificationEvent } from "../notifications/events.js";
import type { BlobFacts, ManifestFacts, RegistryEvents } from "../notifications/registry-events.js";
import type { PushedManifest } from "../registry/manifests.js";

/** Entries older than this, or beyond the newest KEEP, are pruned every PRUNE_EVERY writes. */
const RETENTION_MS = 90 * 24 * 3600 * 1000;
const KEEP = 200_000;
const PRUNE_EVERY = 1000;

export function activityEntry(req: Request, kind: ActivityKind, repository: string, tag: string | null, digest: string | null): Omit<ActivityEntry, "id"> {
  const actor = actorOf(req);
  return { at: new Date().toISOString(), kind, actor: actor === ANONYMOUS ? "" : actor, repository, tag, digest, address: clientAddress(req) };
}

export class ActivityRecorder implements RegistryEvents {
  private writes = 0;

  constructor(
    private readonly inner: RegistryEvents,
    private readonly log: ActivityLog,
    private readonly onError: (error: unknown) => void,
  ) {}

  private write(entries: Omit<ActivityEntry, "id">[]): void {
    this.writes++;
    const prune = this.writes % PRUNE_EVERY === 0;
    this.log
      .record(entries)
      .then(() => (prune ? this.log.prune(new Date(Date.now() - RETENTION_MS).toISOString(), KEEP) : 0))
      .catch(this.onError);
  }

  /** Writes the entries when the response has been sent with a success status. */
  private afterSuccess(req: Request, entries: Omit<ActivityEntry, "id">[]): void {
    const res = req.res;
    if (!res) return this.write(entries);
    res.once("finish", () => {
      if (res.statusCode < 400) this.write(entries);
    });
  }

  manifestPushed(req: Request, pushed: PushedManifest): NotificationEvent[] {
    const tags: (string | null)[] = pushed.tags.length > 0 ? pushed.tags : [null];
    this.afterSuccess(req, tags.map((tag) => activityEntry(req, "push", pushed.repository, tag, pushed.digest.value)));
    return this.inner.manifestPushed(req, pushed);
  }

  manifestDeleted(req: Request, repository: string, digest: string): NotificationEvent[] {
    this.afterSuccess(req, [activityEntry(req, "delete", repository, null, digest)]);
    return this.inner.manifestDeleted(req, repository, digest);
  }

  tagDeleted(req: Request, repository: string, tag: string): NotificationEvent[] {
    this.afterSuccess(req, [activityEntry(req, "delete", repository, tag, null)]);
    return this.inner.tagDeleted(req, repository, tag);
  }

  async manifestPulled(req: Request, manifest: ManifestFacts): Promise<void> {
    this.afterSuccess(req, [activityEntry(req, "pull", manifest.repository, manifest.tags[0] ?? null, manifest.digest)]);
    await this.inner.manifestPulled(req, manifest);
  }

  blobPushed(req: Request, blob: BlobFacts): Promise<void> {
    return this.inner.blobPushed(req, blob);
  }

  blobPulled(req: Request, blob: BlobFacts): Promise<void> {
    return this.inner.blobPulled(req, blob);
  }

  blobMounted(req: Request, blob: BlobFacts, fromRepository: string | undefined): Promise<void> {
    return this.inner.blobMounted(req, blob, fromRepository);
  }

  blobDeleted(req: Request, repository: string, digest: string): Promise<void> {
    return this.inner.blobDeleted(req, repository, digest);
  }
}
