/** The spec's grammar for repository names, tags and digests. */
import { RegistryError } from "./errors.js";

const NAME_COMPONENT = "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*";
const NAME_PATTERN = new RegExp(`^${NAME_COMPONENT}(?:/${NAME_COMPONENT})*$`);
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST_PATTERN = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
export const MAX_NAME_LENGTH = 255;

/** Hex length of each digest algorithm the registry accepts. */
const ALGORITHMS = { sha256: 64, sha512: 128 } as const;
export type DigestAlgorithm = keyof typeof ALGORITHMS;

export interface Digest {
  algorithm: DigestAlgorithm;
  hex: string;
  /** "<algorithm>:<hex>" */
  value: string;
}

export function isValidName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && NAME_PATTERN.test(name);
}

export function checkName(name: string): string {
  if (!isValidName(name)) throw new RegistryError("NAME_INVALID", "invalid repository name", { name: printable(name) });
  return name;
}

export function isValidTag(tag: string): boolean {
  return TAG_PATTERN.test(tag);
}

export function checkTag(tag: string): string {
  if (!isValidTag(tag)) throw new RegistryError("TAG_INVALID", "invalid tag", { tag: printable(tag) });
  return tag;
}

/** Parses "<alg>:<hex>", or returns null when it is not a digest the registry accepts. */
export function parseDigest(value: string): Digest | null {
  if (value.length > 200 || !DIGEST_PATTERN.test(value)) return null;
  const colon = value.indexOf(":");
  const algorithm = value.slice(0, colon);
  const hex = value.slice(colon + 1);
  if (algorithm !== "sha256" && algorithm !== "sha512") return null;
  if (hex.length !== ALGORITHMS[algorithm] || !/^[a-f0-9]+$/.test(hex)) return null;
  return { algorithm, hex, value };
}

export function checkDigest(value: string): Digest {
  const digest = parseDigest(value);
  if (!digest) throw new RegistryError("DIGEST_INVALID", "invalid digest", { digest: printable(value) });
  return digest;
}

/** A manifest reference is a tag or a digest (digests contain ':', tags never do). */
export type ManifestReference = { kind: "tag"; tag: string } | { kind: "digest"; digest: Digest };

export function parseReference(reference: string): ManifestReference {
  if (reference.includes(":")) return { kind: "digest", digest: checkDigest(reference) };
  return { kind: "tag", tag: checkTag(reference) };
}

/** Echo client input in error details without control characters or unbounded length. */
function printable(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]/g, "?").slice(0, 300);
}
