// Resumable uploads from a browser (or Node): StartUpload, AppendUpload in chunks of at most
// 1 MiB, FinishUpload. fetch cannot stream a request body, so UploadDocument (a client
// stream) is out of reach there; this is the browser's way in. A chunk whose call fails in
// transit is sent again at the same offset (the server acknowledges a repeat); a refusal
// that names another offset resumes from what the server holds.
import { Code, ConnectError } from "@connectrpc/connect";

import { ErrorInfoSchema } from "./gen/google/rpc/error_details_pb.js";
import type { Document } from "./gen/privexbot/v1/knowledge_pb.js";
import type { PrivexBot } from "./index.js";

/** The largest chunk AppendUpload takes. */
export const MAX_CHUNK_BYTES = 1024 * 1024;

export interface UploadOptions {
  /** The file's name as the document shows it (default: the File's name). */
  displayName?: string;
  /** MIME type (default: the Blob's type, else application/octet-stream). */
  contentType?: string;
  labels?: Record<string, string>;
  /** Bytes per AppendUpload, at most 1 MiB. */
  chunkBytes?: number;
  /** Called after every acknowledged chunk. */
  onProgress?: (sentBytes: number, totalBytes: number) => void;
  /** Stops the upload (the server discards it when it expires). */
  signal?: AbortSignal;
  /** Attempts per call before a transient failure is given up on (default 5). */
  attempts?: number;
}

const TRANSIENT = new Set([Code.Unavailable, Code.Unknown, Code.DeadlineExceeded, Code.Internal]);

function isTransient(error: unknown): boolean {
  return !(error instanceof ConnectError) || TRANSIENT.has(error.code);
}

async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}

/** Runs `call` again (with jittered backoff) while it fails in transit. */
async function withRetries<T>(call: () => Promise<T>, attempts: number, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isTransient(error) || signal?.aborted) throw error;
      await pause(Math.min(2000, 100 * 2 ** attempt) * (0.5 + Math.random()), signal);
    }
  }
}

/** The offset the server holds, when it refused a chunk at another one. */
function offsetTheServerHolds(error: unknown): bigint | undefined {
  if (!(error instanceof ConnectError) || error.code !== Code.FailedPrecondition) return undefined;
  const info = error.findDetails(ErrorInfoSchema)[0];
  if (info?.reason !== "UPLOAD_OFFSET_MISMATCH") return undefined;
  return BigInt(info.metadata.received_bytes ?? "0");
}

/**
 * Uploads `file` into the knowledge base `knowledgeBase` (its resource name) and returns the
 * document it became (state PENDING: ingestion then runs; watch it with WatchIngestion).
 */
export async function upload(
  client: PrivexBot,
  knowledgeBase: string,
  file: Blob,
  options: UploadOptions = {},
): Promise<Document> {
  const chunkBytes = Math.min(options.chunkBytes ?? MAX_CHUNK_BYTES, MAX_CHUNK_BYTES);
  const attempts = options.attempts ?? 5;
  const signal = options.signal;
  const call = { signal };
  const total = file.size;
  const name = options.displayName ?? (file as { name?: string }).name ?? "upload";
  const started = await withRetries(
    () =>
      client.knowledge.startUpload(
        {
          parent: knowledgeBase,
          upload: {
            displayName: name,
            contentType: options.contentType || file.type || "application/octet-stream",
            labels: options.labels ?? {},
            sizeBytes: BigInt(total),
          },
          requestId: crypto.randomUUID(),
        },
        call,
      ),
    attempts,
    signal,
  );
  let offset = 0;
  while (offset < total) {
    const data = new Uint8Array(await file.slice(offset, offset + chunkBytes).arrayBuffer());
    try {
      const state = await withRetries(
        () => client.knowledge.appendUpload({ name: started.name, offset: BigInt(offset), data }, call),
        attempts,
        signal,
      );
      offset = Number(state.receivedBytes);
    } catch (error) {
      const held = offsetTheServerHolds(error);
      if (held === undefined) throw error;
      offset = Number(held);
    }
    options.onProgress?.(offset, total);
  }
  return await withRetries(() => client.knowledge.finishUpload({ name: started.name }, call), attempts, signal);
}
