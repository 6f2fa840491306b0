/**
 * The built-in token service's signing key: a PEM private key (EC P-256 → ES256, or RSA →
 * RS256) read from auth.berth.signingkey, or generated there on first start (mode 0600,
 * written atomically) and kept, so tokens and `docker login` refresh tokens survive restarts.
 * Its key ID is registry:2's (libtrust) fingerprint of the public key, so a registry:2 given
 * the matching certificate as rootcertbundle would recognise it too.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "pino";

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  algorithm: "ES256" | "RS256";
  keyId: string;
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** libtrust's key ID: base32 of the first 240 bits of sha256(DER SubjectPublicKeyInfo), in 12 groups of 4. */
export function libtrustKeyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: "spki", format: "der" });
  const encoded = base32(createHash("sha256").update(der).digest().subarray(0, 30));
  return encoded.match(/.{4}/g)?.join(":") ?? encoded;
}

export function signingKeyFrom(privateKey: KeyObject): SigningKey {
  const type = privateKey.asymmetricKeyType;
  if (type === "ec" && privateKey.asymmetricKeyDetails?.namedCurve === "prime256v1") {
    const publicKey = createPublicKey(privateKey);
    return { privateKey, publicKey, algorithm: "ES256", keyId: libtrustKeyId(publicKey) };
  }
  if (type === "rsa" && (privateKey.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048) {
    const publicKey = createPublicKey(privateKey);
    return { privateKey, publicKey, algorithm: "RS256", keyId: libtrustKeyId(publicKey) };
  }
  throw new Error("the token signing key must be an EC P-256 or an RSA (2048 bits or more) private key");
}

export function loadOrCreateSigningKey(path: string, logger: Logger): SigningKey {
  let pem: string | undefined;
  try {
    pem = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (pem !== undefined) {
    try {
      return signingKeyFrom(createPrivateKey(pem));
    } catch (error) {
      throw new Error(`auth.berth.signingkey ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  renameSync(temp, path);
  logger.info({ path }, "generated the token signing key");
  return signingKeyFrom(privateKey);
}
