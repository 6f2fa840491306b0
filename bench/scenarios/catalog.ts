/** Catalog listing over many repositories, page by page following Link headers. */
import { evaluate, mean, median } from "../evaluate.js";
import { listCatalog, pushSmallImage } from "../registry-client.js";
import type { Side } from "../servers.js";
import { SIDES, order, withBoth, type Scenario } from "./common.js";

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function boundedPool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Zero-padded so lexical order (the catalog's order) equals numeric order. */
export function catalogRepoName(index: number): string {
  return `catalog/repo-${String(index).padStart(5, "0")}`;
}

export const catalog: Scenario = {
  name: "catalog",
  description: "full catalog listing, paged with ?n= and Link headers, over many repositories",
  async run(context) {
    const { catalogRepos, catalogPageSize, catalogListings, seedConcurrency } = context.config;
    const expected = Array.from({ length: catalogRepos }, (_, i) => catalogRepoName(i));
    return withBoth(context, async (_registries, clients) => {
      const seedSeconds: Partial<Record<Side, number>> = {};
      const pages: Partial<Record<Side, number>> = {};
      for (const side of SIDES) {
        const client = clients[side];
        const started = Date.now();
        let done = 0;
        await boundedPool(catalogRepos, seedConcurrency, async (index) => {
          await pushSmallImage(client, catalogRepoName(index), "v1", `catalog-${index}`);
          done++;
          if (done % 1000 === 0 || done === catalogRepos) {
            context.progress(`${side}: seeded ${done}/${catalogRepos} repositories (${((Date.now() - started) / 1000).toFixed(1)} s)`);
          }
        });
        seedSeconds[side] = (Date.now() - started) / 1000;
        const listing = await listCatalog(client, catalogPageSize);
        if (listing.repositories.length !== expected.length || listing.repositories.some((name, i) => name !== expected[i])) {
          throw new Error(`${side}: catalog lists ${listing.repositories.length} repositories, expected the ${expected.length} seeded, in order`);
        }
        pages[side] = listing.pages;
        context.progress(`${side}: catalog verified: ${listing.repositories.length} repositories in ${listing.pages} page(s) of n=${catalogPageSize}`);
        await listCatalog(client, catalogPageSize); // warm-up
      }
      const ms: Record<Side, number[]> = { berth: [], reference: [] };
      for (let run = 0; run < catalogListings; run++) {
        for (const side of order(run)) {
          const started = process.hrtime.bigint();
          await listCatalog(clients[side], catalogPageSize);
          ms[side].push(Number(process.hrtime.bigint() - started) / 1e6);
        }
      }
      for (const side of SIDES) {
        context.progress(`${side}: ${catalogListings} full listings, median ${median(ms[side]).toFixed(1)} ms, mean ${mean(ms[side]).toFixed(1)} ms`);
      }
      const imagesPerSecond = (side: Side) => catalogRepos / (seedSeconds[side] as number);
      return {
        rows: [
          evaluate(
            { id: "catalog-ms", label: `catalog of ${catalogRepos} repos, n=${catalogPageSize} pages`, unit: "ms", better: "lower" },
            median(ms.berth),
            median(ms.reference),
          ),
          evaluate(
            { id: "seed-images", label: `small image push (${seedConcurrency} in flight)`, unit: "images/s", better: "higher" },
            imagesPerSecond("berth"),
            imagesPerSecond("reference"),
          ),
        ],
        details: { listingMs: ms, pages, seedSeconds, statistic: "median" },
      };
    });
  },
};
