#!/usr/bin/env python3
"""End-to-end benchmark: DataPress vs a throwaway PostgreSQL 15 (and
datafusion-postgres-cli when it is on PATH), same data, same clients (a small
C libpq client, pgclient.c, and psycopg), same run.

    python3 benches/e2e/bench.py [--format parquet|csv] [--rows N] [--big-rows N] [--repeat K] [--server PATH]

It only reports (medians, min-max, ratios); nothing here is a timed assertion.
See benches/e2e/README.md.
"""

from __future__ import annotations

import os
import sys

# --- psycopg 3 lives in the compat venv; re-run under it when needed. -------
_VENV_PY = os.path.join(
    os.environ.get("COMPAT_INSTALL_ROOT", "/opt/datapress-compat"), "venv", "bin", "python"
)
try:
    import psycopg  # noqa: E402
except ImportError:
    if os.path.exists(_VENV_PY) and not os.environ.get("DATAPRESS_BENCH_REEXEC"):
        os.environ["DATAPRESS_BENCH_REEXEC"] = "1"
        os.execv(_VENV_PY, [_VENV_PY, os.path.abspath(__file__), *sys.argv[1:]])
    print(
        "error: this benchmark needs psycopg 3 (psycopg[binary]); none found in "
        f"{sys.executable} nor in {_VENV_PY}.\n"
        "  install it with: bash compat/clients/install-python.sh\n"
        '  or:              python3 -m pip install "psycopg[binary]"',
        file=sys.stderr,
    )
    sys.exit(2)

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from psycopg.types.numeric import Int8  # noqa: E402

try:  # only for --format parquet (the default); main() says how to install it
    import pyarrow as pa  # noqa: E402
    import pyarrow.csv as pa_csv  # noqa: E402
    import pyarrow.parquet as pa_parquet  # noqa: E402
except ImportError:
    pa = None

REPO_ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
# Rows per libpq chunk in cur.stream(); chunked mode needs libpq >= 17, else 1 row at a time.
STREAM_CHUNK = 1000 if psycopg.pq.version() >= 170000 else 1
PGCLIENT_SRC = Path(__file__).resolve().with_name("pgclient.c")
LIBPQ_INCLUDE_DIRS = (Path("/usr/include/postgresql"), Path("/usr/include"))
C_CLIENT = "C libpq client"
PY_CLIENT = "psycopg client"
# Column -> Arrow type of the Parquet file: the types DataPress infers from the
# CSV (its timestamp unit aside: every unit is `timestamp` on the wire).
COLUMNS = {"id": "int64", "i4": "int64", "f8": "float64", "tag": "string", "note": "string",
           "flag": "bool", "day": "date32", "ts": "timestamp[us]"}
PARQUET_ROW_GROUP = 100_000
PYARROW_MIN = 13  # first pyarrow with write_page_index
TAGS = 100  # distinct values of the short text column (groups of the aggregate)


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------

_WORDS = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima "
    "mike november oscar papa quebec romeo sierra tango uniform victor whiskey "
    "xray yankee zulu amber basil cedar dune ember fern grove heath iris jade"
).split()


def generate_csv(path: Path, rows: int, seed: int) -> list[tuple[str, int]]:
    """Deterministic CSV (header + `rows` rows). Empty unquoted field = NULL
    for both DataFusion and PostgreSQL's COPY csv. Returns the expected
    (tag, count) pairs of the aggregate, sorted."""
    rng = random.Random(seed)
    notes = []
    for _ in range(4096):
        s = " ".join(rng.choice(_WORDS) for _ in range(10))
        notes.append(s[:40].rstrip())  # ~40 chars, letters and spaces only
    tags = [f"tag_{i:02d}" for i in range(TAGS)]
    d0 = dt.date(2000, 1, 1)
    days = [(d0 + dt.timedelta(days=i)).isoformat() for i in range(10000)]
    rnd = rng.random
    rint = rng.randrange
    counts = [0] * TAGS
    with open(path, "w", newline="", buffering=1 << 20) as f:
        f.write(",".join(COLUMNS) + "\n")
        out = []
        for i in range(1, rows + 1):
            i4 = "" if rnd() < 0.1 else str(rint(-2147483648, 2147483647))
            f8 = "" if rnd() < 0.1 else f"{(rnd() - 0.5) * 2000.0:.6f}"
            t = rint(TAGS)
            counts[t] += 1
            tag = tags[t]
            note = "" if rnd() < 0.1 else notes[rint(4096)]
            r = rnd()
            flag = "" if r < 0.1 else ("true" if r < 0.55 else "false")
            day = days[rint(10000)]
            if rnd() < 0.1:
                ts = ""
            else:
                s = rint(86400)
                ts = f"{days[7300 + rint(2000)]} {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"
            out.append(f"{i},{i4},{f8},{tag},{note},{flag},{day},{ts}\n")
            if len(out) >= 10000:
                f.write("".join(out))
                out.clear()
        f.write("".join(out))
    return sorted((tags[i], c) for i, c in enumerate(counts) if c)


def write_parquet(csv_path: Path, path: Path) -> None:
    """The CSV as Parquet, rows in the same order (id ascending), with row-group
    statistics and a page index. Only an empty field is NULL, as in the CSV."""
    convert = pa_csv.ConvertOptions(column_types=COLUMNS, null_values=[""], strings_can_be_null=True,
                                    true_values=["true"], false_values=["false"])
    table = pa_csv.read_csv(csv_path, convert_options=convert)
    pa_parquet.write_table(table, path, row_group_size=PARQUET_ROW_GROUP,
                           write_statistics=True, write_page_index=True)


# --------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------


def free_port(taken: set[int]) -> int:
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port != 5432 and port not in taken:
            taken.add(port)
            return port
    raise BenchError("no free port found")


def wait_port(port: int, proc: subprocess.Popen | None, timeout: float, what: str, logfile: Path | None,
              fatal: tuple[tuple[str, str], ...] = ()) -> None:
    """Waits until 127.0.0.1:port accepts; `fatal` = (log text, message) pairs that end the wait."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise BenchError(f"{what} exited with status {proc.returncode} before listening" + tail(logfile))
        if fatal and logfile is not None and logfile.exists():
            text = logfile.read_text(errors="replace")
            for needle, message in fatal:
                if needle in text:
                    raise BenchError(message + tail(logfile))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise BenchError(f"{what} did not accept connections on port {port} within {timeout:.0f}s" + tail(logfile))


def tail(logfile: Path | None, n: int = 20) -> str:
    if logfile is None or not logfile.exists():
        return ""
    text = re.sub(r"\x1b\[[0-9;]*m", "", logfile.read_text(errors="replace"))
    lines = text.splitlines()[-n:]
    return "\n  log (" + str(logfile) + "):\n    " + "\n    ".join(lines)


def stop_process(proc: subprocess.Popen | None, grace: float = 15.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM etc. of /proc/<pid>/status, in kB."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key.startswith(("Vm", "Rss")):
                parts = rest.split()
                if parts and parts[0].isdigit():
                    out[key] = int(parts[0])
    return out


def reset_peak_rss(pid: int) -> bool:
    """Writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0)."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class Server:
    name = ""
    label = ""

    def __init__(self) -> None:
        self.conninfo = ""
        self.notes: list[str] = []

    def rss_pid(self, conn: psycopg.Connection) -> int | None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError


class DataPress(Server):
    name = "datapress"
    label = "DataPress"

    def __init__(self, binary: Path, data_path: Path, workdir: Path, port: int) -> None:
        super().__init__()
        self.binary = binary
        self.port = port
        self.proc: subprocess.Popen | None = None
        self.config = workdir / "datapress.toml"
        self.logfile = workdir / "datapress.log"
        self.config.write_text(
            "[server]\n"
            'backend = "datafusion"\n'
            "[server.http]\n"
            'listen = "127.0.0.1:0"\n'
            "[server.pgwire]\n"
            "enabled = true\n"
            'listen = "127.0.0.1"\n'
            f"port = {port}\n"
            'username = "bench"\n'
            "[[datasets]]\n"
            'name = "bench"\n'
            f"path = {toml_str(str(data_path))}\n"  # format from the extension; CSV header defaults to true
        )
        self.conninfo = f"host=127.0.0.1 port={port} user=bench dbname=bench"

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DATAPRESS_")}
        env.setdefault("RUST_LOG", "warn")
        with open(self.logfile, "wb") as lf:
            self.proc = subprocess.Popen(
                [str(self.binary), "serve", "--config", str(self.config)],
                stdin=subprocess.DEVNULL, stdout=lf, stderr=lf, env=env,
            )
        wait_port(self.port, self.proc, 180, "DataPress", self.logfile, fatal=(
            ("no `pgwire` feature",
             f"{self.binary} was built without the `pgwire` feature (e.g. by "
             "`cargo test -p datapress --no-default-features`); rebuild it with "
             "the default features: cargo build --release -p datapress"),
        ))

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def rss_pid(self, conn: psycopg.Connection) -> int | None:
        return self.proc.pid if self.proc else None

    def stop(self) -> None:
        stop_process(self.proc)


def toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Postgres(Server):
    name = "postgresql"
    label = "PostgreSQL"

    def __init__(self, workdir: Path, port: int) -> None:
        super().__init__()
        self.port = port
        self.root = workdir / "pg"
        self.data = self.root / "data"
        self.logfile = self.root / "postgres.log"
        self.started = False
        self.conninfo = f"host=127.0.0.1 port={port} user=postgres dbname=postgres"

    def _run(self, prog: str, *args: str, timeout: float = 300) -> None:
        cmd = [str(PG_BIN / prog), *args]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            raise BenchError(f"{prog} failed ({r.returncode}): {r.stderr.strip() or r.stdout.strip()}" + tail(self.logfile))

    def start(self) -> None:
        self.root.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c fsync=off "
                f"-c shared_buffers=256MB -c unix_socket_directories={self.root}")
        self.started = True  # from here on, stop() must run pg_ctl stop
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.logfile), "-o", opts, "-w", "-t", "120", "start")
        wait_port(self.port, None, 60, "PostgreSQL", self.logfile)

    def load(self, csv_path: Path, coltypes: list[tuple[str, str]], index: bool) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            cols = ", ".join(f"{n} {t}" for n, t in coltypes)
            conn.execute(f"CREATE TABLE bench ({cols})")
            with conn.cursor() as cur:
                with cur.copy("COPY bench FROM STDIN (FORMAT csv, HEADER true)") as cp:
                    with open(csv_path, "rb") as f:
                        while chunk := f.read(1 << 20):
                            cp.write(chunk)
            if index:
                conn.execute("ALTER TABLE bench ADD PRIMARY KEY (id)")
            conn.execute("VACUUM ANALYZE bench")

    def rss_pid(self, conn: psycopg.Connection) -> int | None:
        return conn.info.backend_pid

    def stop(self) -> None:
        if not self.started:
            return
        self.started = False
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop", timeout=90)
        except Exception as e:  # noqa: BLE001
            log(f"pg_ctl stop failed ({e}); killing the postmaster")
            try:
                pid = int((self.data / "postmaster.pid").read_text().split()[0])
                os.kill(pid, signal.SIGQUIT)
                for _ in range(100):
                    os.kill(pid, 0)
                    time.sleep(0.1)
                os.kill(pid, signal.SIGKILL)
            except (OSError, ValueError, IndexError):
                pass


class DfPostgres(Server):
    name = "datafusion-postgres"
    label = "datafusion-postgres"

    def __init__(self, exe: str, data_path: Path, fmt: str, workdir: Path, port: int) -> None:
        super().__init__()
        self.exe = exe
        self.port = port
        self.data_path = data_path
        self.fmt = fmt
        self.logfile = workdir / "datafusion-postgres.log"
        self.proc: subprocess.Popen | None = None
        self.conninfo = f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
        self.version = ""

    def start(self) -> None:
        def out(*a: str) -> str:
            r = subprocess.run([self.exe, *a], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
            return r.stdout + r.stderr

        helptext = out("--help")
        version = out("--version").strip()
        self.version = version.splitlines()[0] if version else "version ?"
        if f"--{self.fmt}" not in helptext:
            raise BenchError(f"its --help shows no --{self.fmt} option; cannot register the file")
        cmd = [self.exe, f"--{self.fmt}", f"bench:{self.data_path}"]
        if "--host" in helptext:
            cmd += ["--host", "127.0.0.1"]
        cmd += ["--port" if "--port" in helptext else "-p", str(self.port)]
        with open(self.logfile, "wb") as lf:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=lf, stderr=lf)
        wait_port(self.port, self.proc, 120, "datafusion-postgres-cli", self.logfile)

    def rss_pid(self, conn: psycopg.Connection) -> int | None:
        return self.proc.pid if self.proc else None

    def stop(self) -> None:
        stop_process(self.proc, grace=5)


# --------------------------------------------------------------------------
# Measurements (one run each; the caller repeats and interleaves servers)
# --------------------------------------------------------------------------


def connect(conninfo: str) -> psycopg.Connection:
    return psycopg.connect(conninfo, autocommit=True, connect_timeout=30)


def stream_rows(cur: psycopg.Cursor, sql: str) -> int:
    n = 0
    for _ in cur.stream(sql, size=STREAM_CHUNK):
        n += 1
    return n


def m_full_scan(srv: Server, ctx: dict, binary: bool) -> float:
    with connect(srv.conninfo) as conn:
        cur = conn.cursor(binary=binary)
        t0 = time.perf_counter()
        n = stream_rows(cur, "SELECT * FROM bench")
        el = time.perf_counter() - t0
    if n != ctx["rows"]:
        raise BenchError(f"got {n} rows, expected {ctx['rows']}")
    return n / el


AGG_SQL = "SELECT tag, count(*), avg(f8) FROM bench GROUP BY 1"


def m_aggregate(srv: Server, ctx: dict) -> float:
    with connect(srv.conninfo) as conn:
        t0 = time.perf_counter()
        rows = conn.execute(AGG_SQL).fetchall()
        el = time.perf_counter() - t0
    got = sorted((r[0], r[1]) for r in rows)
    if got != ctx["agg_expected"]:
        raise BenchError(f"aggregate answer differs from the generated data ({len(rows)} groups)")
    return el * 1000.0


def timed_loop(iters: int, budget: float, body) -> tuple[float, int]:
    """Runs body() up to `iters` times or until `budget` seconds; (ops/s, n)."""
    n = 0
    t0 = time.perf_counter()
    while n < iters:
        body(n)
        n += 1
        if time.perf_counter() - t0 > budget:
            break
    return n / (time.perf_counter() - t0), n


def m_select1(srv: Server, ctx: dict) -> tuple[float, int]:
    with connect(srv.conninfo) as conn:
        cur = conn.cursor()
        for _ in range(20):
            cur.execute("SELECT 1").fetchone()

        def body(_i: int) -> None:
            if cur.execute("SELECT 1").fetchone() != (1,):
                raise BenchError("SELECT 1 did not answer 1")

        return timed_loop(ctx["select1_iters"], ctx["loop_seconds"], body)


POINT_SQL = "SELECT * FROM bench WHERE id = %s"


def m_point(srv: Server, ctx: dict) -> tuple[float, int]:
    ids = ctx["point_ids"]
    # Int8: one parameter type for every id, so a single prepared statement
    # (psycopg would pick int2/int4 by magnitude, i.e. several statements).
    with connect(srv.conninfo) as conn:
        cur = conn.cursor()
        cur.execute(POINT_SQL, (Int8(ids[-1]),), prepare=True).fetchall()  # warm-up + PREPARE

        def body(i: int) -> None:
            k = ids[i % len(ids)]
            r = cur.execute(POINT_SQL, (Int8(k),), prepare=True).fetchall()
            if len(r) != 1 or r[0][0] != k:
                raise BenchError(f"point query for id={k} returned {len(r)} rows")

        return timed_loop(ctx["point_iters"], ctx["loop_seconds"], body)


def m_churn(srv: Server, ctx: dict) -> tuple[float, int]:
    def body(_i: int) -> None:
        conn = psycopg.connect(srv.conninfo, autocommit=True, connect_timeout=30)
        try:
            if conn.execute("SELECT 1").fetchone() != (1,):
                raise BenchError("SELECT 1 did not answer 1")
        finally:
            conn.close()

    body(0)
    return timed_loop(ctx["churn_iters"], ctx["loop_seconds"], body)


def build_pgclient(workdir: Path) -> tuple[Path | None, str]:
    """Compiles pgclient.c into workdir: (binary, its libpq version) or (None, why not)."""
    gcc = shutil.which("gcc")
    if gcc is None:
        return None, "gcc not installed; apt-get install gcc libpq-dev"
    include = next((d for d in LIBPQ_INCLUDE_DIRS if (d / "libpq-fe.h").exists()), None)
    if include is None:
        return None, "libpq-fe.h not found; apt-get install libpq-dev"
    exe = workdir / "pgclient"
    steps = (("compiling " + PGCLIENT_SRC.name,
              [gcc, "-O2", "-Wall", "-std=gnu11", f"-I{include}", "-o", str(exe), str(PGCLIENT_SRC), "-lpq"]),
             ("running pgclient --version", [str(exe), "--version"]))
    for what, cmd in steps:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            first = (r.stderr.strip() or r.stdout.strip() or "?").splitlines()[0]
            return None, f"{what} failed: {first[:160]}"
    return exe, str(json.loads(r.stdout)["libpq"])


def run_pgclient(srv: Server, ctx: dict, *args: str) -> dict:
    """Runs the C client against srv; its one line of JSON output as a dict."""
    r = subprocess.run([str(ctx["pgclient"]), srv.conninfo + " connect_timeout=30", *args],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if r.returncode != 0:
        raise BenchError(r.stderr.strip() or f"pgclient exited with status {r.returncode}")
    try:
        return json.loads(r.stdout)
    except ValueError as e:
        raise BenchError(f"pgclient printed {r.stdout.strip()[:80]!r}") from e


def c_full_scan(srv: Server, ctx: dict, binary: bool) -> float:
    r = run_pgclient(srv, ctx, "scan", "SELECT * FROM bench", "binary" if binary else "text")
    if r["rows"] != ctx["rows"]:
        raise BenchError(f"got {r['rows']} rows, expected {ctx['rows']}")
    return r["rows"] / r["seconds"]


def c_loop(srv: Server, ctx: dict, mode: str, iters: int, *extra: str) -> tuple[float, int]:
    """loop-select1, loop-point or churn; (ops/s, n) as timed_loop returns."""
    r = run_pgclient(srv, ctx, mode, str(iters), str(ctx["loop_seconds"]), *extra)
    return r["iters"] / r["seconds"], r["iters"]


def big_sql(rows: int, big_rows: int) -> str:
    k = max(1, math.ceil(big_rows / rows))
    union = " UNION ALL ".join(["SELECT * FROM bench"] * k)
    return f"SELECT * FROM ({union}) AS t LIMIT {big_rows}"


def m_peak_rss(srv: Server, ctx: dict) -> dict:
    """Idle RSS, then peak RSS while streaming --big-rows rows (text format)."""
    with connect(srv.conninfo) as conn:
        conn.execute("SELECT 1").fetchone()
        pid = srv.rss_pid(conn)
        if pid is None:
            raise BenchError("no process id to measure")
        idle = proc_status(pid)["VmRSS"]
        exact = reset_peak_rss(pid)
        sampled = [idle]
        stop = threading.Event()

        def sampler() -> None:
            while not stop.is_set():
                try:
                    sampled.append(proc_status(pid)["VmRSS"])
                except (OSError, KeyError):
                    return
                stop.wait(0.02)

        th = threading.Thread(target=sampler, daemon=True)
        th.start()
        t0 = time.perf_counter()
        try:
            n = stream_rows(conn.cursor(), ctx["big_sql"])
        finally:
            el = time.perf_counter() - t0
            stop.set()
            th.join()
        st = proc_status(pid)
    if n != ctx["big_rows"]:
        raise BenchError(f"streamed {n} rows, expected {ctx['big_rows']}")
    peak = max(st.get("VmHWM", 0), max(sampled)) if exact else max(sampled)
    return {
        "idle_mb": idle / 1024.0,
        "peak_mb": peak / 1024.0,
        "above_mb": (peak - idle) / 1024.0,
        "rows_per_s": n / el,
        "how": "VmHWM after clear_refs" if exact else "VmRSS sampled every 20 ms",
        "pid": pid,
    }


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------


def fmt_int(v: float) -> str:
    return f"{v:,.0f}"


def fmt_ms(v: float) -> str:
    return f"{v:,.1f}"


def fmt_rate(v: float) -> str:
    return f"{v:,.0f}" if v >= 100 else f"{v:,.1f}"


class Table:
    def __init__(self, what: str, client: str, unit: str, better: str, fmt) -> None:
        self.title = f"{what} — {client}"
        self.client, self.unit, self.better, self.fmt = client, unit, better, fmt
        self.values: dict[str, list[float]] = {}
        self.iters: dict[str, list[int]] = {}
        self.status: dict[str, str] = {}  # server -> "not run ..." / "failed: ..."

    def add(self, srv: str, value: float, n: int | None = None) -> None:
        self.values.setdefault(srv, []).append(value)
        if n is not None:
            self.iters.setdefault(srv, []).append(n)


def print_table(t: Table, servers: list[Server], not_run: dict[str, str]) -> None:
    print(f"### {t.title}")
    print()
    print(f"{t.unit}, {t.better} is better")
    print()
    print(f"| server | median | min – max | runs |")
    print("|---|---:|---:|---:|")
    labels = {s.name: s.label for s in servers}
    order = [s.name for s in servers] + [n for n in not_run if n not in labels]
    for name in order:
        label = labels.get(name, name)
        if name in not_run:
            print(f"| {label} | not run ({not_run[name]}) | | |")
            continue
        if name in t.status:
            print(f"| {label} | {t.status[name]} | | |")
            continue
        vals = t.values.get(name, [])
        if not vals:
            print(f"| {label} | no result | | |")
            continue
        runs = str(len(vals))
        its = t.iters.get(name)
        if its:
            runs += f" × {min(its)}" + ("" if min(its) == max(its) else f"–{max(its)}") + " iters"
        print(f"| {label} | {t.fmt(statistics.median(vals))} | "
              f"{t.fmt(min(vals))} – {t.fmt(max(vals))} | {runs} |")
    print()
    dp = t.values.get("datapress")
    for s in servers:
        if s.name == "datapress":
            continue
        peer = t.values.get(s.name)
        if dp and peer and "datapress" not in t.status and s.name not in t.status:
            r = statistics.median(dp) / statistics.median(peer)
            print(f"ratio DataPress/{s.label}: {r:.2f}")
    for name, why in not_run.items():
        print(f"ratio DataPress/{labels.get(name, name)}: n/a (not run)")
    print()


def print_rss(res: dict[str, dict | str], servers: list[Server], not_run: dict[str, str], big_rows: int) -> None:
    print(f"### Peak RSS while streaming {big_rows:,} rows (text format) — {PY_CLIENT}")
    print()
    print("MB (MiB); `above idle` = peak − idle, lower is better")
    print()
    print("| server | idle | peak | above idle | stream rows/s | measured on |")
    print("|---|---:|---:|---:|---:|---|")
    for s in servers:
        r = res.get(s.name)
        if isinstance(r, dict):
            what = "server process" if s.name != "postgresql" else "backend process (counts touched shared_buffers)"
            print(f"| {s.label} | {r['idle_mb']:,.1f} | {r['peak_mb']:,.1f} | {r['above_mb']:,.1f} | "
                  f"{fmt_int(r['rows_per_s'])} | {what}; {r['how']} |")
        else:
            print(f"| {s.label} | {r or 'n/a'} | | | | |")
    for name, why in not_run.items():
        print(f"| {name} | not run ({why}) | | | | |")
    print()
    dp = res.get("datapress")
    for s in servers:
        if s.name == "datapress":
            continue
        peer = res.get(s.name)
        if isinstance(dp, dict) and isinstance(peer, dict) and peer["above_mb"] > 0:
            print(f"ratio DataPress/{s.label} (above idle): {dp['above_mb'] / peer['above_mb']:.2f}")
        else:
            print(f"ratio DataPress/{s.label} (above idle): n/a")
    for name in not_run:
        print(f"ratio DataPress/{name} (above idle): n/a (not run)")
    print()


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def default_server() -> Path:
    target = os.environ.get("CARGO_TARGET_DIR")
    base = Path(target) if target else REPO_ROOT / "target"
    if not base.is_absolute():
        base = Path.cwd() / base
    return base / "release" / "datapress"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="DataPress end-to-end benchmark (reports only).")
    p.add_argument("--format", choices=("parquet", "csv"), default="parquet",
                   help="file DataPress serves: the CSV converted to Parquet (needs pyarrow), or the CSV itself "
                        "(default parquet); PostgreSQL always loads the CSV")
    p.add_argument("--rows", type=int, default=2_000_000, help="rows of the bench table (default 2,000,000)")
    p.add_argument("--big-rows", type=int, default=10_000_000, help="rows streamed for the peak-RSS measurement (default 10,000,000)")
    p.add_argument("--repeat", type=int, default=5, help="runs per measurement; medians are reported (default 5)")
    p.add_argument("--server", type=Path, default=None,
                   help="DataPress binary (default: $CARGO_TARGET_DIR/release/datapress or target/release/datapress)")
    p.add_argument("--select1-iters", type=int, default=2000, help="SELECT 1 per run (default 2000)")
    p.add_argument("--point-iters", type=int, default=500, help="prepared point queries per run (default 500)")
    p.add_argument("--churn-iters", type=int, default=200, help="connections per run (default 200)")
    p.add_argument("--loop-seconds", type=float, default=30.0,
                   help="a loop run stops early after this many seconds; the iterations done are shown (default 30)")
    p.add_argument("--pg-index", action="store_true", help="give PostgreSQL a primary key on id (default: no index, like the file)")
    p.add_argument("--seed", type=int, default=42, help="data generator seed (default 42)")
    p.add_argument("--workdir", type=Path, default=None, help="parent of the temporary directory (default: system temp)")
    a = p.parse_args()
    if a.rows < 1 or a.big_rows < 1 or a.repeat < 1:
        p.error("--rows, --big-rows and --repeat must be positive")
    return a


def sql_type_names(conn: psycopg.Connection) -> list[tuple[str, str]]:
    cur = conn.execute("SELECT * FROM bench LIMIT 1")
    out = []
    for d in cur.description:
        info = psycopg.postgres.types.get(d.type_code)
        if info is None:
            raise BenchError(f"DataPress column {d.name} has type OID {d.type_code}, unknown to psycopg")
        out.append((d.name, info.name))
    return out


def run_measure(t: Table, servers: list[Server], repeat: int, fn, *extra) -> None:
    log(f"{t.title} …")
    for rep in range(repeat):
        for s in servers:
            if s.name in t.status:
                continue
            try:
                v = fn(s, *extra)
            except (psycopg.Error, BenchError, OSError) as e:
                msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                t.status[s.name] = f"failed: {msg[:160]}"
                log(f"  {s.label}: failed: {msg}")
                continue
            if isinstance(v, tuple):
                t.add(s.name, v[0], v[1])
                log(f"  {s.label} run {rep + 1}/{repeat}: {t.fmt(v[0])} {t.unit} ({v[1]} iters)")
            else:
                t.add(s.name, v)
                log(f"  {s.label} run {rep + 1}/{repeat}: {t.fmt(v)} {t.unit}")


def main() -> int:
    args = parse_args()
    binary = Path(os.path.abspath(args.server or default_server()))
    if not binary.is_file() or not os.access(binary, os.X_OK):
        print(f"error: DataPress binary not found: {binary}\n"
              f"  build it first (from {REPO_ROOT}): cargo build --release -p datapress\n"
              f"  or pass --server PATH", file=sys.stderr)
        return 2
    if "/debug/" in str(binary):
        log(f"WARNING: {binary} looks like a debug build; figures from it are not results")
    if args.format == "parquet" and (pa is None or int(pa.__version__.split(".")[0]) < PYARROW_MIN):
        found = f"pyarrow {pa.__version__}" if pa else "no pyarrow"
        print(f"error: --format parquet (the default) needs pyarrow >= {PYARROW_MIN}; {sys.executable} has {found}.\n"
              f"  install it with: {sys.executable} -m pip install pyarrow\n"
              "  (or bash compat/clients/install-python.sh for the compat venv)\n"
              "  or let DataPress serve the CSV instead: --format csv", file=sys.stderr)
        return 2

    have_pg = (PG_BIN / "initdb").exists() and (PG_BIN / "pg_ctl").exists()
    dfpg_exe = shutil.which("datafusion-postgres-cli")

    # Stop cleanly on SIGTERM/SIGHUP too, so the finally block runs.
    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    workdir = Path(tempfile.mkdtemp(prefix="datapress-e2e-", dir=args.workdir))
    os.chmod(workdir, 0o755)  # postgres must traverse it
    servers: list[Server] = []
    not_run: dict[str, str] = {}
    failed = False
    try:
        csv_path = workdir / "bench.csv"
        log(f"generating {args.rows:,} rows (seed {args.seed}) into {csv_path}")
        t0 = time.perf_counter()
        agg_expected = generate_csv(csv_path, args.rows, args.seed)
        os.chmod(csv_path, 0o644)
        log(f"  {csv_path.stat().st_size / 1e6:,.1f} MB in {time.perf_counter() - t0:.1f}s")
        if args.format == "parquet":
            data_path = workdir / "bench.parquet"
            log(f"converting it to {data_path} (statistics, page index)")
            t0 = time.perf_counter()
            write_parquet(csv_path, data_path)
            os.chmod(data_path, 0o644)
            log(f"  done in {time.perf_counter() - t0:.1f}s")
            kind = f"Parquet, {PARQUET_ROW_GROUP:,}-row groups"
        else:
            data_path, kind = csv_path, "CSV"
        served = f"{data_path.name} ({kind}, {data_path.stat().st_size / 1e6:,.1f} MB)"
        log(f"DataPress serves {served}")
        pgclient_exe, pgclient_info = build_pgclient(workdir)
        log(f"C client: {pgclient_exe} (libpq {pgclient_info})" if pgclient_exe
            else f"C client: not run ({pgclient_info})")
        ctx = {
            "rows": args.rows,
            "big_rows": args.big_rows,
            "big_sql": big_sql(args.rows, args.big_rows),
            "select1_iters": args.select1_iters,
            "point_iters": args.point_iters,
            "churn_iters": args.churn_iters,
            "loop_seconds": args.loop_seconds,
            "agg_expected": agg_expected,
            "pgclient": pgclient_exe,
        }
        prng = random.Random(args.seed + 1)
        ctx["point_ids"] = [prng.randint(1, args.rows) for _ in range(max(1, args.point_iters))]

        ports: set[int] = set()
        dp = DataPress(binary, data_path, workdir, free_port(ports))
        servers.append(dp)  # appended first, so a failed start still gets stopped
        log(f"starting DataPress on port {dp.port}: {binary}")
        dp.start()
        dp_version = subprocess.run([str(binary), "--version"], capture_output=True, text=True).stdout.strip()
        with connect(dp.conninfo) as conn:
            coltypes = sql_type_names(conn)
        log("DataPress column types: " + ", ".join(f"{n} {t}" for n, t in coltypes))

        pg_version = ""
        if have_pg:
            pg = Postgres(workdir, free_port(ports))
            servers.append(pg)  # appended first, so a failed start still gets stopped
            log(f"starting PostgreSQL 15 on port {pg.port} (data dir {pg.data})")
            pg.start()
            log("loading the CSV into PostgreSQL (COPY, VACUUM ANALYZE)")
            t0 = time.perf_counter()
            pg.load(csv_path, coltypes, args.pg_index)
            log(f"  loaded in {time.perf_counter() - t0:.1f}s")
            with connect(pg.conninfo) as conn:
                pg_version = conn.execute("SHOW server_version").fetchone()[0]
        else:
            not_run["postgresql"] = f"PostgreSQL 15 not installed ({PG_BIN}/initdb missing)"
            print("postgresql: not run (PostgreSQL 15 not installed)", file=sys.stderr)

        dfpg_version = ""
        if dfpg_exe:
            df = DfPostgres(dfpg_exe, data_path, args.format, workdir, free_port(ports))
            try:
                log(f"starting datafusion-postgres-cli on port {df.port}: {dfpg_exe}")
                df.start()
                servers.append(df)
                dfpg_version = df.version
            except (BenchError, OSError, subprocess.SubprocessError) as e:
                df.stop()
                not_run["datafusion-postgres"] = f"failed to start: {str(e).splitlines()[0]}"
        else:
            not_run["datafusion-postgres"] = "datafusion-postgres-cli not installed"
        if "datafusion-postgres" in not_run:
            print(f"datafusion-postgres: not run ({not_run['datafusion-postgres']})", file=sys.stderr)

        # (6) first, before any other query has scanned the table, so "idle" is the
        # just-started process (plus one connection).
        log(f"peak RSS while streaming {args.big_rows:,} rows …")
        rss: dict[str, dict | str] = {}
        for s in servers:
            try:
                rss[s.name] = m_peak_rss(s, ctx)
                r = rss[s.name]
                log(f"  {s.label}: idle {r['idle_mb']:.1f} MB, peak {r['peak_mb']:.1f} MB, {fmt_int(r['rows_per_s'])} rows/s")
            except (psycopg.Error, BenchError, OSError, KeyError) as e:
                rss[s.name] = f"failed: {str(e).splitlines()[0][:160] if str(e) else type(e).__name__}"
                log(f"  {s.label}: {rss[s.name]}")

        # Same data everywhere? (row count, non-null count per column, sum(id))
        check_sql = "SELECT count(*), " + ", ".join(f"count({c})" for c in COLUMNS) + ", sum(id) FROM bench"
        ref = None
        for s in list(servers):
            try:
                with connect(s.conninfo) as conn:
                    got = tuple(int(x) for x in conn.execute(check_sql).fetchone())
            except psycopg.Error as e:
                if s is dp:
                    raise BenchError(f"DataPress cannot answer the data check: {e}") from e
                got = ("error", str(e).strip().splitlines()[0] if str(e).strip() else "?")
            if s is dp:
                ref = got
                log(f"data check (count, non-null counts, sum(id)): {ref}")
            elif got != ref:
                log(f"{s.label}: data check differs from DataPress ({got} vs {ref}); not measured")
                servers.remove(s)
                s.stop()
                not_run[s.name] = "its table does not hold the same data"
                if s.name == "postgresql":
                    failed = True

        scan = f"SELECT * FROM bench, {args.rows:,} rows"
        select1 = "SELECT 1 in a loop (one connection)"
        point = "Prepared point query in a loop"
        churn = "Connection churn (connect + auth + SELECT 1 + close)"
        # (table, measurement, its extra arguments); each C table next to its psycopg one.
        plan = [
            (Table(f"Full scan, text format ({scan})", C_CLIENT, "rows/s", "higher", fmt_int), c_full_scan, False),
            (Table(f"Full scan, text format ({scan})", PY_CLIENT, "rows/s", "higher", fmt_int), m_full_scan, False),
            (Table(f"Full scan, binary format ({scan})", C_CLIENT, "rows/s", "higher", fmt_int), c_full_scan, True),
            (Table(f"Full scan, binary format ({scan})", PY_CLIENT, "rows/s", "higher", fmt_int), m_full_scan, True),
            (Table(f"Aggregate ({AGG_SQL}, {TAGS} groups)", PY_CLIENT, "ms per query", "lower", fmt_ms), m_aggregate),
            (Table(select1, C_CLIENT, "queries/s", "higher", fmt_rate), c_loop, "loop-select1", args.select1_iters),
            (Table(select1, PY_CLIENT, "queries/s", "higher", fmt_rate), m_select1),
            (Table(f"{point} (SELECT * FROM bench WHERE id = $1, PQprepare with int8)", C_CLIENT,
                   "queries/s", "higher", fmt_rate), c_loop, "loop-point", args.point_iters, str(args.rows)),
            (Table(f"{point} ({POINT_SQL}, prepare=True)", PY_CLIENT, "queries/s", "higher", fmt_rate), m_point),
            (Table(churn, C_CLIENT, "connections/s", "higher", fmt_rate), c_loop, "churn", args.churn_iters),
            (Table(churn, PY_CLIENT, "connections/s", "higher", fmt_rate), m_churn),
        ]
        tables = [t for t, *_ in plan]
        for t, fn, *extra in plan:
            if t.client == C_CLIENT and ctx["pgclient"] is None:
                t.status = {s.name: f"not run ({pgclient_info})" for s in servers}
                continue
            run_measure(t, servers, args.repeat, fn, ctx, *extra)

        if not dp.alive():
            log(f"DataPress exited during the run (status {dp.proc.returncode})" + tail(dp.logfile))
            failed = True

        # ---- report (stdout) ----
        now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        print()
        print(f"## DataPress end-to-end benchmark — {now}")
        print()
        print(f"- date: {now}; nproc: {os.cpu_count()}; {platform.system()} {platform.release()} {platform.machine()}")
        print(f"- DataPress binary: {binary} ({dp_version or 'version ?'})"
              + ("  **debug build: not a result**" if "/debug/" in str(binary) else ""))
        print(f"- PostgreSQL: {pg_version + ' (fsync=off, shared_buffers=256MB, ' + ('primary key on id' if args.pg_index else 'no index') + ')' if pg_version else 'not run'}")
        print(f"- datafusion-postgres: {dfpg_version + ' (' + str(dfpg_exe) + ')' if 'datafusion-postgres' not in not_run else 'not run (' + not_run['datafusion-postgres'] + ')'}")
        print(f"- {C_CLIENT}: " + (f"benches/e2e/{PGCLIENT_SRC.name} (gcc -O2), libpq {pgclient_info}, "
                                     "scans in single-row mode" if pgclient_exe else f"not run ({pgclient_info})"))
        print(f"- {PY_CLIENT}: psycopg {psycopg.__version__} ({psycopg.pq.__impl__}, libpq {psycopg.pq.version()}), "
              f"Python {platform.python_version()}, cur.stream(size={STREAM_CHUNK})")
        print(f"- data: {args.rows:,} rows generated as CSV (seed {args.seed}), columns: "
              + ", ".join(f"{n} {t}" for n, t in coltypes))
        print(f"- DataPress serves: {served}; PostgreSQL loads the CSV (COPY) into a heap table")
        print(f"- --format {args.format} --rows {args.rows} --big-rows {args.big_rows} --repeat {args.repeat}; "
              f"medians of {args.repeat} runs")
        print()
        for t in tables:
            print_table(t, servers, not_run)
            if any(t.status.get(n, "").startswith("failed") for n in ("datapress", "postgresql")):
                failed = True
        print_rss(rss, servers, not_run, args.big_rows)
        if any(isinstance(rss.get(n), str) for n in ("datapress", "postgresql") if n in rss):
            failed = True
    except (BenchError, psycopg.Error, subprocess.SubprocessError, OSError) as e:
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    finally:
        for s in reversed(servers):
            try:
                s.stop()
            except Exception as e:  # noqa: BLE001
                log(f"stopping {s.label}: {e}")
        shutil.rmtree(workdir, ignore_errors=True)
        log(f"stopped the servers and removed {workdir}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
