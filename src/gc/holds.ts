/**
 * Online garbage collection: how writers and a running collector stay out of each other's way.
 *
 * The collector runs while `berth serve` (one or more processes sharing the storage and the
 * metadata database) keeps accepting pushes. Storage offers no locks, so the metadata database
 * coordinates: its transactions are serialised (SQLite BEGIN IMMEDIATE; a shared PostgreSQL later).
 *
 * Writers — every request that makes a blob or manifest reachable from a new place: a manifest
 * PUT (revision link, tags), a blob upload's completion and a cross-repository mount (`_layers`
 * link), a restore from the trash — do, in this order:
 *   W1. hold(D): one transaction records a hold on every digest D the new reference needs,
 *       closed downwards (a manifest's hold covers its config and layers, and for an index its
 *       children and their blobs), and reports which of D a collector has claimed;
 *   W2. wait until none of D is claimed (a claim lasts until its deletion is done);
 *   W3. check that what it refers to exists (MANIFEST_BLOB_UNKNOWN / BLOB_UNKNOWN otherwise),
 *       write the link files, answer the client;
 *   W4. release the hold (stamping released_at), whatever happened.
 *
 * A collection run R:
 *   C1. records T = markStartedAt, then marks: reads every repository's tags, revisions and
 *       `_layers` links, and the trash entries it is not purging, all after T;
 *   C2. for each blob (or untagged revision) it would delete — unmarked, written before
 *       T − grace, no `_layers` link newer than that — one transaction claims the digest
 *       unless a hold on it is open or was released at or after T;
 *   C3. deletes it from storage, then drops the claim.
 *
 * Claim: if a writer W acknowledged a reference to blob B, R does not delete B.
 * Suppose R deletes B; its claim transaction ran at time c, the deletion finished at d > c.
 *   - W's hold committed after c: W saw the claim (W1) and waited (W2) until after d, so its
 *     existence check (W3) found B gone and W failed instead of acknowledging.
 *   - W's hold committed before c: at c the hold was open or released at some r. Open, or
 *     r >= T, means R refused the claim — contradiction. So r < T: W wrote its links before T,
 *     and R's mark (C1, which reads storage after T) saw them and marked B — contradiction,
 *     unless a user deleted that reference meanwhile, which makes B garbage by right.
 * Soft deletes move link files into the trash after recording the entry in metadata, and C1
 * reads the trash records after the repositories, so a tag moving to the trash during marking
 * is seen in one place or the other.
 *
 * Time enters in two places only. The grace period (by modTime of the blob data and of its
 * `_layers` links) is for liveness, not safety: it keeps the layers of a push whose manifest has
 * not arrived yet. And a claim expires after CLAIM_TTL_MS so a crashed collector cannot block
 * writers forever; the collector deletes only within CLAIM_USE_MS of claiming, so the argument
 * above assumes it is never stalled for CLAIM_TTL_MS − CLAIM_USE_MS (30 s) between its check
 * and its delete call. Release times and T must come from one clock: with SQLite every process
 * is on one host; a database shared across hosts must stamp them with its own clock, which
 * MetadataStore.now() gives (PostgreSQL's clock, tracked by an offset from the local one).
 */
import type { StorageDriver } from "../../storage-drivers/driver.js";
import type { MetadataStore } from "../metadata/store.js";
import { RegistryError } from "../registry/errors.js";
import type { ParsedManifest } from "../registry/manifest-parse.js";
import * as paths from "../registry/paths.js";
import { parseDigest } from "../registry/reference.js";
import { isNotFound } from "../registry/storage-errors.js";
import { manifestReferences } from "./references.js";

/** How long a claim protects a deletion before writers stop waiting for it. */
export const CLAIM_TTL_MS = 60_000;
/** The collector deletes only this soon after claiming; later, it claims again. */
export const CLAIM_USE_MS = 30_000;
const POLL_MS = 20;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` while holding the digests (W1–W4 above). */
export async function whileHeld<T>(metadata: MetadataStore, digests: Iterable<string>, work: () => Promise<T>): Promise<T> {
  const wanted = [...new Set(digests)];
  if (wanted.length === 0) return work();
  const coordination = metadata.gcCoordination;
  const { holdId, claimed } = await coordination.hold(wanted, metadata.now());
  try {
    let waiting = claimed;
    const deadline = Date.now() + CLAIM_TTL_MS + 5_000;
    while (waiting.length > 0) {
      if (Date.now() > deadline) throw new RegistryError("UNAVAILABLE", "garbage collection is deleting content this request needs; retry");
      await sleep(POLL_MS);
      waiting = await coordination.claimed(waiting, metadata.now());
    }
    return await work();
  } finally {
    await coordination.release(holdId, metadata.now());
  }
}

/** Child manifests nest rarely; deeper levels are covered by their own pushes' holds and marking. */
const MAX_DEPTH = 4;

export interface Closure {
  /** The manifests, their blobs, and their children's, to MAX_DEPTH levels. */
  digests: string[];
  /** Manifests among them whose data is not in storage. */
  missingManifests: string[];
}

/** Everything the given manifests refer to, read from storage. */
export async function manifestClosure(driver: StorageDriver, manifests: string[]): Promise<Closure> {
  const set = new Set<string>();
  const missingManifests: string[] = [];
  let level = manifests;
  for (let depth = 0; depth <= MAX_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const manifest of level) {
      if (set.has(manifest)) continue;
      set.add(manifest);
      const references = await storedReferences(driver, manifest);
      if (references === "missing") {
        missingManifests.push(manifest);
        continue;
      }
      if (!references) continue;
      for (const blob of references.blobs) set.add(blob);
      next.push(...references.children);
    }
    level = next;
  }
  return { digests: [...set], missingManifests };
}

/**
 * What a manifest PUT must hold: the manifest, its blobs, and for an index its children with
 * their references (a child must already exist in the repository).
 */
export async function manifestHoldSet(driver: StorageDriver, digest: string, manifest: ParsedManifest): Promise<string[]> {
  const children = await manifestClosure(
    driver,
    manifest.children.map((child) => child.digest.value),
  );
  return [...new Set([digest, ...manifest.blobs.map((blob) => blob.digest.value), ...children.digests])];
}

async function storedReferences(driver: StorageDriver, digestText: string) {
  const digest = parseDigest(digestText);
  if (!digest) return null;
  try {
    return manifestReferences(await driver.getContent(paths.blobData(digest)));
  } catch (error) {
    if (isNotFound(error)) return "missing" as const;
    throw error;
  }
}
