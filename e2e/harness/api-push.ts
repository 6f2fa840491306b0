/**
 * Small images pushed and pulled with plain HTTP requests (the distribution API, no client):
 * a config and one random layer as monolithic uploads, then an OCI manifest under a tag.
 * For tests that need many pushes quickly, or spread over replicas by hand.
 */
import { createHash, randomBytes } from "node:crypto";

export const sha256 = (data: Buffer) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

const MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";

export interface ApiPushed {
  repository: string;
  tag: string;
  /** The manifest's digest. */
  digest: string;
  /** The config's and the layer's digests. */
  blobs: string[];
}

/** Pushes a fresh image (its layer `layerSize` random bytes) to the registry at `url`; throws on any refusal. */
export async function apiPush(url: string, repository: string, tag: string, layerSize = 2048): Promise<ApiPushed> {
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: { Labels: { tag } }, rootfs: { type: "layers", diff_ids: [] } }));
  const layer = randomBytes(layerSize);
  for (const blob of [config, layer]) {
    const res = await fetch(`${url}/v2/${repository}/blobs/uploads/?digest=${sha256(blob)}`, {
      method: "POST",
      headers: { "Content-Type": "application/octet-stream" },
      body: new Uint8Array(blob),
    });
    if (res.status !== 201) throw new Error(`blob upload to ${url}/v2/${repository}: ${res.status} ${await res.text()}`);
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.length },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha256(layer), size: layer.length }],
    }),
  );
  const res = await fetch(`${url}/v2/${repository}/manifests/${tag}`, { method: "PUT", headers: { "Content-Type": MANIFEST_TYPE }, body: new Uint8Array(manifest) });
  if (res.status !== 201) throw new Error(`manifest PUT to ${url}/v2/${repository}:${tag}: ${res.status} ${await res.text()}`);
  return { repository, tag, digest: sha256(manifest), blobs: [sha256(config), sha256(layer)] };
}

/**
 * Pulls what apiPush() pushed: the tag must give the pushed manifest digest, and the manifest
 * and every blob must arrive whole (their bytes hash to their digests). Answers what is wrong, or "".
 */
export async function apiPullProblem(url: string, pushed: ApiPushed): Promise<string> {
  const manifest = await fetch(`${url}/v2/${pushed.repository}/manifests/${pushed.tag}`, { headers: { accept: MANIFEST_TYPE } });
  if (manifest.status !== 200) return `${pushed.repository}:${pushed.tag}: manifest GET answered ${manifest.status}`;
  const bytes = Buffer.from(await manifest.arrayBuffer());
  if (sha256(bytes) !== pushed.digest) return `${pushed.repository}:${pushed.tag}: the tag gives ${sha256(bytes)}, pushed ${pushed.digest}`;
  for (const digest of pushed.blobs) {
    const blob = await fetch(`${url}/v2/${pushed.repository}/blobs/${digest}`);
    if (blob.status !== 200) return `${pushed.repository}: blob ${digest} GET answered ${blob.status}`;
    const data = Buffer.from(await blob.arrayBuffer());
    if (sha256(data) !== digest) return `${pushed.repository}: blob ${digest} arrived as ${sha256(data)}`;
  }
  return "";
}

/** Runs `work` over `items` with at most `concurrency` at once; resolves with each item's outcome, in order. */
export async function inParallel<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: "fulfilled", value: await work(items[index]!, index) };
      } catch (reason) {
        results[index] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
