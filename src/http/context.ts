/** What every /v2 handler receives: the request, the response, and the registry it serves. */
import type { Request, Response } from "express";
import type { Config } from "../config/types.js";
import type { Registry } from "../registry/registry.js";

export interface HandlerContext {
  req: Request;
  res: Response;
  registry: Registry;
  config: Config;
  /** Path parts matched by the route (name, digest, reference, uuid). */
  params: Record<string, string>;
}

export type Handler = (context: HandlerContext) => Promise<void>;

/** An absolute or prefix-relative URL for a registry path such as "/v2/a/blobs/sha256:…". */
export function urlFor(context: HandlerContext, path: string): string {
  const prefix = context.config.http.prefix.replace(/\/+$/, "");
  const host = context.config.http.host?.replace(/\/+$/, "") ?? "";
  return `${host}${prefix}${path}`;
}

/** The first value of a query parameter, or undefined (repeated parameters are not meaningful here). */
export function queryParam(context: HandlerContext, key: string): string | undefined {
  const value = context.req.query[key];
  if (typeof value === "string") return value;
  if (Array.isArray(value) && typeof value[0] === "string") return value[0];
  return undefined;
}

/** Every value of a query parameter (`?tag=a&tag=b`). */
export function queryParams(context: HandlerContext, key: string): string[] {
  const value = context.req.query[key];
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((entry): entry is string => typeof entry === "string");
  return [];
}
