/** Reads a small request body (a manifest) into memory, refusing more than a limit. */
import type { Request } from "express";
import { RegistryError } from "../registry/errors.js";

function tooLarge(limit: number): RegistryError {
  return new RegistryError("MANIFEST_INVALID", `manifest exceeds the ${limit}-byte limit`, { limit }, 413);
}

export async function readBody(req: Request, limit: number): Promise<Buffer> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    const bytes = chunk as Buffer;
    total += bytes.length;
    if (total > limit) throw tooLarge(limit);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, total);
}
