/**
 * log.formatter: text — pino's JSON lines rewritten the way registry:2 (logrus) prints them:
 * time="…" level=info msg="…" then the other fields as key=value, sorted by key.
 */
import type { DestinationStream } from "pino";

/** logrus quotes a value unless it is made only of these characters. */
const BARE = /^[A-Za-z0-9\-._/@^+]+$/;

function formatValue(value: unknown): string {
  const text =
    typeof value === "string"
      ? value
      : value !== null && typeof value === "object"
        ? "message" in value && typeof value.message === "string"
          ? value.message // an error, as pino serialises it
          : JSON.stringify(value)
        : String(value);
  return BARE.test(text) ? text : JSON.stringify(text);
}

/** One JSON log line → one text line. A line that is not JSON is passed through. */
export function toTextLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { time, level, msg, ...fields } = record;
  const parts = [`time=${formatValue(time ?? "")}`, `level=${formatValue(level ?? "info")}`, `msg=${JSON.stringify(msg ?? "")}`];
  for (const key of Object.keys(fields).sort()) parts.push(`${key}=${formatValue(fields[key])}`);
  return `${parts.join(" ")}\n`;
}

/** A pino destination writing text lines to `out` (stdout by default). */
export function textDestination(out: NodeJS.WritableStream = process.stdout): DestinationStream {
  return {
    write(line: string) {
      out.write(toTextLine(line));
    },
  };
}
