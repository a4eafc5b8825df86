// What the widget tells a visitor when something fails: one sentence per reason, never a
// stack trace or a status code alone.
import { Code, PrivexBotError } from "../../../clients/typescript/src/errors.js";

/** The words for `error` (a failed call, a network failure, anything thrown). */
export function describe(error: unknown): string {
  const failed = PrivexBotError.from(error);
  const wait = failed.retryDelayMs === undefined ? "" : ` Try again in ${Math.ceil(failed.retryDelayMs / 1000)} s.`;
  switch (failed.reason) {
    case "ORIGIN_NOT_ALLOWED":
      return "This website is not allowed to use this chatbot.";
    case "PUBLISHABLE_KEY_INVALID":
      return "This chat's key is not valid: it may have been revoked.";
    case "RATE_LIMITED":
      return `Too many messages at once.${wait}`;
    case "MESSAGE_QUOTA_EXHAUSTED":
      return "This chatbot has used up its messages for this month.";
    case "NOT_PUBLISHED":
      return "This chatbot is not published yet.";
    case "LEAD_REQUIRED":
    case "CONSENT_REQUIRED":
      return "Please leave your contact details first.";
  }
  switch (failed.code) {
    case Code.NotFound:
      return "This chatbot does not exist: check the data-chatbot attribute.";
    case Code.Unauthenticated:
      return "This chat's key is missing or not valid.";
    case Code.PermissionDenied:
      return "This chat is not allowed here.";
    case Code.ResourceExhausted:
      return `The chat is busy.${wait}`;
    case Code.InvalidArgument: {
      const [first] = failed.fieldViolations;
      return first ? `Your message could not be sent: ${first.description}.` : "Your message could not be sent.";
    }
    case Code.Canceled:
      return "Stopped.";
    case Code.DeadlineExceeded:
      return "The answer took too long. Please try again.";
    case Code.Unavailable:
    case Code.Unknown:
      return "The chat service cannot be reached right now. Please try again later.";
  }
  return "Something went wrong. Please try again.";
}
