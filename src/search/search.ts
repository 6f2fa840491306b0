/**
 * Repository search as a caller sees it: the metadata index's ranked candidates
 * (src/metadata/search-records.ts says how they are ranked) kept only when the repository is
 * there (a soft-deleted one whose settings stay for a restore is not: src/access/presence.ts,
 * as for the management API's listing) and the caller may list it — the very predicate the
 * catalog uses (Authorization.listable: "may pull" under the access model), so a private
 * repository never shows to someone who cannot pull it. Hidden candidates never count:
 * neither in `total` nor in a page.
 */
import { repositoryPresent } from "../access/presence.js";
import type { Config } from "../config/types.js";
import type { Visibility } from "../metadata/access-records.js";
import type { RepositorySearch, SearchCandidate } from "../metadata/search-records.js";
import type { MetadataStore } from "../metadata/store.js";

export const MAX_TERM_LENGTH = 255;

export interface SearchPage {
  /** Every visible match, not only this page's. */
  total: number;
  hits: SearchCandidate[];
}

export interface SearchRequest {
  term: string;
  /** Visible matches to skip. */
  offset: number;
  limit: number;
}

/** Visibility of a repository without settings: auth.berth's default; public without any auth, private with other controllers. */
export function defaultVisibility(config: Config): Visibility {
  if (config.auth.berth) return config.auth.berth.defaultvisibility;
  const { htpasswd, token, silly } = config.auth;
  return htpasswd || token || silly ? "private" : "public";
}

/** Candidates in ranked order, fetched in growing batches so a long hidden stretch costs few queries. */
async function* rankedCandidates(index: RepositorySearch, term: string, firstBatch: number): AsyncGenerator<SearchCandidate> {
  let offset = 0;
  let batch = Math.min(Math.max(firstBatch, 100), 2000);
  for (;;) {
    const candidates = await index.candidates(term, { offset, limit: batch });
    yield* candidates;
    if (candidates.length < batch) return;
    offset += candidates.length;
    batch = Math.min(batch * 2, 2000);
  }
}

/** Settings alone: a repository created through the API, or the leftovers of a soft-deleted one. */
async function present(metadata: MetadataStore, candidate: SearchCandidate): Promise<boolean> {
  return candidate.stored || repositoryPresent(metadata, candidate.name, await metadata.access.getRepository(candidate.name));
}

export async function searchRepositories(
  metadata: MetadataStore,
  listable: (repository: string) => Promise<boolean>,
  request: SearchRequest,
): Promise<SearchPage> {
  const hits: SearchCandidate[] = [];
  let total = 0;
  for await (const candidate of rankedCandidates(metadata.search, request.term, request.offset + request.limit)) {
    if (!(await present(metadata, candidate)) || !(await listable(candidate.name))) continue;
    if (total >= request.offset && hits.length < request.limit) hits.push(candidate);
    total++;
  }
  return { total, hits };
}
