/**
 * The S3Client the driver talks through, built from the settings: the endpoint and addressing
 * style, static keys or the SDK's default credential chain, keep-alive sockets with timeouts,
 * no SDK retries (../retry.ts decides), checksums only where S3 requires them (so S3-compatible
 * stores that know no CRC headers work), and Content-MD5 on DeleteObjects (contentMd5.ts).
 */
import { S3Client } from "@aws-sdk/client-s3";
import { keepAliveAgents } from "../keep-alive-agents.js";
import type { S3Settings } from "./config.js";
import { addDeleteObjectsContentMd5 } from "./content-md5.js";

/** Longest wait for a TCP (and TLS) connection. */
const CONNECT_TIMEOUT_MS = 10_000;
/** A socket silent this long (mid-body included) is dead: the attempt fails and is retried. */
const SOCKET_IDLE_TIMEOUT_MS = 60_000;

export function createS3Client(settings: S3Settings, maxSockets: number): S3Client {
  const agents = keepAliveAgents({ maxSockets, rejectUnauthorized: !settings.skipVerify });
  const client = new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    credentials: settings.credentials,
    useDualstackEndpoint: settings.useDualStack,
    useAccelerateEndpoint: settings.accelerate,
    customUserAgent: settings.userAgent,
    maxAttempts: 1,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: {
      connectionTimeout: CONNECT_TIMEOUT_MS,
      socketTimeout: SOCKET_IDLE_TIMEOUT_MS,
      httpAgent: agents.http,
      httpsAgent: agents.https,
    },
  });
  addDeleteObjectsContentMd5(client);
  return client;
}
