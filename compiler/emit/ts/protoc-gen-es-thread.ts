/**
 * protoc-gen-es for `evt generate` on its own thread: the message types are the largest single
 * step after buf and need nothing from the catalog, so a worker loads the plugin while buf
 * compiles and generates them while the main thread builds the catalog and every other output
 * (2 cores: the two halves take about as long). Only node built-ins are imported here.
 *
 * The worker runs the built module (dist/…/protoc-gen-es-worker.js). From TypeScript sources
 * (vitest, tsx) there is no .js to start, so the same function runs on the calling thread:
 * same output, no overlap.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { EvtError } from "../../errors.js";
import type { GeneratedFile } from "./protoc-gen-es.js";
import type { WorkerReply } from "./protoc-gen-es-worker.js";

export const PROTOC_GEN_ES_PARAMETER = "target=ts,import_extension=js";

export interface MessageTypesJob {
  /** protoc-gen-es on buf's serialised set (see runProtocGenEsOnBytes); call once. */
  run(bytes: Uint8Array): Promise<GeneratedFile[]>;
  /** Stops the worker (idempotent); a pending run rejects. */
  close(): void;
  /** Whether a worker thread runs it (false: the calling thread). */
  readonly threaded: boolean;
}

const WORKER = new URL("./protoc-gen-es-worker.js", import.meta.url);

/** Starts the worker now, so the plugin is loaded by the time `run` is called. */
export function startMessageTypes(parameter = PROTOC_GEN_ES_PARAMETER): MessageTypesJob {
  if (!import.meta.url.endsWith(".js") || !existsSync(fileURLToPath(WORKER))) return inProcess(parameter);
  // Node's flags carry over, except --input-type, which a worker refuses (it has no --eval input).
  const worker = new Worker(WORKER, { execArgv: process.execArgv.filter((a) => !a.startsWith("--input-type")) });
  worker.unref(); // an idle worker never keeps the process alive; a pending run does (below)
  let closed = false;
  const exited = new Promise<never>((_, reject) => {
    worker.once("error", (e) => reject(new EvtError(`protoc-gen-es worker failed: ${e.message}`, [], { cause: e })));
    worker.once("exit", (code) => reject(new EvtError(closed ? "protoc-gen-es worker stopped" : `protoc-gen-es worker exited (${code}) before replying`)));
  });
  exited.catch(() => undefined); // observed through run()
  return {
    threaded: true,
    run(bytes) {
      const reply = new Promise<GeneratedFile[]>((resolve, reject) => {
        worker.once("message", (m: WorkerReply) => (m.ok ? resolve(m.files) : reject(workerError(m))));
      });
      worker.ref();
      worker.postMessage({ bytes, parameter });
      const settled = Promise.race([reply, exited]);
      const idle = (): void => void worker.unref();
      settled.then(idle, idle);
      return settled;
    },
    close() {
      closed = true;
      void worker.terminate();
    },
  };
}

/** The worker's failure as this thread's: an EvtError stays one (its message is for the user), anything else is internal with the worker's stack. */
function workerError(m: Extract<WorkerReply, { ok: false }>): Error {
  if (m.name === "EvtError") return new EvtError(m.message);
  const e = new Error(`protoc-gen-es failed: ${m.message}`);
  const frames = m.stack?.split("\n").filter((l) => /^\s+at /.test(l)) ?? [];
  if (frames.length > 0) e.stack = [`Error: ${e.message}`, ...frames].join("\n");
  return e;
}

function inProcess(parameter: string): MessageTypesJob {
  return {
    threaded: false,
    async run(bytes) {
      const { runProtocGenEsOnBytes } = await import("./protoc-gen-es.js");
      return runProtocGenEsOnBytes(bytes, parameter);
    },
    close() {},
  };
}
