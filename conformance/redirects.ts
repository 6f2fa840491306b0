/**
 * How a report shows that blob reads were served by the registry's storage: the tests whose
 * blob GET was redirected there leave a note starting with REDIRECTED_NOTE. A run against a
 * registry with redirects on should count some, or it did not exercise them.
 */
import type { ConformanceReport } from "./types.js";

export const REDIRECTED_NOTE = "GET blob redirected to storage";

/** How many of the report's tests saw a blob GET redirected to storage. */
export function redirectedToStorage(report: ConformanceReport): number {
  return report.results.filter((result) => result.notes.some((note) => note.startsWith(REDIRECTED_NOTE))).length;
}
