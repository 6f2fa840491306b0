/**
 * Repositories the user may pull: all of them page by page, or those matching a search term,
 * ranked by the registry (GET /api/v0/search: name, description and tags).
 */
import { get } from "./api";
import type { RepositoryView } from "./types";

export const SEARCH_LIMIT = 100;

export interface RepositoryList {
  repositories: (RepositoryView & { match?: string })[];
  /** How many match in all (more than shown when over SEARCH_LIMIT). */
  total: number;
}

async function allRepositories(): Promise<RepositoryView[]> {
  const all: RepositoryView[] = [];
  let last: string | undefined;
  for (let page = 0; page < 20; page++) {
    const query = new URLSearchParams({ n: "1000", ...(last ? { last } : {}) });
    const { repositories } = await get<{ repositories: RepositoryView[] }>(`repositories?${query}`);
    all.push(...repositories);
    if (repositories.length < 1000) break;
    last = repositories[repositories.length - 1]?.name;
  }
  return all;
}

export async function searchRepositories(term: string): Promise<RepositoryList> {
  const q = term.trim();
  if (q === "") {
    const repositories = await allRepositories();
    return { repositories, total: repositories.length };
  }
  const found = await get<{ total: number; results: (RepositoryView & { match: string })[] }>(`search?${new URLSearchParams({ q, limit: String(SEARCH_LIMIT) })}`);
  return { repositories: found.results, total: found.total };
}
