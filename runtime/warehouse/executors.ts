/** `DdlExecutor`s over the two warehouse clients (for the migrator and `evt ddl apply`). */
import type { DdlExecutor } from "./migrate.js";
import { execDuckdb, queryDuckdb, type DuckdbHandle } from "./duckdb.js";
import { execSnowflake, type SnowflakeConnection } from "./snowflake.js";

function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === "string" ? v : String(v);
}

export function snowflakeExecutor(conn: SnowflakeConnection): DdlExecutor {
  return {
    dialect: "snowflake",
    async run(sql, binds) {
      await execSnowflake(conn, sql, binds ? [...binds] : undefined);
    },
    async rows(sql, binds) {
      const rows = await execSnowflake<Record<string, unknown>>(conn, sql, binds ? [...binds] : undefined, { numbersAsText: true });
      return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, text(v)])));
    },
  };
}

export function duckdbExecutor(h: DuckdbHandle): DdlExecutor {
  return {
    dialect: "duckdb",
    async run(sql, binds) {
      await execDuckdb(h, sql, binds ? [...binds] : undefined);
    },
    async rows(sql, binds) {
      const rows = await queryDuckdb(h, sql, binds ? [...binds] : undefined);
      return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, text(v)])));
    },
  };
}
