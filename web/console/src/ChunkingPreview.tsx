// Before uploading: a file chunked with the knowledge base's current settings
// (PreviewChunking: parsed and chunked on the server, nothing stored or embedded).
import type { ChunkPreview, KnowledgeBase } from "@privexbot/client";
import { useState, type ChangeEvent } from "react";

import { useAction } from "./action";
import { STRATEGY } from "./KnowledgeSettings";
import { call, client } from "./session";

export function ChunkingPreview({ base }: { base: KnowledgeBase }) {
  const [chunks, setChunks] = useState<ChunkPreview[] | null>(null);
  const [error, act] = useAction();
  const preview = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (!file) return;
    act(async () => {
      const content = new Uint8Array(await file.arrayBuffer());
      const answer = await call(() =>
        client.knowledge.previewChunking({
          parent: base.name.split("/knowledgeBases/")[0],
          source: { case: "content", value: content },
          contentType: file.type || "text/plain",
          chunking: base.chunking,
        }),
      );
      setChunks(answer.chunks);
    });
  };
  const strategy = STRATEGY[base.chunking?.strategy ?? 0];
  return (
    <section aria-labelledby="preview-title">
      <h2 id="preview-title">Chunking preview</h2>
      <label>
        Preview a file ({strategy === "unspecified" ? "default" : strategy} chunking, nothing is stored)
        <input type="file" onChange={preview} />
      </label>
      {error && <p role="alert">{error}</p>}
      {chunks && <p data-testid="preview-count">{chunks.length === 1 ? "1 chunk" : `${chunks.length} chunks`}</p>}
      {chunks && (
        <ol aria-label="Preview chunks">
          {chunks.map((chunk) => (
            <li key={chunk.index}>
              <small>
                {chunk.tokenCount} tokens{chunk.page > 0 && ` · page ${chunk.page}`}
                {chunk.headingPath.length > 0 && ` · ${chunk.headingPath.join(" › ")}`}
              </small>
              <pre>{chunk.text}</pre>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
