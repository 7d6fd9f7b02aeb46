"""DataPress: datasets (Parquet, CSV, JSON, Arrow) served over the PostgreSQL
wire protocol and an HTTP API, run from Python.

    from datap_rs.datapress import DataPressConfig, DataPress

    cfg = DataPressConfig(
        pgwire_enabled=True, pgwire_listen="127.0.0.1", pgwire_port=5432,
        pgwire_username="datapress",
        datasets=[{"name": "trips", "path": "data/trips.parquet"}],
    )
    with DataPress(cfg) as server:
        server.wait()   # until Ctrl-C
"""
from ._datap_rs import ConfigError, DataPress, DataPressConfig, DataPressError

__all__ = ["ConfigError", "DataPress", "DataPressConfig", "DataPressError"]
