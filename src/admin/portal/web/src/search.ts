/**
 * Searching repositories by name and description. Until the registry has a search endpoint
 * (/api/v0/search), the list the user may see is filtered here.
 */
import { get } from "./api";
import type { RepositoryView } from "./types";

/** Every repository the user may pull (the API filters), page by page. */
export async function allRepositories(): Promise<RepositoryView[]> {
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

export async function searchRepositories(query: string): Promise<RepositoryView[]> {
  const all = await allRepositories();
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return all;
  return all.filter((repository) => {
    const text = `${repository.name} ${repository.description}`.toLowerCase();
    return words.every((word) => text.includes(word));
  });
}
