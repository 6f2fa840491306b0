import { createHash } from "node:crypto";
import { DeleteObjectsCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { addDeleteObjectsContentMd5 } from "./content-md5.js";

interface Sent {
  headers: Record<string, string>;
  body: string;
}

/** A client whose requests are captured instead of sent, answered with an empty success. */
function capturingClient(sent: Sent[]): S3Client {
  const client = new S3Client({
    region: "us-east-1",
    endpoint: "http://127.0.0.1:1",
    forcePathStyle: true,
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
    requestChecksumCalculation: "WHEN_REQUIRED",
  });
  addDeleteObjectsContentMd5(client);
  client.middlewareStack.add(
    () => async (args) => {
      const request = args.request as { headers: Record<string, string>; body: unknown };
      sent.push({ headers: { ...request.headers }, body: typeof request.body === "string" ? request.body : "" });
      return { response: { statusCode: 200, headers: {}, body: undefined }, output: { $metadata: {} } } as never;
    },
    { step: "finalizeRequest", priority: "low", name: "capture" },
  );
  return client;
}

describe("Content-MD5 on DeleteObjects", () => {
  it("replaces the SDK's CRC with Content-MD5 over the exact body, and touches nothing else", async () => {
    const sent: Sent[] = [];
    const client = capturingClient(sent);
    await client.send(new DeleteObjectsCommand({ Bucket: "b", Delete: { Objects: [{ Key: "a/1" }, { Key: "a/2" }], Quiet: true } })).catch(() => undefined);
    await client.send(new PutObjectCommand({ Bucket: "b", Key: "k", Body: "x" })).catch(() => undefined);
    expect(sent).toHaveLength(2);
    const [deletes, put] = sent as [Sent, Sent];
    expect(deletes.body).toContain("<Key>a/2</Key>");
    expect(deletes.headers["content-md5"]).toBe(createHash("md5").update(deletes.body).digest("base64"));
    expect(Object.keys(deletes.headers).filter((name) => name.startsWith("x-amz-checksum-") || name === "x-amz-sdk-checksum-algorithm")).toEqual([]);
    expect(put.headers["content-md5"]).toBeUndefined();
  });
});
