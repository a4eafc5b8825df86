// Knowledge bases of the current workspace: list and create; in one, its documents with
// their state, and a drop zone (or a file picker, for the keyboard) that uploads files
// (resumable, the SDK's `upload`) and follows each one's ingestion live (WatchIngestion).
import {
  Document_State,
  IngestionProgress_Stage,
  upload,
  type Document,
  type KnowledgeBase,
} from "@privexbot/client";
import { useCallback, useEffect, useState, type DragEvent, type FormEvent } from "react";

import { names, text } from "./format";
import type { Can } from "./permissions";
import { call, client, message } from "./session";

const STATE = names(Document_State);
const STAGE = names(IngestionProgress_Stage);

/** A file being uploaded and ingested, as its row shows it. */
interface FileProgress {
  id: string;
  name: string;
  status: string;
  percent: number;
  failure?: string;
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
      {current && <Documents key={current.name} base={current} canUpload={can("knowledge.update")} />}
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
    setFiles((all) => [...all, { id, name: file.name, status: "Uploading", percent: 0 }]);
    try {
      const document = await upload(client, base.name, file, {
        onProgress: (sent, total) =>
          track(id, { percent: total ? Math.round((100 * Number(sent)) / Number(total)) : 100 }),
      });
      for await (const event of client.knowledge.watchIngestion({ name: document.name })) {
        const stage = (event.progress && STAGE[event.progress.stage]) ?? "";
        track(id, {
          status: event.state === Document_State.READY ? "Ready" : `${STATE[event.state]} (${stage})`,
          percent: event.progress?.percentComplete ?? 0,
          failure: event.failureReason,
        });
      }
    } catch (caught) {
      track(id, { status: "Failed", failure: message(caught) });
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
              {file.failure && <span role="alert">{file.failure}</span>}
            </li>
          ))}
        </ul>
      )}
      <table>
        <caption>Documents</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">State</th>
          </tr>
        </thead>
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
