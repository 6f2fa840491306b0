/**
 * RepositorySearch on better-sqlite3: one ranked query over the index's `repositories` and
 * `tags` and the access tables' `repository_settings` (descriptions), so `berth reindex`
 * (which rebuilds the first two) keeps it consistent without a table of its own. Matching is
 * LIKE '%term%' (ASCII case-insensitive), a scan: fine for the thousands of repositories a
 * registry holds; an FTS5 trigram table would be the next step if that ever shows.
 */
import type Database from "better-sqlite3";
import type { Visibility } from "./access-records.js";
import { MATCH_KINDS, type RepositorySearch, type SearchCandidate } from "./search-records.js";

interface CandidateRow {
  name: string;
  stored: number;
  description: string | null;
  visibility: Visibility | null;
  rank: number;
}

/** The rank numbers are indexes into MATCH_KINDS: 0 exact … 5 tag. */
const RANKED_QUERY = `
  WITH live (name, stored) AS (
    SELECT name, 1 FROM repositories
    UNION ALL
    SELECT s.name, 0 FROM repository_settings s WHERE NOT EXISTS (SELECT 1 FROM repositories r WHERE r.name = s.name)
  ),
  ranked AS (
    SELECT live.name, live.stored, s.description, s.visibility,
      CASE
        WHEN @term = '' OR live.name = @term THEN 0
        WHEN live.name LIKE @basename ESCAPE '\\' THEN 1
        WHEN live.name LIKE @prefix ESCAPE '\\' OR live.name LIKE @componentPrefix ESCAPE '\\' THEN 2
        WHEN live.name LIKE @contains ESCAPE '\\' THEN 3
        WHEN s.description LIKE @contains ESCAPE '\\' THEN 4
        WHEN EXISTS (SELECT 1 FROM tags t WHERE t.repository = live.name AND t.tag LIKE @contains ESCAPE '\\') THEN 5
      END AS rank
    FROM live LEFT JOIN repository_settings s ON s.name = live.name
  )
  SELECT name, stored, description, visibility, rank FROM ranked
   WHERE rank IS NOT NULL
   ORDER BY rank, CASE WHEN @term = '' THEN 0 ELSE length(name) END, name
   LIMIT @limit OFFSET @offset`;

/** The term as a LIKE pattern's literal part. */
export function likeLiteral(term: string): string {
  return term.replace(/[\\%_]/g, (character) => `\\${character}`);
}

export class SqliteRepositorySearch implements RepositorySearch {
  private readonly ranked;

  constructor(db: Database.Database) {
    this.ranked = db.prepare(RANKED_QUERY);
  }

  async candidates(term: string, page: { offset: number; limit: number }): Promise<SearchCandidate[]> {
    const normalized = term.trim().toLowerCase();
    const literal = likeLiteral(normalized);
    const rows = this.ranked.all({
      term: normalized,
      basename: `%/${literal}`,
      prefix: `${literal}%`,
      componentPrefix: `%/${literal}%`,
      contains: `%${literal}%`,
      limit: page.limit,
      offset: page.offset,
    }) as CandidateRow[];
    return rows.map((row) => ({
      name: row.name,
      description: row.description ?? "",
      visibility: row.visibility,
      match: MATCH_KINDS[row.rank] ?? "tag",
      stored: row.stored === 1,
    }));
  }
}
