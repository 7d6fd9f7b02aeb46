"""Reads POST /api/sql's Arrow IPC answer with pyarrow and compares it, value
for value, with the same query's answer over pgwire (psycopg 3).

usage: arrow_answer.py SQL_URL PG_DSN   (run by http_api.rs)
"""
import datetime
import decimal
import json
import sys
import urllib.request

import psycopg
import pyarrow as pa

QUERY = 'SELECT * FROM accidents ORDER BY id'


def arrow_rows(url: str, sql: str) -> tuple[pa.Schema, list[tuple]]:
    request = urllib.request.Request(
        url,
        data=json.dumps({"sql": sql}).encode(),
        headers={"Accept": "application/vnd.apache.arrow.stream"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        assert response.headers["Content-Type"] == "application/vnd.apache.arrow.stream"
        table = pa.ipc.open_stream(response.read()).read_all()
    return table.schema, [tuple(r.values()) for r in table.to_pylist()]


def comparable(value):
    # pgwire gives timestamptz as aware datetimes, pyarrow as aware too;
    # numeric comes as Decimal from both.
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.timezone.utc)
    if isinstance(value, decimal.Decimal):
        return value.normalize()
    return value


def main() -> int:
    url, dsn = sys.argv[1], sys.argv[2]
    schema, from_arrow = arrow_rows(url, QUERY)
    with psycopg.connect(dsn) as conn:
        cursor = conn.execute(QUERY)
        names = [d.name for d in cursor.description]
        from_pgwire = cursor.fetchall()
    if schema.names != names:
        print(f"column names differ: arrow {schema.names} pgwire {names}")
        return 1
    if len(from_arrow) != len(from_pgwire):
        print(f"row counts differ: arrow {len(from_arrow)} pgwire {len(from_pgwire)}")
        return 1
    for i, (a, p) in enumerate(zip(from_arrow, from_pgwire)):
        if tuple(map(comparable, a)) != tuple(map(comparable, p)):
            print(f"row {i} differs:\n arrow  {a}\n pgwire {p}")
            return 1
    # A second query with NULLs and several types.
    _, typed = arrow_rows(url, "SELECT 1::int4 AS a, NULL::text AS b, 2.5::float8 AS c, true AS d")
    if typed != [(1, None, 2.5, True)]:
        print(f"typed row: {typed}")
        return 1
    print(f"equal: {len(from_arrow)} rows, {len(names)} columns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
