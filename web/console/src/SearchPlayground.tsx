// A knowledge base's search playground: a query with a retrieval override (mode, top-k,
// threshold; empty fields keep the base's defaults) and the scored chunks it returns,
// each with its citation (document, chunk, page, headings).
import type { Citation, KnowledgeBase, SearchKnowledgeBaseResponse } from "@privexbot/client";
import { useState, type FormEvent } from "react";

import { useAction } from "./action";
import { text } from "./format";
import { RetrievalFields, retrievalOf } from "./KnowledgeSettings";
import { call, client } from "./session";

/** Where a chunk comes from, for a person to read. */
export const cite = (citation?: Citation) =>
  citation
    ? [
        citation.documentDisplayName,
        `chunk ${citation.chunkIndex + 1}`,
        citation.page > 0 && `page ${citation.page}`,
        citation.headingPath.join(" › "),
      ]
        .filter(Boolean)
        .join(" · ")
    : "";

export function SearchPlayground({ base }: { base: KnowledgeBase }) {
  const [answer, setAnswer] = useState<SearchKnowledgeBaseResponse | null>(null);
  const [error, act] = useAction();
  const search = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    act(async () =>
      setAnswer(
        await call(() =>
          client.knowledge.searchKnowledgeBase({ name: base.name, query: text(form, "query"), retrieval: retrievalOf(form) }),
        ),
      ),
    );
  };
  return (
    <section aria-labelledby="search-title">
      <h2 id="search-title">Search playground</h2>
      <form onSubmit={search} className="row">
        <label>
          Query
          <input name="query" required maxLength={2000} />
        </label>
        <RetrievalFields />
        <button type="submit">Search</button>
      </form>
      {error && <p role="alert">{error}</p>}
      {answer && (
        <ol aria-label="Search results">
          {answer.results.map((result, index) => (
            <li key={index}>
              <strong data-testid="score">{result.score.toFixed(3)}</strong> <cite>{cite(result.citation)}</cite>
              <p>{result.text}</p>
            </li>
          ))}
          {answer.results.length === 0 && <li>No chunk scores above the threshold.</li>}
        </ol>
      )}
    </section>
  );
}
