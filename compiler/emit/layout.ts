/**
 * Paths inside the output directory that commands other than `evt generate` read or write
 * (no dependencies: CLI commands import this at start-up).
 */

/** Reviewed migrations written by `evt ddl plan`, applied by `evt ddl apply`, read by check-compat. */
export const MIGRATIONS_DIR = "snowflake/migrations";

/** The same migrations in DuckDB's dialect (same file names), applied by `evt ddl apply --target duckdb`. */
export const DUCKDB_MIGRATIONS_DIR = "duckdb/migrations";

/** The runtime sink config read by `evt run`. */
export const SINK_CONFIG_PATH = "sinks/evt-sinks.json";

/** The collector's route table (public events) read by `evt ingest`. */
export const INGEST_ROUTES_PATH = "ingest/routes.json";
