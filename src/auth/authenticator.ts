/** Authenticator: user name and password → who it is, or null. */
import type { Principal } from "./principal.js";

export interface Authenticator {
  verify(user: string, password: string): Promise<Principal | null>;
}
