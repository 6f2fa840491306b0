/**
 * Object-level operations on the driver's one container: plain objects, large-object manifests
 * (dynamic as registry:2 writes them, static as other tools may) and releasing the segments of
 * a large object that is deleted or replaced — only segments below this registry's own
 * "<prefix>/segments/", so nothing another user of the container owns is ever touched.
 */
import type { IncomingMessage } from "node:http";
import { discardBody, header, readBody } from "./http.js";
import { SwiftHttpError, type ListingEntry, type SwiftClient } from "./client.js";
import { manifestHeader, parseManifestHeader, segmentsRoot, type ManifestTarget } from "./layout.js";
import type { LiveBody } from "./live-body.js";

const CONTENT_TYPE = "application/octet-stream";
/** Parallel single deletes when the cluster has no bulk delete. */
const DELETE_PARALLELISM = 8;
/** Parallel HEADs when looking for manifests among listed objects. */
const HEAD_PARALLELISM = 8;

export type LargeObject = { kind: "dynamic"; target: ManifestTarget; header: string } | { kind: "static" };

export interface ObjectHead {
  size: number;
  modTime: Date;
  largeObject: LargeObject | null;
}

export type ObjectEntry = Extract<ListingEntry, { kind: "object" }>;

export class SwiftStore {
  /** Set by the driver once /info told whether the cluster has bulk delete. */
  bulkDeleteMax = 0;

  constructor(
    readonly client: SwiftClient,
    readonly container: string,
    private readonly prefix: string,
  ) {}

  /** Creates the container when it is missing, as registry:2 does at startup. */
  async ensureContainer(): Promise<void> {
    const head = await this.client.call({ method: "HEAD", container: this.container }, [200, 204, 404]);
    if (head.statusCode === 404) await this.client.call({ method: "PUT", container: this.container }, [201, 202]);
  }

  async head(name: string): Promise<ObjectHead | null> {
    const response = await this.client.call({ method: "HEAD", container: this.container, object: name }, [200, 204, 404]);
    if (response.statusCode === 404) return null;
    return {
      size: Number(header(response, "content-length") ?? 0),
      modTime: modTimeOf(response),
      largeObject: largeObjectOf(response),
    };
  }

  /** GET from an offset: the open response (200/206), or the 404/416 answer with its body drained. */
  async get(name: string, offset: number): Promise<IncomingMessage> {
    const headers = offset > 0 ? { range: `bytes=${offset}-` } : undefined;
    const response = await this.client.request({ method: "GET", container: this.container, object: name, headers });
    const status = response.statusCode ?? 0;
    if (status === 200 || status === 206) return response;
    await discardBody(response);
    if (status === 404 || status === 416) return response;
    throw new SwiftHttpError(status, `GET ${this.container}/${name}`);
  }

  /**
   * 202: a concurrent PUT to the same name with a newer timestamp won, and Swift kept that one;
   * to this writer it is as if its object was stored and at once replaced, as on any store.
   */
  async put(name: string, body: Buffer | readonly Buffer[] | LiveBody, headers: Record<string, string> = {}): Promise<void> {
    await this.client.call({ method: "PUT", container: this.container, object: name, body, headers: { "content-type": CONTENT_TYPE, ...headers } }, [201, 202]);
  }

  /** An empty object whose content is its segments, in name order (registry:2's manifest). */
  async putDynamicManifest(name: string, segmentsPrefix: string): Promise<void> {
    await this.put(name, Buffer.alloc(0), { "x-object-manifest": manifestHeader(this.container, segmentsPrefix) });
  }

  /**
   * Server-side copy. A static manifest is copied as a manifest (sharing its segments) when
   * `manifestOnly`, else as the concatenated content. false when the source is missing.
   */
  async copy(from: string, to: string, options: { manifestOnly?: boolean } = {}): Promise<boolean> {
    const query = options.manifestOnly ? { "multipart-manifest": "get" } : undefined;
    const response = await this.client.call(
      {
        method: "PUT",
        container: this.container,
        object: to,
        query,
        headers: { "x-copy-from": `/${encodeURIComponent(this.container)}/${from.split("/").map(encodeURIComponent).join("/")}`, "content-length": "0" },
      },
      [201, 404],
    );
    return response.statusCode === 201;
  }

  /** false when there was nothing to delete. */
  async delete(name: string): Promise<boolean> {
    const response = await this.client.call({ method: "DELETE", container: this.container, object: name }, [204, 200, 404]);
    return response.statusCode !== 404;
  }

  /** Deletes every named object (missing ones are fine): bulk requests when the cluster has them. */
  async deleteMany(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    if (this.bulkDeleteMax > 0) {
      for (let start = 0; start < names.length; start += this.bulkDeleteMax) await this.bulkDelete(names.slice(start, start + this.bulkDeleteMax));
      return;
    }
    await forEachLimited(names, DELETE_PARALLELISM, async (name) => {
      await this.delete(name);
    });
  }

  private async bulkDelete(names: readonly string[]): Promise<void> {
    const container = encodeURIComponent(this.container);
    const body = Buffer.from(names.map((name) => `/${container}/${name.split("/").map(encodeURIComponent).join("/")}`).join("\n"));
    const response = await this.client.request({
      method: "POST",
      query: { "bulk-delete": "" },
      headers: { "content-type": "text/plain", accept: "application/json" },
      body,
    });
    const text = (await readBody(response)).toString("utf8");
    if (response.statusCode !== 200) throw new SwiftHttpError(response.statusCode ?? 0, "bulk delete", text.slice(0, 200));
    const result = JSON.parse(text) as { "Response Status"?: string; Errors?: [string, string][] };
    const errors = result.Errors ?? [];
    if (errors.length > 0 || !/^2\d\d/.test(result["Response Status"] ?? "200")) {
      const first = errors[0];
      throw new SwiftHttpError(Number.parseInt(result["Response Status"] ?? "500", 10) || 500, "bulk delete", first ? `${first[0]}: ${first[1]}` : "");
    }
  }

  /** Every object whose name starts with prefix (no delimiter: the whole subtree). */
  async listObjects(prefix: string): Promise<ObjectEntry[]> {
    const objects: ObjectEntry[] = [];
    for await (const entry of this.client.list(this.container, prefix)) if (entry.kind === "object") objects.push(entry);
    return objects;
  }

  /** Whether anything at all is stored below prefix. */
  async anyBelow(prefix: string): Promise<boolean> {
    for await (const _entry of this.client.list(this.container, prefix)) return true;
    return false;
  }

  /**
   * The segment objects of a large object that belong to this registry (in its container,
   * below its segments root). Others' segments are never listed, so never deleted.
   */
  async ownSegments(name: string, largeObject: LargeObject): Promise<string[]> {
    const root = `${segmentsRoot(this.prefix)}/`;
    if (largeObject.kind === "dynamic") {
      const { container, prefix } = largeObject.target;
      if (container !== this.container || !prefix.startsWith(root)) return [];
      return (await this.listObjects(`${prefix}/`)).map((entry) => entry.name);
    }
    const response = await this.client.request({ method: "GET", container: this.container, object: name, query: { "multipart-manifest": "get", format: "raw" } });
    if (response.statusCode !== 200) {
      await discardBody(response);
      return [];
    }
    const segments = JSON.parse((await readBody(response)).toString("utf8")) as { path?: string; name?: string }[];
    const own = `/${this.container}/`;
    return segments
      .map((segment) => segment.path ?? segment.name ?? "")
      .map((path) => (path.startsWith("/") ? path : `/${path}`))
      .filter((path) => path.startsWith(own))
      .map((path) => decodeURIComponentSafe(path.slice(own.length)))
      .filter((segment) => segment.startsWith(root));
  }

  /** Which of the listed objects are large-object manifests (only an empty listing entry or a static one can be). */
  async largeObjectsAmong(objects: readonly ObjectEntry[]): Promise<{ name: string; largeObject: LargeObject }[]> {
    const candidates = objects.filter((entry) => entry.bytes === 0 || entry.staticLargeObject);
    const found: { name: string; largeObject: LargeObject }[] = [];
    await forEachLimited(candidates, HEAD_PARALLELISM, async (entry) => {
      const head = await this.head(entry.name);
      if (head?.largeObject) found.push({ name: entry.name, largeObject: head.largeObject });
    });
    return found;
  }
}

export function largeObjectOf(response: IncomingMessage): LargeObject | null {
  const manifest = header(response, "x-object-manifest");
  if (manifest !== undefined) return { kind: "dynamic", target: parseManifestHeader(manifest), header: manifest };
  if ((header(response, "x-static-large-object") ?? "").toLowerCase() === "true") return { kind: "static" };
  return null;
}

/** Two large objects built from the same segments (a moved manifest) must not release each other's. */
export function sameSegments(a: LargeObject | null, b: LargeObject | null): boolean {
  if (a?.kind !== "dynamic" || b?.kind !== "dynamic") return false;
  return a.target.container === b.target.container && a.target.prefix === b.target.prefix;
}

/** X-Timestamp has sub-second precision; Last-Modified only whole seconds. */
function modTimeOf(response: IncomingMessage): Date {
  const timestamp = Number(header(response, "x-timestamp"));
  if (Number.isFinite(timestamp) && timestamp > 0) return new Date(timestamp * 1000);
  const lastModified = header(response, "last-modified");
  return lastModified ? new Date(lastModified) : new Date(0);
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(workers);
}
