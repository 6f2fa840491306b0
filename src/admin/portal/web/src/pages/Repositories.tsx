/** Repositories the signed-in user may pull, searchable by name, description and tag; a form to create one. */
import { useState } from "preact/hooks";
import { post } from "../api";
import { ErrorMessage, Loading, Section, StatusMessage, useAction, useLoad } from "../components/common";
import { href, navigate } from "../router";
import type { Account, RepositoryView } from "../types";
import { searchRepositories } from "../search";

export function Repositories({ account }: { account: Account }) {
  const [query, setQuery] = useState(new URLSearchParams(window.location.hash.split("?")[1] ?? "").get("q") ?? "");
  const list = useLoad(() => searchRepositories(query), `repositories:${query}`);

  return (
    <>
      <h1>Repositories</h1>
      <form role="search" class="row" onSubmit={(event) => event.preventDefault()}>
        <label for="repository-search">Search repositories</label>
        <input
          id="repository-search"
          type="search"
          placeholder="name, description or tag"
          value={query}
          onInput={(event) => setQuery(event.currentTarget.value)}
        />
      </form>
      {list.loading && !list.data ? <Loading what="repositories" /> : null}
      <ErrorMessage message={list.error} />
      {list.data ? (
        list.data.repositories.length === 0 ? (
          <p>{query ? `No repository matches “${query}”.` : "No repositories yet: push an image, or create one below."}</p>
        ) : (
          <table class="list" aria-label="Repositories">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Visibility</th>
                <th scope="col">Description</th>
              </tr>
            </thead>
            <tbody>
              {list.data.repositories.map((repository) => (
                <tr key={repository.name}>
                  <td>
                    <a href={href(`/repositories/${repository.name}`)}>{repository.name}</a>
                  </td>
                  <td>
                    <span class={`badge ${repository.visibility}`}>{repository.visibility}</span>
                  </td>
                  <td>{repository.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
      {list.data && list.data.total > list.data.repositories.length ? (
        <p class="hint">
          Showing the best {list.data.repositories.length} of {list.data.total} matches: refine the search to see others.
        </p>
      ) : null}
      <NewRepository account={account} />
    </>
  );
}

function NewRepository({ account }: { account: Account }) {
  const [name, setName] = useState(account.isAdmin ? "" : `${account.name}/`);
  const [visibility, setVisibility] = useState<"private" | "public">("private");
  const [description, setDescription] = useState("");
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    const created = await action.run(() => post<RepositoryView>("repositories", { name, visibility, description }), `Created ${name}`);
    if (created) navigate(`/repositories/${name}`);
  };
  return (
    <Section title="New repository">
      <form onSubmit={submit} class="stacked">
        <label for="new-repository-name">Name</label>
        <input id="new-repository-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} aria-describedby="new-repository-help" />
        <span id="new-repository-help" class="hint">
          namespace/name, e.g. an organization's name or your own user name first
        </span>
        <label for="new-repository-visibility">Visibility</label>
        <select id="new-repository-visibility" value={visibility} onChange={(e) => setVisibility(e.currentTarget.value as "private" | "public")}>
          <option value="private">private</option>
          <option value="public">public (anyone may pull)</option>
        </select>
        <label for="new-repository-description">Description</label>
        <textarea id="new-repository-description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        <ErrorMessage message={action.error} />
        <StatusMessage message={action.done} />
        <button type="submit" disabled={action.busy}>
          Create repository
        </button>
      </form>
    </Section>
  );
}
