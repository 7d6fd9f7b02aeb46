//! `datap_rs.datapress`: DataPress from Python. `DataPressConfig` is the
//! TOML configuration as keywords (each `[server]`, `[server.http]` and
//! `[server.pgwire]` key, prefixed `http_`/`pgwire_` for its section, and
//! `datasets`), validated by the server crate exactly as a file is;
//! `DataPress` runs the server in the background of the Python process.

use std::path::PathBuf;
use std::time::Duration;

use datapress::config::{Config, DatasetSpec, Overrides};
use datapress::server::Server;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

create_exception!(
    datapress,
    DataPressError,
    PyException,
    "An error of the DataPress server."
);
create_exception!(
    datapress,
    ConfigError,
    DataPressError,
    "A configuration the server refuses; the message is the one the binary prints."
);

/// The keywords of `[server]`, `[server.http]` and `[server.pgwire]`.
const SERVER_KEYS: &[&str] = &[
    "backend",
    "data_roots",
    "shutdown_grace",
    "memory_limit",
    "spill_dir",
    "max_spill",
];
const HTTP_KEYS: &[&str] = &[
    "enabled",
    "listen",
    "bearer_token",
    "tls_cert",
    "tls_key",
    "max_body_size",
];
const PGWIRE_KEYS: &[&str] = &[
    "enabled",
    "listen",
    "port",
    "username",
    "password",
    "tls_cert",
    "tls_key",
    "tls_required",
    "auth_method",
    "max_connections",
    "statement_timeout",
    "startup_timeout",
    "max_message_size",
    "client_write_timeout",
    "idle_session_timeout",
    "idle_in_transaction_session_timeout",
];

/// A Python value as a TOML value.
fn to_toml(value: &Bound<'_, PyAny>) -> PyResult<toml::Value> {
    if value.is_instance_of::<PyBool>() {
        return Ok(toml::Value::Boolean(value.extract()?));
    }
    if value.is_instance_of::<PyInt>() {
        return Ok(toml::Value::Integer(value.extract()?));
    }
    if value.is_instance_of::<PyFloat>() {
        return Ok(toml::Value::Float(value.extract()?));
    }
    if value.is_instance_of::<PyString>() {
        return Ok(toml::Value::String(value.extract()?));
    }
    if let Ok(path) = value.extract::<PathBuf>() {
        return Ok(toml::Value::String(path.display().to_string()));
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let items = value
            .try_iter()?
            .map(|item| to_toml(&item?))
            .collect::<PyResult<Vec<_>>>()?;
        return Ok(toml::Value::Array(items));
    }
    if let Ok(dict) = value.downcast::<PyDict>() {
        let mut table = toml::map::Map::new();
        for (key, item) in dict.iter() {
            if item.is_none() {
                continue;
            }
            table.insert(key.extract::<String>()?, to_toml(&item)?);
        }
        return Ok(toml::Value::Table(table));
    }
    Err(PyTypeError::new_err(format!(
        "{} is not a configuration value (bool, int, float, str, path, list or dict)",
        value.get_type().name()?
    )))
}

fn config_error(e: impl std::fmt::Display) -> PyErr {
    ConfigError::new_err(e.to_string())
}

/// The server's configuration: the TOML file's settings as keywords.
#[pyclass(module = "datap_rs.datapress", frozen)]
struct DataPressConfig {
    config: Config,
}

#[pymethods]
impl DataPressConfig {
    /// `DataPressConfig(backend="datafusion", pgwire_enabled=True,
    /// pgwire_port=5432, …, http_listen="127.0.0.1:8080", …,
    /// datasets=[{"name": …, "path": …, "format": …}], base_dir=".")`:
    /// every key of `[server]`, of `[server.http]` as `http_<key>` and of
    /// `[server.pgwire]` as `pgwire_<key>`, with the file's defaults and
    /// validation. Relative paths are taken from `base_dir` (default: the
    /// current directory). Raises `ConfigError` with the binary's message.
    #[new]
    #[pyo3(signature = (**settings))]
    fn new(settings: Option<&Bound<'_, PyDict>>) -> PyResult<DataPressConfig> {
        let mut server = toml::map::Map::new();
        let mut http = toml::map::Map::new();
        let mut pgwire = toml::map::Map::new();
        let mut root = toml::map::Map::new();
        let mut base = std::env::current_dir()?;
        for (key, value) in settings.into_iter().flat_map(|d| d.iter()) {
            let key: String = key.extract()?;
            if value.is_none() {
                continue;
            }
            if key == "base_dir" {
                base = value.extract()?;
                continue;
            }
            let (section, name) = if let Some(name) = key.strip_prefix("http_") {
                (&mut http, name)
            } else if let Some(name) = key.strip_prefix("pgwire_") {
                (&mut pgwire, name)
            } else if key == "datasets" {
                root.insert(key.clone(), to_toml(&value)?);
                continue;
            } else {
                (&mut server, key.as_str())
            };
            let known = match key.split_once('_').map(|(p, _)| p) {
                Some("http") => HTTP_KEYS.contains(&name),
                Some("pgwire") => PGWIRE_KEYS.contains(&name),
                _ => SERVER_KEYS.contains(&name),
            };
            if !known {
                return Err(PyTypeError::new_err(format!(
                    "DataPressConfig() got an unexpected keyword argument '{key}'"
                )));
            }
            section.insert(name.to_string(), to_toml(&value)?);
        }
        server.insert("http".into(), toml::Value::Table(http));
        server.insert("pgwire".into(), toml::Value::Table(pgwire));
        root.insert("server".into(), toml::Value::Table(server));
        let text = toml::to_string(&toml::Value::Table(root)).map_err(config_error)?;
        let config =
            Config::from_toml(&text, &base, &Overrides::default()).map_err(config_error)?;
        Ok(DataPressConfig { config })
    }

    /// The configuration in a TOML file (the environment's `DATAPRESS_*`
    /// variables apply, as for the binary).
    #[staticmethod]
    fn from_toml(path: PathBuf) -> PyResult<DataPressConfig> {
        let config = Config::load(&path, &Overrides::default()).map_err(config_error)?;
        Ok(DataPressConfig { config })
    }

    fn __repr__(&self) -> String {
        let c = &self.config;
        format!(
            "DataPressConfig(pgwire_enabled={}, pgwire_listen={:?}, pgwire_port={}, http_enabled={}, http_listen={:?}, datasets={:?})",
            if c.pgwire.enabled { "True" } else { "False" },
            c.pgwire.listen,
            c.pgwire.port,
            if c.http.enabled { "True" } else { "False" },
            c.http.listen.to_string(),
            c.datasets.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
        )
    }
}

/// A server running in the background of this process.
#[pyclass(module = "datap_rs.datapress")]
struct DataPress {
    config: Config,
    runtime: Option<tokio::runtime::Runtime>,
    server: Option<Server>,
}

impl DataPress {
    fn running(&self) -> PyResult<(&tokio::runtime::Runtime, &Server)> {
        match (&self.runtime, &self.server) {
            (Some(runtime), Some(server)) => Ok((runtime, server)),
            _ => Err(PyRuntimeError::new_err(
                "the server is not running: call start() or use `with DataPress(config) as server:`",
            )),
        }
    }
}

#[pymethods]
impl DataPress {
    /// A server for `config`, not yet started.
    #[new]
    fn new(config: &DataPressConfig) -> DataPress {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "info".into()),
            )
            .with_writer(std::io::stderr)
            .try_init();
        DataPress {
            config: config.config.clone(),
            runtime: None,
            server: None,
        }
    }

    /// Loads the datasets and starts the enabled endpoints; raises
    /// `DataPressError` when one cannot start (a dataset, a port, TLS files).
    fn start(&mut self, py: Python<'_>) -> PyResult<()> {
        if self.server.is_some() {
            return Ok(());
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("datapress")
            .build()?;
        let config = &self.config;
        let server = py
            .detach(|| runtime.block_on(Server::start(config)))
            .map_err(|e| DataPressError::new_err(e.to_string()))?;
        self.runtime = Some(runtime);
        self.server = Some(server);
        Ok(())
    }

    /// Stops both endpoints: running statements get `grace` seconds
    /// (default: the configuration's `shutdown_grace`), then PostgreSQL
    /// sessions end with FATAL 57P01.
    #[pyo3(signature = (grace=None))]
    fn stop(&mut self, py: Python<'_>, grace: Option<f64>) {
        let grace = grace.map_or(self.config.shutdown_grace, Duration::from_secs_f64);
        if let (Some(runtime), Some(server)) = (self.runtime.take(), self.server.take()) {
            py.detach(|| {
                runtime.block_on(server.shutdown(grace));
                runtime.shutdown_timeout(Duration::from_secs(1));
            });
        }
    }

    /// Blocks until interrupted (Ctrl-C: the server stops, then
    /// KeyboardInterrupt is raised).
    fn wait(&mut self, py: Python<'_>) -> PyResult<()> {
        self.running()?;
        loop {
            py.detach(|| std::thread::sleep(Duration::from_millis(100)));
            if let Err(interrupt) = py.check_signals() {
                self.stop(py, None);
                return Err(interrupt);
            }
        }
    }

    /// The PostgreSQL endpoint's port (the bound one when configured as 0).
    #[getter]
    fn pgwire_port(&self) -> Option<u16> {
        self.server.as_ref()?.pgwire_addr().map(|a| a.port())
    }

    /// The HTTP API's port (the bound one when configured as 0).
    #[getter]
    fn http_port(&self) -> Option<u16> {
        self.server.as_ref()?.http_addr().map(|a| a.port())
    }

    /// Registers a dataset, or replaces the one of the same name, as
    /// `POST /api/datasets` does (same validation, `data_roots`); returns
    /// whether it replaced one. Sessions see it at their next statement.
    #[pyo3(signature = (name, path, format=None, header=None, delimiter=None))]
    fn register(
        &self,
        py: Python<'_>,
        name: String,
        path: PathBuf,
        format: Option<String>,
        header: Option<bool>,
        delimiter: Option<String>,
    ) -> PyResult<bool> {
        let (runtime, server) = self.running()?;
        let spec = DatasetSpec {
            name,
            path,
            format,
            header,
            delimiter,
        };
        py.detach(|| runtime.block_on(server.datasets().register(spec)))
            .map_err(|e| DataPressError::new_err(e.to_string()))
    }

    /// Removes a dataset, as `DELETE /api/datasets/{name}` does.
    fn deregister(&self, py: Python<'_>, name: String) -> PyResult<()> {
        let (runtime, server) = self.running()?;
        py.detach(|| runtime.block_on(server.datasets().remove(&name)))
            .map_err(|e| DataPressError::new_err(e.to_string()))
    }

    /// Re-reads the configuration's datasets and their files, as
    /// `POST /api/reload` does; returns the names now served.
    fn reload(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        let (runtime, server) = self.running()?;
        py.detach(|| runtime.block_on(server.datasets().reload()))
            .map_err(|e| DataPressError::new_err(e.to_string()))
    }

    fn __enter__<'py>(
        mut slf: PyRefMut<'py, Self>,
        py: Python<'py>,
    ) -> PyResult<PyRefMut<'py, Self>> {
        slf.start(py)?;
        Ok(slf)
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&mut self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> bool {
        self.stop(py, None);
        false
    }
}

impl Drop for DataPress {
    fn drop(&mut self) {
        if let (Some(runtime), Some(server)) = (self.runtime.take(), self.server.take()) {
            runtime.block_on(server.shutdown(Duration::ZERO));
            runtime.shutdown_background();
        }
    }
}

/// The native part of `datap_rs.datapress`.
#[pymodule]
fn _datap_rs(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<DataPressConfig>()?;
    m.add_class::<DataPress>()?;
    m.add("DataPressError", m.py().get_type::<DataPressError>())?;
    m.add("ConfigError", m.py().get_type::<ConfigError>())?;
    Ok(())
}
