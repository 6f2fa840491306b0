/**
 * Failed logins kept in the metadata database, so replicas sharing it count them together
 * (auth/shared-login-throttle.ts). Keys are "u:<user>" and "a:<address>"; times are epoch
 * milliseconds by the database's clock (MetadataStore.now()).
 */
export interface LoginFailureRecords {
  /** Records one failure at `at` under each key, and forgets every failure before `forgetBefore`. */
  add(keys: readonly string[], at: number, forgetBefore: number): Promise<void>;
  /** The key's failures at or after `since`, oldest first. */
  since(key: string, since: number): Promise<number[]>;
  /** Forgets the key's failures (a successful login clears the user's). */
  clear(key: string): Promise<void>;
}
