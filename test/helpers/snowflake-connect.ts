import snowflake from "snowflake-sdk";
import { ensureFakesnow } from "./fakesnow.js";

// snowflake-sdk logs at INFO to stdout by default; tests only want errors.
snowflake.configure({ logLevel: "ERROR" });

export type Connection = snowflake.Connection;
export type Bind = snowflake.Bind;
export type Binds = snowflake.Binds;
export type Row = Record<string, unknown>;

export interface FakesnowConnectOptions {
  database?: string;
  schema?: string;
  /** Passed through to snowflake.createConnection (overrides the defaults below). */
  extra?: Partial<snowflake.ConnectionOptions>;
}

/**
 * Opens a snowflake-sdk connection to the local Snowflake-protocol server, starting it if needed.
 * Any account/user/password is accepted. The database and schema are created on login if absent.
 */
export async function connectFakesnow(opts: FakesnowConnectOptions = {}): Promise<Connection> {
  const { accessUrl } = await ensureFakesnow();
  const conn = snowflake.createConnection({
    account: "fakesnow",
    username: "fake",
    password: "snow",
    accessUrl,
    database: opts.database ?? "EVT_TEST",
    schema: opts.schema ?? "PUBLIC",
    // fakesnow cannot take staged (PUT) array binds: keep every bind inline.
    arrayBindingThreshold: 1_000_000_000,
    // with fetchAsString, nulls come back as null rather than the string "NULL"
    // (NB: the driver keeps this in a process-wide setting, last connection wins)
    representNullAsStringNull: false,
    ...opts.extra,
  });
  await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
  return conn;
}

export interface QueryOptions {
  /** e.g. ["Number"] to read NUMBER columns as exact strings (NUMBER(20,0) holds uint64). */
  fetchAsString?: snowflake.DataType[];
}

/** Runs one statement; resolves with its rows (objects keyed by upper-case column names). */
export function query<T extends Row = Row>(
  conn: Connection,
  sqlText: string,
  binds?: Binds,
  opts: QueryOptions = {},
): Promise<T[]> {
  return new Promise((resolve, reject) => {
    conn.execute({
      sqlText,
      ...(binds ? { binds } : {}),
      ...(opts.fetchAsString ? { fetchAsString: opts.fetchAsString } : {}),
      complete: (err, _stmt, rows) => (err ? reject(err) : resolve((rows ?? []) as T[])),
    });
  });
}

export function destroy(conn: Connection): Promise<void> {
  return new Promise((resolve, reject) => conn.destroy((err) => (err ? reject(err) : resolve())));
}
