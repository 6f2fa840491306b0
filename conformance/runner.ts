/** Runs the suite against a registry URL and builds the report. */
import { CheckFailure } from "./check.js";
import { randomId } from "./content.js";
import { cleanUp, RunState, TestContext } from "./context.js";
import { formatResult } from "./format.js";
import { HttpClient } from "./http.js";
import type { ConformanceTest } from "./suite.js";
import { ALL_TESTS } from "./tests/index.js";
import type { ConformanceOptions, ConformanceReport, FailureDetail, Feature, TestResult } from "./types.js";
import { GROUPS, isFeature } from "./types.js";

const TEST_TIMEOUT_MS = 180_000;
const NAMESPACE = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;

/** The tests a run's `only` filter selects: by group, by feature, or by substring of "group › name". */
export function selectTests(tests: readonly ConformanceTest[], only: string[] | undefined): ConformanceTest[] {
  const filters = (only ?? []).map((f) => f.trim()).filter((f) => f.length > 0);
  if (filters.length === 0) return [...tests];
  return tests.filter((test) =>
    filters.some((filter) => {
      const lower = filter.toLowerCase();
      if ((GROUPS as readonly string[]).includes(lower)) return test.group === lower;
      if (isFeature(filter)) return test.features.includes(filter);
      return `${test.group} › ${test.name}`.toLowerCase().includes(lower);
    }),
  );
}

function failuresOf(error: unknown): FailureDetail[] {
  if (error instanceof CheckFailure) return [error.detail, ...error.more];
  const message = error instanceof Error ? error.message : String(error);
  return [{ message }];
}

/** A failure is excused when the feature it belongs to is declared unsupported. */
function excused(detail: FailureDetail, test: ConformanceTest, unsupported: ReadonlySet<Feature>): boolean {
  if (detail.feature) return unsupported.has(detail.feature);
  return test.features.some((feature) => unsupported.has(feature));
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const namespace = options.namespace ?? "conformance";
  const crossNamespace = options.crossmountNamespace ?? `${namespace}-mount`;
  for (const [label, value] of [
    ["namespace", namespace],
    ["crossmountNamespace", crossNamespace],
  ] as const) {
    if (!NAMESPACE.test(value)) throw new Error(`${label} "${value}" is not a valid repository name prefix`);
  }
  const log = options.log ?? (() => {});
  const unsupported = new Set<Feature>(options.unsupported ?? []);
  const runId = randomId(8);
  const client = new HttpClient(options.url, options.headers ?? {}, options.requestTimeoutMs ?? 30_000);
  const state = new RunState(client, `${namespace}/${runId}`, `${crossNamespace}/${runId}`);
  const tests = selectTests(ALL_TESTS, options.only);
  const startedAt = new Date();
  const results: TestResult[] = [];

  for (const test of tests) {
    const ctx = new TestContext(state);
    const started = performance.now();
    let failures: FailureDetail[] = [];
    try {
      await withTimeout(test.run(ctx), TEST_TIMEOUT_MS, `${test.group} › ${test.name}`);
    } catch (error) {
      failures = failuresOf(error);
    }
    const result: TestResult = {
      group: test.group,
      name: test.name,
      features: [...test.features],
      passed: failures.length === 0,
      unsupported: false,
      failures,
      notes: ctx.notes,
      durationMs: Math.round(performance.now() - started),
    };
    if (failures.length > 0) {
      const genuine = failures.filter((detail) => !excused(detail, test, unsupported));
      result.unsupported = genuine.length === 0;
      if (result.unsupported) {
        // Name the feature that excuses each failure.
        const excusing = test.features.find((feature) => unsupported.has(feature));
        failures = failures.map((detail) => (detail.feature || !excusing ? detail : { ...detail, feature: excusing }));
        result.failures = failures;
      }
      const shown = genuine[0] ?? failures[0];
      if (shown) result.failure = shown;
    }
    results.push(result);
    log(formatResult(result));
  }

  const cleaned = await cleanUp(state);
  if (state.created.length > 0) log(`cleanup: ${cleaned.deleted} deleted, ${cleaned.refused} refused`);

  return {
    url: options.url,
    namespace: state.ns,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    passed: results.filter((r) => r.passed).length,
    failed: results.filter((r) => !r.passed && !r.unsupported).length,
    unsupported: results.filter((r) => !r.passed && r.unsupported).length,
    results,
  };
}
