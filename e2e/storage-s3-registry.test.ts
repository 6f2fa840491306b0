/**
 * Berth and registry:2.8 (Debian's docker-registry) on the same real S3 bucket (Swift's s3api),
 * both configured as an operator would (REGISTRY_STORAGE=s3 + REGISTRY_STORAGE_S3_* variables):
 * - what registry:2 pushed (skopeo, multipart layers, an image index) Berth serves bit for bit, and
 *   Berth finishes an upload registry:2 left in progress as a multipart upload;
 * - what Berth pushed (skopeo, and a chunked upload whose PATCHes cross the 5 MiB part minimum)
 *   registry:2 serves bit for bit;
 * - both leave the same keys, link contents and sizes for the same images.
 */
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OciLayout, sha256, type Descriptor } from "./harness/oci-layout.js";
import { run } from "./harness/run.js";
import { inspectS3, s3RegistryEnv, swiftS3, type S3Endpoint, type S3Inspector } from "./harness/s3.js";
import { requireProgram, startBerth, startReference, tempDir, type RunningRegistry } from "./harness/servers.js";
import { startSwift, type RunningSwift } from "./harness/swift.js";

const SKOPEO = "/usr/bin/skopeo";
const BUCKET = "berth-compat";
const MiB = 1024 * 1024;

let swift: RunningSwift;
let server: S3Endpoint;
let s3: S3Inspector;
let work: string;
let source: OciLayout;
let one: Descriptor;
let multi: Descriptor;

/** Both registries with 5 MiB parts, so the larger layers are multipart uploads and multipart copies. */
function storageEnv(root: string): Record<string, string> {
  return {
    ...s3RegistryEnv(server, { bucket: BUCKET, rootdirectory: `/${root}` }),
    REGISTRY_STORAGE_S3_CHUNKSIZE: String(5 * MiB),
    REGISTRY_STORAGE_S3_MULTIPARTCOPYCHUNKSIZE: String(5 * MiB),
    REGISTRY_STORAGE_S3_MULTIPARTCOPYTHRESHOLDSIZE: String(5 * MiB),
    REGISTRY_STORAGE_DELETE_ENABLED: "true",
  };
}

const startBerthOn = (root: string) => startBerth({ env: storageEnv(root) });
const startReferenceOn = (root: string) => startReference({ env: storageEnv(root) });

function skopeo(...args: string[]): Promise<string> {
  return run(SKOPEO, ["--insecure-policy", ...args]);
}

async function push(registry: RunningRegistry, tag: string, repository: string, all = false): Promise<void> {
  await skopeo("copy", "--dest-tls-verify=false", "--preserve-digests", ...(all ? ["--all"] : []), `oci:${source.dir}:${tag}`, `docker://${registry.host}/${repository}`);
}

/** Pulls into a fresh OCI layout and returns sha256 → bytes of every blob that arrived. */
async function pull(registry: RunningRegistry, repository: string, all = false): Promise<Map<string, Buffer>> {
  const dir = join(work, `pulled-${randomBytes(4).toString("hex")}`);
  await skopeo("copy", "--src-tls-verify=false", "--preserve-digests", ...(all ? ["--all"] : []), `docker://${registry.host}/${repository}`, `oci:${dir}:x`);
  const blobs = new Map<string, Buffer>();
  for (const name of readdirSync(join(dir, "blobs", "sha256"))) blobs.set(`sha256:${name}`, readFileSync(join(dir, "blobs", "sha256", name)));
  return blobs;
}

/** Every blob a manifest or index reaches in the source layout. */
function reachable(digest: string): string[] {
  const parsed = JSON.parse(source.readBlob(digest).toString("utf8")) as { config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[] };
  const children = [...(parsed.config ? [parsed.config] : []), ...(parsed.layers ?? [])].map((d) => d.digest);
  return [digest, ...children, ...(parsed.manifests ?? []).flatMap((m) => reachable(m.digest))];
}

function expectSameBlobs(pulled: Map<string, Buffer>, root: Descriptor): void {
  for (const digest of reachable(root.digest)) {
    const bytes = pulled.get(digest);
    expect(bytes, `blob ${digest} was not pulled`).toBeDefined();
    expect(sha256(bytes!)).toBe(digest);
    expect(bytes!.equals(source.readBlob(digest))).toBe(true);
  }
}

/** Keys below "<root>/docker/registry/v2/" (uploads left out) → link content, or the size of anything else. */
async function keyTree(root: string): Promise<Map<string, string>> {
  const prefix = `${root}/docker/registry/v2/`;
  const tree = new Map<string, string>();
  for (const { key, size } of await s3.objects(BUCKET, prefix)) {
    const path = key.slice(prefix.length);
    if (path.includes("/_uploads/")) continue;
    if (path.endsWith("/link")) {
      const answer = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      tree.set(path, await answer.Body!.transformToString());
    } else {
      tree.set(path, `${size} bytes`);
    }
  }
  return tree;
}

beforeAll(async () => {
  requireProgram(SKOPEO, "skopeo");
  swift = await startSwift();
  server = swiftS3(swift);
  s3 = inspectS3(server);
  await s3.createBucket(BUCKET);
  work = tempDir("s3-compat");
  source = new OciLayout(join(work, "source"));
  one = source.image({ layerSizes: [2048, 12 * MiB + 123] });
  const amd64 = source.image({ layerSizes: [3 * MiB], platform: { architecture: "amd64", os: "linux" } });
  const arm64 = source.image({ layerSizes: [8192], platform: { architecture: "arm64", os: "linux" } });
  multi = source.index([amd64, arm64]);
  source.tag("one", one);
  source.tag("multi", multi);
});

afterAll(async () => {
  s3?.client.destroy();
  await swift?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("Berth and registry:2.8 sharing an S3 bucket", () => {
  it("serves what registry:2.8 pushed, and finishes an upload registry:2.8 left in progress", async () => {
    const root = "registry2-first";
    const chunk = randomBytes(MiB + 4321);
    const rest = randomBytes(700_000);
    let uploadUrl = "";
    const reference = await startReferenceOn(root);
    try {
      await push(reference, "one", "compat/one");
      await push(reference, "multi", "compat/multi", true);
      const started = await fetch(`${reference.url}/v2/compat/resumed/blobs/uploads/`, { method: "POST" });
      expect(started.status).toBe(202);
      const location = new URL(started.headers.get("location")!, reference.url);
      const patched = await fetch(location, { method: "PATCH", headers: { "content-type": "application/octet-stream" }, body: chunk });
      expect(patched.status).toBe(202);
      uploadUrl = `${location.pathname}${location.search}`;
    } finally {
      await reference.stop();
    }
    // registry:2 keeps the upload's bytes in a multipart upload until it completes.
    const inProgress = await s3.uploads(BUCKET, `${root}/`);
    expect(inProgress.map((upload) => upload.key)).toEqual([expect.stringMatching(/\/_uploads\/[0-9a-f-]{36}\/data$/)]);

    const berth = await startBerthOn(root);
    try {
      // compat/resumed holds only an upload, so it is no repository yet.
      expect(await (await fetch(`${berth.url}/v2/_catalog`)).json()).toEqual({ repositories: ["compat/multi", "compat/one"] });
      expectSameBlobs(await pull(berth, "compat/one"), one);
      expectSameBlobs(await pull(berth, "compat/multi", true), multi);

      const status = await fetch(`${berth.url}${uploadUrl}`);
      expect(status.status).toBe(204);
      expect(status.headers.get("range")).toBe(`0-${chunk.length - 1}`);
      const digest = `sha256:${createHash("sha256").update(chunk).update(rest).digest("hex")}`;
      const done = await fetch(`${berth.url}${uploadUrl}${uploadUrl.includes("?") ? "&" : "?"}digest=${digest}`, {
        method: "PUT",
        headers: { "content-type": "application/octet-stream", "content-range": `${chunk.length}-${chunk.length + rest.length - 1}` },
        body: rest,
      });
      expect(done.status).toBe(201);
      const blob = await fetch(`${berth.url}/v2/compat/resumed/blobs/${digest}`);
      expect(Buffer.from(await blob.arrayBuffer()).equals(Buffer.concat([chunk, rest]))).toBe(true);
    } finally {
      await berth.stop();
    }
    expect(await s3.uploads(BUCKET, `${root}/`)).toEqual([]);
  });

  it("registry:2.8 serves what Berth pushed, chunked uploads included, and both lay the same images out alike", async () => {
    const root = "berth-first";
    const parts = [randomBytes(6 * MiB), randomBytes(1536 * 1024 + 99), randomBytes(77)];
    const whole = Buffer.concat(parts);
    const digest = `sha256:${createHash("sha256").update(whole).digest("hex")}`;
    const berth = await startBerthOn(root);
    try {
      await push(berth, "one", "compat/one");
      await push(berth, "multi", "compat/multi", true);
      const started = await fetch(`${berth.url}/v2/compat/chunked/blobs/uploads/`, { method: "POST" });
      let location = new URL(started.headers.get("location")!, berth.url).toString();
      let offset = 0;
      for (const part of parts) {
        const patched = await fetch(location, {
          method: "PATCH",
          headers: { "content-type": "application/octet-stream", "content-range": `${offset}-${offset + part.length - 1}` },
          body: part,
        });
        expect(patched.status).toBe(202);
        location = new URL(patched.headers.get("location")!, berth.url).toString();
        offset += part.length;
      }
      const done = await fetch(`${location}${location.includes("?") ? "&" : "?"}digest=${digest}`, { method: "PUT" });
      expect(done.status).toBe(201);
    } finally {
      await berth.stop();
    }
    expect(await s3.uploads(BUCKET, `${root}/`)).toEqual([]);

    const reference = await startReferenceOn(root);
    try {
      expectSameBlobs(await pull(reference, "compat/one"), one);
      expectSameBlobs(await pull(reference, "compat/multi", true), multi);
      const blob = await fetch(`${reference.url}/v2/compat/chunked/blobs/${digest}`);
      expect(blob.status).toBe(200);
      expect(Buffer.from(await blob.arrayBuffer()).equals(whole)).toBe(true);
    } finally {
      await reference.stop();
    }

    // The same two pushes leave the same keys, link contents and sizes.
    const hexes = [...reachable(one.digest), ...reachable(multi.digest)].map((d) => d.slice("sha256:".length));
    const images = (tree: Map<string, string>) =>
      new Map([...tree].filter(([path]) => /^repositories\/compat\/(one|multi)\//.test(path) || hexes.some((hex) => path.startsWith(`blobs/sha256/${hex.slice(0, 2)}/${hex}/`))));
    const byBerth = images(await keyTree(root));
    expect(byBerth.size).toBeGreaterThan(20);
    expect(byBerth).toEqual(images(await keyTree("registry2-first")));
  });
});
