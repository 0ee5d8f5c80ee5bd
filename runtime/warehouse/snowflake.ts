/**
 * The Snowflake client used by `evt ddl apply` and the Snowflake sink: connection settings from
 * evt.yaml plus `EVT_SNOWFLAKE_*` environment variables (environment wins; secrets only ever come
 * from the environment), one connect, one `exec` with bound parameters, errors classified.
 * Secrets never reach a log line: `describeSettings` is the only printable form.
 */
import { readFileSync } from "node:fs";
import type snowflake from "snowflake-sdk";
import { RuntimeConfigError } from "../errors.js";
import { loadOptionalPeer } from "../optional-peer.js";
import { jsonLogger, type RuntimeLogger } from "../log.js";
import { WarehouseError, classifySnowflakeError } from "./errors.js";

/** Default bound of a connect (login) and of a statement that gets no answer at all (ms). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;

/** Non-secret settings, as evt.yaml `snowflake:` holds them. */
export interface SnowflakeFileSettings {
  readonly account?: string;
  readonly user?: string;
  readonly role?: string;
  readonly warehouse?: string;
  readonly database?: string;
  readonly schema?: string;
  readonly host?: string;
  readonly port?: number;
  readonly protocol?: "http" | "https";
  readonly accessUrl?: string;
  /** Names of environment variables holding secrets (defaults: EVT_SNOWFLAKE_PASSWORD, …). */
  readonly passwordEnv?: string;
  readonly privateKeyEnv?: string;
  readonly privateKeyPathEnv?: string;
  readonly connectTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

export interface SnowflakeSettings {
  readonly account: string;
  readonly user: string;
  readonly role?: string;
  readonly warehouse?: string;
  readonly database?: string;
  readonly schema?: string;
  /** Full URL of a local/private endpoint (e.g. fakesnow); otherwise built from host/port/protocol or the account. */
  readonly accessUrl?: string;
  readonly host?: string;
  readonly port?: number;
  readonly protocol?: "http" | "https";
  /** Bound of a connect (default 30 s): the driver's own login retries would take minutes. */
  readonly connectTimeoutMs?: number;
  /** A statement without any answer after this long fails as transient (default 120 s; the driver retries for ~110 s silently). */
  readonly requestTimeoutMs?: number;
  readonly auth:
    | { readonly type: "password"; readonly password: string }
    | { readonly type: "keypair"; readonly privateKey: string; readonly passphrase?: string };
}

/** Every environment variable the client reads, for `--help` and docs. */
export const SNOWFLAKE_ENV = {
  account: "EVT_SNOWFLAKE_ACCOUNT",
  user: "EVT_SNOWFLAKE_USER",
  password: "EVT_SNOWFLAKE_PASSWORD",
  privateKey: "EVT_SNOWFLAKE_PRIVATE_KEY",
  privateKeyPath: "EVT_SNOWFLAKE_PRIVATE_KEY_PATH",
  privateKeyPassphrase: "EVT_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE",
  role: "EVT_SNOWFLAKE_ROLE",
  warehouse: "EVT_SNOWFLAKE_WAREHOUSE",
  database: "EVT_SNOWFLAKE_DATABASE",
  schema: "EVT_SNOWFLAKE_SCHEMA",
  host: "EVT_SNOWFLAKE_HOST",
  port: "EVT_SNOWFLAKE_PORT",
  protocol: "EVT_SNOWFLAKE_PROTOCOL",
  accessUrl: "EVT_SNOWFLAKE_ACCESS_URL",
  connectTimeoutMs: "EVT_SNOWFLAKE_CONNECT_TIMEOUT_MS",
  requestTimeoutMs: "EVT_SNOWFLAKE_REQUEST_TIMEOUT_MS",
} as const;

type Env = Readonly<Record<string, string | undefined>>;

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === "" ? undefined : v;
}

/** Merges evt.yaml settings and the environment; throws RuntimeConfigError naming what is missing. */
export function resolveSnowflakeSettings(file: SnowflakeFileSettings = {}, env: Env = process.env): SnowflakeSettings {
  const pick = (key: keyof typeof SNOWFLAKE_ENV, fromFile?: string) => nonEmpty(env[SNOWFLAKE_ENV[key]]) ?? nonEmpty(fromFile);
  const account = pick("account", file.account);
  const user = pick("user", file.user);
  const missing = [
    ...(account ? [] : [`account (snowflake.account or ${SNOWFLAKE_ENV.account})`]),
    ...(user ? [] : [`user (snowflake.user or ${SNOWFLAKE_ENV.user})`]),
  ];
  const password = nonEmpty(env[file.passwordEnv ?? SNOWFLAKE_ENV.password]);
  const keyInline = nonEmpty(env[file.privateKeyEnv ?? SNOWFLAKE_ENV.privateKey]);
  const keyPath = nonEmpty(env[file.privateKeyPathEnv ?? SNOWFLAKE_ENV.privateKeyPath]);
  let auth: SnowflakeSettings["auth"] | undefined;
  if (keyInline || keyPath) {
    let privateKey = keyInline;
    if (!privateKey && keyPath) {
      try {
        privateKey = readFileSync(keyPath, "utf8");
      } catch (e) {
        throw new RuntimeConfigError(`cannot read the Snowflake private key file named by ${file.privateKeyPathEnv ?? SNOWFLAKE_ENV.privateKeyPath}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
      }
    }
    const passphrase = nonEmpty(env[SNOWFLAKE_ENV.privateKeyPassphrase]);
    auth = { type: "keypair", privateKey: privateKey!, ...(passphrase ? { passphrase } : {}) };
  } else if (password) {
    auth = { type: "password", password };
  } else {
    missing.push(`a password (${file.passwordEnv ?? SNOWFLAKE_ENV.password}) or a private key (${SNOWFLAKE_ENV.privateKey} / ${SNOWFLAKE_ENV.privateKeyPath})`);
  }
  if (missing.length > 0) throw new RuntimeConfigError(`Snowflake connection is incomplete: missing ${missing.join(", ")}`);
  const portText = pick("port", file.port === undefined ? undefined : String(file.port));
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (!Number.isInteger(port) || port <= 0 || port > 65535)) throw new RuntimeConfigError(`${SNOWFLAKE_ENV.port} is not a port: ${portText}`);
  const protocol = pick("protocol", file.protocol);
  if (protocol !== undefined && protocol !== "http" && protocol !== "https") throw new RuntimeConfigError(`${SNOWFLAKE_ENV.protocol} must be http or https`);
  const out: Record<string, unknown> = { account, user, auth };
  for (const k of ["role", "warehouse", "database", "schema", "host", "accessUrl"] as const) {
    const v = pick(k, file[k]);
    if (v !== undefined) out[k] = v;
  }
  if (port !== undefined) out.port = port;
  if (protocol !== undefined) out.protocol = protocol;
  for (const k of ["connectTimeoutMs", "requestTimeoutMs"] as const) {
    const text = pick(k, file[k] === undefined ? undefined : String(file[k]));
    if (text === undefined) continue;
    const ms = Number(text);
    if (!Number.isInteger(ms) || ms < 1000) throw new RuntimeConfigError(`${SNOWFLAKE_ENV[k]} must be a whole number of milliseconds, at least 1000`);
    out[k] = ms;
  }
  return out as unknown as SnowflakeSettings;
}

/** The settings without secrets, for logs. */
export function describeSettings(s: SnowflakeSettings): Record<string, string | number> {
  const out: Record<string, string | number> = { account: s.account, user: s.user, auth: s.auth.type };
  for (const k of ["role", "warehouse", "database", "schema", "host", "port", "protocol", "accessUrl", "connectTimeoutMs", "requestTimeoutMs"] as const) {
    const v = s[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

let driver: Promise<typeof snowflake> | undefined;

/** Where the driver's own log lines go (default: evt's JSON logger on stderr); set before the first connect. */
let driverLogger: RuntimeLogger | undefined;
export function setSnowflakeDriverLogger(logger: RuntimeLogger): void {
  driverLogger = logger;
}

/**
 * Loads snowflake-sdk on first use (an optional peer of @evt/runtime; it pulls in the AWS SDK:
 * ~0.5 s and a Node-version warning that a DuckDB-only run or `--help` should not pay), configured
 * to log errors only through evt's logger — by default it writes `snowflake.log` into the user's
 * working directory and may echo connection options.
 */
function loadDriver(): Promise<typeof snowflake> {
  // The AWS SDK's multi-line notice about its own future Node policy would break `evt run`'s
  // one-JSON-object-per-line stderr; it says nothing about evt. Users can still set it to "false".
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  driver ??= loadOptionalPeer("snowflake-sdk", "the Snowflake warehouse", () => import("snowflake-sdk")).then(
    (m) => {
      const sdk = (m as { default?: typeof snowflake }).default ?? (m as unknown as typeof snowflake);
      const log = (level: "debug" | "info" | "warn" | "error") => (message: string) =>
        (driverLogger ?? jsonLogger({ level: "warn", base: { component: "snowflake-sdk" } }))[level](`snowflake-sdk: ${message}`, { component: "snowflake-sdk" });
      sdk.configure({
        logLevel: "ERROR",
        customLogger: { error: log("error"), warn: log("warn"), info: log("info"), debug: log("debug"), trace: log("debug") },
      } as never);
      return sdk;
    },
    (e: unknown) => {
      driver = undefined; // installing the package later in the same process works
      throw e;
    },
  );
  return driver;
}

export type SnowflakeConnection = snowflake.Connection;
export type SnowflakeBind = snowflake.Bind;

function accessUrlOf(s: SnowflakeSettings): string | undefined {
  if (s.accessUrl) return s.accessUrl;
  if (s.host) return `${s.protocol ?? "https"}://${s.host}${s.port ? `:${s.port}` : ""}`;
  return undefined;
}

/** Opens a connection; errors are WarehouseErrors (connection refused → transient). */
export async function connectSnowflake(s: SnowflakeSettings, options: { application?: string } = {}): Promise<SnowflakeConnection> {
  const sdk = await loadDriver();
  const accessUrl = accessUrlOf(s);
  const conn = sdk.createConnection({
    account: s.account,
    username: s.user,
    ...(s.auth.type === "password"
      ? { password: s.auth.password }
      : { authenticator: "SNOWFLAKE_JWT", privateKey: s.auth.privateKey, ...(s.auth.passphrase ? { privateKeyPass: s.auth.passphrase } : {}) }),
    ...(s.role ? { role: s.role } : {}),
    ...(s.warehouse ? { warehouse: s.warehouse } : {}),
    ...(s.database ? { database: s.database } : {}),
    ...(s.schema ? { schema: s.schema } : {}),
    ...(accessUrl ? { accessUrl } : {}),
    application: options.application ?? "evt",
    // every bind inline: staged binds need PUT, which local servers lack and small batches do not need
    arrayBindingThreshold: 1_000_000_000,
    // with fetchAsString, NULL must stay null (not the string "NULL"); process-wide in the driver
    representNullAsStringNull: false,
  } as snowflake.ConnectionOptions);
  const connectMs = s.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const where = accessUrl ?? `account ${s.account}`;
  await withTimeout(
    new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(classifySnowflakeError(err, "connect")) : resolve()))),
    connectMs,
    () => {
      void destroySnowflake(conn);
      return new WarehouseError(`snowflake: connect: no answer from ${where} within ${connectMs} ms (${SNOWFLAKE_ENV.connectTimeoutMs})`, "transient", { context: { timeoutMs: connectMs } });
    },
  );
  requestTimeouts.set(conn, s.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  return conn;
}

/** Per connection: how long a statement may go without any answer. */
const requestTimeouts = new WeakMap<object, number>();

/** `work`, or `onTimeout()`'s error after `ms`; the timer never keeps the process alive. */
function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref();
  });
  work.catch(() => {});
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export interface ExecOptions {
  /** Read NUMBER columns as exact text. */
  readonly numbersAsText?: boolean;
}

/** Runs one statement with bound parameters (`binds` a list of rows for an array bind). */
export function execSnowflake<T = Record<string, unknown>>(
  conn: SnowflakeConnection,
  sqlText: string,
  binds?: snowflake.Binds | snowflake.InsertBinds,
  options: ExecOptions = {},
): Promise<T[]> {
  const ms = requestTimeouts.get(conn) ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const run = new Promise<T[]>((resolve, reject) => {
    try {
      conn.execute({
        sqlText,
        ...(binds !== undefined ? { binds: binds as snowflake.Binds } : {}),
        ...(options.numbersAsText ? { fetchAsString: ["Number"] as snowflake.DataType[] } : {}),
        complete: (err, _stmt, rows) => (err ? reject(classifySnowflakeError(err, firstLine(sqlText))) : resolve((rows ?? []) as T[])),
      });
    } catch (e) {
      reject(classifySnowflakeError(e, firstLine(sqlText)));
    }
  });
  // the driver retries an unreachable server for ~110 s without a word: bound it, so the caller's retry (logged) takes over
  return withTimeout(run, ms, () => new WarehouseError(`snowflake: ${firstLine(sqlText)}: no answer within ${ms} ms (${SNOWFLAKE_ENV.requestTimeoutMs})`, "transient", { context: { timeoutMs: ms } }));
}

export function destroySnowflake(conn: SnowflakeConnection): Promise<void> {
  return new Promise((resolve) => {
    try {
      conn.destroy(() => resolve());
    } catch {
      resolve();
    }
  });
}

function firstLine(sql: string): string {
  const line = sql.trim().split("\n")[0]!;
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

/** Splits a script into statements on `;` outside quotes, identifiers and comments. */
export function splitStatements(script: string): string[] {
  const out: string[] = [];
  let cur = "";
  let i = 0;
  while (i < script.length) {
    const c = script[i]!;
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < script.length) {
        if (script[j] === c && script[j + 1] === c) j += 2;
        else if (script[j] === c) break;
        else j++;
      }
      cur += script.slice(i, j + 1);
      i = j + 1;
    } else if (c === "-" && script[i + 1] === "-") {
      const j = script.indexOf("\n", i);
      i = j < 0 ? script.length : j + 1;
      cur += "\n";
    } else if (c === "/" && script[i + 1] === "*") {
      const j = script.indexOf("*/", i + 2);
      i = j < 0 ? script.length : j + 2;
      cur += " ";
    } else if (c === ";") {
      if (cur.trim()) out.push(cur.trim());
      cur = "";
      i++;
    } else {
      cur += c;
      i++;
    }
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}
