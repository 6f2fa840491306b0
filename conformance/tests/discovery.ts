/** Content discovery: tags/list with pagination, _catalog, and the referrers API. */
import { ensure, expectError, expectHeader, expectStatus, fail, header, mediaTypeOf, parseJson } from "../check.js";
import { type Content, configBlob, content, digestOf, emptyConfig, MEDIA, ociIndex, ociManifest, randomBlob } from "../content.js";
import type { PushedImage, TestContext } from "../context.js";
import { type Exchange, nextLink } from "../http.js";
import { group } from "../suite.js";

const discovery = group("content discovery");

const TAGS = ["latest", "v1.0", "v1.1", "v2.0-rc1", "alpha", "beta", "0.9", "Zeta", "a_b", "x-1"];
const asciiSorted = [...TAGS].sort();
const caseInsensitiveSorted = [...TAGS].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase(), "en") || (a < b ? -1 : 1));

function isLexical(list: string[]): boolean {
  const ascii = [...list].sort();
  const folded = [...list].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase(), "en") || (a < b ? -1 : 1));
  return list.every((value, i) => value === ascii[i]) || list.every((value, i) => value === folded[i]);
}

/** The whole tag list in whichever of the two orders the spec allows this registry used. */
function expectedOrderFor(list: string[]): string[] {
  return list.every((value, i) => value === caseInsensitiveSorted[i]) ? caseInsensitiveSorted : asciiSorted;
}

interface TagFixture {
  repo: string;
  image: PushedImage;
}

/** One image under ten tags. */
function tagFixture(ctx: TestContext): Promise<TagFixture> {
  return ctx.fixture("tags", async () => {
    const repo = ctx.repo("tags");
    const image = await ctx.pushImage(repo, { tag: TAGS[0] ?? "latest" });
    for (const tag of TAGS.slice(1)) await ctx.pushManifest(repo, tag, image.manifest);
    return { repo, image };
  });
}

interface TagPage {
  exchange: Exchange;
  name: unknown;
  tags: string[];
  next: string | null;
}

async function tagPage(ctx: TestContext, pathOrLocation: string, what: string): Promise<TagPage> {
  const exchange = pathOrLocation.startsWith("/v2/")
    ? await ctx.request({ method: "GET", path: pathOrLocation })
    : await ctx.requestLocation(pathOrLocation, { method: "GET" });
  expectStatus(exchange, 200, { what });
  const body = parseJson(exchange, { what });
  if (typeof body !== "object" || body === null) fail("not a JSON object", exchange, '{"name":…,"tags":[…]}', { what });
  const tags = (body as { tags?: unknown }).tags;
  if (tags !== null && tags !== undefined && !Array.isArray(tags)) fail("tags is not an array", exchange, '{"name":…,"tags":[…]}', { what });
  return {
    exchange,
    name: (body as { name?: unknown }).name,
    tags: Array.isArray(tags) ? tags.map(String) : [],
    next: nextLink(header(exchange, "link")),
  };
}

discovery.test("tags/list returns every tag in lexical order", [], async (ctx) => {
  const { repo } = await tagFixture(ctx);
  const page = await tagPage(ctx, `/v2/${repo}/tags/list`, "GET tags/list");
  ensure(page.name === repo, "name is not the repository", { expected: repo, got: String(page.name) });
  const missing = TAGS.filter((tag) => !page.tags.includes(tag));
  ensure(missing.length === 0 && page.tags.length === TAGS.length, "tags/list does not list exactly the pushed tags", {
    expected: asciiSorted.join(", "),
    got: page.tags.join(", "),
  });
  ensure(isLexical(page.tags), "tags are not in lexical or ASCIIbetical order", { expected: asciiSorted.join(", "), got: page.tags.join(", "), feature: "tag-order" });
});

discovery.test("tags/list?n= returns the first n tags and a Link rel=\"next\"", ["tag-pagination"], async (ctx) => {
  const { repo } = await tagFixture(ctx);
  const full = await tagPage(ctx, `/v2/${repo}/tags/list`, "GET tags/list");
  const order = expectedOrderFor(full.tags);
  const page = await tagPage(ctx, `/v2/${repo}/tags/list?n=3`, "GET tags/list?n=3");
  ensure(page.tags.join(",") === order.slice(0, 3).join(","), "n=3 did not return the first three tags", {
    expected: order.slice(0, 3).join(", "),
    got: page.tags.join(", "),
  });
  if (!page.next) fail('no Link header with rel="next" although more tags exist', page.exchange, 'Link: <…?n=3&last=…>; rel="next"', { show: ["link"] });
});

discovery.test("following Link headers pages through every tag once", ["tag-pagination"], async (ctx) => {
  const { repo } = await tagFixture(ctx);
  const collected: string[] = [];
  let target: string | null = `/v2/${repo}/tags/list?n=4`;
  for (let pages = 0; target; pages++) {
    ensure(pages < 10, "more than 10 pages for 10 tags with n=4");
    const page = await tagPage(ctx, target, `page ${pages + 1}`);
    ensure(page.tags.length <= 4, `page ${pages + 1} has more than n=4 tags`, { got: page.tags.join(", ") });
    collected.push(...page.tags);
    target = page.next;
  }
  ensure(collected.length === TAGS.length && TAGS.every((tag) => collected.includes(tag)), "the pages do not add up to every tag exactly once", {
    expected: asciiSorted.join(", "),
    got: collected.join(", "),
  });
  ensure(isLexical(collected), "pages are not in lexical order", { got: collected.join(", "), feature: "tag-order" });
});

discovery.test("tags/list?n=&last= continues after last", ["tag-pagination"], async (ctx) => {
  const { repo } = await tagFixture(ctx);
  const full = await tagPage(ctx, `/v2/${repo}/tags/list`, "GET tags/list");
  const order = expectedOrderFor(full.tags);
  const last = order[3] ?? "";
  const page = await tagPage(ctx, `/v2/${repo}/tags/list?n=2&last=${encodeURIComponent(last)}`, `GET tags/list?n=2&last=${last}`);
  ensure(page.tags.join(",") === order.slice(4, 6).join(","), `n=2&last=${last} did not return the next two tags`, {
    expected: order.slice(4, 6).join(", "),
    got: page.tags.join(", "),
  });
  const rest = await tagPage(ctx, `/v2/${repo}/tags/list?last=${encodeURIComponent(last)}`, `GET tags/list?last=${last}`);
  ensure(rest.tags.join(",") === order.slice(4).join(","), `last=${last} without n did not return every later tag`, {
    expected: order.slice(4).join(", "),
    got: rest.tags.join(", "),
  });
});

discovery.test("tags/list?n=0 returns an empty list and no Link", ["tag-pagination"], async (ctx) => {
  const { repo } = await tagFixture(ctx);
  const page = await tagPage(ctx, `/v2/${repo}/tags/list?n=0`, "GET tags/list?n=0");
  ensure(page.tags.length === 0, "n=0 returned tags", { expected: "[]", got: JSON.stringify(page.tags) });
  if (header(page.exchange, "link")) fail("n=0 sent a Link header", page.exchange, "no Link header", { show: ["link"] });
});

discovery.test("tags/list of an unknown repository → 404 NAME_UNKNOWN", [], async (ctx) => {
  const exchange = await ctx.request({ method: "GET", path: `/v2/${ctx.repo("no-such-repo")}/tags/list` });
  expectError(exchange, 404, ["NAME_UNKNOWN"]);
});

/** Compares repository names path component by component. */
function compareComponents(a: string, b: string): number {
  const left = a.split("/");
  const right = b.split("/");
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i] ?? "";
    const y = right[i] ?? "";
    if (x !== y) return x < y ? -1 : 1;
  }
  return left.length - right.length;
}

interface CatalogPage {
  exchange: Exchange;
  repositories: string[];
  next: string | null;
}

async function catalogPage(ctx: TestContext, target: string, what: string): Promise<CatalogPage> {
  const exchange = target.startsWith("/v2/") ? await ctx.request({ method: "GET", path: target }) : await ctx.requestLocation(target, { method: "GET" });
  expectStatus(exchange, 200, { what });
  const body = parseJson(exchange, { what });
  const repositories = typeof body === "object" && body !== null ? (body as { repositories?: unknown }).repositories : undefined;
  if (!Array.isArray(repositories)) fail("no repositories array", exchange, '{"repositories":[…]}', { what });
  return { exchange, repositories: repositories.map(String), next: nextLink(header(exchange, "link")) };
}

discovery.test("_catalog lists this run's repositories in order, across Link pages", ["catalog"], async (ctx) => {
  const { repo } = await tagFixture(ctx);
  const all: string[] = [];
  let target: string | null = "/v2/_catalog?n=100";
  for (let pages = 0; target; pages++) {
    ensure(pages < 2000, "more than 2000 catalog pages");
    const page = await catalogPage(ctx, target, `_catalog page ${pages + 1}`);
    ensure(page.repositories.length <= 100, `page ${pages + 1} has more than n=100 entries`, { got: String(page.repositories.length) });
    all.push(...page.repositories);
    target = page.next;
  }
  ensure(all.includes(repo), "_catalog does not list a pushed repository", { expected: `a list including ${repo}` });
  ensure(new Set(all).size === all.length, "_catalog lists a repository twice");
  // Two orders are lexical here: whole strings ("a-b" < "a/b"), or path component by component
  // ("a/b" < "a-b", registry:2's filesystem walk). Pagination only needs one used consistently.
  const byString = all.every((name, i) => i === 0 || (all[i - 1] ?? "") < name);
  const byComponent = all.every((name, i) => i === 0 || compareComponents(all[i - 1] ?? "", name) < 0);
  if (!byString && !byComponent) {
    const at = all.findIndex((name, i) => i > 0 && (all[i - 1] ?? "") >= name);
    ensure(false, "_catalog is not in lexical order", { got: `${all[at - 1] ?? ""} before ${all[at] ?? ""}` });
  }
});

discovery.test("_catalog?n=1 returns one repository and a Link", ["catalog"], async (ctx) => {
  await tagFixture(ctx);
  const page = await catalogPage(ctx, "/v2/_catalog?n=1", "_catalog?n=1");
  ensure(page.repositories.length === 1, "n=1 did not return exactly one repository", { got: JSON.stringify(page.repositories) });
  if (!page.next) {
    const everything = await catalogPage(ctx, "/v2/_catalog", "_catalog");
    if (everything.repositories.length > 1) fail('no Link rel="next" although more repositories exist', page.exchange, 'Link: <…>; rel="next"', { show: ["link"] });
  }
});

discovery.test("_catalog?n=&last= continues after last", ["catalog"], async (ctx) => {
  const { repo } = await tagFixture(ctx);
  const page = await catalogPage(ctx, `/v2/_catalog?n=5&last=${encodeURIComponent(repo)}`, `_catalog?n=5&last=${repo}`);
  ensure(page.repositories.length <= 5, "more than n=5 repositories", { got: JSON.stringify(page.repositories) });
  ensure(
    page.repositories.every((name) => name > repo || compareComponents(name, repo) > 0),
    "entries not after last",
    { expected: `repositories sorting after ${repo}`, got: JSON.stringify(page.repositories) },
  );
});

// ---------------------------------------------------------------- referrers

const SBOM = "application/vnd.example.sbom.v1";
const SIGNATURE_CONFIG = "application/vnd.example.signature.config.v1+json";
const BUNDLE = "application/vnd.example.bundle.v1";

interface Referrer {
  manifest: Content;
  /** The artifactType the referrers list must show, or undefined when it must be absent. */
  artifactType: string | undefined;
  annotations: Record<string, string>;
}

interface ReferrersFixture {
  repo: string;
  subject: PushedImage;
  referrers: Referrer[];
  unrelated: Content;
}

/**
 * A subject image and four referrers: a manifest with artifactType, a manifest without it
 * (the list must use its config mediaType), an index with artifactType, an index without it.
 */
function referrersFixture(ctx: TestContext): Promise<ReferrersFixture> {
  return ctx.fixture("referrers", async () => {
    const repo = ctx.repo("referrers");
    const subject = await ctx.pushImage(repo, { tag: "subject" });
    const empty = emptyConfig();
    await ctx.pushBlob(repo, empty);
    const signatureConfig = content(Buffer.from(`{"signer":"${digestOf(randomBlob(8)).slice(7, 19)}"}`), SIGNATURE_CONFIG);
    await ctx.pushBlob(repo, signatureConfig);
    const payload = content(Buffer.from('{"packages":[]}'), "application/spdx+json");
    await ctx.pushBlob(repo, payload);

    const sbomAnnotations = { "org.opencontainers.image.created": "2024-01-01T00:00:00Z", "org.example.sbom.format": "spdx" };
    const sbom = ociManifest({ config: empty, layers: [payload], artifactType: SBOM, subject: subject.manifest, annotations: sbomAnnotations });
    const signatureAnnotations = { "org.example.signature.fingerprint": "abcd" };
    const signature = ociManifest({ config: signatureConfig, layers: [], subject: subject.manifest, annotations: signatureAnnotations });
    for (const manifest of [sbom, signature]) await ctx.pushManifest(repo, manifest.digest, manifest);

    const child = await ctx.pushImage(repo);
    const bundleAnnotations = { "org.example.bundle": "yes" };
    const bundle = ociIndex({ manifests: [child.manifest], subject: subject.manifest, artifactType: BUNDLE, annotations: bundleAnnotations });
    const plainIndexAnnotations = { "org.example.index": "plain" };
    const plainIndex = ociIndex({ manifests: [child.manifest], subject: subject.manifest, annotations: plainIndexAnnotations });
    for (const manifest of [bundle, plainIndex]) await ctx.pushManifest(repo, manifest.digest, manifest);

    const unrelated = ociManifest({ config: empty, layers: [], artifactType: SBOM });
    await ctx.pushManifest(repo, unrelated.digest, unrelated);
    return {
      repo,
      subject,
      unrelated,
      referrers: [
        { manifest: sbom, artifactType: SBOM, annotations: sbomAnnotations },
        { manifest: signature, artifactType: SIGNATURE_CONFIG, annotations: signatureAnnotations },
        { manifest: bundle, artifactType: BUNDLE, annotations: bundleAnnotations },
        { manifest: plainIndex, artifactType: undefined, annotations: plainIndexAnnotations },
      ],
    };
  });
}

interface ListedDescriptor {
  mediaType?: unknown;
  digest?: unknown;
  size?: unknown;
  artifactType?: unknown;
  annotations?: unknown;
}

/** GET the referrers list, following Link pages; checks the index envelope on each page. */
export async function getReferrers(ctx: TestContext, repo: string, digest: string, query = ""): Promise<{ first: Exchange; descriptors: ListedDescriptor[] }> {
  let target: string | null = `/v2/${repo}/referrers/${digest}${query}`;
  let first: Exchange | undefined;
  const descriptors: ListedDescriptor[] = [];
  for (let pages = 0; target; pages++) {
    ensure(pages < 100, "more than 100 referrers pages");
    const exchange = target.startsWith("/v2/") ? await ctx.request({ method: "GET", path: target }) : await ctx.requestLocation(target, { method: "GET" });
    first ??= exchange;
    const what = `GET referrers${pages > 0 ? ` page ${pages + 1}` : ""}`;
    expectStatus(exchange, 200, { what });
    expectHeader(exchange, "content-type", (value) => mediaTypeOf(value) === MEDIA.ociIndex, { what, description: `Content-Type: ${MEDIA.ociIndex}` });
    const body = parseJson(exchange, { what });
    const index = (typeof body === "object" && body !== null ? body : {}) as { schemaVersion?: unknown; mediaType?: unknown; manifests?: unknown };
    if (index.schemaVersion !== 2 || !Array.isArray(index.manifests)) {
      fail("the body is not an image index", exchange, '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[…]}', { what });
    }
    if (index.mediaType !== undefined && index.mediaType !== MEDIA.ociIndex) fail("index mediaType is wrong", exchange, MEDIA.ociIndex, { what });
    descriptors.push(...(index.manifests as ListedDescriptor[]));
    target = nextLink(header(exchange, "link"));
  }
  if (!first) throw new Error("unreachable");
  return { first, descriptors };
}

function sameAnnotations(actual: unknown, expected: Record<string, string>): boolean {
  if (typeof actual !== "object" || actual === null) return false;
  const entries = Object.entries(actual as Record<string, unknown>);
  return entries.length === Object.keys(expected).length && entries.every(([key, value]) => expected[key] === value);
}

function checkDescriptor(listed: ListedDescriptor, referrer: Referrer): string | null {
  const m = referrer.manifest;
  if (listed.mediaType !== m.mediaType) return `mediaType ${String(listed.mediaType)} instead of ${m.mediaType}`;
  if (listed.size !== m.size) return `size ${String(listed.size)} instead of ${m.size}`;
  if (referrer.artifactType === undefined) {
    if (listed.artifactType !== undefined && listed.artifactType !== "") return `artifactType ${String(listed.artifactType)} on an index that has none (must be omitted)`;
  } else if (listed.artifactType !== referrer.artifactType) {
    return `artifactType ${String(listed.artifactType)} instead of ${referrer.artifactType}`;
  }
  if (!sameAnnotations(listed.annotations, referrer.annotations)) {
    return `annotations ${JSON.stringify(listed.annotations)} instead of ${JSON.stringify(referrer.annotations)}`;
  }
  return null;
}

discovery.test("referrers lists every manifest and index whose subject is the digest", ["referrers"], async (ctx) => {
  const fixture = await referrersFixture(ctx);
  const { first, descriptors } = await getReferrers(ctx, fixture.repo, fixture.subject.manifest.digest);
  const digests = descriptors.map((d) => String(d.digest));
  const expected = fixture.referrers.map((r) => r.manifest.digest);
  const missing = expected.filter((d) => !digests.includes(d));
  const extra = digests.filter((d) => !expected.includes(d));
  if (missing.length || extra.length || digests.length !== expected.length) {
    fail("the referrers list is not exactly the four referrers", first, expected.join(", "));
  }
  for (const referrer of fixture.referrers) {
    const listed = descriptors.find((d) => d.digest === referrer.manifest.digest);
    if (!listed) continue;
    const problem = checkDescriptor(listed, referrer);
    if (problem) fail(`descriptor of ${referrer.manifest.digest.slice(0, 19)}…: ${problem}`, first, "descriptors with mediaType, size, artifactType and annotations of each referrer");
  }
});

discovery.test("referrers filtered by artifactType (OCI-Filters-Applied)", ["referrers", "referrers-filter"], async (ctx) => {
  const fixture = await referrersFixture(ctx);
  const { first, descriptors } = await getReferrers(ctx, fixture.repo, fixture.subject.manifest.digest, `?artifactType=${encodeURIComponent(SBOM)}`);
  const applied = header(first, "oci-filters-applied");
  if (!applied || !applied.split(",").map((s) => s.trim()).includes("artifactType")) {
    fail("no OCI-Filters-Applied: artifactType", first, "OCI-Filters-Applied: artifactType and only the matching referrers", {
      feature: "referrers-filter",
      show: ["oci-filters-applied"],
    });
  }
  const digests = descriptors.map((d) => String(d.digest));
  const sbom = fixture.referrers[0]?.manifest.digest ?? "";
  ensure(digests.length === 1 && digests[0] === sbom, "the filtered list is not exactly the one SBOM referrer", {
    expected: sbom,
    got: digests.join(", "),
    feature: "referrers-filter",
  });
});

discovery.test("referrers of a digest nothing refers to → 200 with an empty index", ["referrers"], async (ctx) => {
  const fixture = await referrersFixture(ctx);
  const unknown = digestOf(randomBlob(32));
  const { first, descriptors } = await getReferrers(ctx, fixture.repo, unknown);
  if (descriptors.length !== 0) fail("non-empty list for an unknown subject", first, '{"manifests":[]}');
  const unrelated = await getReferrers(ctx, fixture.repo, fixture.unrelated.digest);
  if (unrelated.descriptors.length !== 0) fail("non-empty list for a manifest nothing refers to", unrelated.first, '{"manifests":[]}');
});

discovery.test("referrers include a referrer pushed before its subject", ["referrers"], async (ctx) => {
  const repo = ctx.repo("referrers-early");
  const config = configBlob();
  await ctx.pushBlob(repo, config);
  const subject = ociManifest({ config, layers: [] });
  const empty = emptyConfig();
  await ctx.pushBlob(repo, empty);
  const annotations = { "org.example.early": "true" };
  const referrer = ociManifest({ config: empty, layers: [], artifactType: SBOM, subject, annotations });
  await ctx.pushManifest(repo, referrer.digest, referrer);
  const before = await getReferrers(ctx, repo, subject.digest);
  ensure(
    before.descriptors.some((d) => d.digest === referrer.digest),
    "a referrer whose subject is not pushed yet is not listed",
    { expected: referrer.digest, got: before.descriptors.map((d) => String(d.digest)).join(", ") || "(empty)" },
  );
  await ctx.pushManifest(repo, "subject", subject);
  const after = await getReferrers(ctx, repo, subject.digest);
  const listed = after.descriptors.find((d) => d.digest === referrer.digest);
  if (!listed) fail("the referrer vanished once the subject was pushed", after.first, referrer.digest);
  const problem = checkDescriptor(listed, { manifest: referrer, artifactType: SBOM, annotations });
  if (problem) fail(problem, after.first, "the referrer's descriptor");
});

discovery.test("referrers with an invalid digest → 400", ["referrers"], async (ctx) => {
  const repo = (await referrersFixture(ctx)).repo;
  const exchange = await ctx.request({ method: "GET", path: `/v2/${repo}/referrers/sha256:not-a-digest` });
  expectError(exchange, [400, 404], ["DIGEST_INVALID", "MANIFEST_INVALID", "UNSUPPORTED"], { bodyFeature: "json-errors" });
  ensure(exchange.status === 400, "status 404; a registry that supports referrers must answer 400 for an invalid digest", {
    expected: "400",
    got: String(exchange.status),
  });
});


export const discoveryTests = discovery.tests;
