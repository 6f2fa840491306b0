/** Recently deleted tags, manifests and repositories (administrators), with restore. */
import { useState } from "preact/hooks";
import { get, post } from "../api";
import { ErrorMessage, Loading, StatusMessage, useAction, useLoad } from "../components/common";
import { shortDigest, when } from "../format";
import { href } from "../router";
import type { DeletedItem } from "../types";

function what(item: DeletedItem): string {
  if (item.kind === "tag") return `${item.repository}:${item.tag ?? ""}`;
  if (item.kind === "manifest") return `${item.repository}@${shortDigest(item.digest ?? "")}`;
  return item.repository;
}

export function Trash() {
  const [kind, setKind] = useState("");
  const [showAll, setShowAll] = useState(false);
  const query = new URLSearchParams({ n: "200", ...(kind ? { kind } : {}), ...(showAll ? {} : { state: "deleted" }) });
  const items = useLoad(() => get<{ items: DeletedItem[] }>(`deleted?${query}`), query.toString());
  const action = useAction();
  const restore = (item: DeletedItem) =>
    action.run(async () => {
      await post(`deleted/${encodeURIComponent(item.id)}/restore`);
      items.reload();
    }, `Restored ${what(item)}`);

  return (
    <>
      <h1>Recently deleted</h1>
      <p>Deleted tags, manifests and repositories stay restorable until a garbage collection removes their content.</p>
      <form class="row filters" onSubmit={(event) => event.preventDefault()}>
        <label for="trash-kind">Kind</label>
        <select id="trash-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
          <option value="">all</option>
          <option value="tag">tags</option>
          <option value="manifest">manifests</option>
          <option value="repository">repositories</option>
        </select>
        <label>
          <input type="checkbox" checked={showAll} onChange={(e) => setShowAll(e.currentTarget.checked)} /> also restored and collected ones
        </label>
      </form>
      <ErrorMessage message={action.error} />
      <StatusMessage message={action.done} />
      {items.loading && !items.data ? <Loading what="deleted items" /> : null}
      <ErrorMessage message={items.error} />
      {items.data && items.data.items.length === 0 ? <p>Nothing deleted.</p> : null}
      {items.data && items.data.items.length > 0 ? (
        <table class="list" aria-label="Deleted items">
          <thead>
            <tr>
              <th scope="col">What</th>
              <th scope="col">Kind</th>
              <th scope="col">Deleted</th>
              <th scope="col">State</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.data.items.map((item) => (
              <tr key={item.id} data-deleted={what(item)}>
                <th scope="row">
                  {item.kind === "repository" ? item.repository : <a href={href(`/repositories/${item.repository}`)}>{what(item)}</a>}
                </th>
                <td>{item.kind}</td>
                <td>
                  {when(item.deletedAt)} by {item.deletedBy || "anonymous"}
                </td>
                <td>{item.state === "restored" ? `restored by ${item.restoredBy ?? "someone"}` : item.state}</td>
                <td>
                  {item.restorable ? (
                    <button type="button" disabled={action.busy} onClick={() => void restore(item)}>
                      Restore {what(item)}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
