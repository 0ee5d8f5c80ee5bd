"""Start fakesnow's Snowflake-protocol server for evt's development and CI.

TEST INFRASTRUCTURE ONLY: nothing here belongs in product code.

fakesnow (0.12.x) answers DDL/DML in Snowflake's JSON result format but every other result
(SELECT, SHOW, DESCRIBE, DDL status rows) as base64 Arrow IPC. The Node driver (snowflake-sdk)
only decodes JSON rowsets, and fakesnow's replies omit `returned`, which the Node driver needs
to finish a statement (`execute({ complete })` never fires without it). So this launcher serves
fakesnow's own Starlette routes, post-processing two responses:

- /queries/v1/query-request: Arrow results are decoded with pyarrow and re-encoded as a JSON
  rowset, every value a string (or null) in the form a real Snowflake JSON result carries it
  (see `_encode`), and `returned`, `version` and the output-format parameters are added.
- /session/v1/login-request: fakesnow announces CLIENT_STAGE_ARRAY_BINDING_THRESHOLD = 0
  (so any array bind would be staged through PUT); we announce Snowflake's own default, 65280,
  so clients bind arrays inline as they would against a real account.
- statement failures that fakesnow answers with HTTP 500 (its bugs, unsupported SQL) become
  Snowflake-style `success: false` replies, so drivers fail at once instead of retrying for
  minutes; and a null in an array bind no longer crashes fakesnow's bind conversion.

With --db-path, databases are DuckDB files in that folder (fakesnow's own db_path support,
which its `-s` CLI flag does not pass to the server), so rows survive a server restart; the
launcher re-attaches every database file found there at startup, and keeps fakesnow's
"_fs_global" catalog (column lengths, table comments) in the same folder. On SIGTERM/SIGINT the
files are checkpointed; after a SIGKILL DuckDB replays its WAL on the next start.

Usage: python launcher.py --port 18080 [--host 127.0.0.1] [--db-path DIR]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import logging
import math
import os
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from collections.abc import AsyncIterator
from typing import Any

import pyarrow as pa
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import fakesnow.server as fs_server
from fakesnow import info_schema, macros
from fakesnow.instance import GLOBAL_DATABASE_NAME, FakeSnow
from fakesnow.transforms import show

logger = logging.getLogger("fakesnow.launcher")

# Snowflake's default: arrays with more bind values than this are staged (PUT) before binding.
STAGE_ARRAY_BINDING_THRESHOLD = 65280

# Session parameters a real Snowflake result carries; the Node driver reads the output formats
# when building columns (BINARY_OUTPUT_FORMAT must be HEX or BASE64 or it throws).
RESULT_PARAMETERS = [
    {"name": "TIMEZONE", "value": "Etc/UTC"},
    {"name": "BINARY_OUTPUT_FORMAT", "value": "HEX"},
    {"name": "DATE_OUTPUT_FORMAT", "value": "YYYY-MM-DD"},
    {"name": "TIME_OUTPUT_FORMAT", "value": "HH24:MI:SS"},
    {"name": "TIMESTAMP_OUTPUT_FORMAT", "value": "YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM"},
    {"name": "TIMESTAMP_NTZ_OUTPUT_FORMAT", "value": "YYYY-MM-DD HH24:MI:SS.FF3"},
    {"name": "TIMESTAMP_LTZ_OUTPUT_FORMAT", "value": ""},
    {"name": "TIMESTAMP_TZ_OUTPUT_FORMAT", "value": ""},
]


# ----------------------------------------------------------------------------------------------
# Arrow -> Snowflake JSON rowset


def _fraction(value: Decimal, scale: int) -> str:
    """Seconds as a fixed-point decimal string with `scale` digits, eg: 1700000000.123456789."""
    return format(value.quantize(Decimal(1).scaleb(-scale)) if scale else value.to_integral_value(), "f")


def _encode(value: Any, col: dict[str, Any]) -> str | None:
    """One value as a real Snowflake JSON rowset carries it: a string, or null."""
    if value is None:
        return None
    sf_type = col["type"]
    scale = col.get("scale") or 0
    if sf_type == "fixed":
        if isinstance(value, Decimal):
            return format(value, "f")
        if isinstance(value, float):  # not expected, but never lose it
            return repr(value)
        return str(int(value))
    if sf_type == "real":
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(float(value))
    if sf_type == "boolean":
        return "1" if value else "0"
    if sf_type == "binary":
        return bytes(value).hex().upper()
    if sf_type == "date":
        if isinstance(value, date):
            return str((value - date(1970, 1, 1)).days)
        return str(int(value))
    if sf_type == "time":
        # fakesnow sends nanoseconds since midnight as int64
        return _fraction(Decimal(int(value)).scaleb(-9), scale)
    if sf_type in ("timestamp_ntz", "timestamp_ltz", "timestamp_tz"):
        # fakesnow sends Snowflake's struct form: epoch seconds + nanosecond fraction [+ timezone]
        if isinstance(value, dict):
            if value.get("epoch") is None:  # a null timestamp arrives as a struct of nulls
                return None
            secs = Decimal(int(value["epoch"])) + Decimal(int(value["fraction"])).scaleb(-9)
            tz = value.get("timezone")
        else:  # an int64 epoch in the column's scale
            secs, tz = Decimal(int(value)).scaleb(-scale), None
        text = _fraction(secs, scale)
        if sf_type == "timestamp_tz":
            # result version 1: "<epoch.fraction> <offset minutes + 1440>"
            return f"{text} {1440 if tz is None else int(tz)}"
        return text
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex().upper()
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def arrow_to_rowset(rowset_b64: str, rowtype: list[dict[str, Any]]) -> list[list[str | None]]:
    if not rowset_b64:
        return []
    table = pa.ipc.open_stream(base64.b64decode(rowset_b64)).read_all()
    columns = [c.to_pylist() for c in table.columns]
    assert len(columns) == len(rowtype), f"{len(columns)=} != {len(rowtype)=}"
    return [[_encode(v, rowtype[i]) for i, v in enumerate(row)] for row in zip(*columns, strict=True)]


# ----------------------------------------------------------------------------------------------
# Route wrappers


def _json_body(response: Response) -> dict[str, Any] | None:
    if response.headers.get("content-type", "").startswith("application/json"):
        return json.loads(bytes(response.body))
    return None


def _failure(code: str, message: str) -> JSONResponse:
    """An error as Snowflake reports a failed statement: HTTP 200, success false (not retried)."""
    return JSONResponse(
        {"data": {"errorCode": code, "sqlState": "XX000"}, "code": code, "message": message, "success": False}
    )


async def query_request(request: Request) -> Response:
    try:
        response = await fs_server.query_request(request)
    except Exception as e:
        # a fakesnow bug or unsupported feature: left alone it answers HTTP 500, which drivers
        # retry for minutes; fail the statement at once with the reason (traceback in the log)
        logger.exception("unhandled error in fakesnow's query handler")
        return _failure("261000", f"fakesnow: unhandled {type(e).__name__}: {e}")
    body = _json_body(response)
    if response.status_code >= 500:
        body = body or {}
        return _failure(str(body.get("code") or "261000"), str(body.get("message") or "fakesnow: internal error"))
    data = body and body.get("data")
    if not (body and body.get("success") and isinstance(data, dict)) or "rowtype" not in data:
        return response  # errors, PUT stage info: untouched
    try:
        if data.get("queryResultFormat") == "arrow":
            data["rowset"] = arrow_to_rowset(data.pop("rowsetBase64", ""), data["rowtype"])
            data["queryResultFormat"] = "json"
    except Exception as e:
        logger.exception("re-encoding an Arrow result as JSON failed")
        return _failure("261000", f"fakesnow launcher: cannot re-encode the result: {type(e).__name__}: {e}")
    rowset = data.setdefault("rowset", [])
    data["returned"] = len(rowset)
    if not data.get("total"):
        data["total"] = len(rowset)
    data.setdefault("version", 1)
    params = {p["name"]: p for p in data.get("parameters") or []}
    for p in RESULT_PARAMETERS:
        params.setdefault(p["name"], p)
    data["parameters"] = list(params.values())
    return JSONResponse(body, status_code=response.status_code)


async def login_request(request: Request) -> Response:
    response = await fs_server.login_request(request)
    body = _json_body(response)
    if body and body.get("success"):
        for p in body["data"].get("parameters", []):
            if p["name"] == "CLIENT_STAGE_ARRAY_BINDING_THRESHOLD":
                p["value"] = STAGE_ARRAY_BINDING_THRESHOLD
        return JSONResponse(body, status_code=response.status_code)
    return response


_from_binding = fs_server.from_binding


def from_binding(binding: dict[str, Any]) -> Any:
    """fakesnow's from_binding, plus nulls: an array bind types each column by its first row, so
    a later null arrives typed (eg: FIXED, BOOLEAN) and fakesnow 0.12.1 crashes on it."""
    return None if binding.get("value") is None else _from_binding(binding)


_insert_table_comment_sql = info_schema.insert_table_comment_sql


def insert_table_comment_sql(catalog: str, schema: str, table: str, comment: str) -> str:
    """fakesnow 0.12.1 splices the table comment into SQL unescaped: a comment with a quote
    (`COMMENT = 'the courier''s phone'`) fails the CREATE TABLE after the table was made. And it
    records a NULL comment for every CREATE with a property (TRANSIENT, TEMPORARY — also the temp
    table its MERGE emulation creates), a write to the global catalog database that DuckDB refuses
    inside a transaction that already wrote to the user's database: MERGE inside BEGIN … COMMIT
    failed. Without a comment there is nothing to record."""
    if comment is None:
        return "SELECT 1"
    return _insert_table_comment_sql(catalog, schema, table, comment.replace("'", "''"))


def checkpoint() -> None:
    """Write the DuckDB files out so a restart needn't replay their WAL (it would, after a kill)."""
    conn = fs_server.shared_fs.duck_conn
    for (name,) in conn.execute("SELECT database_name FROM duckdb_databases() WHERE path IS NOT NULL").fetchall():
        try:
            conn.execute(f'FORCE CHECKPOINT "{name}"')
        except Exception as e:  # noqa: BLE001
            logger.warning(f"checkpoint {name}: {e}")
    logger.info("checkpointed the database files")


@contextlib.asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[None]:
    yield
    checkpoint()


def build_app() -> Starlette:
    fs_server.from_binding = from_binding
    info_schema.insert_table_comment_sql = insert_table_comment_sql
    overrides = {"/queries/v1/query-request": query_request, "/session/v1/login-request": login_request}
    routes = [
        Route(r.path, overrides[r.path], methods=list(r.methods or [])) if r.path in overrides else r
        for r in fs_server.routes
    ]
    return Starlette(debug=True, routes=routes, lifespan=lifespan)


# ----------------------------------------------------------------------------------------------
# Persistence


def persistent_instance(db_path: Path) -> FakeSnow:
    """A FakeSnow whose databases (and global catalog) are DuckDB files under db_path."""
    db_path.mkdir(parents=True, exist_ok=True)
    fs = FakeSnow(db_path=str(db_path))
    conn = fs.duck_conn
    # move fakesnow's global catalog (column lengths, comments, users) from memory to a file
    conn.execute(f"DETACH {GLOBAL_DATABASE_NAME}")
    conn.execute(f"ATTACH '{db_path / GLOBAL_DATABASE_NAME}.duckdb' AS {GLOBAL_DATABASE_NAME}")
    conn.execute(info_schema.fs_global_creation_sql())
    conn.execute(show.fs_global_creation_sql())
    # re-attach databases created before a restart, exactly as fakesnow attaches a new one
    # (CREATE DATABASE x -> ATTACH '<db_path>/x.db' AS x)
    for file in sorted(db_path.glob("*.db")):
        name = file.stem
        logger.info(f"Re-attaching database {name} from {file}")
        conn.execute(f"ATTACH IF NOT EXISTS '{file}' AS {name}")
        conn.execute(info_schema.per_db_creation_sql(name))
        conn.execute(macros.creation_sql(name))
    return fs


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--db-path", help="folder for DuckDB database files; in-memory when absent")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logger.setLevel(logging.INFO)
    logging.getLogger("fakesnow.server").propagate = False  # it already logs through uvicorn's handlers
    if args.db_path:
        fs_server.shared_fs = persistent_instance(Path(args.db_path).resolve())
    logger.info(
        f"fakesnow launcher pid={os.getpid()} host={args.host} port={args.port} db_path={args.db_path or ':memory:'}"
    )
    server = uvicorn.Server(uvicorn.Config(build_app(), host=args.host, port=args.port, log_level="info"))
    server.run()  # SIGINT/SIGTERM: graceful shutdown (runs the lifespan exit: checkpoint)
    return 0 if server.started else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
