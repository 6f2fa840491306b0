/** The Push workflow for blobs: monolithic, chunked and streamed uploads, status, cancel, mount. */
import { ensure, expectError, expectHeader, expectStatus, fail, header, SoftChecks } from "../check.js";
import { type Content, chunks, content, digestOf, layerBlob, randomBlob, randomId } from "../content.js";
import type { TestContext } from "../context.js";
import type { Exchange } from "../http.js";
import { group } from "../suite.js";
import { expectBlobAbsent, expectBlobServed } from "./shared.js";

const push = group("push");

const OCTET = { "Content-Type": "application/octet-stream" };

/** A digest in another algorithm that still describes these bytes (the spec allows that). */
function digestMatches(value: string, bytes: Buffer): boolean {
  const algorithm = value.split(":")[0];
  return (algorithm === "sha256" || algorithm === "sha512") && digestOf(bytes, algorithm) === value;
}

function locationOf(exchange: Exchange, what: string): string {
  const location = header(exchange, "location");
  if (!location) fail("no Location header", exchange, "a Location header", { what, show: ["location"] });
  return location;
}

/** PATCH one chunk with Content-Range; returns the response (status unchecked). */
function patchChunk(ctx: TestContext, location: string, chunk: Buffer, start: number): Promise<Exchange> {
  return ctx.requestLocation(location, {
    method: "PATCH",
    headers: { ...OCTET, "Content-Range": `${start}-${start + chunk.length - 1}` },
    body: chunk,
  });
}

/** PATCH chunks in order, checking each 202 and Range; returns the latest Location. */
async function patchAll(ctx: TestContext, location: string, parts: Buffer[]): Promise<string> {
  let offset = 0;
  let current = location;
  for (const [index, part] of parts.entries()) {
    const exchange = await patchChunk(ctx, current, part, offset);
    const what = `PATCH chunk ${index + 1} (bytes ${offset}-${offset + part.length - 1})`;
    expectStatus(exchange, 202, { what });
    offset += part.length;
    expectHeader(exchange, "range", `0-${offset - 1}`, { what });
    current = locationOf(exchange, what);
  }
  return current;
}

function closeUpload(ctx: TestContext, location: string, digest: string, body?: Buffer, extraHeaders: Record<string, string> = {}): Promise<Exchange> {
  return ctx.requestLocation(location, {
    method: "PUT",
    query: { digest },
    headers: body ? { ...OCTET, ...extraHeaders } : extraHeaders,
    ...(body ? { body } : {}),
  });
}

/** The closing PUT succeeded: 201, Location, Docker-Content-Digest, and the blob is served. */
async function expectCompleted(ctx: TestContext, repo: string, exchange: Exchange, blob: Content, what: string): Promise<void> {
  expectStatus(exchange, 201, { what });
  ctx.track(repo, "blob", blob.digest);
  const location = locationOf(exchange, what);
  const announced = expectHeader(exchange, "docker-content-digest", (value) => value === blob.digest || digestMatches(value, blob.bytes), {
    what,
    description: `Docker-Content-Digest: ${blob.digest} (or a digest of the same bytes in another algorithm)`,
  });
  if (announced !== blob.digest) ctx.note(`${what}: Docker-Content-Digest uses another algorithm (${announced.split(":")[0]})`);
  const pulled = await ctx.requestLocation(location, { method: "GET" });
  expectStatus(pulled, 200, { what: "GET of the Location returned by the upload" });
  await expectBlobServed(ctx, repo, blob, `GET the uploaded blob`);
}

push.test("POST starts an upload session: 202 with Location", [], async (ctx) => {
  const repo = ctx.repo("upload-start");
  const { location } = await ctx.startUpload(repo);
  ensure(location.length > 0, "empty Location");
  await ctx.requestLocation(location, { method: "DELETE" });
});

push.test("POST sends Docker-Upload-UUID and Range: 0-0", ["docker-upload-headers"], async (ctx) => {
  const repo = ctx.repo("upload-start");
  const { location, exchange } = await ctx.startUpload(repo);
  expectHeader(exchange, "docker-upload-uuid", /^[A-Za-z0-9._~-]+$/);
  expectHeader(exchange, "range", "0-0");
  await ctx.requestLocation(location, { method: "DELETE" });
});

push.test("monolithic upload: POST then PUT with the whole blob", [], async (ctx) => {
  const repo = ctx.repo("upload-monolithic");
  const blob = layerBlob(4096);
  const { location } = await ctx.startUpload(repo);
  const exchange = await closeUpload(ctx, location, blob.digest, blob.bytes);
  await expectCompleted(ctx, repo, exchange, blob, "PUT ?digest= with the blob");
});

push.test("monolithic upload: single POST ?digest=", ["single-post-upload"], async (ctx) => {
  const repo = ctx.repo("upload-single-post");
  const blob = layerBlob(2048);
  const exchange = await ctx.request({
    method: "POST",
    path: `/v2/${repo}/blobs/uploads/?digest=${encodeURIComponent(blob.digest)}`,
    headers: OCTET,
    body: blob.bytes,
  });
  if (exchange.status === 202) {
    const location = header(exchange, "location");
    if (location) await ctx.requestLocation(location, { method: "DELETE" });
    fail("202: the registry does not complete uploads in a single POST (a spec-valid fallback)", exchange, "201 Created");
  }
  await expectCompleted(ctx, repo, exchange, blob, "single POST");
});

push.test("chunked upload: PATCH with Content-Range, then PUT", [], async (ctx) => {
  const repo = ctx.repo("upload-chunked");
  const blob = layerBlob(3000);
  const { location } = await ctx.startUpload(repo);
  const last = await patchAll(ctx, location, chunks(blob.bytes, 3));
  const exchange = await closeUpload(ctx, last, blob.digest);
  await expectCompleted(ctx, repo, exchange, blob, "closing PUT without a body");
});

push.test("chunked upload: the last chunk in the closing PUT", [], async (ctx) => {
  const repo = ctx.repo("upload-chunked-put");
  const blob = layerBlob(3000);
  const [first, second] = chunks(blob.bytes, 2);
  if (!first || !second) throw new Error("chunking failed");
  const { location } = await ctx.startUpload(repo);
  const last = await patchAll(ctx, location, [first]);
  const exchange = await closeUpload(ctx, last, blob.digest, second, { "Content-Range": `${first.length}-${blob.size - 1}` });
  await expectCompleted(ctx, repo, exchange, blob, "closing PUT with the final chunk");
});

push.test("streamed upload: PATCH without Content-Range (chunked transfer encoding)", [], async (ctx) => {
  const repo = ctx.repo("upload-streamed");
  const blob = layerBlob(5000);
  const { location } = await ctx.startUpload(repo);
  const parts = chunks(blob.bytes, 4);
  async function* stream(): AsyncIterable<Uint8Array> {
    for (const part of parts) {
      yield part;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  const patched = await ctx.requestLocation(location, { method: "PATCH", headers: OCTET, body: stream() });
  expectStatus(patched, 202, { what: "streamed PATCH" });
  expectHeader(patched, "range", `0-${blob.size - 1}`, { what: "streamed PATCH" });
  const exchange = await closeUpload(ctx, locationOf(patched, "streamed PATCH"), blob.digest);
  await expectCompleted(ctx, repo, exchange, blob, "closing PUT");
});

push.test("streamed upload: PATCH with Content-Length and no Content-Range", [], async (ctx) => {
  const repo = ctx.repo("upload-streamed");
  const blob = layerBlob(1500);
  const { location } = await ctx.startUpload(repo);
  const patched = await ctx.requestLocation(location, { method: "PATCH", headers: OCTET, body: blob.bytes });
  expectStatus(patched, 202, { what: "PATCH" });
  expectHeader(patched, "range", `0-${blob.size - 1}`, { what: "PATCH" });
  const exchange = await closeUpload(ctx, locationOf(patched, "PATCH"), blob.digest);
  await expectCompleted(ctx, repo, exchange, blob, "closing PUT");
});

push.test("GET upload status: 204 with Location and Range", [], async (ctx) => {
  const repo = ctx.repo("upload-status");
  const blob = layerBlob(100);
  const { location } = await ctx.startUpload(repo);
  const last = await patchAll(ctx, location, [blob.bytes]);
  const status = await ctx.requestLocation(last, { method: "GET" });
  expectStatus(status, 204);
  expectHeader(status, "range", "0-99");
  locationOf(status, "GET upload status");
  if (status.body.length > 0) fail("204 with a body", status, "no body");
  if (!header(status, "docker-upload-uuid")) ctx.note("GET upload status has no Docker-Upload-UUID");
  await ctx.requestLocation(last, { method: "DELETE" });
});

push.test("upload status sends Docker-Upload-UUID", ["docker-upload-headers"], async (ctx) => {
  const repo = ctx.repo("upload-status");
  const { location } = await ctx.startUpload(repo);
  const status = await ctx.requestLocation(location, { method: "GET" });
  expectStatus(status, 204);
  expectHeader(status, "docker-upload-uuid", /^[A-Za-z0-9._~-]+$/);
  await ctx.requestLocation(location, { method: "DELETE" });
});

/** A session holding 100 bytes; the tests below send a bad next chunk to it. */
async function sessionWith100Bytes(ctx: TestContext, repo: string): Promise<{ location: string; bytes: Buffer }> {
  const bytes = randomBlob(100);
  const { location } = await ctx.startUpload(repo);
  return { location: await patchAll(ctx, location, [bytes]), bytes };
}

async function expectStillAt(ctx: TestContext, location: string, end: number): Promise<void> {
  const status = await ctx.requestLocation(location, { method: "GET" });
  expectStatus(status, 204, { what: "upload status after the rejected chunk" });
  expectHeader(status, "range", `0-${end}`, { what: "upload status after the rejected chunk (nothing appended)" });
}

push.test("first chunk not starting at 0 → 416", ["upload-range-check"], async (ctx) => {
  const repo = ctx.repo("upload-416");
  const { location } = await ctx.startUpload(repo);
  const exchange = await patchChunk(ctx, location, randomBlob(10), 10);
  expectStatus(exchange, 416);
  await ctx.requestLocation(location, { method: "DELETE" });
});

push.test("chunk leaving a gap → 416, upload unchanged", ["upload-range-check"], async (ctx) => {
  const repo = ctx.repo("upload-416");
  const { location } = await sessionWith100Bytes(ctx, repo);
  const exchange = await patchChunk(ctx, location, randomBlob(50), 110);
  expectStatus(exchange, 416);
  await expectStillAt(ctx, location, 99);
  await ctx.requestLocation(location, { method: "DELETE" });
});

push.test("overlapping chunk → 416, upload unchanged", ["upload-range-check"], async (ctx) => {
  const repo = ctx.repo("upload-416");
  const { location } = await sessionWith100Bytes(ctx, repo);
  const exchange = await patchChunk(ctx, location, randomBlob(50), 50);
  expectStatus(exchange, 416);
  await expectStillAt(ctx, location, 99);
  await ctx.requestLocation(location, { method: "DELETE" });
});

push.test("closing PUT with an out-of-order final chunk → 416", ["upload-range-check"], async (ctx) => {
  const repo = ctx.repo("upload-416");
  const { location, bytes } = await sessionWith100Bytes(ctx, repo);
  const tail = randomBlob(50);
  const whole = Buffer.concat([bytes, tail]);
  const exchange = await closeUpload(ctx, location, digestOf(whole), tail, { "Content-Range": "120-169" });
  expectStatus(exchange, 416);
  await expectBlobAbsent(ctx, repo, digestOf(whole), "the blob was not created");
  await ctx.requestLocation(location, { method: "DELETE" });
});

push.test("PUT with a digest that does not match → 400 DIGEST_INVALID, nothing stored", [], async (ctx) => {
  const repo = ctx.repo("upload-bad-digest");
  const blob = layerBlob(777);
  const claimed = digestOf(randomBlob(777));
  const { location } = await ctx.startUpload(repo);
  const exchange = await closeUpload(ctx, location, claimed, blob.bytes);
  expectError(exchange, 400, ["DIGEST_INVALID"]);
  await expectBlobAbsent(ctx, repo, claimed, "the claimed digest");
  await expectBlobAbsent(ctx, repo, blob.digest, "the digest of the bytes sent");
});

push.test("chunked upload closed with a wrong digest → 400 DIGEST_INVALID, nothing stored", [], async (ctx) => {
  const repo = ctx.repo("upload-bad-digest");
  const blob = layerBlob(900);
  const claimed = digestOf(randomBlob(900));
  const { location } = await ctx.startUpload(repo);
  const last = await patchAll(ctx, location, chunks(blob.bytes, 2));
  const exchange = await closeUpload(ctx, last, claimed);
  expectError(exchange, 400, ["DIGEST_INVALID"]);
  await expectBlobAbsent(ctx, repo, claimed, "the claimed digest");
  await expectBlobAbsent(ctx, repo, blob.digest, "the digest of the bytes sent");
});

push.test("DELETE an upload → 204, then 404 BLOB_UPLOAD_UNKNOWN", ["upload-cancel"], async (ctx) => {
  const repo = ctx.repo("upload-cancel");
  const blob = layerBlob(300);
  const { location } = await ctx.startUpload(repo);
  const last = await patchAll(ctx, location, [blob.bytes]);
  const deleted = await ctx.requestLocation(last, { method: "DELETE" });
  expectStatus(deleted, 204, { what: "DELETE upload" });
  const status = await ctx.requestLocation(last, { method: "GET" });
  expectError(status, 404, ["BLOB_UPLOAD_UNKNOWN"], { what: "GET status of the cancelled upload" });
  const patched = await patchChunk(ctx, last, randomBlob(10), 300);
  expectError(patched, 404, ["BLOB_UPLOAD_UNKNOWN"], { what: "PATCH of the cancelled upload" });
  const closed = await closeUpload(ctx, last, blob.digest);
  expectError(closed, 404, ["BLOB_UPLOAD_UNKNOWN"], { what: "PUT of the cancelled upload" });
  await expectBlobAbsent(ctx, repo, blob.digest, "the cancelled upload's bytes");
});

push.test("a completed upload session is gone: 404 BLOB_UPLOAD_UNKNOWN", [], async (ctx) => {
  const repo = ctx.repo("upload-done");
  const blob = layerBlob(200);
  const { location } = await ctx.startUpload(repo);
  const exchange = await closeUpload(ctx, location, blob.digest, blob.bytes);
  expectStatus(exchange, 201);
  ctx.track(repo, "blob", blob.digest);
  const status = await ctx.requestLocation(location, { method: "GET" });
  expectError(status, 404, ["BLOB_UPLOAD_UNKNOWN"], { what: "GET status after completion" });
});

push.test("unknown upload session → 404 BLOB_UPLOAD_UNKNOWN", [], async (ctx) => {
  const repo = ctx.repo("upload-unknown");
  await ctx.pushBlob(repo, layerBlob(8)); // the repository exists
  const uuid = `${randomId(8)}-${randomId(4)}-4${randomId(3)}-a${randomId(3)}-${randomId(12)}`;
  const path = `/v2/${repo}/blobs/uploads/${uuid}`;
  const blob = layerBlob(10);
  const soft = new SoftChecks();
  const attempts: [string, () => Promise<Exchange>][] = [
    ["GET", () => ctx.request({ method: "GET", path })],
    ["PATCH", () => ctx.request({ method: "PATCH", path, headers: { ...OCTET, "Content-Range": "0-9" }, body: blob.bytes })],
    ["PUT", () => ctx.request({ method: "PUT", path: `${path}?digest=${blob.digest}`, headers: OCTET, body: blob.bytes })],
    ["DELETE", () => ctx.request({ method: "DELETE", path })],
  ];
  for (const [method, send] of attempts) {
    const exchange = await send();
    expectStatus(exchange, 404, { what: method });
    // registry:2 answers BLOB_UPLOAD_INVALID here; the spec's code for an unknown session is BLOB_UPLOAD_UNKNOWN.
    await soft.check(() => {
      expectError(exchange, 404, ["BLOB_UPLOAD_UNKNOWN"], { what: method, feature: "input-validation" });
    });
  }
  await expectBlobAbsent(ctx, repo, blob.digest, "nothing was stored");
  soft.finish();
});

push.test("pushing the same blob twice succeeds both times", [], async (ctx) => {
  const repo = ctx.repo("upload-twice");
  const blob = layerBlob(256);
  await ctx.pushBlob(repo, blob);
  const { location } = await ctx.startUpload(repo);
  const exchange = await closeUpload(ctx, location, blob.digest, blob.bytes);
  await expectCompleted(ctx, repo, exchange, blob, "second upload of the same blob");
});

push.test("two interleaved uploads to one repository", [], async (ctx) => {
  const repo = ctx.repo("upload-interleaved");
  const a = layerBlob(600);
  const b = layerBlob(600);
  const sessionA = await ctx.startUpload(repo);
  const sessionB = await ctx.startUpload(repo);
  ensure(sessionA.location !== sessionB.location, "two POSTs returned the same upload Location", { got: sessionA.location });
  const [a1, a2] = chunks(a.bytes, 2);
  const [b1, b2] = chunks(b.bytes, 2);
  if (!a1 || !a2 || !b1 || !b2) throw new Error("chunking failed");
  const la = await patchAll(ctx, sessionA.location, [a1]);
  const lb = await patchAll(ctx, sessionB.location, [b1]);
  const doneB = await closeUpload(ctx, lb, b.digest, b2, { "Content-Range": `${b1.length}-${b.size - 1}` });
  await expectCompleted(ctx, repo, doneB, b, "second session");
  const doneA = await closeUpload(ctx, la, a.digest, a2, { "Content-Range": `${a1.length}-${a.size - 1}` });
  await expectCompleted(ctx, repo, doneA, a, "first session");
});

push.test("concurrent PATCHes at the same offset: one is accepted, the other gets 416", ["upload-range-check"], async (ctx) => {
  const repo = ctx.repo("upload-race");
  const { location } = await ctx.startUpload(repo);
  const a = randomBlob(100_000);
  const b = randomBlob(100_000);
  const [ra, rb] = await Promise.all([patchChunk(ctx, location, a, 0), patchChunk(ctx, location, b, 0)]);
  const statuses = [ra.status, rb.status].sort();
  ensure(statuses[0] === 202 && statuses[1] === 416, "two PATCHes of bytes 0-99999 to one session", {
    expected: "one 202 and one 416",
    got: `${ra.status} and ${rb.status}`,
  });
  const winner = ra.status === 202 ? a : b;
  const status = await ctx.requestLocation(location, { method: "GET" });
  expectStatus(status, 204, { what: "upload status after the race" });
  expectHeader(status, "range", "0-99999", { what: "upload status after the race (only the winner's bytes)" });
  const blob = content(winner, "application/octet-stream");
  const done = await closeUpload(ctx, location, blob.digest);
  await expectCompleted(ctx, repo, done, blob, "closing PUT with the winner's digest");
});

push.test("a 16 MiB blob in 4 MiB chunks", [], async (ctx) => {
  const repo = ctx.repo("upload-large");
  const blob = content(randomBlob(16 * 1024 * 1024), "application/octet-stream");
  const { location } = await ctx.startUpload(repo);
  const last = await patchAll(ctx, location, chunks(blob.bytes, 4));
  const exchange = await closeUpload(ctx, last, blob.digest);
  await expectCompleted(ctx, repo, exchange, blob, "closing PUT");
});

push.test("an upload session is not reachable through another repository", [], async (ctx) => {
  const owner = ctx.repo("upload-owner");
  const intruder = ctx.repo("upload-intruder");
  await ctx.pushBlob(intruder, layerBlob(8)); // the other repository exists
  const blob = layerBlob(64);
  const { location } = await ctx.startUpload(owner);
  const resolved = ctx.client.resolve(location);
  const ownerPath = ctx.client.path(`/v2/${owner}/`);
  ensure(resolved.includes(ownerPath), "the upload Location does not contain the repository path", { got: resolved });
  const foreign = resolved.replace(ownerPath, ctx.client.path(`/v2/${intruder}/`));
  const soft = new SoftChecks();
  const patched = await ctx.client.request({ method: "PATCH", path: foreign, headers: { ...OCTET, "Content-Range": `0-${blob.size - 1}` }, body: blob.bytes });
  expectStatus(patched, [400, 404], { what: "PATCH through another repository" });
  await soft.check(() => {
    expectError(patched, 404, ["BLOB_UPLOAD_UNKNOWN"], { what: "PATCH through another repository", feature: "input-validation" });
  });
  const joiner = foreign.includes("?") ? "&" : "?";
  const put = await ctx.client.request({ method: "PUT", path: `${foreign}${joiner}digest=${blob.digest}`, headers: OCTET, body: blob.bytes });
  expectStatus(put, [400, 404], { what: "PUT through another repository" });
  await expectBlobAbsent(ctx, intruder, blob.digest, "nothing stored in the other repository");
  const status = await ctx.requestLocation(location, { method: "GET" });
  expectStatus(status, 204, { what: "the owner's session is intact" });
  expectHeader(status, "range", "0-0", { what: "the owner's session is intact (nothing appended)" });
  await ctx.requestLocation(location, { method: "DELETE" });
  soft.finish();
});

push.test("cross-repository mount: 201 with Location and Docker-Content-Digest", ["cross-mount"], async (ctx) => {
  const source = ctx.crossRepo("mount-source");
  const target = ctx.repo("mount-target");
  const blob = layerBlob(1024);
  await ctx.pushBlob(source, blob);
  const exchange = await ctx.request({
    method: "POST",
    path: `/v2/${target}/blobs/uploads/?mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(source)}`,
  });
  if (exchange.status === 202) {
    const location = header(exchange, "location");
    if (location) await ctx.requestLocation(location, { method: "DELETE" });
  }
  expectStatus(exchange, 201, { what: "POST ?mount=&from=" });
  ctx.track(target, "blob", blob.digest);
  locationOf(exchange, "mount");
  expectHeader(exchange, "docker-content-digest", blob.digest, { what: "mount" });
  await expectBlobServed(ctx, target, blob, "GET the mounted blob in the target repository");
});

push.test("mount of a blob unknown to the registry → 202 upload session", [], async (ctx) => {
  const source = ctx.crossRepo("mount-source");
  const target = ctx.repo("mount-target");
  await ctx.pushBlob(source, layerBlob(16)); // the source repository exists
  const blob = layerBlob(512);
  const exchange = await ctx.request({
    method: "POST",
    path: `/v2/${target}/blobs/uploads/?mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(source)}`,
  });
  expectStatus(exchange, 202, { what: "mount of an unknown blob" });
  const location = locationOf(exchange, "mount of an unknown blob");
  const done = await closeUpload(ctx, location, blob.digest, blob.bytes);
  await expectCompleted(ctx, target, done, blob, "the session the failed mount opened");
});

push.test("mount from a repository that lacks the blob → 202, not mounted", ["cross-mount"], async (ctx) => {
  const holder = ctx.crossRepo("mount-holder");
  const source = ctx.crossRepo("mount-empty-source");
  const target = ctx.repo("mount-target");
  const blob = layerBlob(700);
  await ctx.pushBlob(holder, blob);
  await ctx.pushBlob(source, layerBlob(16));
  const exchange = await ctx.request({
    method: "POST",
    path: `/v2/${target}/blobs/uploads/?mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(source)}`,
  });
  if (exchange.status === 201) ctx.track(target, "blob", blob.digest);
  expectStatus(exchange, 202, { what: `mount from ${source}, which does not hold the blob` });
  const location = locationOf(exchange, "mount");
  await ctx.requestLocation(location, { method: "DELETE" });
  await expectBlobAbsent(ctx, target, blob.digest, "the blob was not mounted");
});

push.test("mount without from: 201 or 202 (recorded)", [], async (ctx) => {
  const source = ctx.crossRepo("mount-anonymous");
  const target = ctx.repo("mount-anonymous");
  const blob = layerBlob(300);
  await ctx.pushBlob(source, blob);
  const exchange = await ctx.request({ method: "POST", path: `/v2/${target}/blobs/uploads/?mount=${encodeURIComponent(blob.digest)}` });
  expectStatus(exchange, [201, 202], { what: "POST ?mount= without from" });
  const location = locationOf(exchange, "mount without from");
  if (exchange.status === 201) {
    ctx.track(target, "blob", blob.digest);
    ctx.note("mount without from: 201 (mounted from wherever the blob is)");
    await expectBlobServed(ctx, target, blob, "GET the mounted blob");
  } else {
    ctx.note("mount without from: 202 (upload session opened)");
    await ctx.requestLocation(location, { method: "DELETE" });
  }
});

push.test("sha512 blob: POST then PUT ?digest=sha512:…", ["sha512"], async (ctx) => {
  const repo = ctx.repo("upload-sha512");
  const blob = content(randomBlob(1234), "application/octet-stream", "sha512");
  const { location } = await ctx.startUpload(repo);
  const exchange = await closeUpload(ctx, location, blob.digest, blob.bytes);
  await expectCompleted(ctx, repo, exchange, blob, "PUT ?digest=sha512:…");
  const head = await ctx.request({ method: "HEAD", path: `/v2/${repo}/blobs/${blob.digest}` });
  expectStatus(head, 200, { what: "HEAD by sha512 digest" });
  expectHeader(head, "content-length", String(blob.size), { what: "HEAD by sha512 digest" });
});

push.test("sha512 blob: chunked upload started with ?digest-algorithm=sha512", ["sha512", "digest-algorithm-param"], async (ctx) => {
  const repo = ctx.repo("upload-sha512");
  const blob = content(randomBlob(3000), "application/octet-stream", "sha512");
  const started = await ctx.request({ method: "POST", path: `/v2/${repo}/blobs/uploads/?digest-algorithm=sha512` });
  expectStatus(started, 202, { what: "POST ?digest-algorithm=sha512", feature: "digest-algorithm-param" });
  const last = await patchAll(ctx, locationOf(started, "POST"), chunks(blob.bytes, 2));
  const exchange = await closeUpload(ctx, last, blob.digest);
  await expectCompleted(ctx, repo, exchange, blob, "closing PUT ?digest=sha512:…");
});

export const pushBlobTests = push.tests;
