/**
 * Failed logins, counted per user name and per client address over a sliding window. Once
 * either count reaches its limit, further attempts are refused before any password is
 * checked, until the oldest failure leaves the window. A success clears the user's count.
 * In memory: a replica limits what reaches it (the limits are per process, a known limit
 * documented in README.md and config.example.yml; moving the counts into the metadata
 * database is left to the scale-out work). The address is the TCP peer's.
 */
export interface ThrottleLimits {
  peruser: number;
  peraddress: number;
  /** Milliseconds. */
  window: number;
}

export const DEFAULT_LIMITS: ThrottleLimits = { peruser: 5, peraddress: 20, window: 15 * 60_000 };

/** Bounds memory under a flood of distinct names or addresses: the oldest keys go first. */
const MAX_KEYS = 50_000;

export class LoginThrottle {
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

  /** Seconds until another attempt is allowed, or 0 when it is allowed now. */
  retryAfter(user: string, address: string): number {
    const checks: [string, number][] = [
      [`u:${user}`, this.limits.peruser],
      [`a:${address}`, this.limits.peraddress],
    ];
    let wait = 0;
    for (const [key, limit] of checks) {
      const times = this.recent(key);
      if (times.length >= limit) {
        const oldest = times[times.length - limit] ?? this.now();
        wait = Math.max(wait, Math.ceil((oldest + this.limits.window - this.now()) / 1000));
      }
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
