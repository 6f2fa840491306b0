/**
 * The s3 driver against AWS's rules where no emulator here enforces them (aws-rules-fixture.ts):
 * the shared suite with one request in five throttled or reset, copies and appends beyond the
 * 5 GiB copy limit, part sizes at completion, lost answers to non-idempotent calls, and retries
 * that end in 503 while a client's mistake is never retried. The real servers are in e2e/.
 */
import { randomBytes } from "node:crypto";
import { CreateMultipartUploadCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { CheckedDriver } from "../checked.js";
import type { StorageDriver } from "../driver.js";
import { StorageUnavailableError } from "../errors.js";
import { runDriverSuite } from "../suite.js";
import { AwsRulesBucket, type Fault } from "./aws-rules-fixture.js";
import { parseS3Parameters } from "./config.js";
import { S3Driver } from "./driver.js";
import { GiB, MAX_COPY_SIZE, MiB, MIN_PART_SIZE } from "./parts.js";
import type { RetryPolicy } from "./retry.js";

const FAST_RETRIES = { maxRetries: 8, baseDelayMs: 1, maxDelayMs: 5 };

function driverOn(fake: AwsRulesBucket, extra: Record<string, unknown> = {}, retry: RetryPolicy = FAST_RETRIES): StorageDriver {
  const settings = parseS3Parameters({ bucket: fake.bucket, region: "us-east-1", rootdirectory: "/root", chunksize: MIN_PART_SIZE, ...extra });
  return new CheckedDriver(new S3Driver(fake.client, settings, { retry, listPageSize: 2 }));
}

/** Deterministic "randomness", so a failing run can be repeated. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

runDriverSuite("s3 (AWS rules, a fifth of requests throttled or reset)", async () => {
  const fake = new AwsRulesBucket();
  const random = seeded(42);
  const faults: Fault[] = ["SlowDown", "InternalError", "reset", "lose-answer"];
  fake.faults = () => (random() < 0.2 ? faults[Math.floor(random() * faults.length)] : undefined);
  return {
    driver: driverOn(fake),
    cleanup: async () => {
      fake.faults = () => undefined;
      expect([...fake.uploads.values()].map((upload) => upload.key)).toEqual([]);
    },
  };
});

describe("s3 driver under AWS's rules", () => {
  it("moves an object above 5 GiB by multipart copy in parts within the copy limit, never one CopyObject", async () => {
    const fake = new AwsRulesBucket();
    const driver = driverOn(fake, { multipartcopythresholdsize: 5 * GiB, multipartcopychunksize: 2 * GiB });
    fake.putVirtual("root/big", MAX_COPY_SIZE + 1);
    await driver.move("/big", "/moved");
    expect(fake.count("CopyObject")).toBe(0);
    const ranges = fake.calls.filter((call) => call.command === "UploadPartCopy").map((call) => call.input.CopySourceRange);
    expect(ranges).toEqual([`bytes=0-${2 * GiB - 1}`, `bytes=${2 * GiB}-${4 * GiB - 1}`, `bytes=${4 * GiB}-${MAX_COPY_SIZE}`]);
    expect(fake.objects.get("root/moved")?.size).toBe(MAX_COPY_SIZE + 1);
    expect(fake.objects.has("root/big")).toBe(false);

    // Exactly 5 GiB still goes in one CopyObject, as AWS allows.
    fake.putVirtual("root/five", MAX_COPY_SIZE);
    await driver.move("/five", "/five-moved");
    expect(fake.count("CopyObject")).toBe(1);
  });

  it("appends to an object above 5 GiB by copying it in ranges AWS accepts", async () => {
    const fake = new AwsRulesBucket();
    const driver = driverOn(fake);
    const size = 2 * MAX_COPY_SIZE + 10;
    fake.putVirtual("root/upload", size);
    const writer = await driver.writer("/upload", { append: true });
    expect(writer.size).toBe(size);
    await writer.write(Buffer.from("tail"));
    await writer.commit();
    const copies = fake.calls.filter((call) => call.command === "UploadPartCopy");
    expect(copies).toHaveLength(3);
    expect(fake.objects.get("root/upload")?.size).toBe(size + 4);
  });

  it("sends small PATCH-sized writes as 5 MiB parts, and carries small content into the first part", async () => {
    const fake = new AwsRulesBucket();
    const driver = driverOn(fake);
    await driver.putContent("/data", Buffer.from("start:"));
    const writer = await driver.writer("/data", { append: true });
    const chunks = Array.from({ length: 120 }, () => randomBytes(100 * 1024));
    for (const chunk of chunks) await writer.write(chunk);
    await writer.commit();
    const sizes = fake.calls.filter((call) => call.command === "UploadPart").map((call) => (call.input.Body as Buffer).length);
    // The 6 carried bytes lead the first part, which is still one chunksize: the writer holds one part at most.
    expect(sizes).toEqual([MIN_PART_SIZE, MIN_PART_SIZE, 6 + 120 * 100 * 1024 - 2 * MIN_PART_SIZE]);
    expect(fake.objects.get("root/data")?.data?.equals(Buffer.concat([Buffer.from("start:"), ...chunks]))).toBe(true);
  });

  it("sees registry:2's upload in progress as a file of its parts' size, and a writer continues it", async () => {
    const fake = new AwsRulesBucket();
    const driver = driverOn(fake);
    const { UploadId } = await fake.client.send(new CreateMultipartUploadCommand({ Bucket: fake.bucket, Key: "root/_uploads/u/data" }));
    const first = randomBytes(1000);
    await fake.client.send(new UploadPartCommand({ Bucket: fake.bucket, Key: "root/_uploads/u/data", UploadId, PartNumber: 1, Body: first }));
    expect(await driver.stat("/_uploads/u/data")).toMatchObject({ size: 1000, isDir: false });
    const writer = await driver.writer("/_uploads/u/data", { append: true });
    expect(writer.size).toBe(1000);
    await writer.write(Buffer.from("more"));
    await writer.commit();
    expect(fake.objects.get("root/_uploads/u/data")?.data?.equals(Buffer.concat([first, Buffer.from("more")]))).toBe(true);
    expect(fake.uploads.size).toBe(0);
  });

  it("counts a completion whose answer was lost as done, and repeats nothing else", async () => {
    const fake = new AwsRulesBucket();
    const driver = driverOn(fake);
    let lost = false;
    fake.faults = (command) => (command === "CompleteMultipartUpload" && !lost ? ((lost = true), "lose-answer") : undefined);
    const content = randomBytes(11 * MiB);
    const writer = await driver.writer("/x");
    await writer.write(content);
    await writer.commit();
    expect(fake.calls.filter((call) => call.command === "CompleteMultipartUpload").length).toBe(2);
    expect(fake.objects.get("root/x")?.data?.equals(content)).toBe(true);
  });

  it("retries SlowDown with growing jittered waits and answers 503 (StorageUnavailableError) when throttling outlasts them", async () => {
    const fake = new AwsRulesBucket();
    const waits: number[] = [];
    const driver = driverOn(fake, {}, { maxRetries: 4, baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.5, sleep: async (ms) => void waits.push(ms) });
    fake.faults = (command) => (command === "PutObject" ? "SlowDown" : undefined);
    await expect(driver.putContent("/x", Buffer.from("x"))).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(fake.calls.filter((call) => call.command === "PutObject")).toHaveLength(5);
    expect(waits).toEqual([50, 100, 200, 400]);
    expect(fake.objects.size).toBe(0);
  });

  it("never retries a client's mistake", async () => {
    const fake = new AwsRulesBucket();
    const driver = driverOn(fake);
    fake.faults = (command) => (command === "PutObject" ? "AccessDenied" : undefined);
    await expect(driver.putContent("/x", Buffer.from("x"))).rejects.toThrow(/Access Denied/);
    expect(fake.calls.filter((call) => call.command === "PutObject")).toHaveLength(1);
  });

  it("sends the configured storage class, ACL and encryption with every object it writes", async () => {
    const fake = new AwsRulesBucket();
    const driver = driverOn(fake, { storageclass: "reduced_redundancy", encrypt: "true", keyid: "arn:aws:kms:key/1", objectacl: "bucket-owner-full-control" });
    await driver.putContent("/a", Buffer.from("a"));
    await driver.move("/a", "/b");
    const writer = await driver.writer("/c");
    await writer.write(randomBytes(6 * MiB));
    await writer.commit();
    for (const command of ["PutObject", "CopyObject", "CreateMultipartUpload"]) {
      expect(fake.calls.find((call) => call.command === command)?.input, command).toMatchObject({
        StorageClass: "REDUCED_REDUNDANCY",
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: "arn:aws:kms:key/1",
        ACL: "bucket-owner-full-control",
      });
    }
    const none = new AwsRulesBucket();
    await driverOn(none, { storageclass: "NONE", objectownership: true }).putContent("/a", Buffer.from("a"));
    expect(none.calls[0]!.input).not.toHaveProperty("StorageClass");
    expect(none.calls[0]!.input).not.toHaveProperty("ACL");
  });
});
