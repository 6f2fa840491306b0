/**
 * The OCI conformance suite against Berth on a real S3 (Swift's s3api), configured as an operator
 * would (REGISTRY_STORAGE=s3 + REGISTRY_STORAGE_S3_* variables) under a rootdirectory: every test
 * passes, nothing lands outside the rootdirectory, and no multipart upload is left in progress.
 * (Its own file: the suite makes some 3,000 storage calls, each a round trip to Swift.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatFailures, formatSummary, redirectedToStorage, runConformance } from "../conformance/index.js";
import { inspectS3, s3RegistryEnv, swiftS3, type S3Endpoint, type S3Inspector } from "./harness/s3.js";
import { startBerth } from "./harness/servers.js";
import { startSwift, type RunningSwift } from "./harness/swift.js";

const BUCKET = "berth-conformance";

let swift: RunningSwift | undefined;
let server: S3Endpoint;
let s3: S3Inspector;

beforeAll(async () => {
  swift = await startSwift();
  server = swiftS3(swift);
  s3 = inspectS3(server);
  await s3.createBucket(BUCKET);
});

afterAll(async () => {
  s3?.client.destroy();
  await swift?.stop();
});

describe("Berth on S3 storage (Swift's s3api)", () => {
  it("passes the OCI conformance suite under a rootdirectory, leaving nothing outside it", async () => {
    const root = "conformance";
    // Redirects on (registry:2's default): blob reads go on to presigned S3 URLs, followed by the suite as docker follows them.
    const berth = await startBerth({ env: s3RegistryEnv(server, { bucket: BUCKET, rootdirectory: `/${root}` }) });
    try {
      const started = Date.now();
      const report = await runConformance({ url: berth.url, unsupported: [], log: () => undefined });
      console.log(`berth on s3: ${formatSummary(report).join(" / ")} in ${Math.round((Date.now() - started) / 1000)} s`);
      expect(report.results.length).toBeGreaterThan(50);
      expect(report.failed, `failing conformance tests against Berth on s3:\n${formatFailures(report)}`).toBe(0);
      expect(redirectedToStorage(report), "tests whose blob GET S3 answered through a redirect").toBeGreaterThan(0);
    } finally {
      await berth.stop();
    }
    const keys = (await s3.objects(BUCKET)).map((object) => object.key);
    expect(keys.filter((key) => key.startsWith(`${root}/docker/registry/v2/blobs/`)).length).toBeGreaterThan(20);
    // Soft-deleted links go to Berth's trash beside docker/ ("<root>/berth/trash/..."), still inside the root.
    expect(keys.filter((key) => !key.startsWith(`${root}/docker/registry/v2/`) && !key.startsWith(`${root}/berth/`)), "keys outside the rootdirectory").toEqual([]);
    expect(await s3.uploads(BUCKET), "multipart uploads left in progress").toEqual([]);
  });
});
