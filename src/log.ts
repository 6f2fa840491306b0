/** The application logger (pino: structured JSON on stdout), configured by the `log` section. */
import { pino, type Logger } from "pino";
import type { Config } from "./config/types.js";

export function createLogger(config: Config["log"]): Logger {
  return pino({
    level: config.level,
    base: { service: "berth", ...config.fields },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
