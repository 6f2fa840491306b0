/**
 * Ceph radosgw as a second, independent real S3 (beside Swift's s3api): the harness starts it,
 * and the S3 calls the s3 storage driver relies on work against it with @aws-sdk/client-s3 —
 * buckets, objects, listing with prefix and delimiter, batch delete, and multipart uploads with
 * ListParts, UploadPartCopy and Abort.
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
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRadosgw, type RunningRadosgw } from "./harness/radosgw.js";

const MiB = 1024 * 1024;
const BUCKET = "berth-radosgw-test";

let radosgw: RunningRadosgw;
let s3: S3Client;

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
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 400_000);

afterAll(async () => {
  s3?.destroy();
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
