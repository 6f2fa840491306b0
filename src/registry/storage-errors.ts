/** Maps typed storage errors to registry errors: the one place this happens. */
import { InvalidOffsetError, InvalidPathError, PathNotFoundError, StorageUnavailableError } from "../../storage-drivers/errors.js";
import { RegistryError, type ErrorCode } from "./errors.js";

export function isNotFound(error: unknown): boolean {
  return error instanceof PathNotFoundError;
}

/** Runs a storage call, turning "not found" into the given registry code and outages into 503. */
export async function orUnknown<T>(code: ErrorCode, call: () => Promise<T>, detail?: unknown): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof PathNotFoundError) throw new RegistryError(code, undefined, detail);
    throw toRegistryError(error);
  }
}

/** Storage failures other than "not found", as the client should see them. */
export function toRegistryError(error: unknown): unknown {
  if (error instanceof StorageUnavailableError) {
    const unavailable = new RegistryError("UNAVAILABLE", "storage backend unavailable");
    // Kept for the log: the client sees only the code, the operator needs the backend's answer.
    unavailable.cause = error;
    return unavailable;
  }
  if (error instanceof InvalidPathError) return new RegistryError("NAME_INVALID", "invalid path");
  if (error instanceof InvalidOffsetError) return new RegistryError("RANGE_INVALID", "offset beyond end of content", undefined, 416);
  return error;
}

/** Reads a link file, or null when it does not exist. */
export async function readLinkOrNull(read: () => Promise<Buffer>): Promise<string | null> {
  try {
    return (await read()).toString("utf8").trim();
  } catch (error) {
    if (error instanceof PathNotFoundError) return null;
    throw toRegistryError(error);
  }
}
