/**
 * Warehouse failures, classified once so the sink and `evt ddl apply` branch on data, not on
 * driver messages: `transient` (connection refused/reset, HTTP 5xx, expired session — reconnect
 * and retry), `rejected` (the statement's data does not fit: conversion, overflow, NOT NULL — a
 * batch is split to find the row, which goes to the DLQ) and `fatal` (missing table, no
 * privilege, bad SQL — retrying cannot help; stop with the object named).
 */
import { EvtRuntimeError, type ErrorContext } from "../errors.js";

export type WarehouseErrorKind = "transient" | "rejected" | "fatal";

export class WarehouseError extends EvtRuntimeError {
  override name = "WarehouseError";
  readonly kind: WarehouseErrorKind;
  constructor(message: string, kind: WarehouseErrorKind, options: { cause?: unknown; context?: ErrorContext } = {}) {
    super(message, { retriable: kind === "transient", ...options });
    this.kind = kind;
  }
}

export const isWarehouseError = (e: unknown): e is WarehouseError => e instanceof Error && e.name === "WarehouseError";

const TRANSIENT_NETWORK = /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|socket hang up|network error|could not reach|timed? ?out/i;
/** snowflake-sdk: 401001 could not connect, 401002 request failed (5xx after retries), 401003 non-JSON (a proxy's error page), 401004 invalid token (session gone, e.g. server restart), 402001/402002 result download. */
const SNOWFLAKE_TRANSIENT_CODES = new Set(["401001", "401002", "401003", "401004", "402001", "402002", "405503"]);
/** Snowflake server codes for an expired/unknown session or token. */
const SNOWFLAKE_SESSION_CODES = new Set(["390111", "390112", "390114", "390195"]);
/** Snowflake/DuckDB codes and SQLSTATE classes that mean "this data does not fit". */
const REJECTED_SQLSTATE = /^22/; // data exception
const REJECTED_CODES = new Set(["100035", "100038", "100039", "100040", "100069", "100071", "100072", "100074", "100078"]);

/** Classifies a snowflake-sdk error. */
export function classifySnowflakeError(e: unknown, what: string): WarehouseError {
  if (isWarehouseError(e)) return e;
  const err = e as { code?: string | number; sqlState?: string; message?: string };
  const code = err.code === undefined ? "" : String(err.code);
  const message = err.message ?? String(e);
  let kind: WarehouseErrorKind = "fatal";
  if (SNOWFLAKE_TRANSIENT_CODES.has(code) || SNOWFLAKE_SESSION_CODES.has(code) || TRANSIENT_NETWORK.test(message) || /session.*(expired|no longer exists)|invalid token/i.test(message)) {
    kind = "transient";
  } else if (REJECTED_CODES.has(code) || (err.sqlState !== undefined && REJECTED_SQLSTATE.test(err.sqlState)) || /could not convert|conversion error|out of range|too long|NOT NULL constraint|null value in column/i.test(message)) {
    kind = "rejected";
  }
  return new WarehouseError(`snowflake: ${what}: ${message}`, kind, { cause: e, context: { code, sqlState: err.sqlState } });
}

/** Classifies a DuckDB error (an embedded file: only I/O and lock contention are worth a retry). */
export function classifyDuckdbError(e: unknown, what: string): WarehouseError {
  if (isWarehouseError(e)) return e;
  const message = (e as Error)?.message ?? String(e);
  const lock = /Could not set lock on file "([^"]+)": Conflicting lock is held in (.*?) \(PID (\d+)\)/.exec(message);
  if (lock) {
    // another process holds the file: retrying will not help while it runs; say which one
    return new WarehouseError(`duckdb: ${lock[1]} is locked by another process (PID ${lock[3]}, ${lock[2]}): stop it or use another DuckDB file`, "fatal", {
      cause: e, context: { path: lock[1], pid: Number(lock[3]) },
    });
  }
  let kind: WarehouseErrorKind = "fatal";
  if (/Conversion Error|Constraint Error|Out of Range|Invalid Input Error|NOT NULL constraint/i.test(message)) kind = "rejected";
  else if (/IO Error|Could not set lock|Conflict on tuple|Transaction conflict/i.test(message)) kind = "transient";
  return new WarehouseError(`duckdb: ${what}: ${message}`, kind, { cause: e });
}
