/**
 * The s3 driver against a real S3 (OpenStack Swift's s3api, path-style): the shared driver suite
 * (a fresh rootdirectory per test, 5 MiB parts, and nothing left afterwards: no object, no upload
 * in progress, no segment in Swift's "+segments" container), registry:2's key layout, appends
 * carried by read-back and by UploadPartCopy, a multipart upload registry:2 left in progress found
 * again, multipart moves, presigned redirects, and bad configuration.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, HeadObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StorageDriver } from "../storage-drivers/driver.js";
import { PathNotFoundError } from "../storage-drivers/errors.js";
import { openDriver } from "../storage-drivers/index.js";
import { runDriverSuite } from "../storage-drivers/suite.js";
import { inspectS3, s3Parameters, swiftS3, type S3Endpoint, type S3Inspector } from "./harness/s3.js";
import { inspectSwift, startSwift, type RunningSwift, type SwiftInspector } from "./harness/swift.js";

const BUCKET = "berth-s3-driver";
const MiB = 1024 * 1024;
/** S3's smallest part, so every write above it is a real multipart upload. */
const SMALL_PARTS = { chunksize: 5 * MiB, multipartcopychunksize: 5 * MiB, multipartcopythresholdsize: 5 * MiB };

let swift: RunningSwift;
let server: S3Endpoint;
let s3: S3Inspector;
let swiftInspector: SwiftInspector;

beforeAll(async () => {
  swift = await startSwift();
  server = swiftS3(swift);
  s3 = inspectS3(server);
  swiftInspector = await inspectSwift(swift);
  await s3.createBucket(BUCKET);
}, 180_000);

afterAll(async () => {
  s3?.client.destroy();
  await swift?.stop();
});

function driverAt(rootdirectory: string, extra: Record<string, unknown> = {}): Promise<StorageDriver> {
  return openDriver("s3", s3Parameters(server, { bucket: BUCKET, rootdirectory, ...SMALL_PARTS, ...extra }));
}

async function readAll(driver: StorageDriver, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await driver.reader(path)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Deletes every top-level path through the driver, then checks nothing at all is left below the
 * root. s3api keeps parts as objects of a second container, and Swift 2.30's s3api forgets (never
 * deletes) the parts of a multipart object that another write replaces: where a test replaces
 * one, `replacedMultipart` leaves that container out (registry:2 leaks the same there).
 */
async function expectNothingLeft(driver: StorageDriver, root: string, options: { replacedMultipart?: boolean } = {}): Promise<void> {
  for (const path of await driver.list("/")) await driver.delete(path);
  expect(await s3.objects(BUCKET, `${root}/`)).toEqual([]);
  expect(await s3.uploads(BUCKET, `${root}/`)).toEqual([]);
  if (!options.replacedMultipart) expect(await swiftInspector.list(`${BUCKET}+segments`, `${root}/`)).toEqual([]);
}

runDriverSuite("s3 (Swift s3api)", async () => {
  const root = `suite-${randomUUID()}`;
  const driver = await driverAt(`/${root}`);
  return { driver, cleanup: () => expectNothingLeft(driver, root) };
});

describe("s3 driver specifics (Swift s3api)", () => {
  it("keeps registry:2's keys: <rootdirectory>/docker/registry/v2/..., and none without a root", async () => {
    const root = `layout-${randomUUID()}`;
    const driver = await driverAt(`/${root}/`);
    await driver.putContent("/docker/registry/v2/repositories/a/_layers/sha256/00/link", Buffer.from("sha256:00"));
    const writer = await driver.writer("/docker/registry/v2/blobs/sha256/ab/abcd/data");
    const content = randomBytes(12 * MiB + 77);
    await writer.write(content);
    await writer.commit();
    expect(await s3.objects(BUCKET, `${root}/`)).toEqual([
      { key: `${root}/docker/registry/v2/blobs/sha256/ab/abcd/data`, size: content.length },
      { key: `${root}/docker/registry/v2/repositories/a/_layers/sha256/00/link`, size: 9 },
    ]);
    expect((await readAll(driver, "/docker/registry/v2/blobs/sha256/ab/abcd/data")).equals(content)).toBe(true);
    await expectNothingLeft(driver, root);

    const bareBucket = `berth-bare-${randomUUID().slice(0, 8)}`;
    await s3.createBucket(bareBucket);
    const bare = await openDriver("s3", s3Parameters(server, { bucket: bareBucket }));
    await bare.putContent("/docker/registry/v2/x", Buffer.from("y"));
    expect(await s3.objects(bareBucket)).toEqual([{ key: "docker/registry/v2/x", size: 1 }]);
    await bare.delete("/docker");
    expect(await s3.objects(bareBucket)).toEqual([]);
  });

  it("appends across writers: small content read back, larger content copied server-side; abort keeps the old", async () => {
    const root = `append-${randomUUID()}`;
    const driver = await driverAt(`/${root}`);
    const parts = [randomBytes(3 * MiB), randomBytes(3 * MiB + 5), randomBytes(7 * MiB), randomBytes(10)];
    let expected = Buffer.alloc(0);
    for (const part of parts) {
      const writer = await driver.writer("/u/data", { append: true });
      expect(writer.size).toBe(expected.length);
      await writer.write(part);
      await writer.commit();
      expected = Buffer.concat([expected, part]);
      expect((await driver.stat("/u/data")).size).toBe(expected.length);
    }
    expect((await readAll(driver, "/u/data")).equals(expected)).toBe(true);

    const aborted = await driver.writer("/u/data", { append: true });
    await aborted.write(randomBytes(11 * MiB));
    await aborted.abort();
    expect(createHash("sha256").update(await readAll(driver, "/u/data")).digest("hex")).toBe(createHash("sha256").update(expected).digest("hex"));
    expect(await s3.uploads(BUCKET, `${root}/`)).toEqual([]);
    await expectNothingLeft(driver, root, { replacedMultipart: true });
  });

  it("finds a multipart upload registry:2 left in progress; a stale one beside the object goes with its folder", async () => {
    const root = `resume-${randomUUID()}`;
    const driver = await driverAt(`/${root}`);
    const key = `${root}/_uploads/u/data`;
    // registry:2's state between PATCHes: parts in an open upload, no object yet.
    const first = [randomBytes(5 * MiB), randomBytes(1000)];
    const { UploadId } = await s3.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    for (const [index, body] of first.entries()) {
      await s3.client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: index + 1, Body: body }));
    }
    const writer = await driver.writer("/_uploads/u/data", { append: true });
    expect(writer.size).toBe(5 * MiB + 1000);
    const more = randomBytes(2 * MiB);
    await writer.write(more);
    await writer.commit();
    expect((await readAll(driver, "/_uploads/u/data")).equals(Buffer.concat([...first, more]))).toBe(true);
    expect(await s3.uploads(BUCKET, `${root}/`)).toEqual([]);

    // An upload left beside the object (a writer that died) is not the content; it goes with its folder.
    const stale = await s3.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    await s3.client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: stale.UploadId, PartNumber: 1, Body: randomBytes(100) }));
    const next = await driver.writer("/_uploads/u/data", { append: true });
    expect(next.size).toBe(7 * MiB + 1000);
    await next.close();
    await driver.delete("/_uploads/u");
    expect(await s3.uploads(BUCKET, `${root}/`)).toEqual([]);
    await expectNothingLeft(driver, root, { replacedMultipart: true });
  });

  it("moves above multipartcopythresholdsize by multipart copy, below it by one CopyObject", async () => {
    const root = `move-${randomUUID()}`;
    const driver = await driverAt(`/${root}`);
    const big = randomBytes(12 * MiB + 3);
    await driver.putContent("/big", big);
    await driver.move("/big", "/moved/big");
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${root}/moved/big` }));
    expect(head.ETag).toMatch(/-3"$/); // three copied parts of at most 5 MiB
    expect((await readAll(driver, "/moved/big")).equals(big)).toBe(true);
    await driver.putContent("/small", Buffer.from("small"));
    await driver.move("/small", "/moved/small");
    expect((await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${root}/moved/small` }))).ETag).not.toMatch(/-\d+"$/);
    expect(await driver.list("/")).toEqual(["/moved"]);
    await expectNothingLeft(driver, root);
  });

  it("hands out presigned URLs a client without credentials can GET and HEAD, for that object only", async () => {
    const root = `redirect-${randomUUID()}`;
    const driver = await driverAt(`/${root}`);
    const content = randomBytes(MiB + 5);
    await driver.putContent("/blob/data", content);
    const url = await driver.redirectUrl!("/blob/data", "GET");
    expect(url).toMatch(new RegExp(`^${server.endpoint}/${BUCKET}/${root}/blob/data\\?.*X-Amz-Signature=`));
    const got = await fetch(url!);
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(content)).toBe(true);
    const head = await fetch((await driver.redirectUrl!("/blob/data", "HEAD"))!, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(content.length));
    expect((await fetch(url!.replace("/blob/data?", "/blob/other?"))).status).toBe(403);
    await expectNothingLeft(driver, root);
  });

  it("reports refused credentials and a missing bucket as errors, and bad configuration before any request", async () => {
    const wrong = await openDriver("s3", s3Parameters({ ...server, secretKey: "wrong" }, { bucket: BUCKET }));
    await expect(wrong.putContent("/x", Buffer.from("x"))).rejects.toThrow(/SignatureDoesNotMatch|AccessDenied|signature/i);
    const missing = await openDriver("s3", s3Parameters(server, { bucket: `berth-missing-${randomUUID().slice(0, 8)}` }));
    await expect(missing.stat("/")).rejects.toThrow(/NoSuchBucket|bucket/i);
    await expect(missing.getContent("/x")).rejects.not.toBeInstanceOf(PathNotFoundError);
    await expect(openDriver("s3", { ...s3Parameters(server, { bucket: BUCKET }), chunksize: 1000 })).rejects.toThrow(/storage\.s3\.chunksize: expected a number of bytes from 5242880/);
    await expect(openDriver("s3", { ...s3Parameters(server, { bucket: BUCKET }), buckett: "x" })).rejects.toThrow(/unknown key\(s\) buckett/);
  });
});
