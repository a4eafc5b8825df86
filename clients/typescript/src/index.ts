// A thin PrivexBot client for browsers and Node: gRPC-Web through Envoy, one Connect client
// per service, credentials attached to every call, typed errors (errors.ts), a refresh on
// an expired token (refresh.ts), stream helpers (streams.ts) and uploads (upload.ts).
// Messages and services are generated from protos/ into ./gen (`make proto`); the rest of
// src/ is hand-written.
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";

import { typedErrorsInterceptor } from "./errors.js";
import { AuthService, type AuthSession } from "./gen/privexbot/v1/auth_pb.js";
import { BotService } from "./gen/privexbot/v1/bot_pb.js";
import { FlowService } from "./gen/privexbot/v1/flow_pb.js";
import { InferenceService } from "./gen/privexbot/v1/inference_pb.js";
import { KnowledgeService } from "./gen/privexbot/v1/knowledge_pb.js";
import { TenantService } from "./gen/privexbot/v1/tenant_pb.js";
import { refreshOnExpiry } from "./refresh.js";

export * from "./gen/privexbot/v1/auth_pb.js";
export * from "./gen/privexbot/v1/bot_pb.js";
export * from "./gen/privexbot/v1/common_pb.js";
export * from "./gen/privexbot/v1/flow_pb.js";
export * from "./gen/privexbot/v1/inference_pb.js";
export * from "./gen/privexbot/v1/knowledge_pb.js";
export * from "./gen/privexbot/v1/tenant_pb.js";
export { createClient, type Client } from "@connectrpc/connect";
// A message's init object (what requests take): MessageInitShape<typeof ChatbotConfigSchema>.
export type { JsonObject, JsonValue, MessageInitShape } from "@bufbuild/protobuf";
export { Code, PrivexBotError, typedErrorsInterceptor, type FieldViolation } from "./errors.js";
export {
  chat,
  streamChatCompletion,
  streamEvents,
  testChatbotDraft,
  type ChatStreamEvent,
  type CompletionStreamEvent,
  type StreamEvent,
  type StreamOptions,
} from "./streams.js";
export { MAX_CHUNK_BYTES, upload, type UploadOptions } from "./upload.js";

export interface Credentials {
  /** An access token (Authorization: Bearer). */
  accessToken?: string;
  /**
   * The session's refresh token: with it, a call the server refuses with TOKEN_EXPIRED
   * refreshes the session once (rotating this token) and is sent again.
   */
  refreshToken?: string;
  /** An API key (x-api-key), for backend use. */
  apiKey?: string;
  /**
   * A chatbot's publishable key (x-publishable-key), for a website widget: Chat and
   * SubmitFeedback of that one chatbot, from its allowed origins.
   */
  publishableKey?: string;
}

export interface PrivexBot {
  credentials: Credentials;
  auth: Client<typeof AuthService>;
  tenant: Client<typeof TenantService>;
  bot: Client<typeof BotService>;
  flow: Client<typeof FlowService>;
  knowledge: Client<typeof KnowledgeService>;
  inference: Client<typeof InferenceService>;
}

export interface ClientOptions {
  /** The fetch to send requests with (default: the global one). */
  fetch?: typeof globalThis.fetch;
  /** Hears of every refreshed session (to keep its tokens, e.g. in storage). */
  onRefresh?: (session: AuthSession) => void;
  /** More interceptors, run before the credentials are attached. */
  interceptors?: Interceptor[];
}

/**
 * A gRPC-Web transport: `credentials` (read on every call, so they can be replaced at any
 * time) attached to each request, `options.interceptors` around that, and typed errors.
 * `createPrivexBot` adds the token refresh; a widget builds only the clients it needs,
 * e.g. `createClient(BotService, createTransport(url, { publishableKey }))`.
 */
export function createTransport(
  baseUrl: string,
  credentials: Credentials = {},
  options: ClientOptions = {},
): Transport {
  const attach: Interceptor = (next) => (request) => {
    if (credentials.accessToken) request.header.set("authorization", `Bearer ${credentials.accessToken}`);
    else if (credentials.apiKey) request.header.set("x-api-key", credentials.apiKey);
    else if (credentials.publishableKey) request.header.set("x-publishable-key", credentials.publishableKey);
    return next(request);
  };
  return createGrpcWebTransport({
    baseUrl,
    interceptors: [typedErrorsInterceptor, ...(options.interceptors ?? []), attach],
    fetch: options.fetch,
  });
}

/** Clients for the six services at `baseUrl` (Envoy, e.g. http://localhost:8080). */
export function createPrivexBot(
  baseUrl: string,
  credentials: Credentials = {},
  options: ClientOptions = {},
): PrivexBot {
  const refresh = refreshOnExpiry(baseUrl, credentials, options);
  const transport = createTransport(baseUrl, credentials, {
    ...options,
    interceptors: [refresh, ...(options.interceptors ?? [])],
  });
  return {
    credentials,
    auth: createClient(AuthService, transport),
    tenant: createClient(TenantService, transport),
    bot: createClient(BotService, transport),
    flow: createClient(FlowService, transport),
    knowledge: createClient(KnowledgeService, transport),
    inference: createClient(InferenceService, transport),
  };
}
