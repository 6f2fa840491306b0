/**
 * Ceph radosgw as a second, independent real S3 (beside Swift's s3api):
 * - the S3 calls the s3 storage driver relies on work against it with @aws-sdk/client-s3 —
 *   buckets, objects, listing with prefix and delimiter, batch delete, and multipart uploads
 *   with ListParts, UploadPartCopy and Abort — and a second cluster runs beside the first;
 * - the s3 driver passes the shared driver suite on it (5 MiB parts, nothing left behind);
 * - docker pushes to and pulls from Berth configured with REGISTRY_STORAGE=s3 variables for it,
 *   layers stored under registry:2's keys and served to docker by presigned redirects.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StorageDriver } from "../storage-drivers/driver.js";
import { openDriver } from "../storage-drivers/index.js";
import { runDriverSuite } from "../storage-drivers/suite.js";
import { startDockerd, type Dockerd } from "./harness/dockerd.js";
import { buildImageSet, imageId, MiB, pushImage, removeAllImages, type ImageSet } from "./harness/images.js";
import { startRadosgw, type RunningRadosgw } from "./harness/radosgw.js";
import { inspectS3, s3Parameters, s3RegistryEnv, type S3Inspector } from "./harness/s3.js";
import { startBerth, type RunningRegistry } from "./harness/servers.js";

const BUCKET = "berth-radosgw-test";
const DRIVER_BUCKET = "berth-radosgw-driver";
const REGISTRY_BUCKET = "berth-radosgw-registry";
/** S3's smallest part, so every write above it is a real multipart upload and every move above it a multipart copy. */
const SMALL_PARTS = { chunksize: 5 * MiB, multipartcopychunksize: 5 * MiB, multipartcopythresholdsize: 5 * MiB };

let radosgw: RunningRadosgw;
let s3: S3Client;
let inspector: S3Inspector;

function client(target: RunningRadosgw): S3Client {
  return new S3Client({
    endpoint: target.endpoint,
    region: target.region,
    forcePathStyle: true,
    credentials: { accessKeyId: target.accessKey, secretAccessKey: target.secretKey },
  });
}

beforeAll(async () => {
  const started = Date.now();
  radosgw = await startRadosgw();
  console.log(`radosgw started in ${Date.now() - started} ms at ${radosgw.endpoint}`);
  s3 = client(radosgw);
  inspector = inspectS3(radosgw);
  for (const bucket of [BUCKET, DRIVER_BUCKET, REGISTRY_BUCKET]) await inspector.createBucket(bucket);
}, 400_000);

afterAll(async () => {
  s3?.destroy();
  inspector?.client.destroy();
  await radosgw?.stop();
});

async function body(key: string, range?: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, Range: range }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

async function keys(prefix: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listed.Contents ?? []).map((object) => object.Key!);
}

/** "<status> <code>" of the S3 error the call ends with. */
async function s3Error(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3ServiceException) return `${error.$metadata.httpStatusCode} ${error.name}`;
    throw error;
  }
  return "no error";
}

describe("radosgw as a real S3", () => {
  it("puts, gets, ranges, heads, lists, copies and deletes objects", async () => {
    const content = randomBytes(300_000);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "objects/a/data", Body: content }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "objects/a/link", Body: "sha256:00" }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "objects/b", Body: "" }));

    expect((await body("objects/a/data")).equals(content)).toBe(true);
    expect((await body("objects/a/data", "bytes=1000-1999")).equals(content.subarray(1000, 2000))).toBe(true);
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "objects/a/data" }))).ContentLength).toBe(content.length);
    expect(await s3Error(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "objects/missing" })))).toBe("404 NotFound");
    expect(await s3Error(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "objects/missing" })))).toBe("404 NoSuchKey");

    expect(await keys("objects/")).toEqual(["objects/a/data", "objects/a/link", "objects/b"]);
    const folders = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "objects/", Delimiter: "/" }));
    expect((folders.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual(["objects/a/"]);
    expect((folders.Contents ?? []).map((o) => o.Key)).toEqual(["objects/b"]);
    // Paging, as a driver walking a large tree sees it.
    const firstPage = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "objects/", MaxKeys: 2 }));
    expect(firstPage.IsTruncated).toBe(true);
    const secondPage = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "objects/", MaxKeys: 2, ContinuationToken: firstPage.NextContinuationToken }));
    expect((secondPage.Contents ?? []).map((o) => o.Key)).toEqual(["objects/b"]);

    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: "objects/c", CopySource: `${BUCKET}/objects/a/data` }));
    expect((await body("objects/c")).equals(content)).toBe(true);

    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "objects/b" }));
    // Batch delete, as the driver removes a folder; the SDK sends a checksum header of its own choosing.
    const deleted = await s3.send(
      new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: ["objects/a/data", "objects/a/link", "objects/c"].map((Key) => ({ Key })), Quiet: false } }),
    );
    expect((deleted.Deleted ?? []).map((d) => d.Key).sort()).toEqual(["objects/a/data", "objects/a/link", "objects/c"]);
    expect(deleted.Errors ?? []).toEqual([]);
    expect(await keys("objects/")).toEqual([]);
  });

  it("assembles a multipart upload from uploaded and server-side copied parts, listed with ListParts", async () => {
    const source = randomBytes(6 * MiB);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "multipart/source", Body: source }));
    const Key = "multipart/target";
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key }));
    expect(UploadId).toBeTruthy();

    const first = randomBytes(5 * MiB);
    const last = randomBytes(123_456);
    const part1 = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key, UploadId, PartNumber: 1, Body: first }));
    const part2 = await s3.send(
      new UploadPartCopyCommand({ Bucket: BUCKET, Key, UploadId, PartNumber: 2, CopySource: `${BUCKET}/multipart/source`, CopySourceRange: `bytes=0-${5 * MiB + 9}` }),
    );
    const part3 = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key, UploadId, PartNumber: 3, Body: last }));
    expect(part1.ETag).toBe(`"${createHash("md5").update(first).digest("hex")}"`);

    // What a driver resuming an upload sees: the parts so far, their sizes and ETags, paged.
    const page1 = await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key, UploadId, MaxParts: 2 }));
    expect(page1.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([
      [1, 5 * MiB],
      [2, 5 * MiB + 10],
    ]);
    expect(page1.IsTruncated).toBe(true);
    const page2 = await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key, UploadId, PartNumberMarker: page1.NextPartNumberMarker }));
    expect(page2.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([[3, last.length, part3.ETag]]);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: "multipart/" }));
    expect(uploads.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([[Key, UploadId]]);

    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key,
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: part1.ETag },
            { PartNumber: 2, ETag: part2.CopyPartResult?.ETag },
            { PartNumber: 3, ETag: part3.ETag },
          ],
        },
      }),
    );
    const whole = Buffer.concat([first, source.subarray(0, 5 * MiB + 10), last]);
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key }))).ContentLength).toBe(whole.length);
    expect(createHash("sha256").update(await body(Key)).digest("hex")).toBe(createHash("sha256").update(whole).digest("hex"));
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: "multipart/" }))).Uploads ?? []).toEqual([]);

    await s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key }, { Key: "multipart/source" }] } }));
    expect(await keys("multipart/")).toEqual([]);
  });

  it("aborts a multipart upload: its parts are gone and it no longer lists", async () => {
    const Key = "aborted/target";
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key }));
    await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key, UploadId, PartNumber: 1, Body: randomBytes(5 * MiB) }));
    await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key, UploadId }));
    // radosgw (16.2) names a missing upload NoSuchKey on ListParts, NoSuchUpload on UploadPart (as AWS does on both).
    expect(await s3Error(s3.send(new ListPartsCommand({ Bucket: BUCKET, Key, UploadId })))).toBe("404 NoSuchKey");
    expect(await s3Error(s3.send(new UploadPartCommand({ Bucket: BUCKET, Key, UploadId, PartNumber: 2, Body: "x" })))).toBe("404 NoSuchUpload");
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: "aborted/" }))).Uploads ?? []).toEqual([]);
    expect(await keys("aborted/")).toEqual([]);
    // A part below 5 MiB that is not the last is refused on completion, as AWS does.
    const small = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key }));
    const parts = [];
    for (const PartNumber of [1, 2]) {
      const part = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key, UploadId: small.UploadId, PartNumber, Body: randomBytes(1000) }));
      parts.push({ PartNumber, ETag: part.ETag });
    }
    expect(await s3Error(s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key, UploadId: small.UploadId, MultipartUpload: { Parts: parts } })))).toBe(
      "400 EntityTooSmall",
    );
    await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key, UploadId: small.UploadId }));
  });

  it("refuses wrong credentials, and a second cluster runs beside the first without sharing anything", async () => {
    const wrong = client({ ...radosgw, secretKey: "not-the-secret" });
    expect(await s3Error(wrong.send(new ListObjectsV2Command({ Bucket: BUCKET })))).toBe("403 SignatureDoesNotMatch");
    wrong.destroy();

    const second = await startRadosgw();
    const other = client(second);
    try {
      expect(second.endpoint).not.toBe(radosgw.endpoint);
      expect(await s3Error(other.send(new ListObjectsV2Command({ Bucket: BUCKET })))).toBe("404 NoSuchBucket");
      await other.send(new CreateBucketCommand({ Bucket: "second" }));
      await other.send(new PutObjectCommand({ Bucket: "second", Key: "k", Body: "v" }));
      expect(await s3Error(s3.send(new ListObjectsV2Command({ Bucket: "second" })))).toBe("404 NoSuchBucket");
      await other.send(new DeleteObjectCommand({ Bucket: "second", Key: "k" }));
      await other.send(new DeleteBucketCommand({ Bucket: "second" }));
    } finally {
      other.destroy();
      await second.stop();
    }
    expect(existsSync(second.dir)).toBe(false);
    // The first is untouched by the second's stop.
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "still-here", Body: "yes" }));
    expect((await body("still-here")).toString()).toBe("yes");
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "still-here" }));
  });
});

/** Deletes every top-level path through the driver, then checks nothing at all is left below the root: no object, no upload in progress. */
async function expectNothingLeft(driver: StorageDriver, root: string): Promise<void> {
  for (const path of await driver.list("/")) await driver.delete(path);
  expect(await inspector.objects(DRIVER_BUCKET, `${root}/`)).toEqual([]);
  expect(await inspector.uploads(DRIVER_BUCKET, `${root}/`)).toEqual([]);
}

runDriverSuite("s3 (radosgw)", async () => {
  const root = `suite-${randomUUID()}`;
  const driver = await openDriver("s3", s3Parameters(radosgw, { bucket: DRIVER_BUCKET, rootdirectory: `/${root}`, ...SMALL_PARTS }));
  return { driver, cleanup: () => expectNothingLeft(driver, root) };
});

describe("s3 driver on radosgw: appends and resumed uploads", () => {
  const driverAt = (root: string) => openDriver("s3", s3Parameters(radosgw, { bucket: DRIVER_BUCKET, rootdirectory: `/${root}`, ...SMALL_PARTS }));

  async function sha256Of(driver: StorageDriver, path: string): Promise<string> {
    const hash = createHash("sha256");
    for await (const chunk of await driver.reader(path)) hash.update(chunk as Buffer);
    return hash.digest("hex");
  }

  it("appends across writers (read back when small, UploadPartCopy when large), and an abort keeps the old content", async () => {
    const root = `append-${randomUUID()}`;
    const driver = await driverAt(root);
    let expected = Buffer.alloc(0);
    for (const part of [randomBytes(3 * MiB), randomBytes(3 * MiB + 5), randomBytes(7 * MiB), randomBytes(10)]) {
      const writer = await driver.writer("/u/data", { append: true });
      expect(writer.size).toBe(expected.length);
      await writer.write(part);
      await writer.commit();
      expected = Buffer.concat([expected, part]);
    }
    expect((await driver.stat("/u/data")).size).toBe(expected.length);
    const aborted = await driver.writer("/u/data", { append: true });
    await aborted.write(randomBytes(6 * MiB));
    await aborted.abort();
    expect(await sha256Of(driver, "/u/data")).toBe(createHash("sha256").update(expected).digest("hex"));
    await expectNothingLeft(driver, root);
  });

  it("finds a multipart upload left in progress and continues it; a stale one beside the object is ignored, then goes with its folder", async () => {
    const root = `resume-${randomUUID()}`;
    const driver = await driverAt(root);
    const Key = `${root}/_uploads/u/data`;
    const first = [randomBytes(5 * MiB), randomBytes(1000)];
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: DRIVER_BUCKET, Key }));
    for (const [index, Body] of first.entries()) await s3.send(new UploadPartCommand({ Bucket: DRIVER_BUCKET, Key, UploadId, PartNumber: index + 1, Body }));
    const writer = await driver.writer("/_uploads/u/data", { append: true });
    expect(writer.size).toBe(5 * MiB + 1000);
    const more = randomBytes(2 * MiB);
    await writer.write(more);
    await writer.commit();
    expect(await sha256Of(driver, "/_uploads/u/data")).toBe(createHash("sha256").update(Buffer.concat([...first, more])).digest("hex"));
    expect(await inspector.uploads(DRIVER_BUCKET, `${root}/`)).toEqual([]);

    const stale = await s3.send(new CreateMultipartUploadCommand({ Bucket: DRIVER_BUCKET, Key }));
    await s3.send(new UploadPartCommand({ Bucket: DRIVER_BUCKET, Key, UploadId: stale.UploadId, PartNumber: 1, Body: randomBytes(100) }));
    const next = await driver.writer("/_uploads/u/data", { append: true });
    expect(next.size).toBe(7 * MiB + 1000);
    await next.close();
    // The object is what was last committed: the stale upload changes nothing and is left for the folder's delete.
    expect(await sha256Of(driver, "/_uploads/u/data")).toBe(createHash("sha256").update(Buffer.concat([...first, more])).digest("hex"));
    expect((await inspector.uploads(DRIVER_BUCKET, `${root}/`)).map((upload) => upload.uploadId)).toEqual([stale.UploadId]);
    await driver.delete("/_uploads/u");
    expect(await inspector.uploads(DRIVER_BUCKET, `${root}/`)).toEqual([]);
    await expectNothingLeft(driver, root);
  });
});

describe("docker push and pull through Berth on radosgw (REGISTRY_STORAGE=s3)", () => {
  const ROOT = "registry";
  const V2 = `${ROOT}/docker/registry/v2`;
  let dockerd: Dockerd | undefined;
  let berth: RunningRegistry | undefined;
  let images: ImageSet | undefined;

  beforeAll(async () => {
    berth = await startBerth({
      env: {
        ...s3RegistryEnv(radosgw, { bucket: REGISTRY_BUCKET, rootdirectory: `/${ROOT}` }),
        REGISTRY_STORAGE_S3_CHUNKSIZE: String(SMALL_PARTS.chunksize),
        REGISTRY_STORAGE_S3_MULTIPARTCOPYCHUNKSIZE: String(SMALL_PARTS.multipartcopychunksize),
        REGISTRY_STORAGE_S3_MULTIPARTCOPYTHRESHOLDSIZE: String(SMALL_PARTS.multipartcopythresholdsize),
      },
    });
    dockerd = await startDockerd();
    images = await buildImageSet(dockerd, "radosgw", 16 * MiB);
  }, 400_000);

  afterAll(async () => {
    await dockerd?.stop();
    await berth?.stop();
  });

  it("pushes images, stores them under registry:2's keys, and pulls them back identical through presigned redirects", async () => {
    if (!dockerd || !berth || !images) throw new Error("setup failed (see the beforeAll error)");
    const pushed: { ref: string; id: string; digest: string }[] = [];
    for (const [name, image] of [
      ["app/large:v1", images.large],
      ["app/small:1", images.small],
      ["app/derived:1", images.derived],
    ] as const) {
      const ref = `${berth.host}/${name}`;
      await dockerd.docker(["tag", image.id, ref]);
      pushed.push({ ref, id: image.id, digest: (await pushImage(dockerd, ref)).digest });
    }

    const stored = new Map((await inspector.objects(REGISTRY_BUCKET)).map((object) => [object.key, object.size]));
    const manifest = (await (
      await fetch(`${berth.url}/v2/app/large/manifests/v1`, { headers: { accept: "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json" } })
    ).json()) as { layers: { digest: string; size: number }[] };
    expect(manifest.layers.length).toBe(3);
    for (const layer of manifest.layers) {
      const hex = layer.digest.slice("sha256:".length);
      expect(stored.get(`${V2}/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`), layer.digest).toBe(layer.size);
      expect(stored.get(`${V2}/repositories/app/large/_layers/sha256/${hex}/link`), layer.digest).toBe(layer.digest.length);
    }
    expect(stored.get(`${V2}/repositories/app/large/_manifests/tags/v1/current/link`)).toBe(pushed[0]!.digest.length);
    expect([...stored.keys()].filter((key) => !key.startsWith(`${V2}/`)), "objects outside the rootdirectory").toEqual([]);
    expect([...stored.keys()].filter((key) => key.includes("/_uploads/")), "upload sessions left behind").toEqual([]);
    expect(await inspector.uploads(REGISTRY_BUCKET), "multipart uploads left in progress").toEqual([]);

    // The big layer was several parts, moved into place by multipart copy; its bytes are what docker sent.
    const largest = manifest.layers.reduce((a, b) => (a.size >= b.size ? a : b));
    expect(largest.size).toBeGreaterThan(15 * MiB);
    const redirected = await fetch(`${berth.url}/v2/app/large/blobs/${largest.digest}`, { redirect: "manual" });
    expect(redirected.status).toBe(307);
    const location = redirected.headers.get("location")!;
    expect(location).toMatch(new RegExp(`^${radosgw.endpoint}/${REGISTRY_BUCKET}/.*X-Amz-Signature=`));
    const direct = Buffer.from(await (await fetch(location)).arrayBuffer());
    expect(`sha256:${createHash("sha256").update(direct).digest("hex")}`).toBe(largest.digest);

    await removeAllImages(dockerd);
    for (const { ref, id, digest } of pushed) {
      expect(await dockerd.docker(["pull", ref])).toContain(`Digest: ${digest}`);
      expect(await imageId(dockerd, ref), ref).toBe(id);
    }
  });
});
