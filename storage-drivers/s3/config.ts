/**
 * The `storage.s3` section with registry:2's keys (s3-aws driver, plus the few distribution v3
 * added), matched case-insensitively as its mapstructure decoding does → S3Settings. Numbers and
 * booleans may arrive as text (REGISTRY_STORAGE_S3_* variables, quoted YAML); a bad or unknown
 * key fails with a message naming it.
 */
import * as z from "zod";
import { optional, text, withDefault } from "../../src/config/fields.js";
import { MAX_PART_SIZE, MIN_PART_SIZE } from "./parts.js";

/** registry:2's defaults. */
export const DEFAULT_CHUNK_SIZE = 10 * 1024 * 1024;
export const DEFAULT_MULTIPART_COPY_CHUNK_SIZE = 32 * 1024 * 1024;
export const DEFAULT_MULTIPART_COPY_THRESHOLD_SIZE = 32 * 1024 * 1024;
export const DEFAULT_MULTIPART_COPY_MAX_CONCURRENCY = 100;

const CANNED_ACLS = [
  "private",
  "public-read",
  "public-read-write",
  "authenticated-read",
  "aws-exec-read",
  "bucket-owner-read",
  "bucket-owner-full-control",
  "log-delivery-write",
] as const;

const STORAGE_CLASSES = [
  "STANDARD",
  "REDUCED_REDUNDANCY",
  "STANDARD_IA",
  "ONEZONE_IA",
  "INTELLIGENT_TIERING",
  "GLACIER_IR",
  "EXPRESS_ONEZONE",
  "OUTPOSTS",
  "NONE",
] as const;

export interface S3Settings {
  bucket: string;
  region: string;
  /** Full URL of a non-AWS endpoint (scheme from `secure` when the key gave none); undefined: AWS. */
  endpoint: string | undefined;
  forcePathStyle: boolean;
  /** Static keys; undefined: the SDK's default credential chain (environment, profile, instance role...). */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
  /** Key prefix without leading or trailing "/" ("" for none): keys are "<prefix>/docker/registry/v2/...". */
  rootPrefix: string;
  /** Server-side encryption on every object written; keyId chooses aws:kms with that key. */
  encrypt: boolean;
  keyId: string | undefined;
  skipVerify: boolean;
  chunkSize: number;
  multipartCopyChunkSize: number;
  multipartCopyMaxConcurrency: number;
  multipartCopyThresholdSize: number;
  /** undefined: send none (registry:2's "NONE"). */
  storageClass: string | undefined;
  /** undefined: send no ACL (objectownership: the bucket enforces its owner). */
  objectAcl: (typeof CANNED_ACLS)[number] | undefined;
  userAgent: string | undefined;
  useDualStack: boolean;
  accelerate: boolean;
}

/** Go's strconv.ParseInt/ParseBool accept text; YAML may hand over either form. */
const integer = z.preprocess((value) => (typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value), z.number().int());
const flag = z.preprocess((value) => {
  if (typeof value !== "string") return value;
  const lowered = value.trim().toLowerCase();
  return ["true", "1", "t"].includes(lowered) ? true : ["false", "0", "f"].includes(lowered) ? false : value;
}, z.boolean());
const nonEmpty = text.refine((value) => value.trim() !== "", "expected a non-empty string");
const between = (min: number, max: number) => integer.refine((value) => value >= min && value <= max, `expected a number of bytes from ${min} to ${max}`);

const schema = z
  .strictObject({
    bucket: z.preprocess((value) => value ?? "", nonEmpty),
    region: z.preprocess((value) => value ?? "", nonEmpty),
    regionendpoint: optional(text),
    forcepathstyle: withDefault(flag, false),
    accesskey: optional(text),
    secretkey: optional(text),
    sessiontoken: optional(text),
    rootdirectory: withDefault(text, ""),
    encrypt: withDefault(flag, false),
    keyid: optional(text),
    secure: withDefault(flag, true),
    skipverify: withDefault(flag, false),
    v4auth: withDefault(
      flag.refine((value) => value, "Berth signs with AWS Signature Version 4 only; remove v4auth or set it to true"),
      true,
    ),
    chunksize: withDefault(between(MIN_PART_SIZE, MAX_PART_SIZE), DEFAULT_CHUNK_SIZE),
    multipartcopychunksize: withDefault(between(MIN_PART_SIZE, MAX_PART_SIZE), DEFAULT_MULTIPART_COPY_CHUNK_SIZE),
    multipartcopymaxconcurrency: withDefault(integer.refine((value) => value >= 1, "expected at least 1"), DEFAULT_MULTIPART_COPY_MAX_CONCURRENCY),
    multipartcopythresholdsize: withDefault(between(0, MAX_PART_SIZE), DEFAULT_MULTIPART_COPY_THRESHOLD_SIZE),
    storageclass: withDefault(
      z.preprocess((value) => (typeof value === "string" ? value.toUpperCase() : value), z.enum(STORAGE_CLASSES)),
      "STANDARD",
    ),
    objectacl: withDefault(z.enum(CANNED_ACLS), "private"),
    objectownership: withDefault(flag, false),
    useragent: optional(text),
    usedualstack: withDefault(flag, false),
    accelerate: withDefault(flag, false),
    // registry:2 passes it to the AWS SDK's logger; Berth logs storage calls its own way.
    loglevel: optional(text),
  })
  .superRefine((value, ctx) => {
    if ((value.accesskey ?? "") === "" !== ((value.secretkey ?? "") === "")) {
      ctx.addIssue({ code: "custom", path: [value.accesskey ? "secretkey" : "accesskey"], message: "give both accesskey and secretkey, or neither (the default credential chain)" });
    }
    if (value.regionendpoint && /^[a-z][a-z0-9+.-]*:\/\//i.test(value.regionendpoint) && !URL.canParse(value.regionendpoint)) {
      ctx.addIssue({ code: "custom", path: ["regionendpoint"], message: "expected a URL such as http://127.0.0.1:9000 or a host name" });
    }
  });

/** Parses and checks the section; throws an Error naming every bad key as storage.s3.<key>. */
export function parseS3Parameters(parameters: Record<string, unknown>): S3Settings {
  const lowered = Object.fromEntries(Object.entries(parameters).map(([key, value]) => [key.toLowerCase(), value]));
  const result = schema.safeParse(lowered);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      if (issue.code === "unrecognized_keys") return `storage.s3: unknown key(s) ${issue.keys.join(", ")}`;
      return `${issue.path.length > 0 ? `storage.s3.${issue.path.join(".")}` : "storage.s3"}: ${issue.message}`;
    });
    throw new Error(`invalid s3 storage configuration: ${problems.join("; ")}`);
  }
  const p = result.data;
  return {
    bucket: p.bucket,
    region: p.region,
    endpoint: endpointUrl(p.regionendpoint, p.secure, p.region),
    forcePathStyle: p.forcepathstyle,
    credentials: p.accesskey && p.secretkey ? { accessKeyId: p.accesskey, secretAccessKey: p.secretkey, ...(p.sessiontoken ? { sessionToken: p.sessiontoken } : {}) } : undefined,
    rootPrefix: p.rootdirectory.replace(/^\/+|\/+$/g, ""),
    encrypt: p.encrypt,
    keyId: p.keyid || undefined,
    skipVerify: p.skipverify,
    chunkSize: p.chunksize,
    multipartCopyChunkSize: p.multipartcopychunksize,
    multipartCopyMaxConcurrency: p.multipartcopymaxconcurrency,
    multipartCopyThresholdSize: p.multipartcopythresholdsize,
    storageClass: p.storageclass === "NONE" ? undefined : p.storageclass,
    objectAcl: p.objectownership ? undefined : p.objectacl,
    userAgent: p.useragent || undefined,
    useDualStack: p.usedualstack,
    accelerate: p.accelerate,
  };
}

/**
 * registry:2 takes `regionendpoint` with or without a scheme and picks http or https by `secure`;
 * with `secure: false` and no endpoint it talks plain HTTP to AWS's regional endpoint.
 */
function endpointUrl(regionEndpoint: string | undefined, secure: boolean, region: string): string | undefined {
  const scheme = secure ? "https" : "http";
  if (!regionEndpoint) return secure ? undefined : `http://s3.${region}.amazonaws.com`;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(regionEndpoint) ? regionEndpoint : `${scheme}://${regionEndpoint}`;
  return withScheme.replace(/\/+$/, "");
}
