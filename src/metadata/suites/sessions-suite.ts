/** Portal sign-in sessions, run against every implementation. */
import { describe, expect, it } from "vitest";
import type { SessionRecord } from "../session-records.js";
import { storeFixture, type MetadataFactory } from "./fixture.js";

function session(idHash: string, extra: Partial<SessionRecord> = {}): SessionRecord {
  return { idHash, user: "alice", source: "managed", csrfToken: `csrf-${idHash}`, createdAt: 1_000, lastSeenAt: 1_000, expiresAt: 100_000, ...extra };
}

export function sessionsSuite(factory: MetadataFactory): void {
  describe(`portal sessions (${factory.name})`, () => {
    const fixture = storeFixture(factory);

    it("creates, reads, touches forward only, and deletes sessions", async () => {
      const { sessions } = await fixture.store();
      await sessions.create(session("a", { source: "ldap" }));
      expect(await sessions.get("a")).toEqual(session("a", { source: "ldap" }));
      expect(await sessions.get("b")).toBeNull();
      await sessions.touch("a", 5_000);
      await sessions.touch("a", 4_000);
      expect((await sessions.get("a"))?.lastSeenAt).toBe(5_000);
      expect(await sessions.delete("a")).toBe(true);
      expect(await sessions.delete("a")).toBe(false);
    });

    it("ends a user's sessions, and expired or idle ones", async () => {
      const { sessions } = await fixture.store();
      await sessions.create(session("a1"));
      await sessions.create(session("a2", { source: "htpasswd" }));
      await sessions.create(session("b1", { user: "bob" }));
      expect(await sessions.deleteForUser("alice")).toBe(2);
      expect(await sessions.get("b1")).not.toBeNull();
      await sessions.create(session("expired", { expiresAt: 2_000, lastSeenAt: 1_900 }));
      await sessions.create(session("idle", { lastSeenAt: 1_500 }));
      await sessions.create(session("live", { lastSeenAt: 3_000 }));
      // b1 was last seen at 1_000: idle too.
      expect(await sessions.deleteExpired(2_000, 2_500)).toBe(3);
      expect(await sessions.get("live")).not.toBeNull();
    });
  });
}
