/**
 * The shapes shared by the conformance suite: test definitions, results, the report and the
 * options of a run. The suite talks HTTP only, so it can be pointed at any registry.
 */

/** The spec's four workflow groups, plus the version check and hostile input. */
export const GROUPS = ["api", "pull", "push", "content discovery", "content management", "hostile input"] as const;
export type Group = (typeof GROUPS)[number];

/**
 * What a test needs beyond the core of the OCI Distribution spec. A run can declare some
 * features unsupported (see `unsupported` in the options): failures attributed to them are
 * then reported as "not supported by this registry" instead of counting as failures.
 */
export const FEATURES = {
  "api-version-header": "Docker-Distribution-API-Version: registry/2.0 on GET /v2/",
  "docker-upload-headers": "Docker-Upload-UUID on upload responses and Range: 0-0 on POST (registry:2 headers)",
  "single-post-upload": "monolithic upload with a single POST ?digest= (201)",
  "blob-etag": "ETag on blob responses",
  range: "Range requests on blobs: Accept-Ranges, 206 with Content-Range, 416",
  sha512: "sha512 blob digests",
  "digest-algorithm-param": "POST ?digest-algorithm=sha512 starts a sha512 upload (spec end-4c)",
  "upload-range-check": "416 for a chunk that does not continue the upload (out of order, gap, overlap; PATCH or closing PUT)",
  "cross-mount": "cross-repository blob mount (201)",
  "upload-cancel": "DELETE of an upload session (204), then 404",
  "manifest-validation": "rejecting manifests whose references are missing or whose mediaType disagrees",
  "manifest-size-limit": "413 for a manifest over 4 MiB",
  "tag-param": "push by digest with ?tag= parameters (OCI 1.1, OCI-Tag headers)",
  "oci-subject": "OCI-Subject response header when a manifest with a subject is pushed (OCI 1.1)",
  referrers: "the referrers API GET /v2/<name>/referrers/<digest> (OCI 1.1)",
  "referrers-filter": "artifactType filtering on the referrers API (OCI-Filters-Applied)",
  "tag-order": "tags/list in lexical (or ASCIIbetical) order",
  "tag-pagination": "tags/list with n and last, and a Link header",
  catalog: "GET /v2/_catalog with n, last and Link (a registry:2 API outside the OCI spec)",
  delete: "deletion of manifests and blobs (content management)",
  "tag-delete": "DELETE /v2/<name>/manifests/<tag> removes the tag (a registry may refuse with 400/405)",
  "json-errors": "a JSON error body {errors:[{code,...}]} on every 4xx, even for paths that match no route",
  "input-validation": "rejecting malformed names, tags, digests and parameters with the spec's 4xx codes",
} as const;
export type Feature = keyof typeof FEATURES;

export function isFeature(value: string): value is Feature {
  return Object.prototype.hasOwnProperty.call(FEATURES, value);
}

/** Why a test failed: the request, what the spec wants, what came back. */
export interface FailureDetail {
  message: string;
  /** e.g. "PUT /v2/x/blobs/uploads/abc?digest=sha256:… (Content-Length: 12)" */
  request?: string;
  expected?: string;
  got?: string;
  /** The feature the failing check belongs to, when narrower than the test's own list. */
  feature?: Feature;
}

export interface TestResult {
  group: Group;
  name: string;
  features: Feature[];
  passed: boolean;
  /** Failed, but only in a feature the run declared unsupported. */
  unsupported: boolean;
  failure?: FailureDetail;
  /** Every failed check of the test (the first genuine one is also in `failure`). */
  failures: FailureDetail[];
  /** Observations worth keeping even on success (e.g. "mount without from: 202"). */
  notes: string[];
  durationMs: number;
}

export interface ConformanceReport {
  url: string;
  namespace: string;
  startedAt: string;
  durationMs: number;
  passed: number;
  /** Genuine failures: everything that failed and is not covered by `unsupported`. */
  failed: number;
  /** Failed in a feature the run declared unsupported. */
  unsupported: number;
  results: TestResult[];
}

export interface ConformanceOptions {
  /** Base URL of the registry, e.g. http://127.0.0.1:5000 (a path prefix is kept). */
  url: string;
  /** Repositories are created under `<namespace>/<run id>/`; default "conformance". */
  namespace?: string;
  /** Namespace for the source repositories of cross-repository mounts; default `<namespace>-mount`. */
  crossmountNamespace?: string;
  /**
   * Run only the tests matching one of these: a group ("push"), a feature ("referrers"), or a
   * case-insensitive substring of "group › name".
   */
  only?: string[];
  /** Features this registry is known not to support (see profiles.ts); default none. */
  unsupported?: Feature[];
  /** One line per finished test, and setup notes. */
  log?: (line: string) => void;
  /** Per-request timeout; default 30 s. */
  requestTimeoutMs?: number;
  /** Extra request headers, e.g. Authorization. */
  headers?: Record<string, string>;
}
