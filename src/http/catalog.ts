/** GET /v2/_catalog: repositories from the metadata index the caller may see, paginated. */
import { filteredPage } from "../access/filtered-page.js";
import { authorizationOf } from "../auth/controller.js";
import type { Handler } from "./context.js";
import { paginate, parsePage } from "./pagination.js";

const DEFAULT_CATALOG_PAGE = 1000;

export const getCatalog: Handler = async (context) => {
  const page = parsePage(context, DEFAULT_CATALOG_PAGE);
  const { metadata } = context.registry;
  const authorization = authorizationOf(context.res);
  const visible = (name: string) => authorization.listable(name);
  const repositories = await paginate(context, "/v2/_catalog", page, (p) => filteredPage((q) => metadata.listRepositories(q), visible, p));
  context.res.json({ repositories });
};
