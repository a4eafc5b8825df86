// Knowledge bases of the current workspace: list and create; in one, its documents with
// their state, and a drop zone (or a file picker, for the keyboard) that uploads files
// (resumable, the SDK's `upload`) and follows each one's ingestion live (WatchIngestion),
// each cancellable until it is final; the base's settings, a chunking preview and a
// search playground.
import {
  Document_State,
  IngestionProgress_Stage,
  upload,
  type Document,
  type KnowledgeBase,
} from "@privexbot/client";
import { useCallback, useEffect, useState, type DragEvent, type FormEvent } from "react";

import { ChunkingPreview } from "./ChunkingPreview";
import { names, text } from "./format";
import { KnowledgeSettings } from "./KnowledgeSettings";
import type { Can } from "./permissions";
import { SearchPlayground } from "./SearchPlayground";
import { call, client, message } from "./session";
import { TableHead } from "./Table";

const STATE = names(Document_State);
const STAGE = names(IngestionProgress_Stage);

/** A file being uploaded and ingested, as its row shows it. */
interface FileProgress {
  id: string;
  name: string;
  status: string;
  percent: number;
  failure?: string;
  /** Until final: stops the upload, or the ingestion of its document. */
  cancel?: () => void;
}

export function Knowledge({ workspace, can }: { workspace: string; can: Can }) {
  const [bases, setBases] = useState<KnowledgeBase[]>([]);
  const [open, setOpen] = useState("");
  const [error, setError] = useState("");

  const load = useCallback(async () => {
    try {
      const answer = await call(() => client.knowledge.listKnowledgeBases({ parent: workspace }));
      setBases(answer.knowledgeBases);
    } catch (caught) {
      setError(message(caught));
    }
  }, [workspace]);
  useEffect(() => {
    load();
  }, [load]);

  const create = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const displayName = text(new FormData(form), "displayName");
    try {
      const made = await call(() =>
        client.knowledge.createKnowledgeBase({ parent: workspace, knowledgeBase: { displayName } }),
      );
      form.reset();
      setError("");
      await load();
      setOpen(made.name);
    } catch (caught) {
      setError(message(caught));
    }
  };

  const current = bases.find((kb) => kb.name === open);
  return (
    <section aria-labelledby="knowledge-title">
      <h1 id="knowledge-title">Knowledge bases</h1>
      {error && <p role="alert">{error}</p>}
      {can("knowledge.create") && (
        <form onSubmit={create} className="row">
          <label>
            New knowledge base
            <input name="displayName" required maxLength={100} />
          </label>
          <button type="submit">Create</button>
        </form>
      )}
      <ul aria-label="Knowledge bases">
        {bases.map((kb) => (
          <li key={kb.name}>
            <button className="link" aria-current={kb.name === open} onClick={() => setOpen(kb.name)}>
              {kb.displayName}
            </button>
          </li>
        ))}
        {bases.length === 0 && <li>No knowledge base yet.</li>}
      </ul>
      {current && (
        <>
          <KnowledgeSettings
            key={current.etag}
            base={current}
            editable={can("knowledge.update")}
            onSaved={(saved) => setBases((all) => all.map((kb) => (kb.name === saved.name ? saved : kb)))}
          />
          <Documents key={current.name} base={current} canUpload={can("knowledge.update")} />
          {can("knowledge.update") && <ChunkingPreview base={current} />}
          <SearchPlayground key={`search-${current.name}`} base={current} />
        </>
      )}
    </section>
  );
}

function Documents({ base, canUpload }: { base: KnowledgeBase; canUpload: boolean }) {
  const [documents, setDocuments] = useState<Document[]>([]);
  const [files, setFiles] = useState<FileProgress[]>([]);
  const [over, setOver] = useState(false);
  const [error, setError] = useState("");

  const load = useCallback(async () => {
    try {
      const answer = await call(() => client.knowledge.listDocuments({ parent: base.name }));
      setDocuments(answer.documents);
    } catch (caught) {
      setError(message(caught));
    }
  }, [base.name]);
  useEffect(() => {
    load();
  }, [load]);

  const track = (id: string, change: Partial<FileProgress>) =>
    setFiles((all) => all.map((file) => (file.id === id ? { ...file, ...change } : file)));

  const send = async (file: File) => {
    const id = `${file.name}-${Math.random()}`;
    const stop = new AbortController();
    let documentName = "";
    const cancel = () => {
      stop.abort();
      if (documentName) call(() => client.knowledge.cancelIngestion({ name: documentName })).catch(() => undefined);
    };
    setFiles((all) => [...all, { id, name: file.name, status: "Uploading", percent: 0, cancel }]);
    try {
      documentName = (
        await upload(client, base.name, file, {
          signal: stop.signal,
          onProgress: (sent, total) =>
            track(id, { percent: total ? Math.round((100 * Number(sent)) / Number(total)) : 100 }),
        })
      ).name;
      for await (const event of client.knowledge.watchIngestion({ name: documentName }, { signal: stop.signal })) {
        const stage = (event.progress && STAGE[event.progress.stage]) ?? "";
        track(id, {
          status: event.state === Document_State.READY ? "Ready" : `${STATE[event.state]} (${stage})`,
          percent: event.progress?.percentComplete ?? 0,
          failure: event.failureReason,
        });
      }
      track(id, { cancel: undefined });
    } catch (caught) {
      track(id, stop.signal.aborted ? { status: "Cancelled", cancel: undefined } : { status: "Failed", failure: message(caught), cancel: undefined });
    }
    await load();
  };

  const drop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setOver(false);
    for (const file of event.dataTransfer.files) send(file);
  };
  return (
    <section aria-labelledby="documents-title">
      <h2 id="documents-title">{base.displayName}: documents</h2>
      {error && <p role="alert">{error}</p>}
      {canUpload && (
        <div
          className={over ? "drop over" : "drop"}
          data-testid="drop-zone"
          onDragOver={(event) => {
            event.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={drop}
        >
          <p>Drop files here, or</p>
          <label>
            Choose files
            <input type="file" multiple onChange={(event) => [...(event.target.files ?? [])].forEach(send)} />
          </label>
        </div>
      )}
      {files.length > 0 && (
        <ul aria-label="Uploads">
          {files.map((file) => (
            <li key={file.id}>
              <span>{file.name}</span> <span data-testid="upload-status">{file.status}</span>{" "}
              <progress max={100} value={file.percent} aria-label={`${file.name} progress`} />
              {file.cancel && (
                <button className="secondary" onClick={file.cancel}>
                  Cancel {file.name}
                </button>
              )}
              {file.failure && <span role="alert">{file.failure}</span>}
            </li>
          ))}
        </ul>
      )}
      <table>
        <TableHead caption="Documents" columns={["Name", "State"]} />
        <tbody>
          {documents.map((document) => (
            <tr key={document.name}>
              <td>{document.displayName}</td>
              <td>{STATE[document.state]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
