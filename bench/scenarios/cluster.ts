/**
 * Scale-out (issue 8), Berth alone (registry:2 has no metadata database to compare): replicas
 * sharing one PostgreSQL and one filesystem root (e2e/harness/cluster.ts), with
 *  - manifest GET by tag through nginx in front of 3 replicas, and of 1 of them;
 *  - small image pushes to one replica with PostgreSQL metadata, and to a Berth with SQLite.
 * On a 2-core machine that also runs the load generator, 3 replicas cannot scale far: the
 * figure shows what nginx and the shared database cost, not a cluster's capacity.
 */
import { startCluster } from "../../e2e/harness/cluster.js";
import { startNginx } from "../../e2e/harness/nginx.js";
import { evaluate } from "../evaluate.js";
import { HttpClient } from "../http.js";
import { getManifest, pushSmallImage } from "../registry-client.js";
import { startSide } from "../servers.js";
import { boundedPool } from "./catalog.js";
import type { Scenario } from "./common.js";
import { combine, load, type LoadFigures } from "./manifest.js";

const REPLICAS = 3;
const ROUNDS = 2;

function checked(figures: LoadFigures, what: string): LoadFigures {
  if (figures.non2xx + figures.errors + figures.timeouts > 0) {
    throw new Error(`${what}: ${figures.non2xx} non-2xx answers, ${figures.errors} errors, ${figures.timeouts} timeouts`);
  }
  return figures;
}

/** Pushes `count` small images into fresh repositories; images per second. */
async function pushRate(client: HttpClient, count: number, concurrency: number, label: string): Promise<number> {
  const started = process.hrtime.bigint();
  await boundedPool(count, concurrency, (index) => pushSmallImage(client, `cluster/${label}-${index}`, "v1", `${label}-${index}`).then(() => undefined));
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

export const cluster: Scenario = {
  name: "cluster",
  description: "Berth replicas on PostgreSQL behind nginx: manifest GET with 3 and 1 replicas; small image pushes, PostgreSQL vs SQLite",
  async run(context) {
    const { manifestConnections, manifestSeconds, manifestWarmupSeconds, seedConcurrency, catalogRepos } = context.config;
    const pushes = Math.max(100, Math.round(catalogRepos / 10));
    context.progress(`starting PostgreSQL, ${REPLICAS} replicas and nginx`);
    const running = await startCluster({ replicas: REPLICAS, storage: "filesystem" });
    const single = await startNginx({ upstreams: [running.replicas[0]!.host] });
    const sqlite = await startSide("berth", false);
    try {
      const client = new HttpClient(running.nginx.url);
      const image = await pushSmallImage(client, "cluster/manifest", "latest", "cluster-manifest");
      await getManifest(client, image);
      client.close();
      const urls = {
        three: `${running.nginx.url}/v2/${image.repo}/manifests/${image.tag}`,
        one: `${single.url}/v2/${image.repo}/manifests/${image.tag}`,
      };
      for (const [name, url] of Object.entries(urls)) {
        context.progress(`manifest GET via nginx, ${name} replica(s): warm-up ${manifestWarmupSeconds} s`);
        checked(await load(url, manifestConnections, manifestWarmupSeconds), `warm-up (${name})`);
      }
      const rounds: { three: LoadFigures[]; one: LoadFigures[] } = { three: [], one: [] };
      const slice = manifestSeconds / ROUNDS;
      for (let round = 0; round < ROUNDS; round++) {
        for (const name of round % 2 === 0 ? (["three", "one"] as const) : (["one", "three"] as const)) {
          const figures = checked(await load(urls[name], manifestConnections, slice), `manifest GET (${name})`);
          rounds[name].push(figures);
          context.progress(`manifest GET via nginx, ${name} replica(s), round ${round + 1}: ${figures.requestsPerSecond.toFixed(0)} req/s`);
        }
      }
      const three = combine(rounds.three);
      const one = combine(rounds.one);

      const clients = { postgres: new HttpClient(running.replicas[0]!.url), sqlite: new HttpClient(sqlite.url) };
      const rates: { postgres: number[]; sqlite: number[] } = { postgres: [], sqlite: [] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const store of round % 2 === 0 ? (["postgres", "sqlite"] as const) : (["sqlite", "postgres"] as const)) {
          const rate = await pushRate(clients[store], pushes, seedConcurrency, `${store}-${round}`);
          rates[store].push(rate);
          context.progress(`small image pushes, ${store}, round ${round + 1}: ${pushes} images at ${rate.toFixed(1)} images/s`);
        }
      }
      for (const each of Object.values(clients)) each.close();
      const average = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

      return {
        rows: [
          evaluate({ id: "cluster-manifest-3", label: `cluster: manifest GET via nginx, ${REPLICAS} replicas, ${manifestConnections} conns`, unit: "req/s", better: "higher" }, three.requestsPerSecond, null),
          evaluate({ id: "cluster-manifest-1", label: `cluster: manifest GET via nginx, 1 replica, ${manifestConnections} conns`, unit: "req/s", better: "higher" }, one.requestsPerSecond, null),
          evaluate({ id: "cluster-push-postgres", label: `cluster: small image push, PostgreSQL (${seedConcurrency} in flight)`, unit: "images/s", better: "higher" }, average(rates.postgres), null),
          evaluate({ id: "cluster-push-sqlite", label: `cluster: small image push, SQLite (${seedConcurrency} in flight)`, unit: "images/s", better: "higher" }, average(rates.sqlite), null),
        ],
        details: { manifest: { three, one, rounds }, pushes: { count: pushes, rates }, replicas: REPLICAS },
      };
    } finally {
      await sqlite.stop();
      await single.stop();
      await running.stop();
    }
  },
};
