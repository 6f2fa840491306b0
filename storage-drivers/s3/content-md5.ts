/**
 * S3 requires an integrity header on DeleteObjects. SDKs from 2025 on send a CRC32
 * (x-amz-checksum-crc32) where they used to send Content-MD5, and older S3-compatible stores
 * (OpenStack Swift's s3api, older Ceph and MinIO) refuse the request without Content-MD5. This
 * build-step middleware, run after the SDK's checksum middleware, puts Content-MD5 in its place.
 */
import { createHash } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";

interface RequestLike {
  headers: Record<string, string>;
  body?: unknown;
}

function isRequestLike(value: unknown): value is RequestLike {
  return typeof value === "object" && value !== null && typeof (value as RequestLike).headers === "object";
}

/** Sets Content-MD5 (and drops the SDK's CRC headers) on a DeleteObjects request; leaves any other alone. */
function useContentMd5(commandName: string | undefined, request: unknown): void {
  if (commandName !== "DeleteObjectsCommand" || !isRequestLike(request)) return;
  const { body } = request;
  if (typeof body !== "string" && !(body instanceof Uint8Array)) return;
  for (const name of Object.keys(request.headers)) {
    if (/^x-amz-checksum-|^x-amz-sdk-checksum-algorithm$/i.test(name)) delete request.headers[name];
  }
  request.headers["content-md5"] = createHash("md5").update(body).digest("base64");
}

export function addDeleteObjectsContentMd5(client: S3Client): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      useContentMd5(context.commandName, args.request);
      return next(args);
    },
    { step: "build", priority: "low", name: "berthDeleteObjectsContentMd5" },
  );
}
