/** The management layer's refusals, as registry errors the one error handler renders. */
import { RegistryError } from "../registry/errors.js";

export function notFound(what: string): RegistryError {
  return new RegistryError("NOT_FOUND", `${what} not found`, undefined, 404);
}

export function forbidden(message = "requested access to the resource is denied"): RegistryError {
  return new RegistryError("DENIED", message, undefined, 403);
}

export function invalid(message: string, detail?: unknown): RegistryError {
  return new RegistryError("UNSUPPORTED", message, detail, 400);
}

export function conflict(message: string): RegistryError {
  return new RegistryError("UNSUPPORTED", message, undefined, 409);
}
