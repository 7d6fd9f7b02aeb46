"""A wheel built without the `pgwire` feature: `pgwire_enabled=True` is
accepted with a logged warning and no PostgreSQL endpoint is served, as the
binary does; the HTTP API still works."""
import json
import pathlib
import urllib.request

from datap_rs.datapress import DataPress, DataPressConfig

SAMPLE = pathlib.Path(__file__).resolve().parents[2] / "server" / "data" / "accidents.parquet"


def test_pgwire_enabled_only_warns_and_http_still_serves(capfd):
    cfg = DataPressConfig(
        pgwire_enabled=True,
        pgwire_port=0,
        http_listen="127.0.0.1:0",
        datasets=[{"name": "accidents", "path": str(SAMPLE)}],
    )
    with DataPress(cfg) as server:
        assert server.pgwire_port is None
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.http_port}/api/sql",
            data=json.dumps({"sql": "SELECT count(*) FROM accidents"}).encode(),
            method="POST",
        )
        with urllib.request.urlopen(request) as response:
            assert json.load(response)["rows"] == [[5000]]
    assert "no `pgwire` feature" in capfd.readouterr().err
