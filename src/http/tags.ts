/** GET /v2/<name>/tags/list: tags from the metadata index, paginated, lexical order. */
import { RegistryError } from "../registry/errors.js";
import type { Handler } from "./context.js";
import { paginate, parsePage, MAX_PAGE_SIZE } from "./pagination.js";

export const getTags: Handler = async (context) => {
  const { name } = context.registry.repository(context.params.name ?? "");
  const metadata = context.registry.metadata;
  if (!(await metadata.repositoryExists(name))) throw new RegistryError("NAME_UNKNOWN", undefined, { name });
  const page = parsePage(context, MAX_PAGE_SIZE);
  const tags = await paginate(context, `/v2/${name}/tags/list`, page, (p) => metadata.listTags(name, p));
  context.res.json({ name, tags });
};
