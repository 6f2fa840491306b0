/**
 * Turns what the /v2 handlers did into registry:2 events and hands them to the outbox.
 * Events a change comes with (manifest push and delete, tag delete) are returned for the
 * caller to store in the same metadata transaction; the rest are stored here.
 * With no enabled endpoint, or when every endpoint ignores an event, nothing is built.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Request } from "express";
import type { Config } from "../config/types.js";
import { actorOf, ANONYMOUS } from "../gc/actor.js";
import type { PushedManifest } from "../registry/manifests.js";
import type { EventAction, EventRequest, EventTarget, NotificationEvent } from "./events.js";
import { wanted, type EventFilter, type Outbox } from "./outbox.js";
import type { BlobFacts, ManifestFacts, RegistryEvents } from "./registry-events.js";

const BLOB_MEDIA_TYPE = "application/octet-stream";

export interface NotifierOptions {
  config: Pick<Config, "notifications" | "http">;
  outbox: Outbox;
  /** Names this process in `source.instanceID`; a new UUID by default. */
  instanceId?: string;
  /** The authenticated user of a request, for `actor.name`. */
  actorOf?: (req: Request) => string | undefined;
}

/** The user the authentication middleware set on the request (see gc/actor.ts); none when anonymous. */
function defaultActor(req: Request): string | undefined {
  const actor = actorOf(req);
  return actor === ANONYMOUS ? undefined : actor;
}

/** "ip:port" of the client, or the first X-Forwarded-For hop as registry:2 reports it. */
function clientAddr(req: Request): string {
  const forwarded = req.headers["x-forwarded-for"];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
  if (first) return first;
  const realIp = req.headers["x-real-ip"];
  if (typeof realIp === "string" && realIp !== "") return realIp;
  const { remoteAddress, remotePort } = req.socket;
  return remotePort === undefined ? (remoteAddress ?? "") : `${remoteAddress ?? ""}:${remotePort}`;
}

/** registry:2's source.addr: this host's name and the port it listens on. */
function sourceAddr(addr: string): string {
  const port = /:(\d+)$/.exec(addr)?.[1];
  return port === undefined ? hostname() : `${hostname()}:${port}`;
}

export class Notifier implements RegistryEvents {
  private readonly filters: EventFilter[];
  private readonly requestIds = new WeakMap<Request, string>();
  private readonly source: NotificationEvent["source"];
  private readonly actorOf: (req: Request) => string | undefined;
  private readonly includeReferences: boolean;

  constructor(private readonly options: NotifierOptions) {
    const { notifications, http } = options.config;
    this.filters = notifications.endpoints
      .filter((endpoint) => !endpoint.disabled)
      .map((endpoint) => ({ actions: endpoint.ignore.actions, mediaTypes: endpoint.ignore.mediatypes }));
    this.source = { addr: sourceAddr(http.addr), instanceID: options.instanceId ?? randomUUID() };
    this.actorOf = options.actorOf ?? defaultActor;
    this.includeReferences = notifications.events.includereferences;
  }

  manifestPushed(req: Request, pushed: PushedManifest): NotificationEvent[] {
    const manifest: ManifestFacts = {
      repository: pushed.repository,
      digest: pushed.digest.value,
      mediaType: pushed.manifest.mediaType,
      size: pushed.size,
      tags: pushed.tags,
      references: [...pushed.manifest.blobs, ...pushed.manifest.children].map((descriptor) => ({
        mediaType: descriptor.mediaType,
        digest: descriptor.digest.value,
        size: descriptor.size,
      })),
    };
    const tags = manifest.tags.length > 0 ? manifest.tags : [undefined];
    return tags.flatMap((tag) => this.build(req, "push", this.manifestTarget(req, manifest, tag)));
  }

  manifestDeleted(req: Request, repository: string, digest: string): NotificationEvent[] {
    return this.build(req, "delete", { repository, digest });
  }

  tagDeleted(req: Request, repository: string, tag: string): NotificationEvent[] {
    return this.build(req, "delete", { repository, tag });
  }

  async manifestPulled(req: Request, manifest: ManifestFacts): Promise<void> {
    await this.store(this.build(req, "pull", this.manifestTarget(req, manifest, manifest.tags[0])));
  }

  async blobPushed(req: Request, blob: BlobFacts): Promise<void> {
    await this.store(this.build(req, "push", this.blobTarget(req, blob)));
  }

  async blobPulled(req: Request, blob: BlobFacts): Promise<void> {
    await this.store(this.build(req, "pull", this.blobTarget(req, blob)));
  }

  async blobMounted(req: Request, blob: BlobFacts, fromRepository: string | undefined): Promise<void> {
    const target = this.blobTarget(req, blob);
    await this.store(this.build(req, "mount", fromRepository === undefined ? target : { ...target, fromRepository }));
  }

  async blobDeleted(req: Request, repository: string, digest: string): Promise<void> {
    await this.store(this.build(req, "delete", { repository, digest }));
  }

  private async store(events: NotificationEvent[]): Promise<void> {
    if (events.length > 0) await this.options.outbox.append(events);
  }

  /** The event, in a list of one, or an empty list when no endpoint wants it. */
  private build(req: Request, action: EventAction, target: EventTarget): NotificationEvent[] {
    if (!this.filters.some((filter) => wanted(filter, { action, target }))) return [];
    const actor = this.actorOf(req);
    return [
      {
        id: randomUUID(),
        timestamp: new Date().toISOString(),
        action,
        target,
        request: this.request(req),
        actor: actor === undefined ? {} : { name: actor },
        source: this.source,
      },
    ];
  }

  private request(req: Request): EventRequest {
    let id = this.requestIds.get(req);
    if (id === undefined) {
      id = randomUUID();
      this.requestIds.set(req, id);
    }
    return { id, addr: clientAddr(req), host: req.headers.host ?? "", method: req.method, useragent: req.headers["user-agent"] ?? "" };
  }

  private url(req: Request, path: string): string {
    const { host, prefix } = this.options.config.http;
    const base = host?.replace(/\/+$/, "") ?? `${req.protocol}://${req.headers.host ?? ""}`;
    return `${base}${prefix.replace(/\/+$/, "")}${path}`;
  }

  private manifestTarget(req: Request, manifest: ManifestFacts, tag: string | undefined): EventTarget {
    const target: EventTarget = {
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.size,
      length: manifest.size,
      repository: manifest.repository,
      url: this.url(req, `/v2/${manifest.repository}/manifests/${manifest.digest}`),
    };
    if (tag !== undefined) target.tag = tag;
    if (this.includeReferences && manifest.references) target.references = manifest.references;
    return target;
  }

  private blobTarget(req: Request, blob: BlobFacts): EventTarget {
    return {
      mediaType: BLOB_MEDIA_TYPE,
      digest: blob.digest,
      size: blob.size,
      length: blob.size,
      repository: blob.repository,
      url: this.url(req, `/v2/${blob.repository}/blobs/${blob.digest}`),
    };
  }
}

