/** Manifest GET by tag under concurrent keep-alive connections, driven by autocannon. */
import autocannon from "autocannon";
import { treeCpuSeconds } from "../cpu.js";
import { evaluate, median } from "../evaluate.js";
import { MANIFEST_ACCEPT, getManifest, pushSmallImage } from "../registry-client.js";
import type { Side } from "../servers.js";
import { SIDES, order, withBoth, type Scenario } from "./common.js";

/** The measured seconds are split into this many rounds per side, alternating B R, R B, … */
const MANIFEST_ROUNDS = 2;

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
export async function load(url: string, connections: number, seconds: number): Promise<LoadFigures> {
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

/** Totals over the rounds; latency percentiles as the median of the rounds' figures. */
export function combine(rounds: readonly LoadFigures[]): LoadFigures {
  const sum = (pick: (figures: LoadFigures) => number) => rounds.reduce((total, figures) => total + pick(figures), 0);
  const ok = sum((f) => f.ok);
  const totalSeconds = sum((f) => f.seconds);
  return {
    requestsPerSecond: ok / totalSeconds,
    p50Ms: median(rounds.map((f) => f.p50Ms)),
    p99Ms: median(rounds.map((f) => f.p99Ms)),
    ok,
    non2xx: sum((f) => f.non2xx),
    errors: sum((f) => f.errors),
    timeouts: sum((f) => f.timeouts),
    seconds: totalSeconds,
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
      for (const side of SIDES) {
        context.progress(`${side}: warm-up ${manifestWarmupSeconds} s`);
        await load(urls[side] as string, manifestConnections, manifestWarmupSeconds);
      }
      // Rounds in alternating order, so a burst of outside load does not land on one side only.
      const slice = manifestSeconds / MANIFEST_ROUNDS;
      const rounds: Record<Side, LoadFigures[]> = { berth: [], reference: [] };
      const cpuSeconds: Record<Side, number> = { berth: 0, reference: 0 };
      for (let round = 0; round < MANIFEST_ROUNDS; round++) {
        for (const side of order(round)) {
          const cpuBefore = treeCpuSeconds(registries[side].pid);
          const measured = await load(urls[side] as string, manifestConnections, slice);
          cpuSeconds[side] += treeCpuSeconds(registries[side].pid) - cpuBefore;
          rounds[side].push(measured);
          context.progress(
            `${side}: round ${round + 1}/${MANIFEST_ROUNDS}, ${manifestConnections} connections for ${slice} s: ` +
              `${measured.requestsPerSecond.toFixed(0)} req/s, p50 ${measured.p50Ms} ms, p99 ${measured.p99Ms} ms, ` +
              `${measured.non2xx} non-2xx, ${measured.errors} errors, ${measured.timeouts} timeouts`,
          );
          if (measured.non2xx > 0 || measured.errors > 0) context.progress(`WARNING ${side}: failed requests under load (not counted in req/s)`);
        }
      }
      const berth = combine(rounds.berth);
      const reference = combine(rounds.reference);
      const label = `manifest GET, ${manifestConnections} conns`;
      // Server CPU per answered request: what the load of other work on the machine hardly changes.
      const cpuMsPerRequest = (side: Side, figures: LoadFigures) => (figures.ok > 0 ? (1000 * cpuSeconds[side]) / figures.ok : null);
      return {
        rows: [
          evaluate({ id: "manifest-rps", label, unit: "req/s", better: "higher" }, berth.requestsPerSecond, reference.requestsPerSecond),
          evaluate({ id: "manifest-p99", label: `${label}, p99 latency`, unit: "ms", better: "lower" }, berth.p99Ms, reference.p99Ms),
          evaluate(
            { id: "manifest-cpu", label: `${label}: server CPU`, unit: "CPU ms/req", better: "lower" },
            cpuMsPerRequest("berth", berth),
            cpuMsPerRequest("reference", reference),
          ),
        ],
        details: { berth, reference, rounds, cpuSeconds },
      };
    });
  },
};
