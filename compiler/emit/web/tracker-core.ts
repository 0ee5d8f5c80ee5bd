/**
 * The source of web/tracker.ts: the generic, dependency-free tracker core every generated
 * web client shares (queue, batching, retries, persistence, page-hide flush). Kept as text because
 * it is emitted, never imported by the compiler; test/compiler/emit/web-tracker.test.ts compiles
 * and runs the emitted file.
 */
export const TRACKER_CORE_SOURCE = String.raw`/**
 * The evt web tracker: a persistent, bounded queue of events, sent in batches to the evt ingest
 * collector (POST /v1/events) with retries (exponential backoff with full jitter, honouring
 * Retry-After). No dependencies; runs in browsers and React Native (pass 'storage' there).
 */

// Every JS runtime has these; their types come from the DOM or Node libraries, which a React
// Native or worker build may not load. Module-local declarations keep this file self-typed.
declare function setTimeout(handler: () => void, ms?: number): unknown;
declare function clearTimeout(handle: unknown): void;
declare function queueMicrotask(callback: () => void): void;

/** An event waiting for the collector's answer. 'id' is a UUIDv7: queue order and the collector's ce_id. */
export interface QueuedEvent {
  readonly id: string;
  readonly type: string;
  /** Client time, RFC 3339. */
  readonly time: string;
  readonly data: unknown;
}

/** Where the queue lives between page loads (IndexedDB, localStorage, or an app's own storage). */
export interface QueueStore {
  add(events: readonly QueuedEvent[]): Promise<void>;
  /** Up to 'limit' events, oldest first. */
  oldest(limit: number): Promise<QueuedEvent[]>;
  remove(ids: readonly string[]): Promise<void>;
  count(): Promise<number>;
  /** Drops the oldest events beyond 'max'; returns how many it dropped. */
  trim(max: number): Promise<number>;
}

export interface TrackerOptions {
  /** Collector base URL, e.g. https://collect.example.com. */
  readonly endpoint: string;
  /** The app's write key (public by nature: it names the app, the collector limits what it may send). */
  readonly writeKey: string;
  /** Client source declared to the collector: web, ios, android, … */
  readonly source: string;
  /** Events per request (default 50). */
  readonly maxBatchEvents?: number;
  /** JSON bytes per request (default 60,000: under the 64 KiB keepalive budget of browsers). */
  readonly maxBatchBytes?: number;
  /** How long the first event waits for others (default 1,000 ms). */
  readonly flushIntervalMs?: number;
  /** Events kept while offline (default 10,000); the oldest are dropped and counted beyond it. */
  readonly maxQueue?: number;
  /** First retry delay (default 1,000 ms) and cap (default 60,000 ms). */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** Queue storage; default IndexedDB, else localStorage, else memory. */
  readonly storage?: QueueStore;
  /** Name of the IndexedDB database / localStorage key (default evt-tracker). */
  readonly storageName?: string;
  readonly fetch?: (url: string, init: Record<string, unknown>) => Promise<{ status: number; headers: { get(name: string): string | null }; json(): Promise<unknown> }>;
  /** Called on a failed request or a dropped batch (never with event data). */
  readonly onError?: (message: string) => void;
}

export interface TrackOptions {
  /** Client event time (default now). */
  readonly time?: Date;
}

export interface TrackerStats {
  readonly queued: number;
  readonly accepted: number;
  readonly rejected: number;
  /** Events dropped because the queue was full or the collector refused the whole batch for good. */
  readonly dropped: number;
}

// ---- UUIDv7 ---------------------------------------------------------------------------------

let lastMs = -1;
let seq = 0;

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (c && c.getRandomValues) c.getRandomValues(out);
  else for (let i = 0; i < n; i++) out[i] = Math.floor(Math.random() * 256);
  return out;
}

/** RFC 9562 UUIDv7; a 12-bit counter keeps ids of one millisecond in creation order. */
export function uuidv7(now = Date.now()): string {
  const b = randomBytes(16);
  if (now === lastMs) seq = (seq + 1) & 0xfff;
  else {
    lastMs = now;
    seq = (b[6]! & 0x07) << 8 | b[7]!;
  }
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  b[6] = 0x70 | (seq >> 8);
  b[7] = seq & 0xff;
  b[8] = 0x80 | (b[8]! & 0x3f);
  let hex = "";
  for (let i = 0; i < 16; i++) hex += (b[i]! + 0x100).toString(16).slice(1);
  return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
}

// ---- queue stores ---------------------------------------------------------------------------

type Req = { result: unknown; error: unknown; onsuccess: (() => void) | null; onerror: (() => void) | null };
type Tx = { objectStore(name: string): any; oncomplete: (() => void) | null; onerror: (() => void) | null; onabort: (() => void) | null; error: unknown };

function request<T>(r: Req): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result as T);
    r.onerror = () => reject(r.error);
  });
}

function done(tx: Tx): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

const STORE = "events";

/** IndexedDB: one object store keyed by the event id (UUIDv7 order is creation order). */
export function indexedDbStore(name: string): QueueStore | undefined {
  const idb = (globalThis as { indexedDB?: any }).indexedDB;
  if (!idb) return undefined;
  let dbp: Promise<any> | undefined;
  const db = (): Promise<any> => {
    if (!dbp) {
      const open = idb.open(name, 1);
      open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: "id" });
      dbp = request<any>(open);
    }
    return dbp;
  };
  const tx = async (mode: "readonly" | "readwrite"): Promise<Tx> => (await db()).transaction(STORE, mode) as Tx;
  return {
    async add(events) {
      const t = await tx("readwrite");
      const s = t.objectStore(STORE);
      for (const e of events) s.put(e);
      await done(t);
    },
    async oldest(limit) {
      const t = await tx("readonly");
      return request<QueuedEvent[]>(t.objectStore(STORE).getAll(undefined, limit));
    },
    async remove(ids) {
      const t = await tx("readwrite");
      const s = t.objectStore(STORE);
      for (const id of ids) s.delete(id);
      await done(t);
    },
    async count() {
      const t = await tx("readonly");
      return request<number>(t.objectStore(STORE).count());
    },
    async trim(max) {
      const t = await tx("readwrite");
      const s = t.objectStore(STORE);
      const n = await request<number>(s.count());
      if (n <= max) return 0;
      const keys = await request<string[]>(s.getAllKeys(undefined, n - max));
      for (const k of keys) s.delete(k);
      await done(t);
      return keys.length;
    },
  };
}

/** localStorage (or any sync key-value storage): the whole queue as one JSON array. */
export function keyValueStore(name: string, kv?: { getItem(k: string): string | null; setItem(k: string, v: string): void }): QueueStore | undefined {
  let storage = kv;
  try {
    storage ??= (globalThis as { localStorage?: typeof kv }).localStorage;
  } catch {
    storage = undefined; // access denied (privacy settings)
  }
  if (!storage) return undefined;
  const s = storage;
  const read = (): QueuedEvent[] => {
    try {
      return JSON.parse(s.getItem(name) || "[]") as QueuedEvent[];
    } catch {
      return [];
    }
  };
  const write = (q: QueuedEvent[]): void => s.setItem(name, JSON.stringify(q));
  return {
    async add(events) {
      write(read().concat(events));
    },
    async oldest(limit) {
      return read().slice(0, limit);
    },
    async remove(ids) {
      const gone = new Set(ids);
      write(read().filter((e) => !gone.has(e.id)));
    },
    async count() {
      return read().length;
    },
    async trim(max) {
      const q = read();
      if (q.length <= max) return 0;
      write(q.slice(q.length - max));
      return q.length - max;
    },
  };
}

export function memoryStore(): QueueStore {
  let q: QueuedEvent[] = [];
  return {
    async add(events) {
      q = q.concat(events);
    },
    async oldest(limit) {
      return q.slice(0, limit);
    },
    async remove(ids) {
      const gone = new Set(ids);
      q = q.filter((e) => !gone.has(e.id));
    },
    async count() {
      return q.length;
    },
    async trim(max) {
      const n = Math.max(0, q.length - max);
      q = q.slice(n);
      return n;
    },
  };
}

/** IndexedDB when the platform has it and it opens, else localStorage, else memory. */
async function defaultStore(name: string): Promise<QueueStore> {
  const idb = indexedDbStore(name);
  if (idb) {
    try {
      await idb.count();
      return idb;
    } catch {
      // private mode or a blocked database: fall through
    }
  }
  return keyValueStore(name) ?? memoryStore();
}

// ---- the tracker ----------------------------------------------------------------------------

type Outcome =
  | { readonly kind: "done"; readonly accepted: number; readonly rejected: number }
  | { readonly kind: "drop"; readonly reason: string }
  | { readonly kind: "shrink" }
  | { readonly kind: "retry"; readonly retryAfterMs: number; readonly reason: string };

/** Generic tracker; the generated 'createTracker' wraps it in one typed method per public event. */
export class Tracker {
  private readonly o: TrackerOptions;
  private readonly store: Promise<QueueStore>;
  private buffer: QueuedEvent[] = [];
  private writes: Promise<void> = Promise.resolve();
  private sending: Promise<void> | undefined;
  private timer: unknown;
  private retryAt = 0;
  private attempt = 0;
  private batchEvents: number;
  private counts = { accepted: 0, rejected: 0, dropped: 0 };
  private readonly unlisten: (() => void)[] = [];
  /** Set when events were queued after the running drain started: it may have missed them. */
  private dirty = false;

  constructor(options: TrackerOptions) {
    this.o = options;
    this.batchEvents = options.maxBatchEvents ?? 50;
    const name = options.storageName ?? "evt-tracker";
    this.store = options.storage ? Promise.resolve(options.storage) : defaultStore(name);
    this.listen();
    // events left by an earlier page load or app start go out as soon as possible
    this.schedule(0);
  }

  /** Queues one event; returns its id (the collector's ce_id, so retries de-duplicate downstream). */
  track(type: string, data: unknown, options?: TrackOptions): string {
    const id = uuidv7();
    this.buffer.push({ id, type, time: (options?.time ?? new Date()).toISOString(), data });
    if (this.buffer.length === 1) queueMicrotask(() => this.persist());
    return id;
  }

  /** Resolves once every tracked event is in the queue storage (safe to reload). */
  async persisted(): Promise<void> {
    this.persist();
    await this.writes;
  }

  /** Sends until the queue is empty or the collector asks to wait; 'keepalive' outlives the page. */
  flush(keepalive = false): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.sending) {
      this.dirty = false;
      this.sending = this.drain(keepalive).finally(() => {
        this.sending = undefined;
        if (this.dirty) this.schedule(0);
      });
    }
    return this.sending;
  }

  async stats(): Promise<TrackerStats> {
    await this.persisted();
    return { queued: await (await this.store).count(), ...this.counts };
  }

  /** Removes the page listeners and timers (the queue stays). */
  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.unlisten.splice(0).forEach((f) => f());
  }

  private persist(): void {
    if (this.buffer.length === 0) return;
    const events = this.buffer;
    this.buffer = [];
    this.writes = this.writes.then(async () => {
      const store = await this.store;
      await store.add(events);
      const dropped = await store.trim(this.o.maxQueue ?? 10_000);
      if (dropped > 0) {
        this.counts.dropped += dropped;
        this.o.onError?.("queue full: dropped the " + dropped + " oldest event(s)");
      }
    }).catch((e: unknown) => this.o.onError?.("queue write failed: " + String(e)));
    this.dirty = true;
    this.schedule(this.o.flushIntervalMs ?? 1000);
  }

  private schedule(ms: number): void {
    if (this.timer !== undefined || this.sending) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, Math.max(ms, this.retryAt - Date.now(), 0));
  }

  private async drain(keepalive: boolean): Promise<void> {
    this.persist();
    await this.writes;
    const store = await this.store;
    for (;;) {
      if (Date.now() < this.retryAt) return this.scheduleLater(0);
      const batch = this.fit(await store.oldest(this.batchEvents));
      if (batch.length === 0) return;
      const out = await this.post(batch, keepalive);
      if (out.kind === "shrink" && batch.length > 1) {
        this.batchEvents = Math.max(1, Math.floor(batch.length / 2));
        continue;
      }
      if (out.kind === "retry") {
        this.attempt++;
        this.retryAt = Date.now() + this.backoff(out.retryAfterMs);
        this.o.onError?.(out.reason);
        return this.scheduleLater(0);
      }
      this.attempt = 0;
      if (out.kind === "done") {
        this.counts.accepted += out.accepted;
        this.counts.rejected += out.rejected;
      } else {
        this.counts.dropped += batch.length;
        this.o.onError?.(out.kind === "drop" ? out.reason : "a single event is over the collector's size limit");
      }
      await store.remove(batch.map((e) => e.id));
    }
  }

  private scheduleLater(ms: number): void {
    // called from inside drain: let 'sending' clear first
    setTimeout(() => this.schedule(ms), 0);
  }

  /** The longest prefix of 'events' within the byte budget (always at least one event). */
  private fit(events: QueuedEvent[]): QueuedEvent[] {
    const max = this.o.maxBatchBytes ?? 60_000;
    let bytes = 64;
    for (let i = 0; i < events.length; i++) {
      bytes += JSON.stringify(events[i]).length + 1;
      if (bytes > max && i > 0) return events.slice(0, i);
    }
    return events;
  }

  private backoff(retryAfterMs: number): number {
    const base = this.o.retryBaseMs ?? 1000;
    const cap = this.o.retryMaxMs ?? 60_000;
    const exp = Math.min(cap, base * Math.pow(2, Math.min(this.attempt - 1, 30)));
    // full jitter spreads the retries of many clients after an outage
    return Math.max(retryAfterMs, Math.random() * exp);
  }

  private async post(batch: readonly QueuedEvent[], keepalive: boolean): Promise<Outcome> {
    const body = JSON.stringify({ source: this.o.source, events: batch });
    const f = this.o.fetch ?? ((globalThis as { fetch?: Exclude<TrackerOptions["fetch"], undefined> }).fetch);
    if (!f) return { kind: "retry", retryAfterMs: 0, reason: "no fetch in this environment" };
    let res: Awaited<ReturnType<Exclude<TrackerOptions["fetch"], undefined>>>;
    try {
      res = await f(this.o.endpoint.replace(/\/+$/, "") + "/v1/events", {
        method: "POST",
        headers: { "content-type": "application/json", "x-evt-write-key": this.o.writeKey },
        body,
        keepalive: keepalive && body.length < 60_000,
        credentials: "omit",
      });
    } catch (e) {
      return { kind: "retry", retryAfterMs: 0, reason: "collector unreachable: " + String(e) };
    }
    const retryAfter = Number(res.headers.get("retry-after"));
    const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 0;
    if (res.status === 200) {
      const r = (await res.json().catch(() => ({}))) as { accepted?: number; rejected?: number };
      return { kind: "done", accepted: r.accepted ?? 0, rejected: r.rejected ?? 0 };
    }
    if (res.status === 413) return { kind: "shrink" };
    if (res.status === 408 || res.status === 429 || res.status >= 500) {
      return { kind: "retry", retryAfterMs, reason: "collector answered " + res.status };
    }
    return { kind: "drop", reason: "collector refused the batch (" + res.status + "): check the write key, origin and source" };
  }

  private listen(): void {
    const g = globalThis as { addEventListener?: (t: string, f: () => void) => void; removeEventListener?: (t: string, f: () => void) => void; document?: { visibilityState?: string } };
    if (!g.addEventListener || !g.removeEventListener) return;
    const add = (type: string, f: () => void): void => {
      g.addEventListener!(type, f);
      this.unlisten.push(() => g.removeEventListener!(type, f));
    };
    const hide = (): void => {
      this.retryAt = 0;
      void this.flush(true);
    };
    add("pagehide", hide);
    add("visibilitychange", () => {
      if (g.document?.visibilityState === "hidden") hide();
    });
    add("online", () => {
      this.retryAt = 0;
      this.attempt = 0;
      void this.flush();
    });
  }
}
`;
