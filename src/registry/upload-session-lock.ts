/**
 * One request at a time per upload session. Within a process a KeyedLock queues them; when
 * replicas share the metadata database (PostgreSQL) the request also holds the session's lease
 * there, so two PATCHes of the same offset sent to two replicas cannot both append: the second
 * waits, then finds the first's bytes and answers 416. A lease outlives a killed replica by at
 * most LEASE_MS; a living holder renews it while it streams.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { MetadataStore } from "../metadata/store.js";
import type { UploadLeaseRecords } from "../metadata/upload-lease-records.js";
import { KeyedLock } from "./keyed-lock.js";

const LEASE_MS = 15_000;
const RENEW_MS = LEASE_MS / 3;
const FIRST_RETRY_MS = 10;
const MAX_RETRY_MS = 250;

export class UploadSessionLock {
  private readonly local = new KeyedLock();

  constructor(private readonly metadata: MetadataStore) {}

  run<T>(uuid: string, work: () => Promise<T>): Promise<T> {
    return this.local.run(uuid, () => {
      const leases = this.metadata.uploadLeases;
      return leases ? this.leased(leases, uuid, work) : work();
    });
  }

  private async leased<T>(leases: UploadLeaseRecords, uuid: string, work: () => Promise<T>): Promise<T> {
    const owner = randomUUID();
    // Waits as long as another replica holds the session, as the KeyedLock waits within one.
    for (let wait = FIRST_RETRY_MS; ; wait = Math.min(wait * 2, MAX_RETRY_MS)) {
      const now = this.metadata.now();
      if (await leases.acquire(uuid, owner, now + LEASE_MS, now)) break;
      await sleep(wait);
    }
    const renewal = setInterval(() => void leases.renew(uuid, owner, this.metadata.now() + LEASE_MS).catch(() => undefined), RENEW_MS);
    renewal.unref();
    try {
      return await work();
    } finally {
      clearInterval(renewal);
      await leases.release(uuid, owner, this.metadata.now()).catch(() => undefined);
    }
  }
}
