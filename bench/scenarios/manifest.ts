/** Manifest GET by tag under concurrent keep-alive connections, driven by autocannon. */
import autocannon from "autocannon";
import { evaluate } from "../evaluate.js";
import { MANIFEST_ACCEPT, getManifest, pushSmallImage } from "../registry-client.js";
import type { Side } from "../servers.js";
import { SIDES, withBoth, type Scenario } from "./common.js";

export interface LoadFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
}

/** Only 2xx answers count towards requests/s: a registry that fails fast must not look fast. */
async function load(url: string, connections: number, seconds: number): Promise<LoadFigures> {
  const result = await autocannon({ url, connections, duration: seconds, headers: { accept: MANIFEST_ACCEPT } });
  return {
    requestsPerSecond: result["2xx"] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    ok: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
  };
}

export const manifestGet: Scenario = {
  name: "manifest-get",
  description: "manifest GET by tag with a pulling client's Accept header, under concurrent connections (autocannon)",
  async run(context) {
    const { manifestConnections, manifestSeconds, manifestWarmupSeconds } = context.config;
    return withBoth(context, async (registries, clients) => {
      const urls: Partial<Record<Side, string>> = {};
      for (const side of SIDES) {
        const image = await pushSmallImage(clients[side], "bench/manifest", "latest", "manifest-get");
        await getManifest(clients[side], image); // the same bytes come back
        urls[side] = `${registries[side].url}/v2/${image.repo}/manifests/${image.tag}`;
      }
      const figures: Partial<Record<Side, LoadFigures>> = {};
      for (const side of SIDES) {
        const url = urls[side] as string;
        context.progress(`${side}: warm-up ${manifestWarmupSeconds} s`);
        await load(url, manifestConnections, manifestWarmupSeconds);
        context.progress(`${side}: ${manifestConnections} connections for ${manifestSeconds} s`);
        const measured = await load(url, manifestConnections, manifestSeconds);
        figures[side] = measured;
        context.progress(
          `${side}: ${measured.requestsPerSecond.toFixed(0)} req/s, p50 ${measured.p50Ms} ms, p99 ${measured.p99Ms} ms, ` +
            `${measured.non2xx} non-2xx, ${measured.errors} errors, ${measured.timeouts} timeouts`,
        );
        if (measured.non2xx > 0 || measured.errors > 0) context.progress(`WARNING ${side}: failed requests under load (not counted in req/s)`);
      }
      const berth = figures.berth as LoadFigures;
      const reference = figures.reference as LoadFigures;
      const label = `manifest GET, ${manifestConnections} conns`;
      return {
        rows: [
          evaluate({ id: "manifest-rps", label, unit: "req/s", better: "higher" }, berth.requestsPerSecond, reference.requestsPerSecond),
          evaluate({ id: "manifest-p99", label: `${label}, p99 latency`, unit: "ms", better: "lower" }, berth.p99Ms, reference.p99Ms),
        ],
        details: { berth, reference },
      };
    });
  },
};
