/**
 * A page of names from a lexically ordered source, keeping only those a predicate accepts:
 * reads batches until the page is full or the source ends, so hidden entries never shorten a
 * page nor show up in its `last` marker.
 */
export interface NamePageRequest {
  limit: number;
  after?: string;
}

export async function filteredPage(
  list: (page: NamePageRequest) => Promise<string[]>,
  keep: (name: string) => Promise<boolean>,
  page: NamePageRequest,
): Promise<string[]> {
  const kept: string[] = [];
  const batch = Math.min(Math.max(page.limit, 100), 1000);
  let after = page.after;
  while (kept.length < page.limit) {
    const names = await list(after === undefined ? { limit: batch } : { limit: batch, after });
    for (const name of names) {
      if (await keep(name)) kept.push(name);
      if (kept.length === page.limit) break;
    }
    if (names.length < batch) break;
    after = names[names.length - 1];
  }
  return kept;
}
