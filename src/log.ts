/**
 * The application logger (pino), configured by the `log` section: `level`, `formatter`
 * (json: one JSON object per line; text: registry:2's key=value lines) and `fields`
 * (added to every line).
 */
import { pino, type DestinationStream, type Logger } from "pino";
import type { Config } from "./config/types.js";
import { textDestination } from "./log-text.js";

export function createLogger(config: Config["log"], out: NodeJS.WritableStream = process.stdout): Logger {
  const destination: DestinationStream =
    config.formatter === "text" ? textDestination(out) : out === process.stdout ? pino.destination(1) : (out as DestinationStream);
  return pino(
    {
      level: config.level,
      base: { service: "berth", ...config.fields },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
