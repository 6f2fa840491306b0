/**
 * Hostile input. Every request here must get a 4xx — never a 2xx that changes something,
 * never a 5xx — and must leave the registry as it was. The spec's error code and JSON body
 * are checked too, but attributed to the "input-validation" and "json-errors" features so a
 * comparison run can tell a missing nicety from a hole.
 */
import { CheckFailure, ensure, expectBody, expectError, expectStatus, fail, header, parseErrorBody, SoftChecks } from "../check.js";
import { type Content, configBlob, content, digestOf, layerBlob, MEDIA, ociManifest, randomBlob } from "../content.js";
import type { TestContext } from "../context.js";
import type { Body, Exchange } from "../http.js";
import type { Feature } from "../types.js";
import { group } from "../suite.js";
import { ALL_ACCEPT, expectBlobAbsent, listTags } from "./shared.js";

const hostile = group("hostile input");

interface Attempt {
  method: string;
  /** Raw path under the registry base, sent without normalisation. */
  path: string;
  headers?: Record<string, string>;
  body?: Body;
}

interface Expectation {
  /** Statuses the spec prefers; any other 4xx is an "input-validation" failure. */
  statuses: number[];
  /** Error codes accepted (any of them). */
  codes: string[];
  /** A request that writes: a 2xx is a hard failure (something may have changed). */
  write?: boolean;
  /** The feature an unexpected error code is attributed to (default "input-validation"). */
  codeFeature?: Feature;
}

function label(attempt: Attempt): string {
  const shown = attempt.path.length > 90 ? `${attempt.path.slice(0, 87)}...` : attempt.path;
  return `${attempt.method} ${shown}`;
}

/**
 * Sends a hostile request. Hard failures (5xx, no response, a 2xx write) throw at once; a
 * non-JSON body or an unexpected 4xx status/code is recorded in `soft`.
 */
async function reject(ctx: TestContext, soft: SoftChecks, attempt: Attempt, expectation: Expectation): Promise<Exchange> {
  let exchange: Exchange;
  try {
    exchange = await ctx.request({ method: attempt.method, path: attempt.path, ...(attempt.headers ? { headers: attempt.headers } : {}), ...(attempt.body !== undefined ? { body: attempt.body } : {}) });
  } catch (error) {
    throw new CheckFailure({
      message: `${label(attempt)}: no HTTP response (${error instanceof Error ? error.message : String(error)})`,
      expected: `a 4xx with ${expectation.codes.join("|")}`,
    });
  }
  const what = label(attempt);
  const expected = `${expectation.statuses.join(" or ")} with ${expectation.codes.join("|")}`;
  if (exchange.status >= 500) fail(`server error ${exchange.status}`, exchange, expected, { what });
  if (exchange.status >= 300 && exchange.status < 400) {
    // A redirect (registry:2 cleans "..", "//" and "%2f" that way) changes nothing by itself;
    // whether the target changed anything is checked afterwards. Berth should still say 4xx.
    await soft.check(() => fail(`redirected with ${exchange.status} instead of being rejected`, exchange, expected, { what, feature: "input-validation", show: ["location"] }));
    return exchange;
  }
  if (exchange.status < 400) {
    if (expectation.write) fail(`accepted with ${exchange.status}`, exchange, expected, { what });
    await soft.check(() => fail(`accepted with ${exchange.status} instead of being rejected`, exchange, expected, { what, feature: "input-validation" }));
    return exchange;
  }
  await soft.check(() => {
    if (attempt.method !== "HEAD" && !parseErrorBody(exchange)) {
      fail("4xx without the spec's JSON error body", exchange, `a body {"errors":[{"code":${expectation.codes.join("|")},...}]}`, { what, feature: "json-errors" });
    }
  });
  await soft.check(() => {
    if (!expectation.statuses.includes(exchange.status)) fail(`status ${exchange.status}`, exchange, expected, { what, feature: "input-validation" });
    const body = parseErrorBody(exchange);
    if (body && !body.errors.some((entry) => expectation.codes.includes(entry.code))) {
      fail(`error code ${body.errors.map((e) => e.code).join(", ")}`, exchange, expected, { what, feature: expectation.codeFeature ?? "input-validation" });
    }
  });
  return exchange;
}

/** The repository does not exist: tags/list is 404 and the blob is not there. */
async function expectNoRepository(ctx: TestContext, repo: string, blobDigest?: string): Promise<void> {
  const tags = await ctx.request({ method: "GET", path: `/v2/${repo}/tags/list` });
  if (tags.status !== 404) fail(`repository ${repo} exists after a rejected request`, tags, "404 NAME_UNKNOWN");
  if (blobDigest) {
    const head = await ctx.request({ method: "HEAD", path: `/v2/${repo}/blobs/${blobDigest}` });
    if (head.status !== 404) fail(`blob found in ${repo} after a rejected request`, head, "404");
  }
}

/** An image manifest whose blobs exist in `repo`, for PUT attempts at bad names and tags. */
async function validManifest(ctx: TestContext, repo: string): Promise<Content> {
  const config = configBlob();
  await ctx.pushBlob(repo, config);
  return ociManifest({ config, layers: [] });
}

const NAME_CODES = ["NAME_INVALID", "NAME_UNKNOWN"];

/** Writes and reads at a bad repository name; the name must be rejected and nothing created. */
async function attackName(ctx: TestContext, soft: SoftChecks, badName: string, canaries: string[]): Promise<void> {
  const blob = layerBlob(64);
  const manifest = await validManifest(ctx, ctx.repo("hostile-source"));
  const expectation = { statuses: [400, 404], codes: NAME_CODES };
  await reject(ctx, soft, { method: "POST", path: `/v2/${badName}/blobs/uploads/` }, { ...expectation, write: true });
  await reject(
    ctx,
    soft,
    { method: "POST", path: `/v2/${badName}/blobs/uploads/?digest=${blob.digest}`, headers: { "Content-Type": "application/octet-stream" }, body: blob.bytes },
    { ...expectation, write: true },
  );
  await reject(ctx, soft, { method: "PUT", path: `/v2/${badName}/manifests/latest`, headers: { "Content-Type": manifest.mediaType }, body: manifest.bytes }, { ...expectation, write: true });
  await reject(ctx, soft, { method: "GET", path: `/v2/${badName}/tags/list` }, expectation);
  await reject(ctx, soft, { method: "GET", path: `/v2/${badName}/manifests/latest`, headers: { Accept: ALL_ACCEPT } }, expectation);
  await reject(ctx, soft, { method: "DELETE", path: `/v2/${badName}/blobs/${blob.digest}` }, { ...expectation, statuses: [400, 404, 405] });
  for (const canary of canaries) await expectNoRepository(ctx, canary, blob.digest);
}

hostile.test('".." in a repository name', [], async (ctx) => {
  const soft = new SoftChecks();
  const base = ctx.repo("traversal");
  await attackName(ctx, soft, `${base}/a/../b`, [`${base}/b`, `${base}/a`]);
  await attackName(ctx, soft, `${base}/../../../../etc`, [`${base}`]);
  await attackName(ctx, soft, `${base}/./c`, [`${base}/c`]);
  soft.finish();
});

hostile.test('percent-encoded "%2e%2e" in a repository name', [], async (ctx) => {
  const soft = new SoftChecks();
  const base = ctx.repo("encoded");
  await attackName(ctx, soft, `${base}/a/%2e%2e/b`, [`${base}/b`, `${base}/a`]);
  await attackName(ctx, soft, `${base}/%2E%2E/%2E%2E/x`, [`${base}/x`]);
  await attackName(ctx, soft, `${base}/%252e%252e/d`, [`${base}/d`]);
  soft.finish();
});

// registry:2 decodes %2f into "/" and opens an upload in <base>/slash, hence the feature tag.
hostile.test('an encoded slash "%2f" in a repository name', ["input-validation"], async (ctx) => {
  const soft = new SoftChecks();
  const base = ctx.repo("encoded-slash");
  await attackName(ctx, soft, `${base}%2fslash`, [`${base}/slash`]);
  await attackName(ctx, soft, `${base}/a%2F..%2Fb`, [`${base}/b`, `${base}/a`]);
  soft.finish();
});

hostile.test("uppercase and malformed repository names", [], async (ctx) => {
  const soft = new SoftChecks();
  const base = ctx.repo("names");
  for (const bad of [`${base}/UPPER`, `${base}/a..b`, `${base}/-lead`, `${base}/trail-`, `${base}//double`, `${base}/_under`, `${base}/sp%20ace`]) {
    await attackName(ctx, soft, bad, [`${base}/upper`]);
  }
  soft.finish();
});

hostile.test("a 300-character name component and a name over 255 characters", ["input-validation"], async (ctx) => {
  const soft = new SoftChecks();
  const base = ctx.repo("long");
  const component = `${base}/${"a".repeat(300)}`;
  const segments: string[] = [];
  while (`${base}/${segments.join("/")}`.length <= 260) segments.push("abcdefghij");
  const total = `${base}/${segments.join("/")}`;
  ensure(total.length > 255, "test setup: name not long enough");
  for (const name of [component, total]) {
    await reject(ctx, soft, { method: "POST", path: `/v2/${name}/blobs/uploads/` }, { statuses: [400], codes: ["NAME_INVALID"], write: true });
    await reject(ctx, soft, { method: "GET", path: `/v2/${name}/tags/list` }, { statuses: [400, 404], codes: NAME_CODES });
  }
  soft.finish();
});

hostile.test("NUL bytes (%00) in names and tags", [], async (ctx) => {
  const soft = new SoftChecks();
  const repo = ctx.repo("nul");
  const manifest = await validManifest(ctx, repo);
  await ctx.pushManifest(repo, "ok", manifest);
  await attackName(ctx, soft, `${repo}%00evil`, []);
  await attackName(ctx, soft, `${repo}/x%00`, [`${repo}/x`]);
  for (const tag of ["v1%00evil", "%00", "v1%00"]) {
    await reject(
      ctx,
      soft,
      { method: "PUT", path: `/v2/${repo}/manifests/${tag}`, headers: { "Content-Type": manifest.mediaType }, body: manifest.bytes },
      { statuses: [400], codes: ["TAG_INVALID", "MANIFEST_INVALID", "NAME_INVALID"], write: true },
    );
    await reject(ctx, soft, { method: "GET", path: `/v2/${repo}/manifests/${tag}`, headers: { Accept: ALL_ACCEPT } }, { statuses: [400, 404], codes: ["TAG_INVALID", "MANIFEST_INVALID", "MANIFEST_UNKNOWN"] });
  }
  const tags = await listTags(ctx, repo);
  ensure(tags.length === 1 && tags[0] === "ok", "a tag was created by a request with a NUL byte", { expected: "ok", got: JSON.stringify(tags) });
  const truncated = await ctx.request({ method: "GET", path: `/v2/${repo}/manifests/v1`, headers: { Accept: ALL_ACCEPT } });
  if (truncated.status !== 404) fail("tag v1 exists: the name was truncated at the NUL byte", truncated, "404");
  soft.finish();
});

hostile.test("invalid tags: too long, bad characters", [], async (ctx) => {
  const soft = new SoftChecks();
  const repo = ctx.repo("bad-tags");
  const manifest = await validManifest(ctx, repo);
  await ctx.pushManifest(repo, "ok", manifest);
  const bad = ["t".repeat(129), "bad!tag", ".dot-first", "-dash-first", "has%20space", "semi%3Bcolon", "%C3%A9t%C3%A9", "a%2Fb", "..", "x".repeat(5000)];
  for (const tag of bad) {
    await reject(
      ctx,
      soft,
      { method: "PUT", path: `/v2/${repo}/manifests/${tag}`, headers: { "Content-Type": manifest.mediaType }, body: manifest.bytes },
      { statuses: [400], codes: ["TAG_INVALID", "MANIFEST_INVALID"], write: true },
    );
    await reject(ctx, soft, { method: "GET", path: `/v2/${repo}/manifests/${tag}`, headers: { Accept: ALL_ACCEPT } }, { statuses: [400, 404], codes: ["TAG_INVALID", "MANIFEST_INVALID", "MANIFEST_UNKNOWN"] });
  }
  const tags = await listTags(ctx, repo);
  ensure(tags.length === 1 && tags[0] === "ok", "an invalid tag was created", { expected: "ok", got: JSON.stringify(tags).slice(0, 300) });
  soft.finish();
});

hostile.test("a 128-character tag is valid (boundary)", [], async (ctx) => {
  const repo = ctx.repo("long-tag");
  const manifest = await validManifest(ctx, repo);
  const tag = `_${"T1.-".repeat(31)}abc`;
  ensure(tag.length === 128, "test setup: tag length");
  const put = await ctx.putManifest(repo, tag, manifest);
  expectStatus(put, 201, { what: "PUT with a 128-character tag" });
  const tags = await listTags(ctx, repo);
  ensure(tags.includes(tag), "the 128-character tag is not listed", { got: JSON.stringify(tags) });
});

const BAD_DIGESTS = [
  "sha256:abc",
  `sha256:${"A".repeat(64)}`,
  `sha256:${"a".repeat(63)}g`,
  `sha256:${"a".repeat(65)}`,
  `md5:${"a".repeat(32)}`,
  "sha256",
  `:${"a".repeat(64)}`,
  `sha256:${"a".repeat(32)}%00${"a".repeat(31)}`,
  `sha256:..%2f..%2f${"a".repeat(58)}`,
  `SHA256:${"a".repeat(64)}`,
];

hostile.test("invalid digests on blob GET, HEAD and DELETE", [], async (ctx) => {
  const soft = new SoftChecks();
  const repo = ctx.repo("bad-digests");
  await ctx.pushBlob(repo, layerBlob(32));
  for (const digest of BAD_DIGESTS) {
    const expectation = { statuses: [400, 404], codes: ["DIGEST_INVALID", "BLOB_UNKNOWN", "NAME_INVALID"] };
    await reject(ctx, soft, { method: "GET", path: `/v2/${repo}/blobs/${digest}` }, expectation);
    await reject(ctx, soft, { method: "HEAD", path: `/v2/${repo}/blobs/${digest}` }, expectation);
    await reject(ctx, soft, { method: "DELETE", path: `/v2/${repo}/blobs/${digest}` }, { ...expectation, statuses: [400, 404, 405] });
  }
  soft.finish();
});

hostile.test("invalid digests on manifest GET and PUT", ["input-validation"], async (ctx) => {
  const soft = new SoftChecks();
  const repo = ctx.repo("bad-digests");
  const manifest = await validManifest(ctx, repo);
  await ctx.pushManifest(repo, "ok", manifest);
  for (const digest of BAD_DIGESTS.filter((d) => d.includes(":"))) {
    await reject(ctx, soft, { method: "GET", path: `/v2/${repo}/manifests/${digest}`, headers: { Accept: ALL_ACCEPT } }, { statuses: [400, 404], codes: ["DIGEST_INVALID", "MANIFEST_INVALID", "MANIFEST_UNKNOWN", "TAG_INVALID"] });
    await reject(
      ctx,
      soft,
      { method: "PUT", path: `/v2/${repo}/manifests/${digest}`, headers: { "Content-Type": manifest.mediaType }, body: manifest.bytes },
      { statuses: [400], codes: ["DIGEST_INVALID", "MANIFEST_INVALID", "TAG_INVALID"], write: true },
    );
  }
  const tags = await listTags(ctx, repo);
  ensure(tags.length === 1 && tags[0] === "ok", "a tag was created by a PUT with an invalid digest", { got: JSON.stringify(tags) });
  soft.finish();
});

hostile.test("invalid and missing digests when closing an upload → 400 DIGEST_INVALID", [], async (ctx) => {
  const soft = new SoftChecks();
  const repo = ctx.repo("bad-upload-digests");
  const blob = layerBlob(128);
  for (const digest of [...BAD_DIGESTS, ""]) {
    const { location } = await ctx.startUpload(repo);
    const query = digest === "" ? "" : `digest=${digest}`;
    const target = ctx.client.resolve(location);
    const path = query ? `${target}${target.includes("?") ? "&" : "?"}${query}` : target;
    const exchange = await ctx.client.request({ method: "PUT", path, headers: { "Content-Type": "application/octet-stream" }, body: blob.bytes });
    if (exchange.status >= 500) fail(`server error ${exchange.status}`, exchange, "400 DIGEST_INVALID");
    if (exchange.status < 400) fail(`accepted with ${exchange.status}`, exchange, "400 DIGEST_INVALID");
    await soft.check(() => {
      expectError(exchange, 400, ["DIGEST_INVALID", "UNSUPPORTED"], { what: `PUT ?digest=${digest || "(missing)"}`, feature: "input-validation", bodyFeature: "json-errors" });
    });
    await ctx.requestLocation(location, { method: "DELETE" });
  }
  await expectBlobAbsent(ctx, repo, blob.digest, "no blob was created");
  soft.finish();
});

hostile.test("mount with an invalid digest → 202 session or 400", [], async (ctx) => {
  const soft = new SoftChecks();
  const repo = ctx.repo("bad-mount");
  const source = ctx.crossRepo("bad-mount-source");
  await ctx.pushBlob(source, layerBlob(16));
  for (const digest of ["sha256:zz", `md5:${"a".repeat(32)}`, "..%2f..%2fetc"]) {
    const exchange = await ctx.request({ method: "POST", path: `/v2/${repo}/blobs/uploads/?mount=${digest}&from=${source}` });
    if (exchange.status >= 500) fail(`server error ${exchange.status}`, exchange, "202 or 400 DIGEST_INVALID");
    if (exchange.status === 202) {
      const location = header(exchange, "location");
      if (location) await ctx.requestLocation(location, { method: "DELETE" });
      continue;
    }
    await soft.check(() => {
      expectError(exchange, 400, ["DIGEST_INVALID"], { what: `mount=${digest}`, feature: "input-validation", bodyFeature: "json-errors" });
    });
  }
  soft.finish();
});

/** Manifest bodies that are not valid manifests, with what makes each one bad. */
function malformedManifests(config: Content): [string, string, string][] {
  const cfg = { mediaType: config.mediaType, digest: config.digest, size: config.size };
  const oci = MEDIA.ociManifest;
  const j = (value: unknown): string => JSON.stringify(value);
  return [
    ["truncated JSON", oci, j({ schemaVersion: 2, mediaType: oci, config: cfg, layers: [] }).slice(0, -7)],
    ["JSON null", oci, "null"],
    ["a JSON array", oci, "[]"],
    ["a JSON string", oci, '"manifest"'],
    ["an empty object", oci, "{}"],
    ["an empty body", oci, ""],
    ["schemaVersion 1 as OCI", oci, j({ schemaVersion: 1, mediaType: oci, config: cfg, layers: [] })],
    ["schemaVersion as a string", oci, j({ schemaVersion: "2", mediaType: oci, config: cfg, layers: [] })],
    ["config not an object", oci, j({ schemaVersion: 2, mediaType: oci, config: "config", layers: [] })],
    ["config missing", oci, j({ schemaVersion: 2, mediaType: oci, layers: [] })],
    ["layers not an array", oci, j({ schemaVersion: 2, mediaType: oci, config: cfg, layers: { a: 1 } })],
    ["a layer with an invalid digest", oci, j({ schemaVersion: 2, mediaType: oci, config: cfg, layers: [{ mediaType: MEDIA.ociLayer, digest: "sha256:zz", size: 1 }] })],
    ["a config with a negative size", oci, j({ schemaVersion: 2, mediaType: oci, config: { ...cfg, size: -1 }, layers: [] })],
    ["a config with a string size", oci, j({ schemaVersion: 2, mediaType: oci, config: { ...cfg, size: String(cfg.size) }, layers: [] })],
    ["a config with a digest of ../../", oci, j({ schemaVersion: 2, mediaType: oci, config: { ...cfg, digest: "sha256:../../../../etc/passwd" }, layers: [] })],
    ["trailing garbage after the JSON", oci, `${j({ schemaVersion: 2, mediaType: oci, config: cfg, layers: [] })} trailing`],
    ["invalid UTF-8", oci, "\u0000"],
    ["an index whose manifests is not an array", MEDIA.ociIndex, j({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: "none" })],
    ["a Docker manifest with no config", MEDIA.dockerManifest, j({ schemaVersion: 2, mediaType: MEDIA.dockerManifest, layers: [] })],
  ];
}

hostile.test("malformed JSON manifests → 400 MANIFEST_INVALID, nothing stored", ["input-validation"], async (ctx) => {
  const soft = new SoftChecks();
  const repo = ctx.repo("malformed");
  const config = configBlob();
  await ctx.pushBlob(repo, config);
  const good = ociManifest({ config, layers: [] });
  await ctx.pushManifest(repo, "ok", good);
  for (const [name, type, text] of malformedManifests(config)) {
    const bytes = name === "invalid UTF-8" ? Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) : Buffer.from(text);
    const exchange = await reject(
      ctx,
      soft,
      { method: "PUT", path: `/v2/${repo}/manifests/bad`, headers: { "Content-Type": type }, body: bytes },
      { statuses: [400], codes: ["MANIFEST_INVALID", "DIGEST_INVALID", "SIZE_INVALID", "MANIFEST_BLOB_UNKNOWN"], write: true },
    );
    if (exchange.status < 400) soft.failures.push({ message: `${name}: accepted`, expected: "400 MANIFEST_INVALID" });
    const byDigest = await ctx.request({ method: "GET", path: `/v2/${repo}/manifests/${digestOf(bytes)}`, headers: { Accept: ALL_ACCEPT } });
    if (byDigest.status !== 404) fail(`${name}: the rejected manifest is served by digest`, byDigest, "404");
  }
  const tags = await listTags(ctx, repo);
  ensure(tags.length === 1 && tags[0] === "ok", "a malformed manifest created a tag", { expected: "ok", got: JSON.stringify(tags) });
  soft.finish();
});

hostile.test("deeply nested JSON (100k levels) → 400, and the registry keeps serving", [], async (ctx) => {
  const soft = new SoftChecks();
  const repo = ctx.repo("nested");
  const config = configBlob();
  await ctx.pushBlob(repo, config);
  const depth = 100_000;
  const arrays = "[".repeat(depth) + "]".repeat(depth);
  const objects = '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
  const prefix = `{"schemaVersion":2,"mediaType":"${MEDIA.ociManifest}","config":{"mediaType":"${config.mediaType}","digest":"${config.digest}","size":${config.size}},"layers":[],"annotations":`;
  const bodies: [string, string][] = [
    ["100k nested arrays", arrays],
    ["100k nested objects", objects],
    ["100k nested arrays inside annotations", `${prefix}${arrays}}`],
  ];
  for (const [name, body] of bodies) {
    const exchange = await reject(
      ctx,
      soft,
      { method: "PUT", path: `/v2/${repo}/manifests/deep`, headers: { "Content-Type": MEDIA.ociManifest }, body },
      { statuses: [400, 413], codes: ["MANIFEST_INVALID", "SIZE_INVALID"], write: true },
    );
    ensure(exchange.status >= 400, `${name}: accepted`);
    const alive = await ctx.request({ method: "GET", path: "/v2/" });
    expectStatus(alive, 200, { what: `GET /v2/ after ${name}` });
  }
  const tags = await ctx.request({ method: "GET", path: `/v2/${repo}/manifests/deep`, headers: { Accept: ALL_ACCEPT } });
  expectStatus(tags, 404, { what: "the tag was not created" });
  soft.finish();
});

hostile.test("absurd n on tags/list and _catalog", [], async (ctx) => {
  const soft = new SoftChecks();
  const repo = ctx.repo("absurd-n");
  const manifest = await validManifest(ctx, repo);
  await ctx.pushManifest(repo, "ok", manifest);
  const codes = ["PAGINATION_NUMBER_INVALID", "UNSUPPORTED"];
  for (const base of [`/v2/${repo}/tags/list`, "/v2/_catalog"]) {
    for (const n of ["-1", "abc", "1.5", "0x10", "-0.5", "%00"]) {
      await reject(ctx, soft, { method: "GET", path: `${base}?n=${n}` }, { statuses: [400], codes });
    }
    for (const n of ["1000000000000", "99999999999999999999999999"]) {
      const exchange = await ctx.request({ method: "GET", path: `${base}?n=${n}` });
      if (exchange.status >= 500) fail(`server error ${exchange.status}`, exchange, "400 PAGINATION_NUMBER_INVALID or 200 with a list");
      if (exchange.status === 200) {
        ctx.note(`${base.includes("_catalog") ? "_catalog" : "tags/list"}?n=${n.length > 13 ? "1e26" : "1e12"}: 200`);
        continue;
      }
      await soft.check(() => {
        expectError(exchange, 400, codes, { what: `n=${n}`, feature: "input-validation", bodyFeature: "json-errors" });
      });
    }
  }
  soft.finish();
});

hostile.test("bad Range headers on blob GET: ignored (200), or 206/416, never 5xx", [], async (ctx) => {
  const repo = ctx.repo("bad-range");
  const blob = layerBlob(1000);
  await ctx.pushBlob(repo, blob);
  const ranges = ["bytes=abc", "bytes=5-2", "items=0-1", "bytes=-", "bytes=0-1,3-4", "bytes=99999999999999999999999-", "bytes=--5", "bytes=0-0-0", "bytes= 1-2", "bytes=-0", "bytes=1000-", "x".repeat(4000)];
  for (const range of ranges) {
    const exchange = await ctx.request({ method: "GET", path: `/v2/${repo}/blobs/${blob.digest}`, headers: { Range: range } });
    const what = `Range: ${range.slice(0, 40)}`;
    if (exchange.status >= 500) fail(`server error ${exchange.status}`, exchange, "200, 206 or 416", { what });
    expectStatus(exchange, [200, 206, 416], { what });
    if (exchange.status === 416 && exchange.truncated) {
      fail("the 416 response is malformed: the connection closed before Content-Length bytes arrived", exchange, "a complete response", { what, feature: "range" });
    }
    if (exchange.status === 200) expectBody(exchange, blob.bytes, { what: `${what}: 200 must carry the whole blob` });
    if (exchange.status === 206 && !/multipart/i.test(exchange.headers["content-type"] ?? "")) {
      const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(exchange.headers["content-range"] ?? "");
      if (!match) fail("206 without a valid Content-Range", exchange, "Content-Range: bytes a-b/1000", { what, show: ["content-range"] });
      const start = Number(match[1]);
      const end = Number(match[2]);
      expectBody(exchange, blob.bytes.subarray(start, end + 1), { what: `${what}: 206 body must match its Content-Range` });
    }
  }
});

hostile.test("bad Content-Range on PATCH → 400 or 416, upload unchanged", ["upload-range-check"], async (ctx) => {
  const soft = new SoftChecks();
  const repo = ctx.repo("bad-content-range");
  const cases: [string, Buffer][] = [
    ["abc", randomBlob(10)],
    ["9-0", randomBlob(10)],
    ["0-99", randomBlob(10)],
    ["0-99999999999999999999999", randomBlob(10)],
    ["-5", randomBlob(10)],
    ["0-", randomBlob(10)],
    ["bytes 0-9/*", randomBlob(10)],
  ];
  for (const [range, body] of cases) {
    const { location } = await ctx.startUpload(repo);
    const exchange = await ctx.requestLocation(location, { method: "PATCH", headers: { "Content-Type": "application/octet-stream", "Content-Range": range }, body });
    const what = `PATCH Content-Range: ${range}`;
    if (exchange.status >= 500) fail(`server error ${exchange.status}`, exchange, "400 or 416", { what });
    if (exchange.status === 202 && range === "bytes 0-9/*") {
      ctx.note("Content-Range in the RFC 9110 form (bytes 0-9/*) accepted on PATCH");
    } else {
      if (exchange.status < 400) fail(`accepted with ${exchange.status}`, exchange, "400 or 416", { what });
      await soft.check(() => {
        expectStatus(exchange, [400, 416], { what, feature: "input-validation" });
        if (!parseErrorBody(exchange) && exchange.status !== 416) fail("4xx without the spec's JSON error body", exchange, '{"errors":[…]}', { what, feature: "json-errors" });
      });
      const status = await ctx.requestLocation(location, { method: "GET" });
      if (status.status === 204) {
        const range0 = status.headers["range"];
        if (range0 !== undefined && range0 !== "0-0" && range0 !== "0--1") {
          fail(`${what} was rejected with ${exchange.status} but its bytes were stored: upload status says Range: ${range0}`, status, "Range: 0-0 (nothing appended)");
        }
      }
    }
    await ctx.requestLocation(location, { method: "DELETE" });
  }
  soft.finish();
});

hostile.test("upload session ids that try to leave the uploads folder", [], async (ctx) => {
  const soft = new SoftChecks();
  const repo = ctx.repo("bad-session");
  const blob = layerBlob(20);
  await ctx.pushBlob(repo, layerBlob(16));
  const ids = ["..%2f..%2f_layers", "%2e%2e", "..", "a%00b", `${"f".repeat(5000)}`, "..%5c..%5cwindows", "%2F", "."];
  const expectation = { statuses: [400, 404], codes: ["BLOB_UPLOAD_UNKNOWN", "BLOB_UPLOAD_INVALID", "NAME_INVALID", "DIGEST_INVALID"] };
  for (const id of ids) {
    const path = `/v2/${repo}/blobs/uploads/${id}`;
    await reject(ctx, soft, { method: "GET", path }, expectation);
    await reject(ctx, soft, { method: "PATCH", path, headers: { "Content-Type": "application/octet-stream" }, body: blob.bytes }, { ...expectation, write: true });
    await reject(ctx, soft, { method: "PUT", path: `${path}?digest=${blob.digest}`, headers: { "Content-Type": "application/octet-stream" }, body: blob.bytes }, { ...expectation, write: true });
    await reject(ctx, soft, { method: "DELETE", path }, expectation);
  }
  await expectBlobAbsent(ctx, repo, blob.digest, "no blob was created");
  soft.finish();
});

/** The spec's error codes, plus the registry:2 ones clients meet in practice. */
const KNOWN_CODES = [
  "BLOB_UNKNOWN", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "DIGEST_INVALID", "MANIFEST_BLOB_UNKNOWN", "MANIFEST_INVALID",
  "MANIFEST_UNKNOWN", "NAME_INVALID", "NAME_UNKNOWN", "SIZE_INVALID", "UNAUTHORIZED", "DENIED", "UNSUPPORTED", "TOOMANYREQUESTS",
  "TAG_INVALID", "MANIFEST_UNVERIFIED", "PAGINATION_NUMBER_INVALID", "RANGE_INVALID", "UNKNOWN",
];

hostile.test("paths and methods that are not API endpoints → 4xx with a spec error code", ["json-errors"], async (ctx) => {
  const soft = new SoftChecks();
  const repo = ctx.repo("not-endpoints");
  await ctx.pushBlob(repo, layerBlob(8));
  const attempts: Attempt[] = [
    { method: "GET", path: `/v2/${repo}/nonsense` },
    { method: "GET", path: `/v2/${repo}/blobs/` },
    { method: "PUT", path: `/v2/${repo}/manifests/`, headers: { "Content-Type": MEDIA.ociManifest }, body: "{}" },
    { method: "GET", path: "/v2/_catalogue" },
    { method: "PATCH", path: `/v2/${repo}/manifests/latest`, body: "{}" },
    { method: "POST", path: `/v2/${repo}/tags/list` },
    { method: "DELETE", path: "/v2/" },
  ];
  for (const attempt of attempts) {
    await reject(ctx, soft, attempt, { statuses: [400, 404, 405], codes: KNOWN_CODES, codeFeature: "json-errors" });
  }
  soft.finish();
});

hostile.test("the registry still serves after the hostile requests", [], async (ctx) => {
  const alive = await ctx.request({ method: "GET", path: "/v2/" });
  expectStatus(alive, 200, { what: "GET /v2/" });
  const repo = ctx.repo("after-hostile");
  const image = await ctx.pushImage(repo, { tag: "still-works" });
  const get = await ctx.request({ method: "GET", path: `/v2/${repo}/manifests/still-works`, headers: { Accept: ALL_ACCEPT } });
  expectStatus(get, 200, { what: "GET a freshly pushed manifest" });
  expectBody(get, image.manifest.bytes);
  await expectNoRepository(ctx, `${repo}/x`);
  const stray = content(Buffer.from("never pushed"), "application/octet-stream");
  await expectBlobAbsent(ctx, repo, stray.digest, "an unpushed blob");
});

export const hostileTests = hostile.tests;
