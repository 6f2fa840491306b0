/**
 * Berth on a real S3 (Swift's s3api), configured the way an operator would: REGISTRY_STORAGE=s3
 * and REGISTRY_STORAGE_S3_* variables.
 *
 * - docker pushes (5 MiB parts and multipart moves, so layers cross part boundaries) and pulls back
 *   identical images, blob GETs redirected to presigned S3 URLs; the bucket holds registry:2's
 *   keys, link contents and sizes, and no upload left in progress;
 * - a second Berth with redirects disabled serves the same bucket to docker from its own answers;
 * - the storage health check passes.
 * The OCI conformance suite on S3: storage-s3-conformance.test.ts.
 */
import { createHash } from "node:crypto";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDockerd, type Dockerd } from "./harness/dockerd.js";
import { buildImageSet, imageId, MiB, pushImage, removeAllImages, type ImageSet } from "./harness/images.js";
import { inspectS3, s3RegistryEnv, swiftS3, type S3Endpoint, type S3Inspector } from "./harness/s3.js";
import { startBerth, type RunningRegistry } from "./harness/servers.js";
import { startSwift, type RunningSwift } from "./harness/swift.js";

const BUCKET = "berth-registry";
const ROOT = "registry";
const V2 = `${ROOT}/docker/registry/v2`;
const MANIFEST_TYPES = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json";

let swift: RunningSwift | undefined;
let server: S3Endpoint;
let s3: S3Inspector;
let dockerd: Dockerd | undefined;
let images: ImageSet | undefined;
const pushed: { ref: string; id: string; digest: string }[] = [];

/** The REGISTRY_* variables of this file's Berths: 5 MiB parts, and multipart copy for every move above 5 MiB. */
function storageEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...s3RegistryEnv(server, { bucket: BUCKET, rootdirectory: `/${ROOT}` }),
    REGISTRY_STORAGE_S3_CHUNKSIZE: String(5 * MiB),
    REGISTRY_STORAGE_S3_MULTIPARTCOPYTHRESHOLDSIZE: String(5 * MiB),
    REGISTRY_STORAGE_S3_MULTIPARTCOPYCHUNKSIZE: String(5 * MiB),
    ...extra,
  };
}

function ready() {
  if (!swift || !dockerd || !images) throw new Error("setup failed (see the beforeAll error)");
  return { dockerd, images };
}

beforeAll(async () => {
  swift = await startSwift();
  server = swiftS3(swift);
  s3 = inspectS3(server);
  await s3.createBucket(BUCKET);
  dockerd = await startDockerd();
  images = await buildImageSet(dockerd, "s3", 12 * MiB);
});

afterAll(async () => {
  await dockerd?.stop();
  s3?.client.destroy();
  await swift?.stop();
});

async function withBerth<T>(env: Record<string, string>, use: (berth: RunningRegistry) => Promise<T>): Promise<T> {
  const berth = await startBerth({ env });
  try {
    return await use(berth);
  } finally {
    await berth.stop();
  }
}

async function objectText(key: string): Promise<string> {
  const answer = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return answer.Body!.transformToString();
}

describe("Berth on S3 storage (Swift's s3api)", () => {
  it("takes docker pushes in registry:2's keys and serves them back through presigned redirects", async () => {
    const { dockerd, images } = ready();
    const env = { ...storageEnv(), REGISTRY_HEALTH_STORAGEDRIVER_ENABLED: "true", REGISTRY_HEALTH_STORAGEDRIVER_INTERVAL: "1s" };
    await withBerth(env, async (berth) => {
      for (const [name, image] of [
        ["app/web:v1", images.large],
        ["app/base:1", images.small],
        ["app/derived:1", images.derived],
      ] as const) {
        const ref = `${berth.host}/${name}`;
        await dockerd.docker(["tag", image.id, ref]);
        pushed.push({ ref: name, id: image.id, digest: (await pushImage(dockerd, ref)).digest });
      }

      const sizes = new Map((await s3.objects(BUCKET, `${ROOT}/`)).map((object) => [object.key, object.size]));
      const manifest = (await (await fetch(`${berth.url}/v2/app/web/manifests/v1`, { headers: { accept: MANIFEST_TYPES } })).json()) as {
        layers: { digest: string; size: number }[];
      };
      expect(Math.max(...manifest.layers.map((layer) => layer.size))).toBeGreaterThan(10 * MiB);
      for (const layer of manifest.layers) {
        const hex = layer.digest.slice("sha256:".length);
        expect(sizes.get(`${V2}/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`), layer.digest).toBe(layer.size);
        expect(await objectText(`${V2}/repositories/app/web/_layers/sha256/${hex}/link`)).toBe(layer.digest);
      }
      expect(await objectText(`${V2}/repositories/app/web/_manifests/tags/v1/current/link`)).toBe(pushed[0]!.digest);
      expect([...sizes.keys()].filter((key) => key.includes("/_uploads/")), "upload sessions left behind").toEqual([]);
      expect(await s3.uploads(BUCKET), "multipart uploads left in progress").toEqual([]);

      // Blob GETs and HEADs answer 307 to presigned URLs on the S3 endpoint, which serve the blob's exact bytes.
      const largest = manifest.layers.reduce((a, b) => (a.size >= b.size ? a : b));
      for (const method of ["GET", "HEAD"]) {
        const redirected = await fetch(`${berth.url}/v2/app/web/blobs/${largest.digest}`, { method, redirect: "manual" });
        expect(redirected.status, method).toBe(307);
        expect(redirected.headers.get("location")).toMatch(new RegExp(`^${server.endpoint}/${BUCKET}/${V2}/blobs/sha256/.*X-Amz-Signature=`));
        const direct = await fetch(redirected.headers.get("location")!, { method });
        expect(direct.status, method).toBe(200);
        if (method === "GET") expect(`sha256:${createHash("sha256").update(Buffer.from(await direct.arrayBuffer())).digest("hex")}`).toBe(largest.digest);
        else expect(direct.headers.get("content-length")).toBe(String(largest.size));
      }

      await removeAllImages(dockerd);
      for (const { ref, id, digest } of pushed) {
        expect(await dockerd.docker(["pull", `${berth.host}/${ref}`])).toContain(`Digest: ${digest}`);
        expect(await imageId(dockerd, `${berth.host}/${ref}`), ref).toBe(id);
      }
      const ready = await fetch(`${berth.url}/readyz`);
      expect(ready.status, JSON.stringify(await ready.json())).toBe(200);
    });
  });

  it("serves the same bucket to docker from its own answers when redirects are disabled", async () => {
    const { dockerd } = ready();
    expect(pushed).toHaveLength(3);
    await removeAllImages(dockerd);
    await withBerth(storageEnv({ REGISTRY_STORAGE_REDIRECT_DISABLE: "true" }), async (berth) => {
      const manifest = (await (await fetch(`${berth.url}/v2/app/web/manifests/v1`, { headers: { accept: MANIFEST_TYPES } })).json()) as {
        layers: { digest: string }[];
      };
      const blob = await fetch(`${berth.url}/v2/app/web/blobs/${manifest.layers[1]!.digest}`, { redirect: "manual" });
      expect(blob.status).toBe(200);
      expect(`sha256:${createHash("sha256").update(Buffer.from(await blob.arrayBuffer())).digest("hex")}`).toBe(manifest.layers[1]!.digest);
      for (const { ref, id, digest } of pushed) {
        expect(await dockerd.docker(["pull", `${berth.host}/${ref}`])).toContain(`Digest: ${digest}`);
        expect(await imageId(dockerd, `${berth.host}/${ref}`), ref).toBe(id);
      }
    });
  });
});
