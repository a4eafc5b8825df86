// A knowledge base's settings (UpdateKnowledgeBase): how its documents are chunked
// (strategy, size, overlap; documents already ingested keep their chunks until
// re-indexed) and its retrieval defaults (mode, top-k, score threshold). Also the form
// fields for a retrieval override, shared with the search playground.
import {
  ChunkingSettings_Strategy,
  RetrievalSettings_Mode,
  type KnowledgeBase,
  type RetrievalSettings,
} from "@privexbot/client";
import type { FormEvent } from "react";

import { useAction } from "./action";
import { names, text } from "./format";
import { call, client } from "./session";

export const STRATEGY = names(ChunkingSettings_Strategy);
const MODE = names(RetrievalSettings_Mode);
const options = (table: Record<number, string>) =>
  Object.entries(table).map(([value, label]) => (
    <option key={value} value={value}>
      {Number(value) === 0 ? "default" : label}
    </option>
  ));

/** A number field's value; undefined (the server's default) when empty. */
const optional = (form: FormData, name: string) => {
  const value = text(form, name);
  return value === "" ? undefined : Number(value);
};

/** The retrieval fields of `form` (mode, topK, scoreThreshold). */
export const retrievalOf = (form: FormData) => ({
  mode: Number(text(form, "mode")),
  topK: optional(form, "topK"),
  scoreThreshold: optional(form, "scoreThreshold"),
});

/** Mode, top-k and threshold inputs, starting at `initial`. */
export function RetrievalFields({ initial }: { initial?: RetrievalSettings }) {
  return (
    <>
      <label>
        Retrieval mode
        <select name="mode" defaultValue={initial?.mode ?? 0}>
          {options(MODE)}
        </select>
      </label>
      <label>
        Top-k
        <input name="topK" type="number" min={1} max={100} defaultValue={initial?.topK} placeholder="5" />
      </label>
      <label>
        Score threshold
        <input
          name="scoreThreshold"
          type="number"
          min={0}
          max={1}
          step={0.01}
          defaultValue={initial?.scoreThreshold}
          placeholder="0"
        />
      </label>
    </>
  );
}

export function KnowledgeSettings({
  base,
  editable,
  onSaved,
}: {
  base: KnowledgeBase;
  editable: boolean;
  onSaved: (saved: KnowledgeBase) => void;
}) {
  const [error, act] = useAction();
  const save = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    act(async () => {
      const saved = await call(() =>
        client.knowledge.updateKnowledgeBase({
          knowledgeBase: {
            name: base.name,
            etag: base.etag,
            chunking: {
              strategy: Number(text(form, "strategy")),
              chunkSize: optional(form, "chunkSize"),
              chunkOverlap: optional(form, "chunkOverlap"),
            },
            retrieval: retrievalOf(form),
          },
          updateMask: { paths: ["chunking", "retrieval"] },
        }),
      );
      onSaved(saved);
    });
  };
  const chunking = base.chunking;
  return (
    <form onSubmit={save} aria-labelledby="kb-settings-title">
      <h2 id="kb-settings-title">{base.displayName}: settings</h2>
      <fieldset className="plain row" disabled={!editable}>
        <label>
          Chunking strategy
          <select name="strategy" defaultValue={chunking?.strategy ?? 0}>
            {options(STRATEGY)}
          </select>
        </label>
        <label>
          Chunk size
          <input name="chunkSize" type="number" min={100} max={8000} defaultValue={chunking?.chunkSize} placeholder="1000" />
        </label>
        <label>
          Chunk overlap
          <input name="chunkOverlap" type="number" min={0} max={4000} defaultValue={chunking?.chunkOverlap} placeholder="200" />
        </label>
        <RetrievalFields initial={base.retrieval} />
        {editable && <button type="submit">Save settings</button>}
      </fieldset>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}
