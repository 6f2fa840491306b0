/** The one error handler: renders RegistryError as the spec's JSON body; anything else is a logged 500. */
import type { NextFunction, Request, Response } from "express";
import type { Logger } from "pino";
import { RegistryError } from "../registry/errors.js";
import { toRegistryError } from "../registry/storage-errors.js";

/** Errors Express or Node raise for a client's malformed request (bad JSON, aborted body, ...). */
function isClientError(error: unknown): error is { status: number; message: string } {
  if (typeof error !== "object" || error === null) return false;
  const status = (error as { status?: unknown }).status;
  return typeof status === "number" && status >= 400 && status < 500;
}

export function notFound(_req: Request, _res: Response, next: NextFunction): void {
  // Not an API endpoint: the spec has no code for that, UNSUPPORTED is the nearest (with a 404).
  next(new RegistryError("UNSUPPORTED", "no such API endpoint", undefined, 404));
}

export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const mapped = toRegistryError(error);
    let registryError: RegistryError;
    if (mapped instanceof RegistryError) {
      registryError = mapped;
      // A 5xx the registry answers itself (storage down, ...) is the operator's to look into.
      if (registryError.status >= 500) logger.warn({ err: registryError.cause ?? registryError, method: req.method, url: req.originalUrl }, `request failed: ${registryError.message}`);
    } else if (isClientError(mapped)) {
      registryError = new RegistryError(mapped.status === 413 ? "SIZE_INVALID" : "UNSUPPORTED", mapped.message, undefined, mapped.status);
    } else if ((mapped as { code?: unknown } | null)?.code === "ECONNRESET" || req.destroyed) {
      // The client went away mid-request: nothing to answer.
      return;
    } else {
      logger.error({ err: mapped, method: req.method, url: req.originalUrl }, "request failed");
      registryError = new RegistryError("UNKNOWN", "internal server error");
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [name, value] of Object.entries(registryError.headers)) res.setHeader(name, value);
    res.status(registryError.status);
    res.setHeader("Content-Type", "application/json");
    res.end(req.method === "HEAD" ? undefined : JSON.stringify({ errors: [registryError] }));
  };
}
