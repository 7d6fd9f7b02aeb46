#!/usr/bin/env python3
"""Regenerate DataPress's built-in function catalog data from a real PostgreSQL 15.

The files under ``server/src/catalog/data/`` are facts about PostgreSQL 15's
built-in functions.  This script connects (through ``psql``) to a running
PostgreSQL 15 server, creates a fresh database from ``template0`` (so that no
user-defined function can slip in), dumps the catalog rows with
``COPY ... TO STDOUT (FORMAT text, HEADER)`` and drops the database again.

Output files (all COPY text format: one row per line, tab-separated, ``\\N``
for NULL, backslash escapes for tab/newline/backslash, a header line):

  pg_proc.tsv           every row of pg_proc with oid < 16384, ordered by oid
  pg_proc_rendered.tsv  per function: pg_get_function_arguments,
                        pg_get_function_identity_arguments,
                        pg_get_function_result, pg_get_function_sqlbody
  pg_proc_description.tsv  pg_description rows of those functions
  pg_language.tsv       every row of pg_language
  pg_aggregate.tsv      every row of pg_aggregate (regproc columns as OIDs)
  pg_keywords.tsv       pg_get_keywords(): the SQL keywords and their categories

Usage (Python 3.11, standard library only; needs ``psql`` on PATH):

  python3 docs/catalog/gen_pg_proc.py --host 127.0.0.1 --port 55331 \\
      --user postgres --dbname postgres

See server/src/catalog/data/README.md for the meaning of each column.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

# The database created (and dropped) for the dump.
SCRATCH_DB = "datapress_procgen"

# Objects with an OID below this were created by initdb, not by a user.
FIRST_NORMAL_OBJECT_ID = 16384

# The OID DataPress gives `information_schema` (pg_catalog.rs,
# INFORMATION_SCHEMA_OID).  PostgreSQL assigns that namespace's OID at initdb
# time (13207 in the 15.18 build this data was made from), so it is not a
# stable fact; the dump rewrites it to DataPress's value.
DATAPRESS_INFORMATION_SCHEMA_OID = 13000

# pg_proc, in PostgreSQL 15's own column order.  regproc columns are stored as
# numeric OIDs, pg_node_tree columns as NULL (DataPress stores no node trees).
PG_PROC_COLUMNS = [
    "oid",
    "proname",
    "pronamespace",
    "proowner",
    "prolang",
    "procost",
    "prorows",
    "provariadic",
    "prosupport::oid AS prosupport",
    "prokind",
    "prosecdef",
    "proleakproof",
    "proisstrict",
    "proretset",
    "provolatile",
    "proparallel",
    "pronargs",
    "pronargdefaults",
    "prorettype",
    "proargtypes",
    "proallargtypes",
    "proargmodes",
    "proargnames",
    "NULL::text AS proargdefaults",
    "protrftypes",
    "prosrc",
    "probin",
    "NULL::text AS prosqlbody",
    "proconfig",
    "proacl",
]

PG_LANGUAGE_COLUMNS = [
    "oid",
    "lanname",
    "lanowner",
    "lanispl",
    "lanpltrusted",
    "lanplcallfoid",
    "laninline",
    "lanvalidator",
    "lanacl",
]

PG_AGGREGATE_COLUMNS = [
    "aggfnoid::oid AS aggfnoid",
    "aggkind",
    "aggnumdirectargs",
    "aggtransfn::oid AS aggtransfn",
    "aggfinalfn::oid AS aggfinalfn",
    "aggcombinefn::oid AS aggcombinefn",
    "aggserialfn::oid AS aggserialfn",
    "aggdeserialfn::oid AS aggdeserialfn",
    "aggmtransfn::oid AS aggmtransfn",
    "aggminvtransfn::oid AS aggminvtransfn",
    "aggmfinalfn::oid AS aggmfinalfn",
    "aggfinalextra",
    "aggmfinalextra",
    "aggfinalmodify",
    "aggmfinalmodify",
    "aggsortop",
    "aggtranstype",
    "aggtransspace",
    "aggmtranstype",
    "aggmtransspace",
    "agginitval",
    "aggminitval",
]


def pg_proc_query(info_schema_oid: int | None) -> str:
    columns = list(PG_PROC_COLUMNS)
    if info_schema_oid is not None:
        columns[columns.index("pronamespace")] = (
            "CASE WHEN pronamespace = 'information_schema'::regnamespace"
            f" THEN {info_schema_oid}::oid ELSE pronamespace END AS pronamespace"
        )
    return (
        f"SELECT {', '.join(columns)} FROM pg_catalog.pg_proc"
        f" WHERE oid < {FIRST_NORMAL_OBJECT_ID} ORDER BY oid"
    )


QUERIES = {
    "pg_proc.tsv": None,  # filled in by main(): depends on an option
    "pg_proc_rendered.tsv": (
        "SELECT oid,"
        " pg_catalog.pg_get_function_arguments(oid) AS pg_get_function_arguments,"
        " pg_catalog.pg_get_function_identity_arguments(oid)"
        " AS pg_get_function_identity_arguments,"
        " pg_catalog.pg_get_function_result(oid) AS pg_get_function_result,"
        " pg_catalog.pg_get_function_sqlbody(oid) AS pg_get_function_sqlbody"
        f" FROM pg_catalog.pg_proc WHERE oid < {FIRST_NORMAL_OBJECT_ID} ORDER BY oid"
    ),
    "pg_proc_description.tsv": (
        "SELECT objoid, classoid, objsubid, description"
        " FROM pg_catalog.pg_description"
        " WHERE classoid = 'pg_catalog.pg_proc'::regclass"
        f" AND objoid < {FIRST_NORMAL_OBJECT_ID} ORDER BY objoid, objsubid"
    ),
    "pg_language.tsv": (
        f"SELECT {', '.join(PG_LANGUAGE_COLUMNS)} FROM pg_catalog.pg_language"
        f" WHERE oid < {FIRST_NORMAL_OBJECT_ID} ORDER BY oid"
    ),
    "pg_aggregate.tsv": (
        f"SELECT {', '.join(PG_AGGREGATE_COLUMNS)} FROM pg_catalog.pg_aggregate"
        f" WHERE aggfnoid < {FIRST_NORMAL_OBJECT_ID} ORDER BY aggfnoid"
    ),
    "pg_keywords.tsv": (
        "SELECT word, catcode, barelabel, catdesc, baredesc"
        " FROM pg_catalog.pg_get_keywords() ORDER BY word"
    ),
}

# Session settings that make the text output independent of the server's
# configuration (float digits, date style are the only ones that matter here).
SESSION_SETUP = (
    "SET extra_float_digits = 1; SET DateStyle = 'ISO, MDY'; "
    "SET IntervalStyle = 'postgres'; SET bytea_output = 'hex'; "
    "SET search_path = pg_catalog; "
)


def psql(args: argparse.Namespace, dbname: str, sql: str) -> bytes:
    """Run one `psql -c` command and return its standard output."""
    cmd = [
        args.psql,
        "--no-psqlrc",
        "--quiet",
        "--no-align",
        "--tuples-only",
        "--set=ON_ERROR_STOP=1",
        f"--host={args.host}",
        f"--port={args.port}",
        f"--username={args.user}",
        f"--dbname={dbname}",
        "--command",
        sql,
    ]
    env = dict(os.environ, PGCLIENTENCODING="UTF8", PGAPPNAME="gen_pg_proc")
    done = subprocess.run(cmd, env=env, capture_output=True, check=False)
    if done.returncode != 0:
        sys.exit(
            f"psql failed ({done.returncode}) running:\n  {sql}\n"
            + done.stderr.decode(errors="replace")
        )
    return done.stdout


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def main() -> None:
    here = Path(__file__).resolve()
    default_out = here.parents[2] / "server" / "src" / "catalog" / "data"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="5432")
    parser.add_argument("--user", default="postgres")
    parser.add_argument(
        "--dbname",
        default="postgres",
        help="an existing database to connect to for CREATE/DROP DATABASE",
    )
    parser.add_argument("--psql", default="psql", help="the psql binary")
    parser.add_argument("--out-dir", type=Path, default=default_out)
    parser.add_argument(
        "--information-schema-oid",
        type=int,
        default=DATAPRESS_INFORMATION_SCHEMA_OID,
        help="value written as pronamespace for information_schema functions "
        "(default %(default)s, DataPress's OID); 0 keeps the server's own OID",
    )
    parser.add_argument(
        "--any-version",
        action="store_true",
        help="do not insist on a PostgreSQL 15 server",
    )
    args = parser.parse_args()

    version = int(psql(args, args.dbname, "SHOW server_version_num").strip())
    if version // 10000 != 15 and not args.any_version:
        sys.exit(f"server_version_num is {version}; a PostgreSQL 15 server is needed")
    full_version = psql(args, args.dbname, "SELECT version()").decode().strip()

    info_schema_oid = args.information_schema_oid or None
    queries = dict(QUERIES, **{"pg_proc.tsv": pg_proc_query(info_schema_oid)})

    scratch = quote_ident(SCRATCH_DB)
    psql(args, args.dbname, f"DROP DATABASE IF EXISTS {scratch}")
    psql(args, args.dbname, f"CREATE DATABASE {scratch} TEMPLATE template0")
    try:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        for name, query in queries.items():
            data = psql(
                args,
                SCRATCH_DB,
                SESSION_SETUP
                + f"COPY ({query}) TO STDOUT WITH (FORMAT text, HEADER true)",
            )
            (args.out_dir / name).write_bytes(data)
            rows = data.count(b"\n") - 1
            print(f"{name}: {rows} rows, {len(data)} bytes", file=sys.stderr)
    finally:
        psql(args, args.dbname, f"DROP DATABASE IF EXISTS {scratch}")
    print(f"from: {full_version}", file=sys.stderr)


if __name__ == "__main__":
    main()
