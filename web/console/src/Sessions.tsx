// A chatbot's (or chatflow's) conversations, most recent first, and one's transcript: each
// message with its sources and the visitor's rating. `list` and `get` are the RPCs.
import {
  ChatMessage_Role,
  Feedback_Rating,
  type ChatSession,
  type ListChatSessionsResponse,
} from "@privexbot/client";
import { useEffect, useState } from "react";

import { useAction } from "./action";
import { names, when } from "./format";
import { call } from "./session";

const ROLE = names(ChatMessage_Role);
const RATING: Record<number, string> = { [Feedback_Rating.THUMBS_UP]: "👍 thumbs up", [Feedback_Rating.THUMBS_DOWN]: "👎 thumbs down" };

interface SessionsProps {
  parent: string;
  list: (request: { parent: string; pageSize: number }) => Promise<ListChatSessionsResponse>;
  get: (request: { name: string }) => Promise<ChatSession>;
}

export function Sessions({ parent, list, get }: SessionsProps) {
  const [sessions, setSessions] = useState<ChatSession[]>([]);
  const [open, setOpen] = useState<ChatSession | null>(null);
  const [error, act] = useAction();

  useEffect(() => {
    act(async () => setSessions((await call(() => list({ parent, pageSize: 20 }))).chatSessions));
  }, [act, list, parent]);

  return (
    <section aria-labelledby="sessions-title">
      <h2 id="sessions-title">Conversations</h2>
      {error && <p role="alert">{error}</p>}
      <ul aria-label="Conversations">
        {sessions.map((session) => (
          <li key={session.name}>
            <button className="link" onClick={() => act(async () => setOpen(await call(() => get({ name: session.name }))))}>
              {when(session.updateTime)}: {session.messageCount} messages
              {session.visitorId && ` (visitor ${session.visitorId})`}
            </button>
          </li>
        ))}
        {sessions.length === 0 && <li>No conversation yet.</li>}
      </ul>
      {open && (
        <ol aria-label="Transcript" className="transcript">
          {open.messages.map((msg) => (
            <li key={msg.name}>
              <strong>{ROLE[msg.role]}</strong>: {msg.content}
              {msg.citations.length > 0 && (
                <small> (sources: {msg.citations.map((scored) => scored.citation?.documentDisplayName).join(", ")})</small>
              )}
              {msg.feedback && <span data-testid="rating"> {RATING[msg.feedback.rating]}</span>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
