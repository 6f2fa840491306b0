/** One POST of an envelope to an endpoint, with registry:2's rule: 2xx and 3xx are success. */
import { EVENTS_MEDIA_TYPE, type EventEnvelope } from "./events.js";

export interface SendTarget {
  url: string;
  headers: Record<string, string[]>;
  /** Milliseconds for the whole exchange. */
  timeout: number;
}

/** Sends, or throws an Error whose message says what went wrong (status, timeout, connection). */
export async function sendEnvelope(target: SendTarget, envelope: EventEnvelope, stop?: AbortSignal): Promise<void> {
  const headers = new Headers();
  for (const [name, values] of Object.entries(target.headers)) for (const value of values) headers.append(name, value);
  headers.set("Content-Type", EVENTS_MEDIA_TYPE);
  let response: Response;
  try {
    response = await fetch(target.url, {
      method: "POST",
      headers,
      body: JSON.stringify(envelope),
      redirect: "manual",
      signal: stop ? AbortSignal.any([AbortSignal.timeout(target.timeout), stop]) : AbortSignal.timeout(target.timeout),
    });
    // Read the answer to the end, so the connection can be reused.
    await response.arrayBuffer();
  } catch (error) {
    throw new Error(describeFailure(error, target.timeout));
  }
  if (response.status < 200 || response.status >= 400) {
    throw new Error(`response status ${response.status} ${response.statusText}`.trim());
  }
}

function describeFailure(error: unknown, timeout: number): string {
  if (error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeout} ms`;
  }
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
