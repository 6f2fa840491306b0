/**
 * Any real S3 endpoint a test runs against (Swift's s3api, Ceph radosgw): the s3 driver's
 * parameters and REGISTRY_* variables as an operator writes them, and a raw client that looks at
 * the bucket behind the driver's back (objects and multipart uploads in progress).
 */
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import { addDeleteObjectsContentMd5 } from "../../storage-drivers/s3/content-md5.js";
import type { RunningSwift } from "./swift.js";

export interface S3Endpoint {
  /** http://host:port, addressed path-style. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
}

/** Swift's s3api on a running Swift: tempauth's user and key are the access and secret key. */
export function swiftS3(swift: Pick<RunningSwift, "s3Endpoint" | "user" | "key">): S3Endpoint {
  return { endpoint: swift.s3Endpoint, accessKey: swift.user, secretKey: swift.key, region: "us-east-1" };
}

/** `storage.s3` as an operator writes it for this endpoint. */
export function s3Parameters(server: S3Endpoint, options: { bucket: string; rootdirectory?: string } & Record<string, unknown>): Record<string, unknown> {
  return {
    region: server.region,
    regionendpoint: server.endpoint,
    forcepathstyle: true,
    accesskey: server.accessKey,
    secretkey: server.secretKey,
    ...options,
  };
}

/**
 * The REGISTRY_* variables that put a registry's storage on this endpoint. startBerth() presets a
 * filesystem root; an undefined value makes spawn() leave that variable out.
 */
export function s3RegistryEnv(server: S3Endpoint, options: { bucket: string; rootdirectory?: string; endpoint?: string }): Record<string, string> {
  const env: Record<string, string | undefined> = {
    REGISTRY_STORAGE: "s3",
    REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: undefined,
    REGISTRY_STORAGE_S3_REGION: server.region,
    REGISTRY_STORAGE_S3_REGIONENDPOINT: options.endpoint ?? server.endpoint,
    REGISTRY_STORAGE_S3_FORCEPATHSTYLE: "true",
    REGISTRY_STORAGE_S3_ACCESSKEY: server.accessKey,
    REGISTRY_STORAGE_S3_SECRETKEY: server.secretKey,
    REGISTRY_STORAGE_S3_BUCKET: options.bucket,
  };
  if (options.rootdirectory) env.REGISTRY_STORAGE_S3_ROOTDIRECTORY = options.rootdirectory;
  return env as Record<string, string>;
}

export interface S3Inspector {
  client: S3Client;
  createBucket(bucket: string): Promise<void>;
  /** Every object whose key starts with prefix, with its size. */
  objects(bucket: string, prefix?: string): Promise<{ key: string; size: number }[]>;
  /** Every multipart upload in progress whose key starts with prefix. */
  uploads(bucket: string, prefix?: string): Promise<{ key: string; uploadId: string }[]>;
  /** Removes every object and upload below prefix. */
  empty(bucket: string, prefix?: string): Promise<void>;
}

export function inspectS3(server: S3Endpoint): S3Inspector {
  const client = new S3Client({
    region: server.region,
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKey, secretAccessKey: server.secretKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  addDeleteObjectsContentMd5(client);
  const objects = async (bucket: string, prefix = "") => {
    const found: { key: string; size: number }[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const entry of page.Contents ?? []) found.push({ key: entry.Key ?? "", size: entry.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  };
  const uploads = async (bucket: string, prefix = "") => {
    const found: { key: string; uploadId: string }[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
      for (const upload of page.Uploads ?? []) found.push({ key: upload.Key ?? "", uploadId: upload.UploadId ?? "" });
      if (!page.IsTruncated) return found;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  };
  return {
    client,
    objects,
    uploads,
    async createBucket(bucket) {
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (error) {
        const name = (error as Error).name;
        if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") throw error;
      }
    },
    async empty(bucket, prefix = "") {
      for (const upload of await uploads(bucket, prefix)) {
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.key, UploadId: upload.uploadId }));
      }
      const keys = (await objects(bucket, prefix)).map((object) => object.key);
      for (let i = 0; i < keys.length; i += 1000) {
        await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
      }
    },
  };
}
