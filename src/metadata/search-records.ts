/**
 * Repository search over the metadata index (issue 6): candidates whose name, description or a
 * tag matches a term, best match first. Permissions are not this layer's business: the caller
 * filters candidates by what the asker may pull (src/search/search.ts).
 */
import type { Visibility } from "./access-records.js";

/** How a candidate matched, best first; also its rank. */
export const MATCH_KINDS = ["exact", "basename", "prefix", "substring", "description", "tag"] as const;
export type MatchKind = (typeof MATCH_KINDS)[number];

export interface SearchCandidate {
  name: string;
  /** "" when the repository has no settings row. */
  description: string;
  /** null when the repository has no settings row (the configured default applies). */
  visibility: Visibility | null;
  match: MatchKind;
}

export interface RepositorySearch {
  /**
   * Live repositories matching `term` (case-insensitive; "" matches every one, in name order),
   * ranked: exact name, then exact last path component, name or path component prefix, name
   * substring, description substring, tag substring; within a rank shorter names first, then
   * by name. Live means in the index (pushed and not soft-deleted), or with settings only
   * (created through the API, not pushed yet) — but not a soft-deleted repository whose
   * settings stay behind for a restore.
   */
  candidates(term: string, page: { offset: number; limit: number }): Promise<SearchCandidate[]>;
}
