"""A real Python PostgreSQL driver behind the compat JSON-lines protocol.

Usage: client.py --driver psycopg2|psycopg|psycopg-binary|asyncpg|pg8000

One JSON request per line on stdin, one JSON reply per line on stdout:
  {"op":"connect","host":..,"port":..,"user":..,"password":..,"dbname":..,"sslmode":..,"sslrootcert":..}
  {"op":"query","sql":"SELECT $1::int4","params":[1]}  -> {"ok":true,"columns":[..],"rows":[[..]]}
  {"op":"reset"}, {"op":"version"}, {"op":"close"}
Errors: {"ok":false,"error":{"sqlstate":"42P01" or null,"message":".."}}.
Values are rendered deterministically (bytes as hex, floats with repr, dates ISO),
so the same driver's answers from two servers can be compared.
"""

import argparse
import asyncio
import datetime
import decimal
import json
import re
import sys

PLACEHOLDER = re.compile(r"\$(\d+)")


def render(value):
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return f"{value.days}d{value.seconds}s{value.microseconds}us"
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return json.dumps([render(v) for v in value])
    return str(value)


def format_style(sql, params):
    """$n placeholders -> %s, with the parameters in order of appearance."""
    order = [int(n) for n in PLACEHOLDER.findall(sql)]
    return PLACEHOLDER.sub("%s", sql), [params[n - 1] for n in order]


def sqlstate_of(error):
    for attr in ("pgcode", "sqlstate"):
        code = getattr(error, attr, None)
        if code:
            return code
    args = getattr(error, "args", ())
    if args and isinstance(args[0], dict):
        return args[0].get("C")
    return None


class DbApi:
    """psycopg2, psycopg 3 and pg8000 through their DB-API interface."""

    def __init__(self, driver):
        self.driver = driver
        self.conn = None

    def connect(self, r):
        if self.driver == "pg8000":
            import pg8000.dbapi
            import ssl

            context = None
            if r["sslmode"] != "disable":
                context = ssl.create_default_context(cafile=r["sslrootcert"])
                if r["sslmode"] == "require":
                    context.check_hostname = False
                    context.verify_mode = ssl.CERT_NONE
            self.conn = pg8000.dbapi.connect(
                host=r["host"], port=r["port"], user=r["user"], password=r["password"],
                database=r["dbname"], ssl_context=context,
            )
        else:
            dsn = dict(host=r["host"], port=r["port"], user=r["user"], dbname=r["dbname"],
                       sslmode=r["sslmode"], sslrootcert=r["sslrootcert"] or "")
            if r["password"] is not None:
                dsn["password"] = r["password"]
            if self.driver == "psycopg2":
                import psycopg2

                self.conn = psycopg2.connect(**dsn)
            else:
                import psycopg

                self.conn = psycopg.connect(**dsn)
                if self.driver == "psycopg-binary":
                    self.conn.prepare_threshold = 0
        self.conn.autocommit = True

    def query(self, sql, params):
        if params:
            sql, params = format_style(sql, params)
        if self.driver == "psycopg-binary":
            cur = self.conn.cursor(binary=True)
        else:
            cur = self.conn.cursor()
        try:
            cur.execute(sql, params or None)
            if cur.description is None:
                return [], []
            columns = [d[0] for d in cur.description]
            return columns, [[render(v) for v in row] for row in cur.fetchall()]
        finally:
            cur.close()

    def reset(self):
        raise NotImplementedError("not supported: this driver has no pool reset")

    def version(self):
        module = {"psycopg2": "psycopg2", "pg8000": "pg8000"}.get(self.driver, "psycopg")
        return __import__(module).__version__

    def close(self):
        if self.conn is not None:
            self.conn.close()


class AsyncPg:
    """asyncpg: binary protocol, named prepared statements, its own reset()."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.conn = None

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    def connect(self, r):
        import asyncpg
        import ssl

        context = False
        if r["sslmode"] != "disable":
            context = ssl.create_default_context(cafile=r["sslrootcert"])
            if r["sslmode"] == "require":
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
        self.conn = self.run(asyncpg.connect(
            host=r["host"], port=r["port"], user=r["user"], password=r["password"],
            database=r["dbname"], ssl=context,
        ))

    def query(self, sql, params):
        async def go():
            statement = await self.conn.prepare(sql)
            columns = [a.name for a in statement.get_attributes()]
            rows = await statement.fetch(*params)
            return columns, [[render(v) for v in row.values()] for row in rows]

        return self.run(go())

    def reset(self):
        self.run(self.conn.reset())

    def version(self):
        return __import__("asyncpg").__version__

    def close(self):
        if self.conn is not None:
            self.run(self.conn.close())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--driver", required=True,
                        choices=["psycopg2", "psycopg", "psycopg-binary", "asyncpg", "pg8000"])
    driver = parser.parse_args().driver
    client = AsyncPg() if driver == "asyncpg" else DbApi(driver)
    for line in sys.stdin:
        try:
            request = json.loads(line)
            op = request["op"]
            if op == "connect":
                client.connect(request)
                reply = {"ok": True}
            elif op == "query":
                columns, rows = client.query(request["sql"], request.get("params") or [])
                reply = {"ok": True, "columns": columns, "rows": rows}
            elif op == "reset":
                client.reset()
                reply = {"ok": True}
            elif op == "version":
                reply = {"ok": True, "driver": driver, "version": client.version()}
            elif op == "close":
                client.close()
                reply = {"ok": True}
            else:
                reply = {"ok": False, "error": {"sqlstate": None, "message": f"not supported: {op}"}}
        except NotImplementedError as error:
            reply = {"ok": False, "error": {"sqlstate": None, "message": str(error)}}
        except Exception as error:  # every driver error becomes a reply
            reply = {"ok": False, "error": {"sqlstate": sqlstate_of(error), "message": str(error)}}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
