/**
 * Failed logins, counted per user name and per client address over a sliding window. Once
 * either count reaches its limit, further attempts are refused before any password is
 * checked, until the oldest failure leaves the window. A success clears the user's count.
 * In memory, for one process; replicas sharing PostgreSQL count in the database instead
 * (shared-login-throttle.ts), with the same rules. The address is the TCP peer's.
 */
export interface ThrottleLimits {
  peruser: number;
  peraddress: number;
  /** Milliseconds. */
  window: number;
}

export const DEFAULT_LIMITS: ThrottleLimits = { peruser: 5, peraddress: 20, window: 15 * 60_000 };

/** What login() asks of a throttle, kept in memory or in the database. */
export interface LoginLimiter {
  /** Seconds until another attempt is allowed, or 0 when it is allowed now. */
  retryAfter(user: string, address: string): number | Promise<number>;
  failed(user: string, address: string): void | Promise<void>;
  succeeded(user: string): void | Promise<void>;
}

/** The keys a user's and an address's failures are counted under, with their limits. */
export function throttleKeys(user: string, address: string, limits: ThrottleLimits): [string, number][] {
  return [
    [`u:${user}`, limits.peruser],
    [`a:${address}`, limits.peraddress],
  ];
}

/** Seconds until the oldest of the last `limit` failures (times within the window, oldest first) leaves it; 0 below the limit. */
export function secondsBlocked(times: readonly number[], limit: number, window: number, now: number): number {
  if (times.length < limit) return 0;
  const oldest = times[times.length - limit] ?? now;
  return Math.max(0, Math.ceil((oldest + window - now) / 1000));
}

/** Bounds memory under a flood of distinct names or addresses: the oldest keys go first. */
const MAX_KEYS = 50_000;

export class LoginThrottle implements LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limits: ThrottleLimits = DEFAULT_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  private recent(key: string): number[] {
    const cutoff = this.now() - this.limits.window;
    const times = (this.failures.get(key) ?? []).filter((time) => time > cutoff);
    if (times.length === 0) this.failures.delete(key);
    else this.failures.set(key, times);
    return times;
  }

  retryAfter(user: string, address: string): number {
    let wait = 0;
    for (const [key, limit] of throttleKeys(user, address, this.limits)) {
      wait = Math.max(wait, secondsBlocked(this.recent(key), limit, this.limits.window, this.now()));
    }
    return wait;
  }

  failed(user: string, address: string): void {
    for (const key of [`u:${user}`, `a:${address}`]) {
      const times = this.recent(key);
      times.push(this.now());
      this.failures.delete(key); // re-insert: Map order is then least recently failed first
      this.failures.set(key, times);
    }
    while (this.failures.size > MAX_KEYS) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
  }

  succeeded(user: string): void {
    this.failures.delete(`u:${user}`);
  }
}
