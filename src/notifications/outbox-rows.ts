/** An outbox_endpoints row → EndpointState: the column layout the SQLite and PostgreSQL outboxes share. */
import type { EndpointState } from "./outbox.js";

export interface EndpointRow {
  name: string;
  delivered_seq: number;
  delivered_count: number;
  failures: number;
  last_error: string | null;
  last_error_at: number | null;
  last_success_at: number | null;
}

/** An endpoint with no row yet has delivered nothing and never failed. */
export function endpointState(endpoint: string, row: EndpointRow | undefined, queued: number): EndpointState {
  return {
    name: endpoint,
    queued,
    delivered: row?.delivered_count ?? 0,
    consecutiveFailures: row?.failures ?? 0,
    lastError: row?.last_error ?? null,
    lastErrorAt: row?.last_error_at ?? null,
    lastSuccessAt: row?.last_success_at ?? null,
  };
}
