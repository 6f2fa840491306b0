/** Reading credentials from request headers: Basic user:password, or a Bearer token. */
import type { IncomingHttpHeaders } from "node:http";

export interface BasicCredentials {
  user: string;
  password: string;
}

export type PresentedCredentials =
  | { kind: "none" }
  | { kind: "basic"; user: string; password: string }
  | { kind: "bearer"; token: string }
  /** An Authorization header that is neither (or malformed). */
  | { kind: "invalid" };

export function parseBasic(value: string): BasicCredentials | null {
  let decoded: string;
  try {
    decoded = Buffer.from(value, "base64").toString("utf8");
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function presentedCredentials(headers: IncomingHttpHeaders): PresentedCredentials {
  const header = headers.authorization;
  if (header === undefined || header === "") return { kind: "none" };
  const space = header.indexOf(" ");
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const value = space < 0 ? "" : header.slice(space + 1).trim();
  if (scheme === "basic") {
    const basic = parseBasic(value);
    return basic ? { kind: "basic", ...basic } : { kind: "invalid" };
  }
  if (scheme === "bearer" && value !== "") return { kind: "bearer", token: value };
  return { kind: "invalid" };
}
