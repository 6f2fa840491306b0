/** The event log (administrators): pushes, pulls, deletes, restores, sign-ins and admin actions, filterable. */
import { useEffect, useState } from "preact/hooks";
import { get } from "../api";
import { ErrorMessage, Loading, useAction } from "../components/common";
import { shortDigest, when } from "../format";
import type { EventView } from "../types";

const KINDS: { value: string; label: string }[] = [
  { value: "", label: "everything" },
  { value: "push", label: "pushes" },
  { value: "pull", label: "pulls" },
  { value: "delete", label: "deletes" },
  { value: "restore", label: "restores" },
  { value: "login", label: "sign-ins" },
  { value: "admin", label: "admin actions" },
];

interface Filter {
  kind: string;
  actor: string;
  repository: string;
}

function describe(event: EventView): string {
  if (event.kind === "admin" || event.kind === "login") return `${event.action} ${event.target}`;
  const what = event.tag ? `${event.repository ?? ""}:${event.tag}` : event.digest ? `${event.repository ?? ""}@${shortDigest(event.digest)}` : (event.repository ?? "");
  return `${event.kind} ${what}`;
}

export function Events() {
  const [filter, setFilter] = useState<Filter>({ kind: "", actor: "", repository: "" });
  const [applied, setApplied] = useState<Filter>(filter);
  const [events, setEvents] = useState<EventView[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const action = useAction();

  const load = async (wanted: Filter, before: string | null) => {
    const query = new URLSearchParams({ n: "50" });
    for (const [key, value] of Object.entries(wanted)) if (value.trim() !== "") query.set(key, value.trim());
    if (before) query.set("before", before);
    await action.run(async () => {
      const page = await get<{ events: EventView[]; next: string | null }>(`events?${query}`);
      setEvents((current) => (before && current ? [...current, ...page.events] : page.events));
      setNext(page.next);
    });
  };

  useEffect(() => {
    void load(applied, null);
  }, []);

  const submit = (event: Event) => {
    event.preventDefault();
    setApplied(filter);
    void load(filter, null);
  };

  return (
    <>
      <h1>Event log</h1>
      <form class="row filters" onSubmit={submit} aria-label="Filter events">
        <label for="event-kind">Show</label>
        <select id="event-kind" value={filter.kind} onChange={(e) => setFilter({ ...filter, kind: e.currentTarget.value })}>
          {KINDS.map((kind) => (
            <option key={kind.value} value={kind.value}>
              {kind.label}
            </option>
          ))}
        </select>
        <label for="event-actor">By user</label>
        <input id="event-actor" value={filter.actor} onInput={(e) => setFilter({ ...filter, actor: e.currentTarget.value })} />
        <label for="event-repository">Repository</label>
        <input id="event-repository" value={filter.repository} onInput={(e) => setFilter({ ...filter, repository: e.currentTarget.value })} />
        <button type="submit" disabled={action.busy}>
          Apply filter
        </button>
      </form>
      <ErrorMessage message={action.error} />
      {events === null ? <Loading what="events" /> : null}
      {events && events.length === 0 ? <p>No events match.</p> : null}
      {events && events.length > 0 ? (
        <table class="list" aria-label="Events">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">From</th>
            </tr>
          </thead>
          <tbody>
            {events.map((event) => (
              <tr key={event.id} data-kind={event.kind}>
                <td>{when(event.at)}</td>
                <td>{event.actor || "anonymous"}</td>
                <td>{describe(event)}</td>
                <td>{event.address ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {next ? (
        <button type="button" disabled={action.busy} onClick={() => void load(applied, next)}>
          Older events
        </button>
      ) : null}
    </>
  );
}
