/**
 * The token signing key of replicas sharing a PostgreSQL database. A key generated into a file
 * beside each replica's working folder would differ per replica, and a token one replica issued
 * would be refused by the next one behind the load balancer. So the first replica to start
 * generates it and stores it in the database (a setting nothing else reads or shows); every
 * replica after it loads that one. auth.berth.signingkey (a file each replica is given) still
 * takes precedence.
 */
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import type { Logger } from "pino";
import type { Settings } from "../metadata/gc-records.js";
import { signingKeyFrom, type SigningKey } from "./signing-key.js";

export const SIGNING_KEY_SETTING = "auth.berth.signingkey.pem";

export async function sharedSigningKey(settings: Settings, logger: Logger): Promise<SigningKey> {
  const generated = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const pem = await settings.setIfAbsent(SIGNING_KEY_SETTING, generated);
  if (pem === generated) logger.info("generated the token signing key, kept in the metadata database for every replica");
  try {
    return signingKeyFrom(createPrivateKey(pem));
  } catch (error) {
    throw new Error(`the token signing key stored in the metadata database (setting ${SIGNING_KEY_SETTING}): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
