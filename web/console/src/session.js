// The signed-in session: tokens in sessionStorage (this tab only), one SDK client whose
// credentials follow them, and silent refresh: a call answered UNAUTHENTICATED refreshes
// the access token once and retries; when the refresh token is refused too (logged out
// elsewhere, revoked, expired) the session has ended.
import { createPrivexBot } from "@privexbot/client";

const KEY = "privexbot.console.session";
const UNAUTHENTICATED = 16; // gRPC status code

export class SessionEnded extends Error {}

export const client = createPrivexBot(window.location.origin);

export function load() {
  const stored = JSON.parse(sessionStorage.getItem(KEY) || "null");
  client.credentials.accessToken = stored?.accessToken;
  return stored;
}

export function save(session) {
  sessionStorage.setItem(KEY, JSON.stringify(session));
  client.credentials.accessToken = session.accessToken;
}

export function clear() {
  sessionStorage.removeItem(KEY);
  client.credentials.accessToken = undefined;
}

/** The session to keep from an AuthSession answer. */
export function fromAuth(auth) {
  return { accessToken: auth.accessToken, refreshToken: auth.refreshToken };
}

/** Runs `fn()` (an SDK call); on UNAUTHENTICATED refreshes once and retries. */
export async function call(fn) {
  try {
    return await fn();
  } catch (error) {
    if (error?.code !== UNAUTHENTICATED) throw error;
  }
  const stored = load();
  if (!stored?.refreshToken) throw new SessionEnded();
  try {
    const auth = await client.auth.refreshToken({ refreshToken: stored.refreshToken });
    save(fromAuth(auth));
  } catch (error) {
    clear();
    throw new SessionEnded(error?.rawMessage ?? String(error));
  }
  return fn();
}

/** The server's message for a failed call, for a person to read. */
export function message(error) {
  return error?.rawMessage || error?.message || String(error);
}
