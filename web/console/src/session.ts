// The signed-in session: tokens in sessionStorage (this tab only), one SDK client whose
// credentials follow them, and silent refresh: a call answered UNAUTHENTICATED refreshes
// the access token once and retries; when the refresh token is refused too (logged out
// elsewhere, revoked, expired) the session has ended.
import { createPrivexBot, type AuthSession } from "@privexbot/client";

const KEY = "privexbot.console.session";
const UNAUTHENTICATED = 16; // gRPC status code

export class SessionEnded extends Error {}

/** What this tab keeps of a session. */
export interface StoredSession {
  accessToken: string;
  refreshToken: string;
}

/** What a failed SDK call may carry (a PrivexBotError, or anything thrown). */
interface Failure {
  code?: number;
  rawMessage?: string;
  message?: string;
}

export const client = createPrivexBot(window.location.origin);

export function load(): StoredSession | null {
  const stored: StoredSession | null = JSON.parse(sessionStorage.getItem(KEY) || "null");
  client.credentials.accessToken = stored?.accessToken;
  return stored;
}

export function save(session: StoredSession) {
  sessionStorage.setItem(KEY, JSON.stringify(session));
  client.credentials.accessToken = session.accessToken;
}

/** Keeps the session's refresh token with a new access token (SwitchContext's). */
export function replaceAccessToken(accessToken: string) {
  save({ refreshToken: load()?.refreshToken ?? "", accessToken });
}

export function clear() {
  sessionStorage.removeItem(KEY);
  client.credentials.accessToken = undefined;
}

/** The session to keep from an AuthSession answer. */
export function fromAuth(auth: AuthSession): StoredSession {
  return { accessToken: auth.accessToken, refreshToken: auth.refreshToken };
}

/** Runs `fn()` (an SDK call); on UNAUTHENTICATED refreshes once and retries. */
export async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if ((error as Failure)?.code !== UNAUTHENTICATED) throw error;
  }
  const stored = load();
  if (!stored?.refreshToken) throw new SessionEnded();
  try {
    const auth = await client.auth.refreshToken({ refreshToken: stored.refreshToken });
    save(fromAuth(auth));
  } catch (error) {
    clear();
    throw new SessionEnded((error as Failure)?.rawMessage ?? String(error));
  }
  return fn();
}

/** The server's message for a failed call, for a person to read. */
export function message(error: unknown): string {
  const failure = error as Failure;
  return failure?.rawMessage || failure?.message || String(error);
}
