/**
 * Known gaps of other registries, for comparison runs: features a registry lacks are reported
 * as "not supported by this registry" instead of as failures. The default run uses none.
 */
import type { Feature } from "./types.js";

export const PROFILES: Record<string, { description: string; unsupported: Feature[] }> = {
  registry2: {
    description: "Docker's registry:2.8 (distribution v2.8), as packaged by Debian",
    // Each entry was observed against /usr/bin/docker-registry (2.8); see the e2e test.
    unsupported: [
      "single-post-upload", // POST ?digest= answers 202 (the spec's fallback), never 201
      "upload-range-check", // Content-Range on PATCH/PUT is ignored: out-of-order chunks get 202/201
      "range", // a 416 declares the blob's Content-Length but sends a short body
      "manifest-size-limit", // over 4 MiB: 400 MANIFEST_INVALID "http: request body too large"
      "tag-param", // ?tag= on push by digest is ignored, no OCI-Tag
      "oci-subject", // no OCI-Subject header
      "referrers", // GET /v2/<name>/referrers/<digest> is 404 "page not found"
      "referrers-filter",
      "tag-order", // tags/list in directory order
      "tag-pagination", // n and last are ignored on tags/list
      "tag-delete", // DELETE /manifests/<tag>: 400 DIGEST_INVALID (the spec allows refusing with 400)
      "json-errors", // paths its router does not match get a text/plain "404 page not found"
      "input-validation", // 500 for a 300-char name component, GET manifests/sha256:abc, PUT of "null"; 301 for ".."; %2f decoded
    ],
  },
};

export function profile(name: string): Feature[] {
  const found = PROFILES[name];
  if (!found) throw new Error(`unknown profile "${name}"; known: ${Object.keys(PROFILES).join(", ")}`);
  return [...found.unsupported];
}
