// Token refresh: a call the server refuses with UNAUTHENTICATED / TOKEN_EXPIRED refreshes
// the session once (RefreshToken rotates the refresh token, so calls that expire together
// share one refresh) and is sent again with the new access token.
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";

import { Code, PrivexBotError } from "./errors.js";
import { AuthService } from "./gen/privexbot/v1/auth_pb.js";
import type { ClientOptions, Credentials } from "./index.js";

/** A request's messages, replayable (a server stream's request is a one-shot iterable). */
async function replayable<T>(messages: AsyncIterable<T>): Promise<AsyncIterable<T>> {
  const kept: T[] = [];
  for await (const message of messages) kept.push(message);
  return {
    async *[Symbol.asyncIterator]() {
      yield* kept;
    },
  };
}

function expired(error: unknown): boolean {
  const failed = PrivexBotError.from(error);
  return failed.code === Code.Unauthenticated && failed.reason === "TOKEN_EXPIRED";
}

/** Refreshes `credentials` on TOKEN_EXPIRED when they hold a refresh token. */
export function refreshOnExpiry(baseUrl: string, credentials: Credentials, options: ClientOptions): Interceptor {
  // RefreshToken is public: it goes without the expired token.
  const auth = createClient(AuthService, createGrpcWebTransport({ baseUrl, fetch: options.fetch }));
  let refreshing: Promise<void> | undefined;
  const refresh = (expiredToken: string): Promise<void> => {
    if (credentials.accessToken !== expiredToken) return Promise.resolve();
    refreshing ??= auth
      .refreshToken({ refreshToken: credentials.refreshToken })
      .then((session) => {
        credentials.accessToken = session.accessToken;
        credentials.refreshToken = session.refreshToken;
        options.onRefresh?.(session);
      })
      .finally(() => {
        refreshing = undefined;
      });
    return refreshing;
  };
  return (next) => async (request) => {
    const sent = credentials.accessToken;
    if (!sent || !credentials.refreshToken) return next(request);
    const again = request.stream ? { ...request, message: await replayable(request.message) } : request;
    try {
      return await next(again);
    } catch (error) {
      if (!expired(error)) throw error;
      await refresh(sent);
      return next(again);
    }
  };
}
