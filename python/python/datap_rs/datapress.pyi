"""Type stubs of datap_rs.datapress (the native module's classes)."""
from os import PathLike
from typing import Any, Mapping, Optional, Sequence, Union

_Path = Union[str, PathLike[str]]

class DataPressError(Exception):
    """An error of the DataPress server (a dataset or an endpoint that cannot start)."""

class ConfigError(DataPressError):
    """A configuration the server refuses, with the message the binary prints."""

class DataPressConfig:
    """The TOML configuration as keywords: ``[server]`` keys as they are,
    ``[server.http]`` keys prefixed ``http_``, ``[server.pgwire]`` keys
    prefixed ``pgwire_``, and ``datasets``; the file's defaults and rules."""

    def __init__(
        self,
        *,
        backend: str = "datafusion",
        data_roots: Optional[Sequence[_Path]] = None,
        shutdown_grace: Optional[str] = None,
        memory_limit: Optional[str] = None,
        spill_dir: Optional[_Path] = None,
        max_spill: Optional[str] = None,
        http_enabled: bool = True,
        http_listen: str = "127.0.0.1:8080",
        http_bearer_token: Optional[str] = None,
        http_tls_cert: Optional[_Path] = None,
        http_tls_key: Optional[_Path] = None,
        http_max_body_size: Optional[int] = None,
        pgwire_enabled: bool = False,
        pgwire_listen: str = "127.0.0.1",
        pgwire_port: int = 5432,
        pgwire_username: str = "datapress",
        pgwire_password: Optional[str] = None,
        pgwire_tls_cert: Optional[_Path] = None,
        pgwire_tls_key: Optional[_Path] = None,
        pgwire_tls_required: Optional[bool] = None,
        pgwire_auth_method: str = "cleartext",
        pgwire_max_connections: int = 100,
        pgwire_statement_timeout: Optional[str] = None,
        pgwire_startup_timeout: Optional[str] = None,
        pgwire_max_message_size: Optional[int] = None,
        pgwire_client_write_timeout: Optional[str] = None,
        pgwire_idle_session_timeout: Optional[str] = None,
        pgwire_idle_in_transaction_session_timeout: Optional[str] = None,
        datasets: Optional[Sequence[Mapping[str, Any]]] = None,
        base_dir: Optional[_Path] = None,
    ) -> None: ...
    @staticmethod
    def from_toml(path: _Path) -> "DataPressConfig": ...

class DataPress:
    """A server running in the background of this process."""

    def __init__(self, config: DataPressConfig) -> None: ...
    def start(self) -> None: ...
    def stop(self, grace: Optional[float] = None) -> None: ...
    def wait(self) -> None: ...
    @property
    def pgwire_port(self) -> Optional[int]: ...
    @property
    def http_port(self) -> Optional[int]: ...
    def register(
        self,
        name: str,
        path: _Path,
        format: Optional[str] = None,
        header: Optional[bool] = None,
        delimiter: Optional[str] = None,
    ) -> bool: ...
    def deregister(self, name: str) -> None: ...
    def reload(self) -> list[str]: ...
    def __enter__(self) -> "DataPress": ...
    def __exit__(self, *exc: object) -> bool: ...
