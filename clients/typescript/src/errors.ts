// Typed errors: every failed call rejects (or a stream throws) a PrivexBotError carrying the
// server's rich error model (AIP-193), read from the google.rpc.Status that gRPC-Web sends
// in grpc-status-details-bin: the ErrorInfo reason and metadata, BadRequest field
// violations and the RetryInfo delay.
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

import {
  BadRequestSchema,
  ErrorInfoSchema,
  RetryInfoSchema,
} from "./gen/google/rpc/error_details_pb.js";

export { Code };

/** One invalid request field (google.rpc.BadRequest.FieldViolation). */
export interface FieldViolation {
  field: string;
  description: string;
  reason: string;
}

/**
 * A failed call. A ConnectError (so `code`, `rawMessage` and `findDetails()` work as
 * usual) with the server's reasons spelled out: `reason` (e.g. `RESOURCE_NOT_FOUND`),
 * `domain` (`privexbot.io`), `info` (the ErrorInfo metadata), `fieldViolations` and
 * `retryDelayMs` (how long the server asked to wait, when it did).
 */
export class PrivexBotError extends ConnectError {
  readonly reason: string;
  readonly domain: string;
  readonly info: Readonly<Record<string, string>>;
  readonly fieldViolations: readonly FieldViolation[];
  readonly retryDelayMs: number | undefined;

  constructor(error: ConnectError) {
    super(error.rawMessage, error.code, error.metadata, undefined, error.cause ?? error);
    this.details = error.details;
    const [info] = this.findDetails(ErrorInfoSchema);
    this.reason = info?.reason ?? "";
    this.domain = info?.domain ?? "";
    this.info = { ...info?.metadata };
    this.fieldViolations = this.findDetails(BadRequestSchema).flatMap((bad) =>
      bad.fieldViolations.map(({ field, description, reason }) => ({ field, description, reason })),
    );
    const [retry] = this.findDetails(RetryInfoSchema);
    this.retryDelayMs = retry?.retryDelay
      ? Number(retry.retryDelay.seconds) * 1000 + Math.round(retry.retryDelay.nanos / 1e6)
      : undefined;
  }

  /** Any thrown value as a PrivexBotError (an abort becomes `Code.Canceled`). */
  static from(reason: unknown): PrivexBotError {
    return reason instanceof PrivexBotError ? reason : new PrivexBotError(ConnectError.from(reason));
  }

  // ConnectError recognises its instances by shape; this class by its prototype.
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && PrivexBotError.prototype.isPrototypeOf(value);
  }
}

async function* typedErrors<T>(messages: AsyncIterable<T>): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (error) {
    throw PrivexBotError.from(error);
  }
}

/** Turns every error of a call, unary or streamed, into a PrivexBotError. */
export const typedErrorsInterceptor: Interceptor = (next) => async (request) => {
  try {
    const response = await next(request);
    return response.stream ? { ...response, message: typedErrors(response.message) } : response;
  } catch (error) {
    throw PrivexBotError.from(error);
  }
};
