/**
 * The embedded DuckDB client (local default warehouse): open a database file, run statements
 * with bound parameters, errors classified. One process holds a DuckDB file at a time.
 */
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from "@duckdb/node-api";
import { loadOptionalPeer } from "../optional-peer.js";
import { classifyDuckdbError } from "./errors.js";

export interface DuckdbHandle {
  /** The driver module (value constructors such as DuckDBTimestampValue for the appender). */
  readonly api: typeof import("@duckdb/node-api");
  readonly instance: DuckDBInstance;
  readonly conn: DuckDBConnection;
  readonly path: string;
}

// An optional peer of @evt/runtime: a service that only produces and consumes never loads it (~70 MB installed).
let driver: Promise<typeof import("@duckdb/node-api")> | undefined;

export async function openDuckdb(path: string): Promise<DuckdbHandle> {
  driver ??= loadOptionalPeer("@duckdb/node-api", "the DuckDB warehouse", () => import("@duckdb/node-api"));
  const api = await driver.catch((e: unknown) => {
    driver = undefined;
    throw e;
  });
  try {
    const instance = await api.DuckDBInstance.create(path);
    const conn = await instance.connect();
    return { api, instance, conn, path };
  } catch (e) {
    throw classifyDuckdbError(e, `open ${path}`);
  }
}

export async function execDuckdb(h: DuckdbHandle, sql: string, values?: DuckDBValue[]): Promise<void> {
  try {
    await h.conn.run(sql, values);
  } catch (e) {
    throw classifyDuckdbError(e, firstLine(sql));
  }
}

/** Rows as plain JS objects (BIGINT/HUGEINT as bigint, timestamps as strings via JSON form where asked). */
export async function queryDuckdb(h: DuckdbHandle, sql: string, values?: DuckDBValue[]): Promise<Record<string, unknown>[]> {
  try {
    const reader = await h.conn.runAndReadAll(sql, values);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  } catch (e) {
    throw classifyDuckdbError(e, firstLine(sql));
  }
}

export function closeDuckdb(h: DuckdbHandle): void {
  try {
    h.conn.closeSync();
  } finally {
    h.instance.closeSync();
  }
}

function firstLine(sql: string): string {
  const line = sql.trim().split("\n")[0]!;
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
