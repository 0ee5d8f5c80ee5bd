/**
 * Per-app write keys: which app a request comes from, which public event types and CORS origins
 * that app may use, and its rate. Keys come from a file or the environment and are kept only as
 * SHA-256 digests: the collector can recognise a key but never print one.
 */
import { createHash } from "node:crypto";
import { RuntimeConfigError } from "../errors.js";

export interface WriteKeySpec {
  /** App name: logged and written to bad events instead of the key. */
  readonly app: string;
  /** The key itself, or `keyEnv`: the environment variable holding it, or `keySha256` (hex). */
  readonly key?: string;
  readonly keyEnv?: string;
  readonly keySha256?: string;
  /** Event types (full names) the app may publish; absent or `["*"]` → every public type. */
  readonly types?: readonly string[];
  /** Browser origins allowed to post with this key (`https://shop.example.com`, or `*`); empty → none (apps). */
  readonly origins?: readonly string[];
  /** Sustained events per second per replica (default 1,000) and burst (default 5× rate). */
  readonly ratePerSecond?: number;
  readonly burst?: number;
}

export interface WriteKey {
  readonly app: string;
  readonly types: ReadonlySet<string> | "*";
  readonly origins: ReadonlySet<string> | "*";
  readonly ratePerSecond: number;
  readonly burst: number;
}

export const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");

export class WriteKeys {
  private readonly byDigest = new Map<string, WriteKey>();

  constructor(specs: readonly WriteKeySpec[], env: NodeJS.ProcessEnv = process.env) {
    for (const [i, s] of specs.entries()) {
      const where = `write key #${i + 1}${s.app ? ` (${s.app})` : ""}`;
      if (!s.app) throw new RuntimeConfigError(`${where}: app is required`);
      const raw = s.key ?? (s.keyEnv ? env[s.keyEnv] : undefined);
      if (s.keyEnv && raw === undefined) throw new RuntimeConfigError(`${where}: environment variable ${s.keyEnv} is not set`);
      const digest = s.keySha256?.toLowerCase() ?? (raw !== undefined ? sha256(raw) : undefined);
      if (!digest || !/^[0-9a-f]{64}$/.test(digest)) throw new RuntimeConfigError(`${where}: give key, keyEnv or keySha256 (64 hex digits)`);
      if (raw !== undefined && raw.length < 16) throw new RuntimeConfigError(`${where}: a write key needs at least 16 characters`);
      const rate = s.ratePerSecond ?? 1000;
      if (!(rate > 0)) throw new RuntimeConfigError(`${where}: ratePerSecond must be positive`);
      this.byDigest.set(digest, {
        app: s.app,
        types: !s.types || s.types.includes("*") ? "*" : new Set(s.types),
        origins: s.origins?.includes("*") ? "*" : new Set(s.origins ?? []),
        ratePerSecond: rate,
        burst: s.burst ?? rate * 5,
      });
    }
    if (this.byDigest.size === 0) throw new RuntimeConfigError("ingest: no write keys configured (--keys FILE or EVT_INGEST_KEYS)");
  }

  lookup(key: string | undefined): WriteKey | undefined {
    return key ? this.byDigest.get(sha256(key)) : undefined;
  }

  /** Whether any key allows `origin` (answers CORS preflights, which carry no key). */
  anyAllowsOrigin(origin: string): boolean {
    for (const k of this.byDigest.values()) if (allowsOrigin(k, origin)) return true;
    return false;
  }
}

export const allowsOrigin = (k: WriteKey, origin: string): boolean => k.origins === "*" || k.origins.has(origin);
export const allowsType = (k: WriteKey, type: string): boolean => k.types === "*" || k.types.has(type);
