/**
 * Berth on a real S3 (Swift's s3api) that misbehaves: a fault proxy between Berth and s3api
 * answers 503 SlowDown and 500 InternalError, resets connections, loses answers to requests that
 * landed, delays answers and cuts read bodies short, at random, all through a run of docker
 * pushes and pulls (5 MiB parts, so layers are multipart uploads, multipart copies and appends).
 *
 * - every push either succeeds and pulls back bit-identical, or fails cleanly: every blob in the
 *   bucket holds exactly the bytes its digest names, and no tag points at a missing manifest;
 * - while s3api only answers SlowDown, clients get 503 UNAVAILABLE, nothing is stored, and Berth
 *   serves again once s3api recovers.
 */
import { createHash } from "node:crypto";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDockerd, type Dockerd } from "./harness/dockerd.js";
import { FaultProxy, type Fault } from "./harness/fault-proxy.js";
import { buildImage, imageId, MiB, pushImage, removeAllImages, type BuiltImage } from "./harness/images.js";
import { inspectS3, s3RegistryEnv, swiftS3, type S3Endpoint, type S3Inspector } from "./harness/s3.js";
import { startBerth, type RunningRegistry } from "./harness/servers.js";
import { startSwift, type RunningSwift } from "./harness/swift.js";

const BUCKET = "berth-faults";
const ROOT = "faults";
const V2 = `${ROOT}/docker/registry/v2`;
const SEED = Number(process.env.BERTH_FAULT_SEED ?? 20261128);

let swift: RunningSwift | undefined;
let server: S3Endpoint;
let s3: S3Inspector;
let proxy: FaultProxy | undefined;
let berth: RunningRegistry | undefined;
let dockerd: Dockerd | undefined;
const images: BuiltImage[] = [];

function ready() {
  if (!swift || !proxy || !berth || !dockerd) throw new Error("setup failed (see the beforeAll error)");
  return { proxy, berth, dockerd };
}

/** Deterministic, so a failing run can be repeated with BERTH_FAULT_SEED. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

beforeAll(async () => {
  swift = await startSwift();
  server = swiftS3(swift);
  s3 = inspectS3(server);
  await s3.createBucket(BUCKET);
  proxy = await FaultProxy.start(new URL(server.endpoint));
  berth = await startBerth({
    env: {
      ...s3RegistryEnv(server, { bucket: BUCKET, rootdirectory: `/${ROOT}`, endpoint: `http://127.0.0.1:${proxy.port}` }),
      REGISTRY_STORAGE_S3_CHUNKSIZE: String(5 * MiB),
      REGISTRY_STORAGE_S3_MULTIPARTCOPYCHUNKSIZE: String(5 * MiB),
      REGISTRY_STORAGE_S3_MULTIPARTCOPYTHRESHOLDSIZE: String(5 * MiB),
      // Every byte goes through Berth, so pulls meet the faults too.
      REGISTRY_STORAGE_REDIRECT_DISABLE: "true",
    },
  });
  dockerd = await startDockerd();
  for (let i = 0; i < 4; i++) images.push(await buildImage(dockerd, { tag: `faults/app${i}:src`, layerSizes: [3 * MiB, 7 * MiB + i, 20_000] }));
});

afterAll(async () => {
  await dockerd?.stop();
  await berth?.stop();
  await proxy?.close();
  s3?.client.destroy();
  await swift?.stop();
});

async function objectBytes(key: string): Promise<Buffer> {
  const answer = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await answer.Body!.transformToByteArray());
}

/** Straight from s3api (not through the proxy): every blob holds the bytes its digest names; every tag's manifest is there. */
async function expectNothingHalfWritten(): Promise<number> {
  const objects = await s3.objects(BUCKET, `${V2}/`);
  const keys = new Set(objects.map((object) => object.key));
  const blobs = objects.filter((object) => object.key.startsWith(`${V2}/blobs/`));
  for (const { key } of blobs) {
    const [, hex] = /\/sha256\/[0-9a-f]{2}\/([0-9a-f]{64})\/data$/.exec(key) ?? [];
    expect(hex, key).toBeDefined();
    expect(createHash("sha256").update(await objectBytes(key)).digest("hex"), key).toBe(hex);
  }
  for (const { key } of objects.filter((object) => /\/_manifests\/tags\/[^/]+\/current\/link$/.test(object.key))) {
    const digest = (await objectBytes(key)).toString();
    const hex = digest.slice("sha256:".length);
    expect(keys.has(`${V2}/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`), `${key} → ${digest}`).toBe(true);
  }
  return blobs.length;
}

describe("Berth on S3 storage that throttles, resets and stalls at random", () => {
  it("pushes either succeed and pull back bit-identical or fail cleanly", async () => {
    const { proxy, berth, dockerd } = ready();
    const random = seeded(SEED);
    const faults: [Fault, number][] = [
      [{ kind: "status", status: 503, code: "SlowDown" }, 0.06],
      [{ kind: "status", status: 500, code: "InternalError" }, 0.03],
      [{ kind: "reset" }, 0.03],
      [{ kind: "lose-answer" }, 0.02],
      [{ kind: "delay", ms: 800 }, 0.03],
    ];
    for (const [fault, rate] of faults) proxy.inject(fault, { times: 1e9, match: () => random() < rate });
    // Reads cut short mid-body: the driver resumes them from where they broke.
    proxy.inject({ kind: "cut-body", afterBytes: 300_000 }, { times: 1e9, match: (method) => method === "GET" && random() < 0.1 });

    const pushed: { ref: string; id: string; digest: string }[] = [];
    const failed: string[] = [];
    for (const [index, image] of images.entries()) {
      const ref = `${berth.host}/faults/app${index}:v1`;
      await dockerd.docker(["tag", image.id, ref]);
      try {
        pushed.push({ ref, id: image.id, digest: (await pushImage(dockerd, ref)).digest });
      } catch (error) {
        failed.push(`${ref}: ${(error as Error).message.split("\n").slice(-3).join(" ")}`);
      }
    }
    const during = proxy.seen.filter((request) => request.fault !== undefined).length;
    console.log(`faults run (seed ${SEED}): ${pushed.length} pushed, ${failed.length} failed; ${proxy.seen.length} requests to s3api, ${during} with a fault`, failed);
    expect(during, "faults injected during the pushes").toBeGreaterThan(10);
    expect(pushed.length, "pushes that got through (docker retries, Berth retries)").toBeGreaterThanOrEqual(3);

    await removeAllImages(dockerd);
    for (const { ref, id, digest } of pushed) {
      let output = "";
      try {
        output = await dockerd.docker(["pull", ref]);
      } catch (error) {
        // A pull may fail under faults, but only cleanly: docker verified every byte it kept.
        console.log(`pull of ${ref} failed cleanly: ${(error as Error).message.split("\n").slice(-2).join(" ")}`);
        continue;
      }
      expect(output).toContain(`Digest: ${digest}`);
      expect(await imageId(dockerd, ref), ref).toBe(id);
    }
    console.log(`after pulls: ${proxy.seen.filter((request) => request.fault === "cut-body").length} reads cut short`);
    proxy.reset();
    expect(await expectNothingHalfWritten()).toBeGreaterThanOrEqual(pushed.length * 4);
    // Without faults every pushed image pulls back identical.
    await removeAllImages(dockerd);
    for (const { ref, id } of pushed) {
      await dockerd.docker(["pull", ref]);
      expect(await imageId(dockerd, ref), ref).toBe(id);
    }
  });

  it("answers 503 UNAVAILABLE while s3api only throttles, stores nothing, and serves again once it recovers", async () => {
    const { proxy, berth } = ready();
    const before = (await s3.objects(BUCKET, `${V2}/repositories/throttled/`)).length;
    proxy.reset();
    proxy.inject({ kind: "status", status: 503, code: "SlowDown" }, { times: 1e9 });
    const started = Date.now();
    const failing = await fetch(`${berth.url}/v2/throttled/app/blobs/uploads/`, { method: "POST" });
    expect(failing.status).toBe(503);
    expect(((await failing.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe("UNAVAILABLE");
    console.log(`503 after ${Date.now() - started} ms and ${proxy.seen.length} SlowDown answers`);
    expect(proxy.seen.length).toBeGreaterThan(5);
    expect((await s3.objects(BUCKET, `${V2}/repositories/throttled/`)).length).toBe(before);
    proxy.reset();
    expect((await fetch(`${berth.url}/v2/throttled/app/blobs/uploads/`, { method: "POST" })).status).toBe(202);
  });
});
