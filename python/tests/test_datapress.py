"""The wheel as users meet it: DataPressConfig and DataPress started from
Python, queried with psycopg (text and binary) and pyarrow through the HTTP
API, datasets registered live; refused configurations raise with the
binary's message."""
import json
import pathlib
import socket
import urllib.request

import psycopg
import pyarrow as pa
import pytest

from datap_rs.datapress import ConfigError, DataPress, DataPressConfig, DataPressError

REPO = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = REPO / "server" / "data" / "accidents.parquet"
TRIPS = REPO / "examples" / "data" / "trips.csv"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config(**extra) -> DataPressConfig:
    settings = dict(
        pgwire_enabled=True,
        pgwire_listen="127.0.0.1",
        pgwire_port=0,
        pgwire_username="datapress",
        http_listen="127.0.0.1:0",
        data_roots=[str(REPO / "examples")],
        datasets=[{"name": "accidents", "path": str(SAMPLE)}],
    )
    settings.update(extra)
    return DataPressConfig(**settings)


def dsn(server: DataPress) -> str:
    return f"host=127.0.0.1 port={server.pgwire_port} user=datapress dbname=datapress"


def test_the_introductory_snippet_runs_as_written_and_psql_style_clients_connect():
    port = free_port()
    cfg = DataPressConfig(
        pgwire_enabled=True,
        pgwire_listen="127.0.0.1",
        pgwire_port=port,
        pgwire_username="datapress",
        pgwire_password=None,
        http_listen="127.0.0.1:0",
        datasets=[{"name": "accidents", "path": str(SAMPLE), "format": "parquet"}],
    )
    with DataPress(cfg) as server:
        assert server.pgwire_port == port
        with psycopg.connect(dsn(server)) as conn:
            rows = conn.execute(
                "SELECT severity, count(*) FROM accidents GROUP BY severity ORDER BY 2 DESC"
            ).fetchall()
        assert sum(n for _, n in rows) == 5000
        # psql connects too.
        import subprocess

        psql = subprocess.run(
            ["psql", dsn(server), "-XAtc", "SELECT count(*) FROM accidents"],
            capture_output=True, text=True, check=True,
        )
        assert psql.stdout.strip() == "5000"
        # Binary results too.
        with psycopg.connect(dsn(server)) as conn:
            cur = conn.cursor(binary=True)
            cur.execute("SELECT count(*)::int4, avg(vehicles)::float8 FROM accidents")
            count, _ = cur.fetchone()
            assert count == 5000
    # Stopped: nothing listens any more.
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(f"host=127.0.0.1 port={port} user=datapress dbname=x connect_timeout=2")


def test_register_and_deregister_act_like_the_http_api():
    with DataPress(config()) as server:
        with psycopg.connect(dsn(server), autocommit=True) as conn:
            assert server.register("trips", TRIPS) is False
            assert conn.execute("SELECT count(*) FROM trips").fetchone()[0] == 10
            assert server.register("trips", TRIPS) is True, "a replace"
            tables = conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' ORDER BY 1"
            ).fetchall()
            assert tables == [("accidents",), ("trips",)]
            server.deregister("trips")
            with pytest.raises(psycopg.errors.UndefinedTable):
                conn.execute("SELECT count(*) FROM trips")
        with pytest.raises(DataPressError, match="outside the data roots"):
            server.register("secret", "/etc/passwd", format="csv")
        with pytest.raises(DataPressError, match="not registered"):
            server.deregister("nothing")
        assert server.reload() == ["accidents"]


def test_the_http_api_answers_in_arrow():
    with DataPress(config()) as server:
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.http_port}/api/sql",
            data=json.dumps({"sql": "SELECT id, city FROM accidents ORDER BY id LIMIT 3"}).encode(),
            headers={"Accept": "application/vnd.apache.arrow.stream"},
            method="POST",
        )
        with urllib.request.urlopen(request) as response:
            table = pa.ipc.open_stream(response.read()).read_all()
        assert table.column_names == ["id", "city"]
        assert table.column("id").to_pylist() == [1, 2, 3]


def test_from_toml_reads_the_quickstart():
    cfg = DataPressConfig.from_toml(REPO / "examples" / "quickstart.toml")
    assert "accidents" in repr(cfg)


@pytest.mark.parametrize(
    "settings, message",
    [
        (dict(backend="duckdb"), 'invalid setting server.backend: unsupported backend "duckdb"'),
        (dict(pgwire_enabled=True, pgwire_listen="0.0.0.0"), "invalid setting server.pgwire.password"),
        (
            dict(pgwire_enabled=True, pgwire_listen="0.0.0.0", pgwire_password="pw"),
            "invalid setting server.pgwire.tls_cert",
        ),
        (dict(http_listen="0.0.0.0:8080"), "invalid setting server.http.bearer_token"),
        (dict(pgwire_port="many"), "invalid config file"),
        (dict(datasets=[{"name": "1bad", "path": "x.parquet"}]), "invalid setting datasets.name"),
        (dict(datasets=[{"name": "a", "path": "x.unknown"}]), "invalid setting datasets.format"),
    ],
)
def test_refused_configurations_raise_with_the_binarys_message(settings, message):
    with pytest.raises(ConfigError) as raised:
        DataPressConfig(**settings)
    assert message in str(raised.value)
    assert isinstance(raised.value, DataPressError)


def test_unknown_keywords_are_type_errors():
    with pytest.raises(TypeError, match="unexpected keyword argument 'pgwire_prot'"):
        DataPressConfig(pgwire_prot=5432)


def test_a_dataset_that_cannot_load_raises_at_start():
    cfg = config(datasets=[{"name": "gone", "path": "/nonexistent/gone.parquet"}])
    with pytest.raises(DataPressError, match='"gone"'):
        DataPress(cfg).start()


def test_ctrl_c_stops_the_server_cleanly():
    import signal
    import subprocess
    import sys
    import time

    port = free_port()
    script = (
        "from datap_rs.datapress import DataPress, DataPressConfig\n"
        f"cfg = DataPressConfig(pgwire_enabled=True, pgwire_port={port}, http_enabled=False,\n"
        f"    datasets=[{{'name': 'accidents', 'path': {str(SAMPLE)!r}}}])\n"
        "with DataPress(cfg) as server:\n"
        "    print('ready', flush=True)\n"
        "    server.wait()\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout.readline().strip() == "ready"
    with psycopg.connect(f"host=127.0.0.1 port={port} user=datapress dbname=x") as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=30)
    assert "KeyboardInterrupt" in stderr
    time.sleep(0.2)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2)
