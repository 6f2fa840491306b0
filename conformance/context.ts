/**
 * What a test gets: the HTTP client, unique repository names, helpers that push content the
 * plainest way (so a test of one feature does not depend on another), shared fixtures, notes,
 * and a record of what was pushed so the run can delete it at the end.
 */
import { expectStatus, fail, header } from "./check.js";
import { type Content, configBlob, dockerList, dockerManifest, layerBlob, MEDIA, ociIndex, ociManifest } from "./content.js";
import type { Exchange, HttpClient, RequestOptions } from "./http.js";

export interface PushedImage {
  repo: string;
  config: Content;
  layers: Content[];
  manifest: Content;
  tag?: string;
}

const ABSOLUTE_URL = /^https?:\/\//i;
const BLOB_PATH = /\/blobs\/[^/]+$/;
const REDIRECTS = new Set([302, 303, 307, 308]);
const REGISTRY_HEADERS = new Set(["docker-content-digest", "docker-distribution-api-version"]);

export class RunState {
  private readonly fixtures = new Map<string, Promise<unknown>>();
  /** Pushed manifests and blobs, deleted (best effort) when the run ends. */
  readonly created: { repo: string; kind: "manifest" | "blob"; digest: string }[] = [];

  constructor(
    readonly client: HttpClient,
    /** "<namespace>/<run id>" */
    readonly ns: string,
    /** "<crossmount namespace>/<run id>" */
    readonly crossNs: string,
  ) {}

  fixture<T>(key: string, make: () => Promise<T>): Promise<T> {
    let existing = this.fixtures.get(key) as Promise<T> | undefined;
    if (!existing) {
      existing = make();
      this.fixtures.set(key, existing);
    }
    return existing;
  }
}

export class TestContext {
  readonly notes: string[] = [];

  constructor(private readonly state: RunState) {}

  get client(): HttpClient {
    return this.state.client;
  }

  /** A repository under this run's namespace: "<namespace>/<run id>/<label>". */
  repo(label: string): string {
    return `${this.state.ns}/${label}`;
  }

  /** A repository under the cross-mount namespace. */
  crossRepo(label: string): string {
    return `${this.state.crossNs}/${label}`;
  }

  note(text: string): void {
    this.notes.push(text);
  }

  fixture<T>(key: string, make: () => Promise<T>): Promise<T> {
    return this.state.fixture(key, make);
  }

  track(repo: string, kind: "manifest" | "blob", digest: string): void {
    this.state.created.push({ repo, kind, digest });
  }

  /**
   * A request to a path under the registry's base URL (prefix kept), or to a resolved Location.
   * A blob GET or HEAD redirected to another origin (the registry's storage) is followed, as
   * docker follows it; see followStorageRedirect.
   */
  request(options: RequestOptions): Promise<Exchange> {
    const path = ABSOLUTE_URL.test(options.path) ? options.path : this.client.path(options.path);
    return this.send({ ...options, path });
  }

  private async send(options: RequestOptions): Promise<Exchange> {
    const exchange = await this.client.request(options);
    const isBlobRead = (options.method === "GET" || options.method === "HEAD") && BLOB_PATH.test(options.path.split("?")[0] ?? "");
    return isBlobRead ? this.followStorageRedirect(options, exchange) : exchange;
  }

  /**
   * The storage's answer to a redirected blob read, carrying the headers only a registry sends
   * (Docker-Content-Digest, the API version) from the redirect. Credentials stay with the
   * registry; Range goes along. Same-origin redirects are not followed: they are the registry's
   * own answer (hostile-input tests judge them).
   */
  private async followStorageRedirect(options: RequestOptions, exchange: Exchange): Promise<Exchange> {
    const location = header(exchange, "location");
    if (!REDIRECTS.has(exchange.status) || !location) return exchange;
    const target = this.client.resolve(location);
    if (!ABSOLUTE_URL.test(target)) return exchange;
    const range = Object.entries(options.headers ?? {}).find(([name]) => name.toLowerCase() === "range");
    const followed = await this.client.request({ method: options.method, path: target, ...(range ? { headers: { Range: range[1] } } : {}) });
    const fromRegistry = Object.fromEntries(Object.entries(exchange.headers).filter(([name]) => REGISTRY_HEADERS.has(name)));
    return { ...followed, headers: { ...followed.headers, ...fromRegistry }, redirect: exchange };
  }

  /** A request to a Location header value (absolute or relative), with extra query parameters. */
  requestLocation(location: string, options: Omit<RequestOptions, "path"> & { query?: Record<string, string> }): Promise<Exchange> {
    let target = this.client.resolve(location);
    if (options.query && Object.keys(options.query).length > 0) {
      const query = new URLSearchParams(options.query).toString();
      target += (target.includes("?") ? "&" : "?") + query;
    }
    const { query: _query, ...rest } = options;
    return this.send({ ...rest, path: target });
  }

  /** POST /v2/<repo>/blobs/uploads/ → the session's Location. */
  async startUpload(repo: string, query = ""): Promise<{ location: string; exchange: Exchange }> {
    const exchange = await this.request({ method: "POST", path: `/v2/${repo}/blobs/uploads/${query}` });
    expectStatus(exchange, 202, { what: "POST starts an upload session" });
    const location = header(exchange, "location");
    if (!location) fail("no Location header", exchange, "202 with Location", { what: "POST starts an upload session", show: ["location"] });
    return { location, exchange };
  }

  /** Pushes a blob with POST then PUT (the upload flow every registry supports). */
  async pushBlob(repo: string, blob: Content): Promise<void> {
    const { location } = await this.startUpload(repo);
    const exchange = await this.requestLocation(location, {
      method: "PUT",
      query: { digest: blob.digest },
      headers: { "Content-Type": "application/octet-stream" },
      body: blob.bytes,
    });
    expectStatus(exchange, 201, { what: `pushing blob ${blob.digest} (setup)` });
    this.track(repo, "blob", blob.digest);
  }

  async putManifest(repo: string, reference: string, manifest: Content, contentType: string = manifest.mediaType): Promise<Exchange> {
    const exchange = await this.request({
      method: "PUT",
      path: `/v2/${repo}/manifests/${reference}`,
      headers: { "Content-Type": contentType },
      body: manifest.bytes,
    });
    if (exchange.status === 201) this.track(repo, "manifest", manifest.digest);
    return exchange;
  }

  /** PUT a manifest and insist on 201. */
  async pushManifest(repo: string, reference: string, manifest: Content): Promise<Exchange> {
    const exchange = await this.putManifest(repo, reference, manifest);
    expectStatus(exchange, 201, { what: `pushing manifest ${manifest.mediaType} as ${reference} (setup)` });
    return exchange;
  }

  /** Config + layers + OCI image manifest, tagged when `tag` is given (by digest otherwise). */
  async pushImage(
    repo: string,
    options: { tag?: string; layers?: number; layerSize?: number; docker?: boolean; subject?: Content; artifactType?: string; annotations?: Record<string, string> } = {},
  ): Promise<PushedImage> {
    const config = configBlob(options.docker ? MEDIA.dockerConfig : MEDIA.ociConfig);
    const layers = Array.from({ length: options.layers ?? 1 }, () => layerBlob(options.layerSize ?? 512, options.docker ? MEDIA.dockerLayer : MEDIA.ociLayer));
    for (const blob of [config, ...layers]) await this.pushBlob(repo, blob);
    const manifest = options.docker
      ? dockerManifest(config, layers)
      : ociManifest({
          config,
          layers,
          ...(options.subject ? { subject: options.subject } : {}),
          ...(options.artifactType ? { artifactType: options.artifactType } : {}),
          ...(options.annotations ? { annotations: options.annotations } : {}),
        });
    await this.pushManifest(repo, options.tag ?? manifest.digest, manifest);
    return { repo, config, layers, manifest, ...(options.tag ? { tag: options.tag } : {}) };
  }

  /** Two platform images and an index (OCI) or manifest list (Docker) over them. */
  async pushIndex(repo: string, options: { tag?: string; docker?: boolean } = {}): Promise<{ children: PushedImage[]; index: Content }> {
    const platforms = [
      { architecture: "amd64", os: "linux" },
      { architecture: "arm64", os: "linux" },
    ];
    const children: PushedImage[] = [];
    for (const _platform of platforms) children.push(await this.pushImage(repo, { docker: options.docker ?? false }));
    const withPlatforms = children.map((child, i) => ({ ...child.manifest, platform: platforms[i] ?? { architecture: "amd64", os: "linux" } }));
    const index = options.docker ? dockerList(withPlatforms) : ociIndex({ manifests: withPlatforms });
    await this.pushManifest(repo, options.tag ?? index.digest, index);
    return { children, index };
  }
}

/** Best-effort deletion of what a run pushed: manifests first, then blobs. Failures are ignored. */
export async function cleanUp(state: RunState): Promise<{ deleted: number; refused: number }> {
  let deleted = 0;
  let refused = 0;
  const seen = new Set<string>();
  const items = [...state.created].reverse();
  const ordered = [...items.filter((item) => item.kind === "manifest"), ...items.filter((item) => item.kind === "blob")];
  for (const item of ordered) {
    const key = `${item.repo} ${item.kind} ${item.digest}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const kind = item.kind === "manifest" ? "manifests" : "blobs";
    try {
      const exchange = await state.client.request({ method: "DELETE", path: state.client.path(`/v2/${item.repo}/${kind}/${item.digest}`), timeoutMs: 10_000 });
      if (exchange.status === 202 || exchange.status === 404) deleted++;
      else refused++;
    } catch {
      refused++;
    }
  }
  return { deleted, refused };
}
