/**
 * One repository: its pull command, tags (digest, size, platforms, when pushed and by whom),
 * deleting a tag (restorable from the trash), and for its admins the description, the
 * visibility and deleting the whole repository.
 */
import { useEffect, useState } from "preact/hooks";
import { del, get, patch, repoPath } from "../api";
import { ConfirmButton, CopyField, ErrorMessage, Loading, Section, StatusMessage, useAction, useLoad } from "../components/common";
import { bytes, shortDigest, when } from "../format";
import { href, navigate } from "../router";
import type { Account, RepositoryView, TagDetails } from "../types";
import { RepositoryGrants } from "./Organizations";

/** The registry's address as docker wants it: host[:port], no scheme. */
function registryHost(): string {
  return window.location.host;
}

export function Repository({ name, account, accessModel }: { name: string; account: Account; accessModel: boolean }) {
  const repository = useLoad(() => get<RepositoryView>(`repositories/${repoPath(name)}`), name);
  const tags = useLoad(() => get<{ tags: TagDetails[] }>(`repositories/${repoPath(name)}/_tags?n=1000`), name);
  const namespace = name.includes("/") ? name.slice(0, name.indexOf("/")) : null;
  // Team grants exist for repositories of an organization only.
  const org = useLoad(
    () => (accessModel && namespace ? get<{ name: string }>(`orgs/${encodeURIComponent(namespace)}`).then(() => true, () => false) : Promise.resolve(false)),
    `${accessModel}:${namespace ?? ""}`,
  );
  const action = useAction();
  const mayAdminister = account.isAdmin || repository.data?.namespace === account.name;

  const deleteTag = (tag: string) =>
    action.run(async () => {
      await del(`repositories/${repoPath(name)}/_tags/${encodeURIComponent(tag)}`);
      tags.reload();
    }, `Deleted tag ${tag}: it can be restored from the trash until the next garbage collection.`);

  const deleteRepository = async () => {
    const ok = await action.run(() => del(`repositories/${repoPath(name)}`));
    if (ok) navigate(`/trash`);
  };

  if (repository.loading && !repository.data) return <Loading what={name} />;
  if (repository.error || !repository.data) {
    return (
      <>
        <h1>{name}</h1>
        <ErrorMessage message={repository.error ?? "not found"} />
        <p>
          <a href={href("/repositories")}>All repositories</a>
        </p>
      </>
    );
  }
  const info = repository.data;
  const firstTag = tags.data?.tags[0]?.name ?? "latest";

  return (
    <>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <a href={href("/repositories")}>Repositories</a> / <span aria-current="page">{name}</span>
      </nav>
      <h1>
        {name} <span class={`badge ${info.visibility}`}>{info.visibility}</span>
      </h1>
      {info.description ? <p class="description">{info.description}</p> : null}
      <CopyField id="pull-command" label="Pull command" value={`docker pull ${registryHost()}/${name}:${firstTag}`} />

      <Section title="Tags">
        <ErrorMessage message={action.error} />
        <StatusMessage message={action.done} />
        {tags.loading && !tags.data ? <Loading what="tags" /> : null}
        <ErrorMessage message={tags.error} />
        {tags.data && tags.data.tags.length === 0 ? <p>No tags.</p> : null}
        {tags.data && tags.data.tags.length > 0 ? (
          <table class="list" aria-label={`Tags of ${name}`}>
            <thead>
              <tr>
                <th scope="col">Tag</th>
                <th scope="col">Digest</th>
                <th scope="col">Size</th>
                <th scope="col">Platforms</th>
                <th scope="col">Pushed</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tags.data.tags.map((tag) => (
                <tr key={tag.name} data-tag={tag.name}>
                  <th scope="row">{tag.name}</th>
                  <td>
                    <code title={tag.digest}>{shortDigest(tag.digest)}</code>
                  </td>
                  <td>{bytes(tag.size)}</td>
                  <td>{tag.platforms.length > 0 ? tag.platforms.join(", ") : "—"}</td>
                  <td>
                    {when(tag.pushedAt)}
                    {tag.pushedBy ? ` by ${tag.pushedBy}` : ""}
                  </td>
                  <td>
                    <ConfirmButton label={`Delete ${tag.name}`} confirmLabel={`Really delete ${tag.name}`} disabled={action.busy} onConfirm={() => void deleteTag(tag.name)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Section>

      {org.data && namespace ? <RepositoryGrants repository={name} org={namespace} /> : null}
      {mayAdminister ? <RepositorySettings info={info} onSaved={repository.reload} /> : null}
      {account.isAdmin ? (
        <Section title="Delete repository">
          <p>Deletes every tag and manifest of {name}. It can be restored from the trash until the next garbage collection.</p>
          <ConfirmButton label={`Delete ${name}`} confirmLabel={`Really delete ${name}`} disabled={action.busy} onConfirm={() => void deleteRepository()} />
        </Section>
      ) : null}
    </>
  );
}

function RepositorySettings({ info, onSaved }: { info: RepositoryView; onSaved: () => void }) {
  const [description, setDescription] = useState(info.description);
  const [visibility, setVisibility] = useState(info.visibility);
  useEffect(() => {
    setDescription(info.description);
    setVisibility(info.visibility);
  }, [info]);
  const action = useAction();
  const save = async (event: Event) => {
    event.preventDefault();
    const ok = await action.run(() => patch(`repositories/${repoPath(info.name)}`, { description, visibility }), "Saved");
    if (ok) onSaved();
  };
  return (
    <Section title="Settings" id="repository-settings">
      <form onSubmit={save} class="stacked">
        <label for="repository-description">Description</label>
        <textarea id="repository-description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        <label for="repository-visibility">Visibility</label>
        <select id="repository-visibility" value={visibility} onChange={(e) => setVisibility(e.currentTarget.value as "public" | "private")}>
          <option value="private">private</option>
          <option value="public">public (anyone may pull)</option>
        </select>
        <ErrorMessage message={action.error} />
        <StatusMessage message={action.done} />
        <button type="submit" disabled={action.busy}>
          Save settings
        </button>
      </form>
    </Section>
  );
}
