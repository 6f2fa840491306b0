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
  /** In the index (pushed); false for settings alone, which may be a soft-deleted repository's (src/access/presence.ts decides). */
  stored: boolean;
}

export interface RepositorySearch {
  /**
   * Live repositories matching `term` (case-insensitive; "" matches every one, in name order),
   * ranked: exact name, then exact last path component, name or path component prefix, name
   * substring, description substring, tag substring; within a rank shorter names first, then
   * by name. Candidates are the repositories in the index (pushed, not soft-deleted) and those
   * with settings alone (created through the API and not pushed yet, or soft-deleted with
   * their settings kept for a restore: the caller tells them apart).
   */
  candidates(term: string, page: { offset: number; limit: number }): Promise<SearchCandidate[]>;
}
