// Chatflows: the workspace's chatflows and a new one (a draft with a start node); either
// opens in the editor (FlowEditor.tsx, its own script: loaded when first opened). A draft
// becomes a chatflow when finalized.
import type { Chatflow, ChatflowDraft, KnowledgeBase } from "@privexbot/client";
import { lazy, Suspense, useCallback, useEffect, useState, type FormEvent } from "react";

import { text } from "./format";
import { useAction } from "./action";
import type { Can } from "./permissions";
import { call, client } from "./session";

const FlowEditor = lazy(() => import("./FlowEditor").then((module) => ({ default: module.FlowEditor })));

const NEW_GRAPH = { nodes: [{ id: "start", type: "start", position: { x: 40, y: 0 } }], edges: [] };

export function Flows({ workspace, can }: { workspace: string; can: Can }) {
  const [flows, setFlows] = useState<Chatflow[]>([]);
  const [bases, setBases] = useState<KnowledgeBase[]>([]);
  const [open, setOpen] = useState<Chatflow | ChatflowDraft | null>(null);
  const [error, act] = useAction();

  const load = useCallback(
    () => act(async () => setFlows((await call(() => client.flow.listChatflows({ parent: workspace }))).chatflows)),
    [act, workspace],
  );
  useEffect(() => {
    load();
    act(async () =>
      setBases((await call(() => client.knowledge.listKnowledgeBases({ parent: workspace }))).knowledgeBases),
    );
  }, [act, load, workspace]);

  const create = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const displayName = text(new FormData(event.currentTarget), "displayName");
    act(async () =>
      setOpen(
        await call(() => client.flow.createChatflowDraft({ parent: workspace, chatflowDraft: { displayName, graph: NEW_GRAPH } })),
      ),
    );
  };
  const finalize = (name: string) =>
    act(async () => {
      setOpen(await call(() => client.flow.finalizeChatflowDraft({ name })));
      await load();
    });

  if (open) {
    const isDraft = open.name.includes("/chatflowDrafts/");
    return (
      <section aria-labelledby="flow-title">
        <button
          className="link"
          onClick={() => {
            setOpen(null);
            load();
          }}
        >
          ← All chatflows
        </button>
        <h1 id="flow-title">
          {isDraft ? "Chatflow draft" : "Chatflow"}: {open.displayName}
        </h1>
        {error && <p role="alert">{error}</p>}
        {isDraft && can("chatflow.create") && <button onClick={() => finalize(open.name)}>Finalize</button>}
        <Suspense fallback={<p aria-busy="true">Loading the editor…</p>}>
          <FlowEditor key={open.name} subject={open} workspace={workspace} bases={bases} can={can} onSubject={setOpen} />
        </Suspense>
      </section>
    );
  }
  return (
    <section aria-labelledby="flows-title">
      <h1 id="flows-title">Chatflows</h1>
      {error && <p role="alert">{error}</p>}
      <ul aria-label="Chatflows">
        {flows.map((flow) => (
          <li key={flow.name}>
            <button className="link" onClick={() => setOpen(flow)}>
              {flow.displayName}
            </button>{" "}
            {flow.publishedVersion ? `published version ${flow.publishedVersion}` : "not published"}
          </li>
        ))}
        {flows.length === 0 && <li>No chatflow yet.</li>}
      </ul>
      {can("chatflow.create") && (
        <form onSubmit={create} className="row">
          <label>
            New chatflow
            <input name="displayName" required maxLength={100} />
          </label>
          <button type="submit">Create</button>
        </form>
      )}
    </section>
  );
}
