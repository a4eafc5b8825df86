// Helpers for the server-streaming calls: each event as `{ type, value }` (the oneof case
// and its message, so a `switch (event.type)` narrows `value`), an AbortSignal that ends the
// stream quietly (the server stops generating), and every failure a PrivexBotError.
import type { CallOptions } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";

import { PrivexBotError } from "./errors.js";
import type { ChatEvent, ChatRequestSchema, TestChatbotDraftRequestSchema } from "./gen/privexbot/v1/bot_pb.js";
import type {
  ChatCompletionEvent,
  StreamChatCompletionRequestSchema,
} from "./gen/privexbot/v1/inference_pb.js";
import type { PrivexBot } from "./index.js";

/** A streamed message's `event` oneof as `{ type, value }`. */
export type StreamEvent<M extends { event: { case: string | undefined; value?: unknown } }> =
  M["event"] extends infer O
    ? O extends { case: infer C extends string; value: infer V }
      ? { type: C; value: V }
      : never
    : never;

export type ChatStreamEvent = StreamEvent<ChatEvent>;
export type CompletionStreamEvent = StreamEvent<ChatCompletionEvent>;

/** What a stream helper takes: the call's options; aborting `signal` ends the stream. */
export type StreamOptions = Pick<CallOptions, "signal" | "timeoutMs" | "headers">;

/**
 * The events of `stream`, flattened; ends without an error when the caller's own
 * `signal` aborted it.
 */
export async function* streamEvents<M extends { event: { case: string | undefined; value?: unknown } }>(
  stream: AsyncIterable<M>,
  signal?: AbortSignal,
): AsyncGenerator<StreamEvent<M>> {
  try {
    for await (const message of stream) {
      if (message.event.case !== undefined) yield { type: message.event.case, value: message.event.value } as StreamEvent<M>;
    }
  } catch (error) {
    if (signal?.aborted) return;
    throw PrivexBotError.from(error);
  }
}

/** BotService.Chat: session, deltas, citations, usage, attestation, then done. */
export function chat(
  client: Pick<PrivexBot, "bot">,
  request: MessageInitShape<typeof ChatRequestSchema>,
  options: StreamOptions = {},
): AsyncGenerator<ChatStreamEvent> {
  return streamEvents(client.bot.chat(request, options), options.signal);
}

/** BotService.TestChatbotDraft: the same events as chat(), from a draft. */
export function testChatbotDraft(
  client: Pick<PrivexBot, "bot">,
  request: MessageInitShape<typeof TestChatbotDraftRequestSchema>,
  options: StreamOptions = {},
): AsyncGenerator<ChatStreamEvent> {
  return streamEvents(client.bot.testChatbotDraft(request, options), options.signal);
}

/** InferenceService.StreamChatCompletion: attestation, deltas, usage, finish. */
export function streamChatCompletion(
  client: Pick<PrivexBot, "inference">,
  request: MessageInitShape<typeof StreamChatCompletionRequestSchema>,
  options: StreamOptions = {},
): AsyncGenerator<CompletionStreamEvent> {
  return streamEvents(client.inference.streamChatCompletion(request, options), options.signal);
}
