/**
 * RepositorySearch on PostgreSQL: the same ranked query as SQLite's (sqlite-search.ts). SQLite's
 * LIKE ignores ASCII case; here ILIKE under the "C" collation does the same.
 */
import type { Visibility } from "./access-records.js";
import type { PgDatabase } from "./postgres-pool.js";
import { MATCH_KINDS, type RepositorySearch, type SearchCandidate } from "./search-records.js";
import { likeLiteral } from "./sqlite-search.js";

interface CandidateRow {
  name: string;
  stored: boolean;
  description: string | null;
  visibility: Visibility | null;
  rank: number;
}

/** $1 term, $2 basename, $3 prefix, $4 component prefix, $5 contains, $6 limit, $7 offset; ranks index MATCH_KINDS. */
const RANKED_QUERY = `
  WITH live (name, stored) AS (
    SELECT name, TRUE FROM repositories
    UNION ALL
    SELECT s.name, FALSE FROM repository_settings s WHERE NOT EXISTS (SELECT 1 FROM repositories r WHERE r.name = s.name)
  ),
  ranked AS (
    SELECT live.name, live.stored, s.description, s.visibility,
      CASE
        WHEN $1 = '' OR live.name = $1 THEN 0
        WHEN live.name ILIKE $2 THEN 1
        WHEN live.name ILIKE $3 OR live.name ILIKE $4 THEN 2
        WHEN live.name ILIKE $5 THEN 3
        WHEN s.description COLLATE "C" ILIKE $5 THEN 4
        WHEN EXISTS (SELECT 1 FROM tags t WHERE t.repository = live.name AND t.tag ILIKE $5) THEN 5
      END AS rank
    FROM live LEFT JOIN repository_settings s ON s.name = live.name
  )
  SELECT name, stored, description, visibility, rank FROM ranked
   WHERE rank IS NOT NULL
   ORDER BY rank, CASE WHEN $1 = '' THEN 0 ELSE length(name) END, name
   LIMIT $6 OFFSET $7`;

export class PostgresRepositorySearch implements RepositorySearch {
  constructor(private readonly db: PgDatabase) {}

  async candidates(term: string, page: { offset: number; limit: number }): Promise<SearchCandidate[]> {
    const normalized = term.trim().toLowerCase();
    const literal = likeLiteral(normalized);
    const { rows } = await this.db.query<CandidateRow>(RANKED_QUERY, [
      normalized,
      `%/${literal}`,
      `${literal}%`,
      `%/${literal}%`,
      `%${literal}%`,
      page.limit,
      page.offset,
    ]);
    return rows.map((row) => ({
      name: row.name,
      description: row.description ?? "",
      visibility: row.visibility,
      match: MATCH_KINDS[row.rank] ?? "tag",
      stored: row.stored,
    }));
  }
}
