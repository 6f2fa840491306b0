/**
 * Leases on upload sessions, when the database is shared by several processes (PostgreSQL):
 * a PATCH, PUT or DELETE of one session holds its lease while it works, so two replicas never
 * append to the same session at once (registry/upload-session-lock.ts). Times are epoch
 * milliseconds by the database's clock (MetadataStore.now()).
 */
export interface UploadLeaseRecords {
  /** Takes the session's lease for `owner` unless another owner's lease is unexpired at `now`. */
  acquire(uuid: string, owner: string, expiresAt: number, now: number): Promise<boolean>;
  /** Extends the owner's lease; false when it was lost (expired and taken by another). */
  renew(uuid: string, owner: string, expiresAt: number): Promise<boolean>;
  /** Gives the lease up, and forgets leases that expired before `now` (a replica killed mid-request). */
  release(uuid: string, owner: string, now: number): Promise<void>;
}
