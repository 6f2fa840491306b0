/** One login attempt: throttled per user and address, checked by an authenticator, never logged with its password. */
import type { Authenticator } from "./authenticator.js";
import { tooManyAttempts } from "./challenge.js";
import type { LoginLimiter } from "./login-throttle.js";
import type { Principal } from "./principal.js";

export interface LoginDeps {
  authenticator: Authenticator;
  throttle: LoginLimiter;
}

/** The principal, or null for wrong credentials; throws TOOMANYREQUESTS while the user or address is blocked. */
export async function login(deps: LoginDeps, user: string, password: string, address: string): Promise<Principal | null> {
  const wait = await deps.throttle.retryAfter(user, address);
  if (wait > 0) throw tooManyAttempts(wait);
  const principal = user === "" ? null : await deps.authenticator.verify(user, password);
  if (principal) await deps.throttle.succeeded(user);
  else await deps.throttle.failed(user, address);
  return principal;
}
