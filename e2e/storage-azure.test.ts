/**
 * Berth on Azure Blob storage (azurite), configured the way an operator would: REGISTRY_STORAGE=azure
 * and REGISTRY_STORAGE_AZURE_* variables. Berth reaches azurite through a fault proxy, so the
 * same run also shows what clients see when the blob service fails.
 *
 * - the OCI conformance suite passes with blobs served by Berth itself (redirected, azurite's own
 *   answers to open-ended and suffix Range requests carry a Content-Length Node cannot parse:
 *   an emulator bug the suite would report; redirects are proven by the docker pull below);
 * - docker pushes and pulls back identical images; the container holds registry:2.8's blob names
 *   and types, and the pull fetched layers straight from the blob service;
 * - with the blob service throttling one request in four, pushes and pulls still succeed;
 * - with it down, clients get 503 UNAVAILABLE, a push fails cleanly, the storage health check
 *   fails, nothing half-written is ever stored under blobs/, and service resumes when the blob
 *   service does.
 */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatFailures, formatSummary, runConformance } from "../conformance/index.js";
import { FaultProxy } from "./harness/fault-proxy.js";
import { rawBlobs, rawContainer, type RawBlob } from "../storage-drivers/azure/azurite-fixture.js";
import { startAzurite, type RunningAzurite } from "./harness/azurite.js";
import { startDockerd, type Dockerd } from "./harness/dockerd.js";
import { buildImage, buildImageSet, imageId, MiB, pushImage, removeAllImages, type ImageSet } from "./harness/images.js";
import { startBerth, type RunningRegistry } from "./harness/servers.js";

const CONTAINER = "registry";
const V2 = "/docker/registry/v2";
const MANIFEST_TYPES = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json";

let azurite: RunningAzurite | undefined;
let proxy: FaultProxy | undefined;
let berth: RunningRegistry | undefined;
let dockerd: Dockerd | undefined;
let images: ImageSet | undefined;

function ready() {
  if (!azurite || !proxy || !berth || !dockerd || !images) throw new Error("setup failed (see the beforeAll error)");
  return { azurite, proxy, berth, dockerd, images };
}

beforeAll(async () => {
  azurite = await startAzurite();
  proxy = await FaultProxy.start(new URL(azurite.serviceUrl));
  berth = await startBerth({
    env: {
      REGISTRY_STORAGE: "azure",
      REGISTRY_STORAGE_AZURE_ACCOUNTNAME: azurite.accountName,
      REGISTRY_STORAGE_AZURE_ACCOUNTKEY: azurite.accountKey,
      REGISTRY_STORAGE_AZURE_CONTAINER: CONTAINER,
      REGISTRY_STORAGE_AZURE_SERVICEURL: `http://127.0.0.1:${proxy.port}/${azurite.accountName}`,
      REGISTRY_HEALTH_STORAGEDRIVER_ENABLED: "true",
      REGISTRY_HEALTH_STORAGEDRIVER_INTERVAL: "2s",
      REGISTRY_HEALTH_STORAGEDRIVER_THRESHOLD: "2",
    },
  });
  dockerd = await startDockerd();
  images = await buildImageSet(dockerd, "azure", 12 * MiB);
});

afterAll(async () => {
  await dockerd?.stop();
  await berth?.stop();
  await proxy?.close();
  await azurite?.stop();
});

/** What the docker Berth stored (registry:2.8's names: the driver path; the conformance run's tree is elsewhere). */
/** Polls /readyz until it answers `status`; returns its last body. */
async function readiness(registry: RunningRegistry, status: number, timeoutMs = 20_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${registry.url}/readyz`);
    const body: unknown = await res.json();
    if (res.status === status) return body;
    if (Date.now() > deadline) throw new Error(`/readyz still ${res.status} after ${timeoutMs} ms: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function storedBlobs(): Promise<RawBlob[]> {
  return rawBlobs(rawContainer(ready().azurite, CONTAINER), "/");
}

/** Every blob under blobs/ holds exactly the bytes its name's digest says. */
async function expectBlobDataIntact(): Promise<number> {
  const container = rawContainer(ready().azurite, CONTAINER);
  const data = (await storedBlobs()).filter((blob) => blob.name.startsWith(`${V2}/blobs/`) && blob.snapshot === undefined);
  for (const blob of data) {
    const [, algorithm = "", hex] = /\/(sha256|sha512)\/[0-9a-f]{2}\/([0-9a-f]+)\/data$/.exec(blob.name) ?? [];
    expect(hex, blob.name).toBeDefined();
    const bytes = await container.getBlobClient(blob.name).downloadToBuffer();
    expect(createHash(algorithm).update(bytes).digest("hex"), blob.name).toBe(hex);
  }
  return data.length;
}

describe("Berth on azure storage (azurite)", () => {
  it("passes the OCI conformance suite (blobs served by Berth itself, under a rootdirectory)", async () => {
    const { azurite } = ready();
    // The suite wants blob GETs answered, not redirected: a second Berth with redirects off, in its own tree.
    const served = await startBerth({
      env: {
        REGISTRY_STORAGE: "azure",
        REGISTRY_STORAGE_AZURE_ACCOUNTNAME: azurite.accountName,
        REGISTRY_STORAGE_AZURE_ACCOUNTKEY: azurite.accountKey,
        REGISTRY_STORAGE_AZURE_CONTAINER: CONTAINER,
        REGISTRY_STORAGE_AZURE_SERVICEURL: azurite.serviceUrl,
        REGISTRY_STORAGE_AZURE_ROOTDIRECTORY: "/conformance/run",
        REGISTRY_STORAGE_REDIRECT_DISABLE: "true",
      },
    });
    try {
      const report = await runConformance({ url: served.url });
      console.log(`berth on azure: ${formatSummary(report).join(" / ")}`);
      expect(report.results.length).toBeGreaterThan(50);
      expect(report.failed, `failing conformance tests against Berth on azure:\n${formatFailures(report)}`).toBe(0);
    } finally {
      await served.stop();
    }
    const names = (await rawBlobs(rawContainer(azurite, CONTAINER), "")).map((blob) => blob.name);
    expect(names.length).toBeGreaterThan(50);
    // The suite deletes its repositories at the end; the blobs it pushed stay (until garbage collection).
    expect(names.filter((name) => name.startsWith("conformance/run/docker/registry/v2/blobs/")).length).toBeGreaterThan(20);
    expect(names.filter((name) => !name.startsWith("conformance/run/")), "blobs outside the rootdirectory").toEqual([]);
  });

  it("takes docker pushes and serves them back, in registry:2's names, layers straight from the blob service", async () => {
    const { berth, proxy, dockerd, images } = ready();
    const pushed: { ref: string; id: string; digest: string }[] = [];
    for (const [name, image] of [
      ["app/web:v1", images.large],
      ["app/base:1", images.small],
      ["app/derived:1", images.derived],
    ] as const) {
      const ref = `${berth.host}/${name}`;
      await dockerd.docker(["tag", image.id, ref]);
      pushed.push({ ref, id: image.id, digest: (await pushImage(dockerd, ref)).digest });
    }

    const blobs = await storedBlobs();
    const named = new Map(blobs.map((blob) => [blob.name, blob]));
    const manifest = (await (await fetch(`${berth.url}/v2/app/web/manifests/v1`, { headers: { accept: MANIFEST_TYPES } })).json()) as {
      config: { digest: string };
      layers: { digest: string; size: number }[];
    };
    for (const layer of manifest.layers) {
      const hex = layer.digest.slice("sha256:".length);
      // Layers arrive through the append-blob writer and are moved by server-side copy: append blobs, as registry:2 leaves them.
      expect(named.get(`${V2}/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`), layer.digest).toMatchObject({ blobType: "AppendBlob", size: layer.size });
      expect(named.get(`${V2}/repositories/app/web/_layers/sha256/${hex}/link`), layer.digest).toMatchObject({ blobType: "BlockBlob" });
    }
    const tagLink = `${V2}/repositories/app/web/_manifests/tags/v1/current/link`;
    expect(named.get(tagLink)).toMatchObject({ blobType: "BlockBlob" });
    expect((await rawContainer(ready().azurite, CONTAINER).getBlobClient(tagLink).downloadToBuffer()).toString()).toBe(pushed[0]?.digest);
    expect(blobs.filter((blob) => blob.snapshot !== undefined), "snapshots left behind").toEqual([]);
    expect(blobs.filter((blob) => blob.name.includes("/_uploads/")), "upload sessions left behind").toEqual([]);

    // Blob GETs answer 307 to a SAS URL on the blob service.
    const largest = manifest.layers.reduce((a, b) => (a.size >= b.size ? a : b));
    const redirected = await fetch(`${berth.url}/v2/app/web/blobs/${largest.digest}`, { redirect: "manual" });
    expect(redirected.status).toBe(307);
    expect(redirected.headers.get("location")).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${proxy.port}/.*[?&]sig=`));

    await removeAllImages(dockerd);
    proxy.reset();
    for (const { ref, id, digest } of pushed) {
      expect(await dockerd.docker(["pull", ref])).toContain(`Digest: ${digest}`);
      expect(await imageId(dockerd, ref), ref).toBe(id);
    }
    const fetchedDirectly = proxy.seen.filter((request) => request.method === "GET" && request.url.includes("/data?") && request.url.includes("sig="));
    expect(fetchedDirectly.length, "layer GETs docker sent to the blob service").toBeGreaterThanOrEqual(manifest.layers.length);
    expect(await expectBlobDataIntact()).toBeGreaterThan(5);
  });

  it("rides out throttling: one request in four answered 503 ServerBusy or 500 OperationTimedOut", async () => {
    const { berth, proxy, dockerd } = ready();
    const image = await buildImage(dockerd, { tag: "azure/throttled:src", layerSizes: [6 * MiB, 20_000] });
    // Only Berth's own requests: docker's SAS-signed layer GETs (redirects) are left alone.
    let count = 0;
    const fromBerth = (url: string) => !url.includes("sig=");
    proxy.reset();
    proxy.inject({ kind: "status", status: 503, code: "ServerBusy" }, { times: 1_000, match: (_, url) => fromBerth(url) && ++count % 8 === 0 });
    proxy.inject({ kind: "status", status: 500, code: "OperationTimedOut" }, { times: 1_000, match: (_, url) => fromBerth(url) && count % 8 === 4 });
    const ref = `${berth.host}/throttled/app:1`;
    await dockerd.docker(["tag", image.id, ref]);
    const { digest } = await pushImage(dockerd, ref);
    await removeAllImages(dockerd);
    expect(await dockerd.docker(["pull", ref])).toContain(`Digest: ${digest}`);
    expect(await imageId(dockerd, ref)).toBe(image.id);
    const failed = proxy.seen.filter((request) => request.fault === "status").length;
    console.log(`throttled run: ${proxy.seen.length} requests to the blob service, ${failed} answered with an error and retried`);
    expect(failed).toBeGreaterThan(5);
    proxy.reset();
  });

  it("answers 503 UNAVAILABLE while the blob service is down, stores nothing half-written, and recovers", async () => {
    const { berth, proxy, dockerd, images } = ready();
    const manifest = (await (await fetch(`${berth.url}/v2/app/base/manifests/1`, { headers: { accept: MANIFEST_TYPES } })).json()) as {
      layers: { digest: string }[];
    };
    const layer = manifest.layers[0]?.digest ?? "";
    proxy.reset();
    proxy.inject({ kind: "status", status: 503, code: "ServerBusy" }, { times: 1_000_000 });

    const down = await fetch(`${berth.url}/v2/app/base/blobs/${layer}`, { redirect: "manual" });
    expect(down.status).toBe(503);
    expect(((await down.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe("UNAVAILABLE");

    // A push (docker itself would retry for a minute): a monolithic upload is refused with 503.
    const body = randomBytes(2 * MiB);
    const blobDigest = `sha256:${createHash("sha256").update(body).digest("hex")}`;
    const push = await fetch(`${berth.url}/v2/outage/app/blobs/uploads/?digest=${blobDigest}`, {
      method: "POST",
      body,
      headers: { "content-type": "application/octet-stream" },
    });
    expect(push.status).toBe(503);
    expect(((await push.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe("UNAVAILABLE");

    // The storage health check notices, and clears once the blob service is back.
    expect(await readiness(berth, 503)).toMatchObject({ checks: { storagedriver_azure: expect.any(String) } });
    proxy.reset();
    await readiness(berth, 200);
    expect((await fetch(`${berth.url}/v2/outage/app/blobs/${blobDigest}`, { method: "HEAD" })).status).toBe(404);
    const image = await buildImage(dockerd, { tag: "azure/outage:src", layerSizes: [3 * MiB] });
    const ref = `${berth.host}/outage/app:1`;
    await dockerd.docker(["tag", image.id, ref]);
    expect(await expectBlobDataIntact()).toBeGreaterThan(5);
    const { digest } = await pushImage(dockerd, ref);
    await removeAllImages(dockerd);
    expect(await dockerd.docker(["pull", ref])).toContain(`Digest: ${digest}`);
    expect(await imageId(dockerd, ref)).toBe(image.id);
    expect(await dockerd.docker(["pull", `${berth.host}/app/base:1`])).toContain("Digest:");
    expect(await imageId(dockerd, `${berth.host}/app/base:1`)).toBe(images.small.id);
  });
});
