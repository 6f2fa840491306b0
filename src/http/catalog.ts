/** GET /v2/_catalog: repositories from the metadata index, paginated. */
import type { Handler } from "./context.js";
import { paginate, parsePage } from "./pagination.js";

const DEFAULT_CATALOG_PAGE = 1000;

export const getCatalog: Handler = async (context) => {
  const page = parsePage(context, DEFAULT_CATALOG_PAGE);
  const repositories = await paginate(context, "/v2/_catalog", page, (p) => context.registry.metadata.listRepositories(p));
  context.res.json({ repositories });
};
