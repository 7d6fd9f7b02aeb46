"""A real Python PostgreSQL driver behind the compat JSON-lines protocol.

Usage: client.py --driver DRIVER, one of
  psycopg2, psycopg, psycopg-binary, asyncpg, pg8000  (the drivers themselves)
  odbc                                                (psqlODBC's Unicode driver through pyodbc)
  sqlalchemy-psycopg2, sqlalchemy-psycopg, sqlalchemy-asyncpg, sqlalchemy-pg8000
                                                      (SQLAlchemy 2 over that dialect)
  pandas                                              (pandas.read_sql over SQLAlchemy + psycopg2)
  adbc                                                (ADBC's PostgreSQL driver, its DB-API)
  connectorx-binary, connectorx-cursor, connectorx-simple, connectorx-csv
                                                      (ConnectorX's read_sql over that protocol)
  polars-connectorx, polars-adbc                      (polars.read_database_uri on that engine)

One JSON request per line on stdin, one JSON reply per line on stdout:
  {"op":"connect","host":..,"port":..,"user":..,"password":..,"dbname":..,"sslmode":..,"sslrootcert":..}
  {"op":"query","sql":"SELECT $1::int4","params":[1]}
      -> {"ok":true,"columns":[..],"types":[..],"rows":[[..]]}, types one per column: the
      type OID (an integer) where the driver tells it, else a string naming the driver's own
      type ("odbc:int", "pandas:int64", "inspector:str", "arrow:timestamp[us, tz=UTC]",
      "polars:Int64")
  {"op":"metadata","call":"columns","table":"accidents"} -> like a query; calls: schemas, tables,
      columns, primary_keys, indexes, type_info (schema "public" wherever the API takes one;
      rows in the API's own order where it guarantees one, else sorted), partitioned
      (ConnectorX: the whole table read in partitions of its `id` column, rows sorted)
  {"op":"reset"}, {"op":"version"}, {"op":"close"}
Errors: {"ok":false,"error":{"sqlstate":"42P01" or null,"message":".."}}, the message the
server's primary text (ErrorResponse M) when there is a SQLSTATE, else the driver's; what a
driver cannot do: {"ok":false,"error":{"sqlstate":null,"message":"not supported: .."}}.
ConnectorX (and polars over it) hides the SQLSTATE and ADBC (libpq) has none for a refused
connection: their errors have a null SQLSTATE and the server's primary message taken out of
the library's text where it shows one. ConnectorX and polars keep no connection (each read
opens its own), so connect opens and closes one libpq connection (ADBC's driver: ConnectorX's
pool would retry a refused one for 30 s), then runs SELECT 1 through the reader.
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
METADATA_CALLS = ("schemas", "tables", "columns", "primary_keys", "indexes", "type_info",
                  "partitioned")


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


def render_meta(value):
    """render(), plus dicts and lists (SQLAlchemy's dialect_options, column_sorting
    and the like) as JSON with sorted keys and rendered leaves."""
    def plain_json(v):
        if isinstance(v, dict):
            return {str(k): plain_json(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [plain_json(x) for x in v]
        return render(v)

    if isinstance(value, (dict, list, tuple)):
        return json.dumps(plain_json(value), sort_keys=True)
    return render(value)


def sorted_rows(rows):
    """Rows in a deterministic order, for APIs that promise none (None sorts first)."""
    return sorted(rows, key=lambda row: [(v is not None, v or "") for v in row])


def oid_types(description):
    """Each column's type OID from a DB-API cursor.description: psycopg2, psycopg, pg8000
    and SQLAlchemy's asyncpg adapter put the OID in type_code."""
    return [int(d[1]) for d in description]


def named_types(prefix, names):
    """Where a driver hides the OIDs: its own type names, as "prefix:name"."""
    return [f"{prefix}:{name}" for name in names]


def value_types(prefix, rows, width):
    """Where a driver answers with Python objects, not a result set (SQLAlchemy's
    Inspector): each column's value types, "inspector:bool", "inspector:int|str";
    "inspector:null" when every value is None."""
    return named_types(prefix, [
        "|".join(sorted({type(row[i]).__name__ for row in rows if row[i] is not None})) or "null"
        for i in range(width)
    ])


def not_supported(what):
    return NotImplementedError(f"not supported: {what}")


def ssl_context(r):
    """An SSL context for sslmode require / verify-full, or False for disable
    (for pg8000 and asyncpg False means no TLS; pg8000's None would mean "prefer")."""
    if r["sslmode"] == "disable":
        return False
    import ssl

    context = ssl.create_default_context(cafile=r["sslrootcert"])
    if r["sslmode"] == "require":
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def format_style(sql, params):
    """$n placeholders -> %s, with the parameters in order of appearance; a literal
    % (an operator, a LIKE pattern) is doubled, as these drivers then format."""
    order = [int(n) for n in PLACEHOLDER.findall(sql)]
    return PLACEHOLDER.sub("%s", sql.replace("%", "%%")), [params[n - 1] for n in order]


def qmark_style(sql, params):
    """$n placeholders -> ?, with the parameters in order of appearance."""
    order = [int(n) for n in PLACEHOLDER.findall(sql)]
    return PLACEHOLDER.sub("?", sql), [params[n - 1] for n in order]


def named_style(sql, params):
    """$n placeholders -> :pN for SQLAlchemy's text(). Its bind regex takes no name
    directly followed by a colon, so casts (`$1::int4`) are escaped as `\\:\\:`,
    which SQLAlchemy sends as `::` again."""
    sql = PLACEHOLDER.sub(lambda m: f":p{m.group(1)}", sql.replace("::", "\\:\\:"))
    return sql, {f"p{i + 1}": p for i, p in enumerate(params)}


def driver_error(error):
    """The driver's own exception: SQLAlchemy wraps it (as .orig), and pandas wraps
    SQLAlchemy's (as the cause of its DatabaseError)."""
    for _ in range(3):
        orig = getattr(error, "orig", None)
        if orig is not None and orig is not error:
            error = orig
        elif type(error).__module__.startswith("pandas") and error.__cause__ is not None:
            error = error.__cause__
        else:
            break
    return error


def sqlstate_of(error):
    error = driver_error(error)
    for attr in ("pgcode", "sqlstate"):
        code = getattr(error, attr, None)
        if code:
            return code
    args = getattr(error, "args", ())
    if args and isinstance(args[0], dict):
        return args[0].get("C")
    if type(error).__module__ == "pyodbc" and args and isinstance(args[0], str) \
            and re.fullmatch(r"[0-9A-Z]{5}", args[0]):
        return args[0]
    return None


ODBC_SERVER_ERRORS = (
    # An ErrorResponse to a statement, in psqlODBC's words.
    re.compile(r"\[[0-9A-Z]{5}\] [A-Z]+: (?P<primary>.*?)(?:\nDETAIL: .*)?;\n[^\n]*", re.S),
    # One refusing the connection, in libpq's words (psqlODBC reports 08001).
    re.compile(r"\[[0-9A-Z]{5}\] .*? failed: [A-Z]+:  (?P<primary>[^\n]*)\n.*", re.S),
)


def odbc_primary_message(text):
    """The server's primary message in psqlODBC's text of an error, as pyodbc shows it:
    "[SQLSTATE] SEVERITY: primary[\nDETAIL: detail];\n<psqlODBC's statement message>
    (native error) (ODBC function)" -- what lies between "SEVERITY: " and the DETAIL
    line or the last line's ";\n" (psqlODBC drops HINT and the other fields); for a
    refused connection, libpq's "... failed: FATAL:  primary\n...". Text of another
    shape (a connection refused before the server answered) stays whole."""
    for pattern in ODBC_SERVER_ERRORS:
        match = pattern.fullmatch(text)
        if match:
            return match["primary"]
    return text


READER_SERVER_ERRORS = (
    # libpq's words, in ADBC's text: "...ERROR:  primary\n[DETAIL:  detail\n]..." (a result
    # stream's error, which comes without SQLSTATE) or "connection to server at ...
    # failed: FATAL:  primary\n" (a refused connection).
    re.compile(r".*?\b(?:ERROR|FATAL|PANIC):  (?P<primary>[^\n]*)(?:\n.*)?", re.S),
    # ConnectorX's (tokio-postgres'): "[timed out waiting for connection: ]db error: ERROR:
    # primary[\nDETAIL: detail][\nHINT: hint]".
    re.compile(r"(?:.*?: )?db error: [A-Z]+: (?P<primary>[^\n]*)(?:\n.*)?", re.S),
)


def reader_message(text):
    """The server's primary message in an Arrow reader's text of an error, or the
    text whole where it shows none (a connection refused before the server answered)."""
    for pattern in READER_SERVER_ERRORS:
        match = pattern.fullmatch(text)
        if match:
            return match["primary"]
    return text


def primary_message(error):
    """The server's primary message (ErrorResponse M) of a driver's error, or None."""
    diag = getattr(error, "diag", None)  # psycopg2, psycopg
    if diag is not None:
        return diag.message_primary
    args = getattr(error, "args", ())
    module = type(error).__module__
    if module == "adbc_driver_manager":  # libpq's fields of the ErrorResponse, if it had one
        primary = dict(error.details or ()).get(b"PG_DIAG_MESSAGE_PRIMARY")
        return primary.decode() if primary is not None else None
    if args and isinstance(args[0], dict):  # pg8000: the ErrorResponse's fields
        return args[0].get("M")
    if module.startswith("asyncpg"):
        return getattr(error, "message", None)
    if module == "pyodbc" and len(args) == 2:  # (sqlstate, message)
        return odbc_primary_message(str(args[1]))
    return None


def message_of(error):
    """With a SQLSTATE, the server's primary message (driver texts add the query's
    position, host and port); without, the driver's own message (SQLAlchemy adds
    the SQL and a link to its docs)."""
    if sqlstate_of(error):
        primary = primary_message(driver_error(error))
        if primary is not None:
            return primary
    error = driver_error(error)
    args = getattr(error, "args", ())
    if type(error).__module__ == "pyodbc" and len(args) == 2:
        return str(args[1])  # (sqlstate, message)
    if type(error).__module__.startswith("sqlalchemy"):
        return f"{type(error).__name__}: {error}"  # NoSuchTableError: public.nosuch
    # ADBC's errors, polars' (a ComputeError with ADBC's text of an error in the result
    # stream), and the bare RuntimeError ConnectorX raises with tokio-postgres's text.
    if type(error).__module__.split(".")[0] in ("adbc_driver_manager", "polars") \
            or type(error) is RuntimeError:
        return reader_message(str(error))
    return str(error)


class DbApi:
    """psycopg2, psycopg 3 and pg8000 through their DB-API interface."""

    def __init__(self, driver):
        self.driver = driver
        self.conn = None

    def connect(self, r):
        if self.driver == "pg8000":
            import pg8000.dbapi

            self.conn = pg8000.dbapi.connect(
                host=r["host"], port=r["port"], user=r["user"], password=r["password"],
                database=r["dbname"], ssl_context=ssl_context(r),
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
        # psycopg interpolates no % without parameters only when given None;
        # pg8000 needs a sequence (None fails with a TypeError).
        empty = () if self.driver == "pg8000" else None
        try:
            cur.execute(sql, params or empty)
            if cur.description is None:
                return [], [], []
            columns = [d[0] for d in cur.description]
            rows = [[render(v) for v in row] for row in cur.fetchall()]
            return columns, oid_types(cur.description), rows
        finally:
            cur.close()

    def metadata(self, call, table):
        raise not_supported(f"{self.driver} has no metadata API")

    def reset(self):
        raise not_supported("this driver has no pool reset")

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

        self.conn = self.run(asyncpg.connect(
            host=r["host"], port=r["port"], user=r["user"], password=r["password"],
            database=r["dbname"], ssl=ssl_context(r),
        ))

    def query(self, sql, params):
        async def go():
            statement = await self.conn.prepare(sql)
            attributes = statement.get_attributes()
            rows = await statement.fetch(*params)
            return ([a.name for a in attributes], [a.type.oid for a in attributes],
                    [[render(v) for v in row.values()] for row in rows])

        return self.run(go())

    def metadata(self, call, table):
        raise not_supported("asyncpg has no metadata API")

    def reset(self):
        self.run(self.conn.reset())

    def version(self):
        return __import__("asyncpg").__version__

    def close(self):
        if self.conn is not None:
            self.run(self.conn.close())


class Odbc:
    """psqlODBC (Debian's odbc-postgresql, the Unicode driver) through pyodbc."""

    DRIVER = "PostgreSQL Unicode"

    def __init__(self):
        self.conn = None

    def connect(self, r):
        import pyodbc

        def braced(value):
            # psqlODBC takes {braces} off only where a value needs them.
            value = str(value)
            if not re.search(r"[;{}]|^\s|\s$", value):
                return value
            return "{" + value.replace("}", "}}") + "}"

        parts = [
            ("Driver", braced(self.DRIVER)), ("Server", r["host"]), ("Port", r["port"]),
            ("Database", braced(r["dbname"])), ("UID", braced(r["user"])),
            ("SSLmode", r["sslmode"]),
            # Debian's odbcinst.ini turns the communication log on: keep it off.
            ("CommLog", 0), ("Debug", 0),
        ]
        if r["password"] is not None:
            parts.append(("PWD", braced(r["password"])))
        if r["sslmode"] != "disable" and r["sslrootcert"]:
            # libpq options psqlODBC has no keyword for.
            parts.append(("pqopt", braced(f"sslrootcert={r['sslrootcert']}")))
        self.conn = pyodbc.connect(";".join(f"{k}={v}" for k, v in parts), autocommit=True)

    @staticmethod
    def result(cur):
        """Columns, types and rows; pyodbc hides psqlODBC's SQL types and describes
        each column by the Python type it converts to: "odbc:int", "odbc:Decimal"."""
        if cur.description is None:
            return [], [], []
        columns = [d[0] for d in cur.description]
        types = named_types("odbc", [d[1].__name__ for d in cur.description])
        return columns, types, [[render(v) for v in row] for row in cur.fetchall()]

    def query(self, sql, params):
        sql, params = qmark_style(sql, params)
        cur = self.conn.cursor()
        try:
            cur.execute(sql, *params)
            return self.result(cur)
        finally:
            cur.close()

    def metadata(self, call, table):
        # ODBC orders every one of these result sets (SQLTables, SQLColumns,
        # SQLPrimaryKeys, SQLStatistics, SQLGetTypeInfo): keep its order.
        cur = self.conn.cursor()
        try:
            if call == "schemas":
                # SQL_ALL_SCHEMAS: catalog and table empty, schema '%'.
                cur.tables(catalog="", schema="%", table="", tableType="")
            elif call == "tables":
                cur.tables(schema="public")
            elif call == "columns":
                cur.columns(table=table, schema="public")
            elif call == "primary_keys":
                cur.primaryKeys(table, schema="public")
            elif call == "indexes":
                cur.statistics(table, schema="public")
            else:
                cur.getTypeInfo()
            columns, types, rows = self.result(cur)
            # psqlODBC's SQLColumns adds the table's OID, which differs between
            # any two servers (even two PostgreSQL installations): blank it.
            if "table oid" in columns:
                i = columns.index("table oid")
                rows = [row[:i] + ["<oid>"] + row[i + 1:] for row in rows]
            return columns, types, rows
        finally:
            cur.close()

    def reset(self):
        raise not_supported("ODBC has no pool reset here")

    def version(self):
        import pyodbc

        if self.conn is None:
            import subprocess

            debian = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "odbc-postgresql"],
                                    capture_output=True, text=True).stdout
            return f"pyodbc {pyodbc.version}, psqlODBC (Debian odbc-postgresql {debian})"
        return f"pyodbc {pyodbc.version}, psqlODBC {self.conn.getinfo(pyodbc.SQL_DRIVER_VER)}"

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        remove_odbc_log()


def remove_odbc_log():
    """Debian's odbcinst.ini turns psqlODBC's communication log on for the driver,
    and the driver writes a line to /tmp/psqlodbc_<program><user><pid>.log on
    disconnect even when the connection string turns it off: remove ours."""
    import os

    pattern = re.compile(rf"psqlodbc_.*\D{os.getpid()}\.log")
    try:
        for name in os.listdir("/tmp"):
            if pattern.fullmatch(name):
                os.remove(os.path.join("/tmp", name))
    except OSError:
        pass


class SqlAlchemy:
    """SQLAlchemy 2 (text() queries and the Inspector) over one dialect; with
    `pandas`, queries go through pandas.read_sql over the psycopg2 dialect."""

    DIALECTS = {"psycopg2": "psycopg2", "psycopg": "psycopg", "asyncpg": "asyncpg",
                "pg8000": "pg8000", "pandas": "psycopg2"}

    def __init__(self, driver):
        self.driver = driver
        self.pandas = driver == "pandas"
        self.dbapi = self.DIALECTS[driver.removeprefix("sqlalchemy-")]
        self.asynchronous = self.dbapi == "asyncpg"
        self.loop = asyncio.new_event_loop() if self.asynchronous else None
        self.engine = None
        self.conn = None
        self.description = None  # the DBAPI cursor.description of the last statement

    def connect_args(self, r):
        if self.dbapi in ("psycopg2", "psycopg"):
            args = {"sslmode": r["sslmode"]}
            if r["sslrootcert"]:
                args["sslrootcert"] = r["sslrootcert"]
            return args
        if self.dbapi == "asyncpg":
            return {"ssl": ssl_context(r)}
        return {"ssl_context": ssl_context(r)}

    def connect(self, r):
        from sqlalchemy import URL
        from sqlalchemy.pool import NullPool

        url = URL.create(f"postgresql+{self.dbapi}", username=r["user"], password=r["password"],
                         host=r["host"], port=r["port"], database=r["dbname"])
        options = dict(connect_args=self.connect_args(r), poolclass=NullPool,
                       isolation_level="AUTOCOMMIT")
        if self.asynchronous:
            from sqlalchemy.ext.asyncio import create_async_engine

            self.engine = create_async_engine(url, **options)
            self.conn = self.loop.run_until_complete(self.engine.connect())
        else:
            from sqlalchemy import create_engine

            self.engine = create_engine(url, **options)
            self.conn = self.engine.connect()
        from sqlalchemy import event

        sync_engine = self.engine.sync_engine if self.asynchronous else self.engine
        event.listen(sync_engine, "after_cursor_execute", self.remember_description)

    def remember_description(self, conn, cursor, statement, parameters, context, executemany):
        """The DBAPI cursor's description, which pandas.read_sql does not pass on: its
        type_code is the column's type OID in every dialect here."""
        self.description = cursor.description

    def sync(self, fn):
        """fn(a synchronous Connection), also over the async dialect."""
        if self.asynchronous:
            return self.loop.run_until_complete(self.conn.run_sync(fn))
        return fn(self.conn)

    def query(self, sql, params):
        from sqlalchemy import text

        sql, binds = named_style(sql, params)
        self.description = None
        if self.pandas:
            return self.sync(lambda c: self.read_sql(c, text(sql), binds))

        def go(c):
            result = c.execute(text(sql), binds)
            if not result.returns_rows:
                return [], [], []
            columns = list(result.keys())
            rows = [[render(v) for v in row] for row in result.fetchall()]
            return columns, oid_types(self.description), rows

        return self.sync(go)

    def read_sql(self, conn, statement, binds):
        """A query through pandas.read_sql; the types are the OIDs of the cursor that
        ran it, or the frame's dtypes ("pandas:int64") if no cursor was seen."""
        import pandas

        frame = pandas.read_sql(statement, conn, params=binds)
        if self.description is not None and len(self.description) == len(frame.columns):
            types = oid_types(self.description)
        else:
            types = named_types("pandas", [str(t) for t in frame.dtypes])
        return ([str(c) for c in frame.columns], types,
                [[render(plain(v)) for v in row] for row in frame.itertuples(index=False)])

    def metadata(self, call, table):
        from sqlalchemy import inspect

        if self.pandas:
            raise not_supported("pandas has no metadata API (see sqlalchemy-psycopg2)")

        def go(c):
            inspector = inspect(c)
            if call == "schemas":
                return dict_rows([{"name": n} for n in inspector.get_schema_names()], ["name"], True)
            if call == "tables":
                return dict_rows([{"name": n} for n in inspector.get_table_names(schema="public")],
                                 ["name"], True)
            if call == "columns":
                # In the table's column order.
                return dict_rows(inspector.get_columns(table, schema="public"),
                                 ["name", "type", "nullable", "default"])
            if call == "primary_keys":
                return dict_rows([inspector.get_pk_constraint(table, schema="public")],
                                 ["name", "constrained_columns"])
            if call == "indexes":
                return dict_rows(inspector.get_indexes(table, schema="public"), ["name"], True)
            raise not_supported("SQLAlchemy's Inspector has no type info")

        return self.sync(go)

    def reset(self):
        raise not_supported("no pool reset through SQLAlchemy here")

    def version(self):
        import sqlalchemy

        module = {"psycopg2": "psycopg2", "psycopg": "psycopg", "asyncpg": "asyncpg",
                  "pg8000": "pg8000"}[self.dbapi]
        version = f"SQLAlchemy {sqlalchemy.__version__}, {module} {__import__(module).__version__}"
        if self.pandas:
            version = f"pandas {__import__('pandas').__version__}, {version}"
        return version

    def close(self):
        if self.conn is not None:
            if self.asynchronous:
                self.loop.run_until_complete(self.conn.close())
                self.loop.run_until_complete(self.engine.dispose())
            else:
                self.conn.close()
                self.engine.dispose()


def dict_rows(dicts, first, sort=False):
    """Inspector dicts as columns, types and rows: the `first` keys, then every other
    key any dict has, in order of appearance; missing keys are null. The Inspector
    answers with Python objects, so a column's type is its values' ("inspector:str").
    With sort, rows are in sorted_rows order (for lists the API does not order)."""
    columns = list(first)
    for d in dicts:
        columns += [k for k in d if k not in columns]
    values = [[d.get(k) for k in columns] for d in dicts]
    rows = [[render_meta(v) for v in row] for row in values]
    return columns, value_types("inspector", values, len(columns)), sorted_rows(rows) if sort else rows


def plain(value):
    """A pandas / NumPy cell as the Python value render() knows; missing (None,
    NaN, NaT) is null, as pandas cannot tell a NULL from a NaN in a float column."""
    import numpy
    import pandas

    if isinstance(value, (list, tuple, dict, numpy.ndarray)):
        return value
    if pandas.isna(value):
        return None
    if isinstance(value, pandas.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, pandas.Timedelta):
        return value.to_pytimedelta()
    if isinstance(value, numpy.generic):
        return value.item()
    return value


def libpq_uri(r):
    """The connect request as a libpq URI, user, password and database percent-encoded;
    sslrootcert only where TLS is on."""
    from urllib.parse import quote, urlencode

    auth = quote(r["user"], safe="")
    if r["password"] is not None:
        auth += ":" + quote(r["password"], safe="")
    host = f"[{r['host']}]" if ":" in r["host"] else r["host"]
    options = {"sslmode": r["sslmode"]}
    if r["sslmode"] != "disable" and r["sslrootcert"]:
        options["sslrootcert"] = r["sslrootcert"]
    return f"postgresql://{auth}@{host}:{r['port']}/{quote(r['dbname'], safe='')}?{urlencode(options)}"


def arrow_result(table, sort=False):
    """Columns, types ("arrow:int64") and rendered rows of a pyarrow Table; with sort,
    rows in sorted_rows order."""
    rows = [[render(v) for v in row] for row in zip(*(c.to_pylist() for c in table.columns))]
    types = named_types("arrow", [str(field.type) for field in table.schema])
    return table.column_names, types, sorted_rows(rows) if sort else rows


class Adbc:
    """ADBC's PostgreSQL driver (libpq, binary COPY for results) through its DB-API;
    parameters stay $n, as the driver sends the SQL as it is."""

    def __init__(self):
        self.conn = None

    def connect(self, r):
        import adbc_driver_postgresql.dbapi

        self.conn = adbc_driver_postgresql.dbapi.connect(libpq_uri(r), autocommit=True)

    def query(self, sql, params):
        cur = self.conn.cursor()
        try:
            cur.execute(sql, params or None)
            return arrow_result(cur.fetch_arrow_table())
        finally:
            cur.close()

    def metadata(self, call, table):
        import pyarrow
        import pyarrow.compute as pc

        if call == "columns":
            # In the table's column order.
            schema = self.conn.adbc_get_table_schema(table, db_schema_filter="public")
            return arrow_result(pyarrow.table({
                "name": schema.names, "type": [str(f.type) for f in schema],
                "nullable": [f.nullable for f in schema]}))
        if call not in ("schemas", "tables"):
            raise not_supported(f"ADBC has no {call} call")
        # GetObjects nests schemas in catalogs, tables in schemas: flatten.
        depth = "db_schemas" if call == "schemas" else "tables"
        objects = self.conn.adbc_get_objects(depth=depth, db_schema_filter="public").read_all()
        schemas = pc.list_flatten(objects["catalog_db_schemas"])
        if call == "schemas":
            return arrow_result(pyarrow.table({"name": pc.struct_field(schemas, "db_schema_name")}), True)
        tables = pc.list_flatten(pc.struct_field(schemas, "db_schema_tables"))
        return arrow_result(pyarrow.table({"name": pc.struct_field(tables, "table_name"),
                                           "type": pc.struct_field(tables, "table_type")}), True)

    def reset(self):
        raise not_supported("ADBC has no pool reset")

    def version(self):
        return (f"adbc-driver-postgresql {__import__('adbc_driver_postgresql').__version__}, "
                f"adbc-driver-manager {__import__('adbc_driver_manager').__version__}")

    def close(self):
        if self.conn is not None:
            self.conn.close()


class UriReader:
    """A library that reads a whole result from a URI and keeps no connection (ConnectorX,
    polars): connect checks the server with SELECT 1; queries take no parameters.
    Subclasses read(sql) into columns, types and rows."""

    def __init__(self, driver):
        self.driver = driver
        self.uri = None

    def connect(self, r):
        self.uri = libpq_uri(r)
        # ConnectorX's pool retries a refused connection for 30 s and hides its
        # SQLSTATE: libpq (ADBC's driver) checks the server and credentials first.
        import adbc_driver_postgresql.dbapi

        adbc_driver_postgresql.dbapi.connect(self.uri).close()
        self.read("SELECT 1")

    def query(self, sql, params):
        if params:
            raise not_supported(f"{self.driver} takes no query parameters")
        return self.read(sql)

    def metadata(self, call, table):
        raise not_supported(f"{self.driver} has no metadata API")

    def reset(self):
        raise not_supported(f"{self.driver} keeps no connection")

    def close(self):
        pass


class ConnectorX(UriReader):
    """ConnectorX's read_sql into Arrow over one of its protocols: binary (COPY BINARY),
    cursor (a server-side cursor), simple (simple queries) or csv (COPY CSV)."""

    PARTITION_COLUMN = "id"  # accidents' key: an int8 from 1 up

    def arrow(self, sql, **partitioning):
        import connectorx

        return connectorx.read_sql(self.uri, sql, return_type="arrow",
                                   protocol=self.driver.removeprefix("connectorx-"), **partitioning)

    def read(self, sql):
        return arrow_result(self.arrow(sql))

    def metadata(self, call, table):
        if call != "partitioned":
            raise not_supported(f"ConnectorX has no {call} call")
        # Partitions arrive in no defined order.
        table = self.arrow(f"SELECT * FROM {table}", partition_on=self.PARTITION_COLUMN,
                           partition_num=3)
        return arrow_result(table, sort=True)

    def version(self):
        return f"connectorx {__import__('connectorx').__version__}"


class Polars(UriReader):
    """polars.read_database_uri on one engine (connectorx or adbc); types are the
    frame's dtypes ("polars:Int64")."""

    def read(self, sql):
        import polars

        frame = polars.read_database_uri(sql, self.uri, engine=self.driver.removeprefix("polars-"))
        types = named_types("polars", [str(t) for t in frame.dtypes])
        return frame.columns, types, [[render(v) for v in row] for row in frame.rows()]

    def version(self):
        from importlib.metadata import version

        engine = {"polars-connectorx": "connectorx", "polars-adbc": "adbc-driver-postgresql"}[self.driver]
        return f"polars {version('polars')}, {engine} {version(engine)}"


DRIVERS = ["psycopg2", "psycopg", "psycopg-binary", "asyncpg", "pg8000", "odbc",
           "sqlalchemy-psycopg2", "sqlalchemy-psycopg", "sqlalchemy-asyncpg", "sqlalchemy-pg8000",
           "pandas", "adbc", "connectorx-binary", "connectorx-cursor", "connectorx-simple",
           "connectorx-csv", "polars-connectorx", "polars-adbc"]


def make_client(driver):
    if driver == "asyncpg":
        return AsyncPg()
    if driver == "odbc":
        return Odbc()
    if driver.startswith("sqlalchemy-") or driver == "pandas":
        return SqlAlchemy(driver)
    if driver == "adbc":
        return Adbc()
    if driver.startswith("connectorx-"):
        return ConnectorX(driver)
    if driver.startswith("polars-"):
        return Polars(driver)
    return DbApi(driver)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--driver", required=True, choices=DRIVERS)
    driver = parser.parse_args().driver
    client = make_client(driver)
    for line in sys.stdin:
        try:
            request = json.loads(line)
            op = request["op"]
            if op == "connect":
                client.connect(request)
                reply = {"ok": True}
            elif op == "query":
                columns, types, rows = client.query(request["sql"], request.get("params") or [])
                reply = {"ok": True, "columns": columns, "types": types, "rows": rows}
            elif op == "metadata":
                call = request.get("call")
                if call not in METADATA_CALLS:
                    raise not_supported(f"metadata call {call}")
                columns, types, rows = client.metadata(call, request.get("table"))
                reply = {"ok": True, "columns": columns, "types": types, "rows": rows}
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
            reply = {"ok": False, "error": {"sqlstate": sqlstate_of(error), "message": message_of(error)}}
        except BaseException as error:  # a Rust library's panic (ConnectorX: a type it lacks)
            if type(error).__module__ != "pyo3_runtime":
                raise
            reply = {"ok": False, "error": {"sqlstate": None, "message": f"panic: {error}"}}
        print(json.dumps(reply), flush=True)
    if isinstance(client, Odbc):
        client.close()  # at end of input too, for its log file


if __name__ == "__main__":
    main()
