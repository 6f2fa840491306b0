/**
 * The registry operations the scenarios time, written once against the OCI Distribution
 * API and used unchanged for Berth and for registry:2.
 */
import { createHash } from "node:crypto";
import { HttpClient, expectStatus, header, nextLink, withQuery } from "./http.js";
import { chunkRanges } from "./data.js";

/** Anything that can produce a blob's bytes (again and again) and knows its digest. */
export interface BlobSource {
  readonly size: number;
  digest(): string;
  chunks(start?: number, end?: number): Iterable<Buffer>;
}

/** A small blob held in memory. */
export class BufferBlob implements BlobSource {
  readonly size: number;
  private readonly sha: string;
  constructor(private readonly bytes: Buffer) {
    this.size = bytes.length;
    this.sha = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  }
  digest(): string {
    return this.sha;
  }
  *chunks(start = 0, end = this.size): Generator<Buffer> {
    yield this.bytes.subarray(start, end);
  }
}

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
export const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
/** What a pulling client (docker, containerd) sends. */
export const MANIFEST_ACCEPT = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST].join(", ");

async function startUpload(client: HttpClient, repo: string): Promise<string> {
  const response = await client.request("POST", `/v2/${repo}/blobs/uploads/`);
  expectStatus(response, 202, `POST /v2/${repo}/blobs/uploads/`);
  const location = header(response, "location");
  if (!location) throw new Error(`POST /v2/${repo}/blobs/uploads/: no Location header`);
  return location;
}

/** POST, then one PUT ?digest= carrying the whole blob, streamed. */
export async function pushBlobMonolithic(client: HttpClient, repo: string, blob: BlobSource): Promise<void> {
  const location = await startUpload(client, repo);
  const response = await client.request("PUT", withQuery(location, { digest: blob.digest() }), {
    headers: { "content-type": "application/octet-stream", "content-length": blob.size },
    body: blob.chunks(),
  });
  expectStatus(response, 201, `PUT ${repo} blob ${blob.digest()}`);
}

/** POST, PATCHes of `chunkSize` bytes with Content-Range (each streamed), then PUT ?digest= with no body. */
export async function pushBlobChunked(client: HttpClient, repo: string, blob: BlobSource, chunkSize: number): Promise<void> {
  let location = await startUpload(client, repo);
  for (const [start, end] of chunkRanges(blob.size, chunkSize)) {
    const response = await client.request("PATCH", location, {
      headers: {
        "content-type": "application/octet-stream",
        "content-length": end - start,
        "content-range": `${start}-${end - 1}`,
      },
      body: blob.chunks(start, end),
    });
    expectStatus(response, 202, `PATCH ${repo} upload bytes ${start}-${end - 1}`);
    const next = header(response, "location");
    if (!next) throw new Error(`PATCH ${repo}: no Location header`);
    location = next;
  }
  const response = await client.request("PUT", withQuery(location, { digest: blob.digest() }));
  expectStatus(response, 201, `PUT ${repo} blob ${blob.digest()} (closing a chunked upload)`);
}

/**
 * What `docker push` does: POST, one PATCH streaming the whole blob with chunked transfer
 * encoding (no Content-Length, no Content-Range), then PUT ?digest= with no body.
 */
export async function pushBlobStreamed(client: HttpClient, repo: string, blob: BlobSource): Promise<void> {
  const location = await startUpload(client, repo);
  const patched = await client.request("PATCH", location, {
    headers: { "content-type": "application/octet-stream" },
    body: blob.chunks(),
  });
  expectStatus(patched, 202, `PATCH ${repo} streamed upload`);
  const next = header(patched, "location");
  if (!next) throw new Error(`PATCH ${repo}: no Location header`);
  const response = await client.request("PUT", withQuery(next, { digest: blob.digest() }));
  expectStatus(response, 201, `PUT ${repo} blob ${blob.digest()} (closing a streamed upload)`);
}

/** GET a blob, hashing it as it streams in; throws unless size and digest match. */
export async function pullBlob(client: HttpClient, repo: string, digest: string, size: number): Promise<number> {
  const hash = createHash("sha256");
  const response = await client.request("GET", `/v2/${repo}/blobs/${digest}`, { sink: (chunk) => hash.update(chunk) });
  expectStatus(response, 200, `GET ${repo} blob ${digest}`);
  const got = `sha256:${hash.digest("hex")}`;
  if (response.bodyBytes !== size) throw new Error(`GET ${repo} blob ${digest}: ${response.bodyBytes} bytes, expected ${size}`);
  if (got !== digest) throw new Error(`GET ${repo} blob ${digest}: content hashes to ${got}`);
  return response.bodyBytes;
}

/**
 * GET a blob that the registry redirects to its storage (307 + Location: a presigned URL, SAS or
 * temp URL), then the blob from there, hashed as it streams in. Throws when the registry does not
 * redirect: a "with redirects" figure must not silently measure the proxied path.
 */
export async function pullBlobRedirected(client: HttpClient, repo: string, digest: string, size: number): Promise<number> {
  const redirect = await client.request("GET", `/v2/${repo}/blobs/${digest}`);
  expectStatus(redirect, 307, `GET ${repo} blob ${digest} (expecting a redirect to storage)`);
  const location = header(redirect, "location");
  if (!location) throw new Error(`GET ${repo} blob ${digest}: 307 without a Location`);
  const hash = createHash("sha256");
  // The same keep-alive agent: it keeps a separate pool per origin.
  const response = await client.request("GET", location, { sink: (chunk) => hash.update(chunk) });
  expectStatus(response, 200, `GET ${digest} from storage (${new URL(location).origin})`);
  const got = `sha256:${hash.digest("hex")}`;
  if (response.bodyBytes !== size) throw new Error(`GET ${digest} from storage: ${response.bodyBytes} bytes, expected ${size}`);
  if (got !== digest) throw new Error(`GET ${digest} from storage: content hashes to ${got}`);
  return response.bodyBytes;
}

export interface PushedImage {
  repo: string;
  tag: string;
  manifestDigest: string;
  manifest: Buffer;
}

/** A minimal OCI image: a config blob, one layer blob and a manifest tagged `tag`. */
export async function pushSmallImage(client: HttpClient, repo: string, tag: string, salt: string): Promise<PushedImage> {
  const config = new BufferBlob(
    Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] }, config: { Labels: { salt } } })),
  );
  const layer = new BufferBlob(Buffer.from(`berth bench layer ${salt}\n`.repeat(4)));
  await pushBlobMonolithic(client, repo, config);
  await pushBlobMonolithic(client, repo, layer);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: config.digest(), size: config.size },
      layers: [{ mediaType: OCI_LAYER, digest: layer.digest(), size: layer.size }],
    }),
  );
  const response = await client.request("PUT", `/v2/${repo}/manifests/${tag}`, {
    headers: { "content-type": OCI_MANIFEST },
    body: manifest,
  });
  expectStatus(response, 201, `PUT ${repo} manifest ${tag}`);
  const manifestDigest = `sha256:${createHash("sha256").update(manifest).digest("hex")}`;
  return { repo, tag, manifestDigest, manifest };
}

/** GET a manifest by tag the way a pulling client does; throws unless it is the one pushed. */
export async function getManifest(client: HttpClient, image: PushedImage): Promise<void> {
  const response = await client.request("GET", `/v2/${image.repo}/manifests/${image.tag}`, { headers: { accept: MANIFEST_ACCEPT } });
  expectStatus(response, 200, `GET ${image.repo} manifest ${image.tag}`);
  if (!response.body.equals(image.manifest)) throw new Error(`GET ${image.repo} manifest ${image.tag}: body differs from what was pushed`);
}

/** The whole catalog, following Link headers page by page. */
export async function listCatalog(client: HttpClient, pageSize: number, maxPages = 100_000): Promise<{ repositories: string[]; pages: number }> {
  const repositories: string[] = [];
  let target: string | undefined = `/v2/_catalog?n=${pageSize}`;
  let pages = 0;
  while (target !== undefined) {
    if (++pages > maxPages) throw new Error(`catalog: more than ${maxPages} pages`);
    const response = await client.request("GET", target);
    expectStatus(response, 200, `GET ${target}`);
    const parsed = JSON.parse(response.body.toString("utf8")) as { repositories?: unknown };
    if (!Array.isArray(parsed.repositories)) throw new Error(`GET ${target}: no repositories array`);
    for (const name of parsed.repositories) repositories.push(String(name));
    target = nextLink(header(response, "link"));
  }
  return { repositories, pages };
}
