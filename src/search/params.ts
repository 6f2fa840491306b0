/** Query parameters of the search endpoints: bad values are the client's 400, never a 500. */
import type { Request } from "express";
import { invalid } from "../access/errors.js";
import { MAX_TERM_LENGTH } from "./search.js";

function single(req: Request, key: string): string | undefined {
  const value: unknown = req.query[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw invalid(`${key} must be given once`);
  return value;
}

/** `?q=` trimmed; absent or empty matches every repository. */
export function termParam(req: Request): string {
  const term = (single(req, "q") ?? "").trim();
  if (term.length > MAX_TERM_LENGTH) throw invalid(`q must be at most ${MAX_TERM_LENGTH} characters`);
  return term;
}

/** An integer in [min, max]; `fallback` when absent or empty. */
export function integerParam(req: Request, key: string, range: { min: number; max: number; fallback: number }): number {
  const value = single(req, key);
  if (value === undefined || value === "") return range.fallback;
  const number = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= range.min && number <= range.max)) throw invalid(`${key} must be an integer from ${range.min} to ${range.max}`);
  return number;
}
