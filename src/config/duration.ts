/**
 * Go's time.ParseDuration, as registry:2 reads durations: "168h", "1h30m", "500ms", "1.5s", "0".
 * Returns milliseconds (fractions kept for ns/µs), or undefined when the text is not a duration.
 */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3, // U+00B5 micro sign
  "μs": 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

const NUMBER_AND_UNIT = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;

export function parseGoDuration(text: string): number | undefined {
  const sign = text.startsWith("-") ? -1 : 1;
  const body = text.replace(/^[-+]/, "");
  if (body === "0") return 0;
  if (body === "") return undefined;
  let total = 0;
  let consumed = 0;
  NUMBER_AND_UNIT.lastIndex = 0;
  for (let match = NUMBER_AND_UNIT.exec(body); match; match = NUMBER_AND_UNIT.exec(body)) {
    const [whole, amount = "", unit = ""] = match;
    total += Number(amount) * (UNIT_MS[unit] ?? Number.NaN);
    consumed += whole.length;
  }
  return consumed === body.length && Number.isFinite(total) ? sign * total : undefined;
}
