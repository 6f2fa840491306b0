/**
 * Pure parts of the report: statistics, the Berth-vs-reference ratio, target checks and
 * the printed table.
 */

/** Whether a bigger number is better (throughput) or a smaller one (latency, time, memory). */
export type Better = "higher" | "lower";

export type Target =
  /** Berth must be at least `min` times better than the reference (ratio ≥ min). */
  | { kind: "ratio"; min: number }
  /** Berth's own figure must be below `max` (in the metric's unit). */
  | { kind: "berth-below"; max: number }
  /** Reported for information only. */
  | { kind: "none" };

export interface MetricSpec {
  id: string;
  label: string;
  unit: string;
  better: Better;
  target: Target;
}

export interface Row {
  id: string;
  label: string;
  unit: string;
  berth: number | null;
  reference: number | null;
  /** How many times better Berth is (> 1: Berth better), whichever way "better" points. */
  ratio: number | null;
  target: string;
  /** null when there is no target or a figure is missing. */
  met: boolean | null;
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

export function describeTarget(target: Target, unit: string): string {
  switch (target.kind) {
    case "ratio":
      return `≥ ${target.min}×`;
    case "berth-below":
      return `Berth < ${target.max} ${unit}`;
    case "none":
      return "—";
  }
}

export function evaluate(spec: MetricSpec, berth: number | null, reference: number | null): Row {
  const ratio = advantage(spec.better, berth, reference);
  let met: boolean | null = null;
  if (spec.target.kind === "ratio" && ratio !== null) met = ratio >= spec.target.min;
  if (spec.target.kind === "berth-below" && berth !== null) met = berth < spec.target.max;
  return {
    id: spec.id,
    label: spec.label,
    unit: spec.unit,
    berth,
    reference,
    ratio,
    target: describeTarget(spec.target, spec.unit),
    met,
  };
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

/** A plain-text table: scenario | Berth | registry:2 | ratio | target | met? */
export function formatTable(rows: readonly Row[]): string {
  const header = ["scenario", "Berth", "registry:2", "ratio", "target", "met?"];
  const body = rows.map((row) => [
    `${row.label} (${row.unit})`,
    formatNumber(row.berth),
    formatNumber(row.reference),
    formatRatio(row.ratio),
    row.target,
    row.met === null ? "—" : row.met ? "yes" : "NO",
  ]);
  const all = [header, ...body];
  const widths = header.map((_, column) => Math.max(...all.map((cells) => [...(cells[column] ?? "")].length)));
  const numeric = new Set([1, 2, 3]);
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => {
        const pad = " ".repeat((widths[column] ?? 0) - [...cell].length);
        return numeric.has(column) ? pad + cell : cell + pad;
      })
      .join(" | ");
  const rule = widths.map((width) => "-".repeat(width)).join("-|-");
  return [line(header), rule, ...body.map(line)].join("\n");
}
