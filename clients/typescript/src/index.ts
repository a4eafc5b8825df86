// A thin PrivexBot client for browsers and Node: gRPC-Web through Envoy, one Connect client
// per service, credentials attached to every call. Messages and services are generated from
// protos/ into ./gen (`make proto`); the rest of src/ is hand-written.
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";

import { AuthService } from "./gen/privexbot/v1/auth_pb.js";
import { BotService } from "./gen/privexbot/v1/bot_pb.js";
import { FlowService } from "./gen/privexbot/v1/flow_pb.js";
import { InferenceService } from "./gen/privexbot/v1/inference_pb.js";
import { KnowledgeService } from "./gen/privexbot/v1/knowledge_pb.js";
import { TenantService } from "./gen/privexbot/v1/tenant_pb.js";

export * from "./gen/privexbot/v1/auth_pb.js";
export * from "./gen/privexbot/v1/bot_pb.js";
export * from "./gen/privexbot/v1/common_pb.js";
export * from "./gen/privexbot/v1/flow_pb.js";
export * from "./gen/privexbot/v1/inference_pb.js";
export * from "./gen/privexbot/v1/knowledge_pb.js";
export * from "./gen/privexbot/v1/tenant_pb.js";
export { MAX_CHUNK_BYTES, upload, type UploadOptions } from "./upload.js";

export interface Credentials {
  /** An access token (Authorization: Bearer). */
  accessToken?: string;
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
}

/** Clients for the six services at `baseUrl` (Envoy, e.g. http://localhost:8080). */
export function createPrivexBot(
  baseUrl: string,
  credentials: Credentials = {},
  options: ClientOptions = {},
): PrivexBot {
  const holder: Credentials = credentials;
  const attach: Interceptor = (next) => (request) => {
    if (holder.accessToken) request.header.set("authorization", `Bearer ${holder.accessToken}`);
    else if (holder.apiKey) request.header.set("x-api-key", holder.apiKey);
    else if (holder.publishableKey) request.header.set("x-publishable-key", holder.publishableKey);
    return next(request);
  };
  const transport = createGrpcWebTransport({ baseUrl, interceptors: [attach], fetch: options.fetch });
  return {
    credentials: holder,
    auth: createClient(AuthService, transport),
    tenant: createClient(TenantService, transport),
    bot: createClient(BotService, transport),
    flow: createClient(FlowService, transport),
    knowledge: createClient(KnowledgeService, transport),
    inference: createClient(InferenceService, transport),
  };
}
