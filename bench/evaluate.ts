/**
 * Pure parts of the report: statistics, the Berth-vs-reference ratio and the printed table.
 */

/** Whether a bigger number is better (throughput) or a smaller one (latency, time, memory). */
export type Better = "higher" | "lower";

export interface MetricSpec {
  id: string;
  label: string;
  unit: string;
  better: Better;
}

export interface Row extends MetricSpec {
  berth: number | null;
  reference: number | null;
  /** How many times better Berth is (> 1: Berth better), whichever way "better" points. */
  ratio: number | null;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median of nothing");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("mean of nothing");
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Berth's advantage: berth/ref for higher-is-better, ref/berth for lower-is-better. */
export function advantage(better: Better, berth: number | null, reference: number | null): number | null {
  if (berth === null || reference === null || !Number.isFinite(berth) || !Number.isFinite(reference)) return null;
  const [numerator, denominator] = better === "higher" ? [berth, reference] : [reference, berth];
  if (denominator === 0) return numerator === 0 ? 1 : Number.POSITIVE_INFINITY;
  return numerator / denominator;
}

export function evaluate(spec: MetricSpec, berth: number | null, reference: number | null): Row {
  return { ...spec, berth, reference, ratio: advantage(spec.better, berth, reference) };
}

/** A figure with about four significant digits, no exponent. */
export function formatNumber(value: number | null): string {
  if (value === null) return "n/a";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "-∞";
  const magnitude = Math.abs(value);
  const decimals = magnitude >= 1000 ? 0 : magnitude >= 100 ? 1 : magnitude >= 10 ? 2 : 3;
  return value.toFixed(decimals);
}

export function formatRatio(ratio: number | null): string {
  if (ratio === null) return "n/a";
  if (!Number.isFinite(ratio)) return "∞";
  return `${ratio.toFixed(2)}×`;
}

/** A plain-text table: scenario | unit | better | Berth | registry:2 | ratio (Berth's advantage). */
export function formatTable(rows: readonly Row[]): string {
  const header = ["scenario", "unit", "better", "Berth", "registry:2", "ratio"];
  const body = rows.map((row) => [
    row.label,
    row.unit,
    row.better,
    formatNumber(row.berth),
    formatNumber(row.reference),
    formatRatio(row.ratio),
  ]);
  const all = [header, ...body];
  const widths = header.map((_, column) => Math.max(...all.map((cells) => [...(cells[column] ?? "")].length)));
  const numeric = new Set([3, 4, 5]);
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => {
        const pad = " ".repeat((widths[column] ?? 0) - [...cell].length);
        return numeric.has(column) ? pad + cell : cell + pad;
      })
      .join(" | ")
      .trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("-|-");
  return [line(header), rule, ...body.map(line)].join("\n");
}
