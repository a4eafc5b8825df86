// Unit test: the sentence the widget shows for each kind of failure (errors made here, with
// the details the server attaches). Run by tests/e2e/test_widget_browser.py.
import assert from "node:assert/strict";
import { test } from "node:test";

import { build } from "esbuild";

const bundled = await build({
  stdin: {
    contents: `
      export { describe } from "./src/messages.ts";
      export { Code, ConnectError } from "@connectrpc/connect";
      export { BadRequestSchema, ErrorInfoSchema, RetryInfoSchema } from "../../clients/typescript/src/gen/google/rpc/error_details_pb.ts";`,
    resolveDir: new URL("..", import.meta.url).pathname,
    loader: "ts",
  },
  bundle: true,
  format: "esm",
  platform: "node",
  write: false,
  nodePaths: ["../../clients/typescript/node_modules"],
  logLevel: "error",
});
const { describe, Code, ConnectError, BadRequestSchema, ErrorInfoSchema, RetryInfoSchema } = await import(
  `data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString("base64")}`
);

function failure(code, reason, { retrySeconds, field } = {}) {
  const details = [{ desc: ErrorInfoSchema, value: { reason, domain: "privexbot.io" } }];
  if (retrySeconds !== undefined) details.push({ desc: RetryInfoSchema, value: { retryDelay: { seconds: BigInt(retrySeconds), nanos: 0 } } });
  if (field) details.push({ desc: BadRequestSchema, value: { fieldViolations: [{ field, description: "is too long" }] } });
  return new ConnectError("from the server", code, undefined, details);
}

test("each failure reads as a sentence, with the wait when the server gives one", () => {
  const cases = [
    [failure(Code.ResourceExhausted, "RATE_LIMITED", { retrySeconds: 7 }), "Too many messages at once. Try again in 7 s."],
    [failure(Code.ResourceExhausted, "MESSAGE_QUOTA_EXHAUSTED", { retrySeconds: 86400 }), "This chatbot has used up its messages for this month."],
    [failure(Code.PermissionDenied, "ORIGIN_NOT_ALLOWED"), "This website is not allowed to use this chatbot."],
    [failure(Code.Unauthenticated, "PUBLISHABLE_KEY_INVALID"), "This chat's key is not valid: it may have been revoked."],
    [failure(Code.FailedPrecondition, "NOT_PUBLISHED"), "This chatbot is not published yet."],
    [failure(Code.FailedPrecondition, "LEAD_REQUIRED"), "Please leave your contact details first."],
    [failure(Code.NotFound, "RESOURCE_NOT_FOUND"), "This chatbot does not exist: check the data-chatbot attribute."],
    [failure(Code.InvalidArgument, "INVALID_ARGUMENT", { field: "message" }), "Your message could not be sent: is too long."],
    [failure(Code.DeadlineExceeded, ""), "The answer took too long. Please try again."],
    [new TypeError("Failed to fetch"), "The chat service cannot be reached right now. Please try again later."],
    ["anything", "The chat service cannot be reached right now. Please try again later."],
    [failure(Code.Internal, ""), "Something went wrong. Please try again."],
  ];
  for (const [error, sentence] of cases) assert.equal(describe(error), sentence);
});
