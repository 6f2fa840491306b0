/** Text output: one line per test, a detailed block per failure, the closing summary line. */
import { type ConformanceReport, type FailureDetail, type Feature, type TestResult } from "./types.js";

function oneLine(text: string, max = 600): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

function describeFailure(detail: FailureDetail): string {
  const parts = [detail.message];
  if (detail.request) parts.push(`request: ${detail.request}`);
  if (detail.expected) parts.push(`expected: ${detail.expected}`);
  if (detail.got) parts.push(`got: ${detail.got}`);
  return parts.join("; ");
}

/** "PASS group › name", "FAIL group › name — reason; request: …; expected: …; got: …". */
export function formatResult(result: TestResult): string {
  const title = `${result.group} › ${result.name}`;
  const notes = result.notes.length ? ` [${result.notes.join("; ")}]` : "";
  if (result.passed) return oneLine(`PASS ${title}${notes}`, 2000);
  const more = result.failures.length > 1 ? ` (+${result.failures.length - 1} more failed check(s))` : "";
  const detail = result.failure ? describeFailure(result.failure) : "failed";
  if (result.unsupported) {
    const feature = result.failure?.feature ?? result.features[0];
    return oneLine(`UNSUPPORTED ${title} — [${feature ?? "?"}] ${detail}${more}`, 2000);
  }
  return oneLine(`FAIL ${title} — ${detail}${more}${notes}`, 2000);
}

/** A multi-line block for one failed test, every failed check with request/expected/got. */
export function formatFailureBlock(result: TestResult): string {
  const lines = [`✗ ${result.group} › ${result.name}${result.features.length ? ` [${result.features.join(", ")}]` : ""}`];
  for (const detail of result.failures) {
    lines.push(`    - ${detail.message}${detail.feature ? ` [${detail.feature}]` : ""}`);
    if (detail.request) lines.push(`      request:  ${oneLine(detail.request, 400)}`);
    if (detail.expected) lines.push(`      expected: ${oneLine(detail.expected, 400)}`);
    if (detail.got) lines.push(`      got:      ${oneLine(detail.got, 600)}`);
  }
  return lines.join("\n");
}

/** The features behind the tests that were reported unsupported. */
export function unsupportedFeatures(report: ConformanceReport): Feature[] {
  const found = new Set<Feature>();
  for (const result of report.results) {
    if (result.passed || !result.unsupported) continue;
    const feature = result.failure?.feature ?? result.features[0];
    if (feature) found.add(feature);
  }
  return [...found].sort();
}

/** The closing lines; the last one is exactly "N passed, N failed". */
export function formatSummary(report: ConformanceReport): string[] {
  const lines: string[] = [];
  if (report.unsupported > 0) {
    const features = unsupportedFeatures(report);
    lines.push(`${report.unsupported} not supported by this registry (features: ${features.join(", ")})`);
  }
  lines.push(`${report.passed} passed, ${report.failed} failed`);
  return lines;
}

/** Failure blocks for every genuine failure, for assertion messages. */
export function formatFailures(report: ConformanceReport): string {
  return report.results
    .filter((r) => !r.passed && !r.unsupported)
    .map(formatFailureBlock)
    .join("\n");
}
