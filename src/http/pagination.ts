/** The `n`/`last` pagination of tag lists and the catalog, with the spec's Link header. */
import { RegistryError } from "../registry/errors.js";
import { queryParam, urlFor, type HandlerContext } from "./context.js";

export const MAX_PAGE_SIZE = 10_000;

export interface PageRequest {
  limit: number;
  after?: string;
}

export function parsePage(context: HandlerContext, defaultLimit: number): PageRequest {
  const n = queryParam(context, "n");
  const last = queryParam(context, "last");
  let limit = defaultLimit;
  if (n !== undefined) {
    if (!/^\d{1,6}$/.test(n) || Number(n) > MAX_PAGE_SIZE) {
      throw new RegistryError("PAGINATION_NUMBER_INVALID", `n must be an integer from 0 to ${MAX_PAGE_SIZE}`, { n: n.slice(0, 40) });
    }
    limit = Number(n);
  }
  return last === undefined || last === "" ? { limit } : { limit, after: last };
}

/**
 * Answers one page from a lister asked for one entry more than the page holds, setting
 * `Link: <…?n=N&last=X>; rel="next"` only when that extra entry shows there is more.
 */
export async function paginate(
  context: HandlerContext,
  path: string,
  page: PageRequest,
  list: (page: PageRequest) => Promise<string[]>,
): Promise<string[]> {
  if (page.limit === 0) return [];
  const fetched = await list({ ...page, limit: page.limit + 1 });
  const entries = fetched.slice(0, page.limit);
  const lastEntry = entries[entries.length - 1];
  if (fetched.length <= page.limit || lastEntry === undefined) return entries;
  const query = new URLSearchParams({ n: String(page.limit), last: lastEntry });
  context.res.setHeader("Link", `<${urlFor(context, path)}?${query.toString()}>; rel="next"`);
  return entries;
}
