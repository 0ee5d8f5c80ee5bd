/** The worker of protoc-gen-es-thread.ts: loads the plugin at start, then answers one request per message. */
import { parentPort } from "node:worker_threads";
import { runProtocGenEsOnBytes, type GeneratedFile } from "./protoc-gen-es.js";

export type WorkerReply =
  | { readonly ok: true; readonly files: GeneratedFile[] }
  | { readonly ok: false; readonly name: string; readonly message: string; readonly stack?: string };

parentPort?.on("message", (m: { bytes: Uint8Array; parameter: string }) => {
  let reply: WorkerReply;
  try {
    reply = { ok: true, files: runProtocGenEsOnBytes(m.bytes, m.parameter) };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    reply = { ok: false, name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
  }
  parentPort!.postMessage(reply);
});
