import { generateKeyPairSync } from "node:crypto";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { SqliteMetadataStore } from "../metadata/sqlite.js";
import { SIGNING_KEY_SETTING, sharedSigningKey } from "./shared-signing-key.js";
import { libtrustKeyId } from "./signing-key.js";

const silent = pino({ level: "silent" });

describe("sharedSigningKey", () => {
  it("generates the key once and gives every later caller (replica) the same one", async () => {
    const store = new SqliteMetadataStore(":memory:");
    try {
      const [first, second] = await Promise.all([sharedSigningKey(store.settings, silent), sharedSigningKey(store.settings, silent)]);
      expect(first.algorithm).toBe("ES256");
      expect(second.keyId).toBe(first.keyId);
      expect((await sharedSigningKey(store.settings, silent)).keyId).toBe(first.keyId);
      expect(await store.settings.get(SIGNING_KEY_SETTING)).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    } finally {
      await store.close();
    }
  });

  it("uses a key already stored, and names the setting when it is not a usable key", async () => {
    const store = new SqliteMetadataStore(":memory:");
    try {
      const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      await store.settings.set(SIGNING_KEY_SETTING, privateKey.export({ type: "pkcs8", format: "pem" }).toString());
      const key = await sharedSigningKey(store.settings, silent);
      expect(key.algorithm).toBe("RS256");
      expect(key.keyId).toBe(libtrustKeyId(publicKey));
      await store.settings.set(SIGNING_KEY_SETTING, "not a key");
      await expect(sharedSigningKey(store.settings, silent)).rejects.toThrow(SIGNING_KEY_SETTING);
    } finally {
      await store.close();
    }
  });
});
