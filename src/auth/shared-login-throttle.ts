/**
 * Failed logins counted in the metadata database shared by replicas, with the in-memory
 * throttle's rules (login-throttle.ts): N replicas behind a load balancer allow the limit once,
 * not N times, and a restart forgets nothing. Times come from the database's clock.
 */
import type { LoginFailureRecords } from "../metadata/login-failure-records.js";
import { secondsBlocked, throttleKeys, type LoginLimiter, type ThrottleLimits } from "./login-throttle.js";

export class SharedLoginThrottle implements LoginLimiter {
  constructor(
    private readonly records: LoginFailureRecords,
    private readonly limits: ThrottleLimits,
    private readonly now: () => number,
  ) {}

  async retryAfter(user: string, address: string): Promise<number> {
    const now = this.now();
    let wait = 0;
    for (const [key, limit] of throttleKeys(user, address, this.limits)) {
      const times = await this.records.since(key, now - this.limits.window + 1);
      wait = Math.max(wait, secondsBlocked(times, limit, this.limits.window, now));
    }
    return wait;
  }

  async failed(user: string, address: string): Promise<void> {
    const now = this.now();
    await this.records.add(throttleKeys(user, address, this.limits).map(([key]) => key), now, now - this.limits.window);
  }

  async succeeded(user: string): Promise<void> {
    await this.records.clear(`u:${user}`);
  }
}
