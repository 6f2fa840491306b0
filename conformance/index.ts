/**
 * Berth's OCI Distribution conformance suite, runnable against any registry URL.
 *
 *   const report = await runConformance({ url: "http://127.0.0.1:5000" });
 */
export { runConformance, selectTests } from "./runner.js";
export { formatFailureBlock, formatFailures, formatResult, formatSummary } from "./format.js";
export { PROFILES, profile } from "./profiles.js";
export { redirectedToStorage } from "./redirects.js";
export { ALL_TESTS } from "./tests/index.js";
export type { ConformanceTest } from "./suite.js";
export { FEATURES, GROUPS, isFeature } from "./types.js";
export type { ConformanceOptions, ConformanceReport, FailureDetail, Feature, Group, TestResult } from "./types.js";
