//! Configuration: the TOML file, environment overrides and CLI flags, validated
//! once at startup into typed values (SPEC §1, §3). The rest of the server never
//! looks at raw settings.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// A configuration problem. Each message names the setting to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for our schema (unknown key, wrong type).
    #[error("invalid config file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message, which names the key.
        message: String,
    },
    /// A setting has a value we refuse.
    #[error("invalid setting {setting}: {message}")]
    Invalid {
        /// The setting, e.g. `server.pgwire.password`.
        setting: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
}

fn invalid(setting: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        setting,
        message: message.into(),
    }
}

/// The file as written by the user.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    server: RawServer,
    #[serde(default)]
    datasets: Vec<DatasetSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServer {
    backend: Option<String>,
    shutdown_grace: Option<String>,
    memory_limit: Option<String>,
    spill_dir: Option<PathBuf>,
    max_spill: Option<String>,
    #[serde(default)]
    data_roots: Vec<PathBuf>,
    #[serde(default)]
    http: RawHttp,
    #[serde(default)]
    pgwire: RawPgwire,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    enabled: Option<bool>,
    listen: Option<String>,
    bearer_token: Option<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    max_body_size: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPgwire {
    enabled: Option<bool>,
    listen: Option<String>,
    port: Option<u16>,
    username: Option<String>,
    password: Option<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    tls_required: Option<bool>,
    auth_method: Option<String>,
    max_connections: Option<usize>,
    statement_timeout: Option<String>,
    startup_timeout: Option<String>,
    max_message_size: Option<usize>,
    client_write_timeout: Option<String>,
    idle_session_timeout: Option<String>,
    idle_in_transaction_session_timeout: Option<String>,
}

/// One dataset as written: a `[[datasets]]` entry, or the body of an HTTP
/// registration. [`DatasetSpec::validate`] checks it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetSpec {
    /// The table name.
    pub name: String,
    /// A file, directory or glob; relative to the configuration's directory.
    pub path: PathBuf,
    /// `parquet`, `csv`, `json` or `arrow`; inferred from the extension when absent.
    pub format: Option<String>,
    /// CSV: whether the first line is a header (default true).
    pub header: Option<bool>,
    /// CSV: the one-character field delimiter (default `,`).
    pub delimiter: Option<String>,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The HTTP API.
    pub http: HttpConfig,
    /// The PostgreSQL wire-protocol endpoint.
    pub pgwire: PgwireConfig,
    /// The datasets to serve, in file order.
    pub datasets: Vec<DatasetConfig>,
    /// Directories that registered dataset paths must lie in (`server.data_roots`).
    pub data_roots: Vec<PathBuf>,
    /// How long running statements may finish after SIGTERM/SIGINT (`server.shutdown_grace`).
    pub shutdown_grace: Duration,
    /// The directory relative paths are taken from (the file's directory).
    pub base: PathBuf,
    /// The file the configuration was loaded from, which a reload re-reads.
    pub source: Option<PathBuf>,
    /// Query execution memory and spilling.
    pub memory: MemoryConfig,
}

/// `memory_limit`, `spill_dir` and `max_spill` of `[server]`.
#[derive(Debug, Clone)]
pub struct MemoryConfig {
    /// Bytes all running queries may hold together; beyond, sorts, joins and
    /// aggregates spill, and what cannot spill fails with 53200.
    pub limit: usize,
    /// Where spill files go (default: the system's temporary directory).
    pub spill_dir: Option<PathBuf>,
    /// The most bytes spill files may take together.
    pub max_spill: Option<u64>,
}

/// Half of the machine's memory (`/proc/meminfo`), or 2 GiB where that cannot be read.
fn default_memory_limit() -> usize {
    let total_kib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
            line.split_whitespace().nth(1)?.parse::<usize>().ok()
        });
    total_kib.map_or(2 << 30, |kib| kib * 1024 / 2)
}

/// A size like `256MB`, `2GiB`, `512kB` or a number of bytes (1 kB = 1024 bytes, as in PostgreSQL).
fn parse_size(setting: &'static str, text: &str) -> Result<u64, ConfigError> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| invalid(setting, format!("{text:?} is not a size like \"256MB\"")))?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "kib" => 1 << 10,
        "mb" | "mib" => 1 << 20,
        "gb" | "gib" => 1 << 30,
        "tb" | "tib" => 1 << 40,
        other => {
            return Err(invalid(
                setting,
                format!("unknown unit {other:?} (use kB, MB, GB or TB)"),
            ))
        }
    };
    number
        .checked_mul(scale)
        .ok_or_else(|| invalid(setting, format!("{text:?} is too large")))
}

/// `[server.http]`, validated.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Whether the HTTP API is started (default true).
    pub enabled: bool,
    /// The address to bind; port 0 picks a free one.
    pub listen: SocketAddr,
    /// The bearer token every `/api` request must carry, when set.
    pub bearer_token: Option<String>,
    /// TLS identity (required off loopback).
    pub tls: Option<TlsFiles>,
    /// Larger request bodies are refused with 413.
    pub max_body_size: usize,
}

/// How clients authenticate (`server.pgwire.auth_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// AuthenticationCleartextPassword (the default).
    Cleartext,
    /// AuthenticationMD5Password.
    Md5,
    /// SCRAM-SHA-256 (with -PLUS channel binding over TLS).
    ScramSha256,
}

impl AuthMethod {
    /// The name used in the configuration and the startup log.
    pub fn name(self) -> &'static str {
        match self {
            AuthMethod::Cleartext => "cleartext",
            AuthMethod::Md5 => "md5",
            AuthMethod::ScramSha256 => "scram-sha-256",
        }
    }
}

/// PEM files of the endpoint's TLS identity.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The certificate chain.
    pub cert: PathBuf,
    /// The private key.
    pub key: PathBuf,
}

/// `[server.pgwire]`, validated.
#[derive(Debug, Clone)]
pub struct PgwireConfig {
    /// Whether the endpoint is started.
    pub enabled: bool,
    /// The host to bind (`127.0.0.1`, `::1`, `0.0.0.0`, `localhost`…).
    pub listen: String,
    /// The TCP port; 0 picks a free one.
    pub port: u16,
    /// The one user that may connect.
    pub username: String,
    /// Its password; `None` only on a loopback bind.
    pub password: Option<String>,
    /// TLS identity, when TLS is offered.
    pub tls: Option<TlsFiles>,
    /// Refuse clients that do not negotiate TLS (always true off loopback with TLS).
    pub tls_required: bool,
    /// How passwords are checked.
    pub auth_method: AuthMethod,
    /// Connections beyond this get 53300.
    pub max_connections: usize,
    /// Default `statement_timeout` of every session; `None` = no limit.
    pub statement_timeout: Option<Duration>,
    /// A client that has not finished startup and authentication by then is dropped.
    pub startup_timeout: Duration,
    /// Messages longer than this are a protocol violation (08P01).
    pub max_message_size: usize,
    /// A client that reads nothing of its results for this long is dropped.
    pub client_write_timeout: Duration,
    /// Default `idle_session_timeout` of every session (57P05); `None` = off.
    pub idle_session_timeout: Option<Duration>,
    /// Default `idle_in_transaction_session_timeout` of every session (25P03);
    /// `None` = off.
    pub idle_in_transaction_session_timeout: Option<Duration>,
}

impl PgwireConfig {
    /// Whether the bind address only accepts connections from this machine.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.listen)
    }
}

/// The file formats a dataset can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatasetFormat {
    /// Apache Parquet.
    Parquet,
    /// CSV (with options).
    Csv,
    /// Newline-delimited JSON.
    Json,
    /// Arrow IPC files.
    Arrow,
}

impl DatasetFormat {
    fn parse(s: &str) -> Option<DatasetFormat> {
        match s.to_ascii_lowercase().as_str() {
            "parquet" => Some(DatasetFormat::Parquet),
            "csv" => Some(DatasetFormat::Csv),
            "json" | "ndjson" | "jsonl" => Some(DatasetFormat::Json),
            "arrow" | "ipc" | "feather" => Some(DatasetFormat::Arrow),
            _ => None,
        }
    }

    /// The format implied by a path's extension (`data/*.parquet` → Parquet).
    pub fn from_extension(path: &Path) -> Option<DatasetFormat> {
        DatasetFormat::parse(path.extension()?.to_str()?)
    }

    /// The lowercase name shown to users.
    pub fn name(self) -> &'static str {
        match self {
            DatasetFormat::Parquet => "parquet",
            DatasetFormat::Csv => "csv",
            DatasetFormat::Json => "json",
            DatasetFormat::Arrow => "arrow",
        }
    }
}

/// One dataset, validated.
#[derive(Debug, Clone)]
pub struct DatasetConfig {
    /// The table name in schema `public`.
    pub name: String,
    /// A file, a directory of files, or a glob.
    pub path: PathBuf,
    /// The file format.
    pub format: DatasetFormat,
    /// CSV: whether the first line is a header (default true).
    pub csv_header: bool,
    /// CSV: the field delimiter (default `,`).
    pub csv_delimiter: u8,
}

/// Overrides from the command line; they win over the environment and the file.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--pgwire-listen`
    pub pgwire_listen: Option<String>,
    /// `--pgwire-port`
    pub pgwire_port: Option<u16>,
    /// `--http-listen`
    pub http_listen: Option<String>,
}

/// Whether `host` names a loopback interface (`127.0.0.0/8`, `::1`, `localhost`).
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A timeout that may be off: `None` when absent or zero, as PostgreSQL's 0.
fn optional_timeout(
    setting: &'static str,
    text: Option<String>,
) -> Result<Option<Duration>, ConfigError> {
    let timeout = text.map(|s| parse_duration(setting, &s)).transpose()?;
    Ok(timeout.filter(|d| !d.is_zero()))
}

fn parse_duration(setting: &'static str, s: &str) -> Result<Duration, ConfigError> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| invalid(setting, format!("{s:?} is not a duration like \"30s\"")))?;
    let d = match unit.trim() {
        "ms" => Duration::from_millis(n),
        "" | "s" => Duration::from_secs(n),
        "min" | "m" => Duration::from_secs(n * 60),
        "h" => Duration::from_secs(n * 3600),
        other => {
            return Err(invalid(
                setting,
                format!("unknown unit {other:?} (use ms, s, min or h)"),
            ))
        }
    };
    Ok(d)
}

/// Reads an environment variable; empty counts as unset.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn env_parsed<T: std::str::FromStr>(name: &'static str) -> Result<Option<T>, ConfigError> {
    env(name)
        .map(|v| {
            v.parse()
                .map_err(|_| invalid(name, format!("{v:?} is not valid")))
        })
        .transpose()
}

impl Config {
    /// Loads `path`, applies the environment (`DATAPRESS_*`) and `overrides`, and validates.
    pub fn load(path: &Path, overrides: &Overrides) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let base = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let config = Config::from_toml(&text, base, overrides).map_err(|e| match e {
            ConfigError::Parse { message, .. } => ConfigError::Parse {
                path: path.to_owned(),
                message,
            },
            other => other,
        })?;
        Ok(Config {
            source: Some(path.to_owned()),
            ..config
        })
    }

    /// Parses TOML text; relative dataset and TLS paths are taken relative to `base`.
    pub fn from_toml(
        text: &str,
        base: &Path,
        overrides: &Overrides,
    ) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: PathBuf::new(),
            message: e.to_string(),
        })?;
        Config::validate(raw, base, overrides)
    }

    fn validate(raw: RawConfig, base: &Path, overrides: &Overrides) -> Result<Config, ConfigError> {
        let backend = env("DATAPRESS_BACKEND")
            .or(raw.server.backend)
            .unwrap_or_else(|| "datafusion".into());
        if backend != "datafusion" {
            return Err(invalid(
                "server.backend",
                format!("unsupported backend {backend:?}: this build supports only \"datafusion\""),
            ));
        }
        let p = raw.server.pgwire;
        let resolve = |path: PathBuf| {
            if path.is_absolute() {
                path
            } else {
                base.join(path)
            }
        };
        let listen = overrides
            .pgwire_listen
            .clone()
            .or_else(|| env("DATAPRESS_PGWIRE_LISTEN"))
            .or(p.listen)
            .unwrap_or_else(|| "127.0.0.1".into());
        let port = match overrides.pgwire_port {
            Some(port) => port,
            None => env_parsed("DATAPRESS_PGWIRE_PORT")?
                .or(p.port)
                .unwrap_or(5432),
        };
        let enabled = env_parsed("DATAPRESS_PGWIRE_ENABLED")?
            .or(p.enabled)
            .unwrap_or(false);
        let username = env("DATAPRESS_PGWIRE_USERNAME")
            .or(p.username)
            .unwrap_or_else(|| "datapress".into());
        if username.is_empty() {
            return Err(invalid("server.pgwire.username", "must not be empty"));
        }
        let password = env("DATAPRESS_PGWIRE_PASSWORD")
            .or(p.password)
            .filter(|p| !p.is_empty());
        let tls = tls_files(
            ["server.pgwire.tls_cert", "server.pgwire.tls_key"],
            env("DATAPRESS_PGWIRE_TLS_CERT")
                .map(PathBuf::from)
                .or(p.tls_cert),
            env("DATAPRESS_PGWIRE_TLS_KEY")
                .map(PathBuf::from)
                .or(p.tls_key),
            &resolve,
        )?;
        let auth_method = env("DATAPRESS_PGWIRE_AUTH_METHOD").or(p.auth_method);
        let auth_method = match auth_method.as_deref().unwrap_or("cleartext") {
            "cleartext" | "password" => AuthMethod::Cleartext,
            "md5" => AuthMethod::Md5,
            "scram-sha-256" => AuthMethod::ScramSha256,
            other => {
                return Err(invalid(
                    "server.pgwire.auth_method",
                    format!("unknown method {other:?} (use cleartext, md5 or scram-sha-256)"),
                ))
            }
        };
        let loopback = is_loopback_host(&listen);
        if enabled && !loopback {
            if password.is_none() {
                return Err(invalid(
                    "server.pgwire.password",
                    format!("a password is required when listening on the non-loopback address {listen:?} (set it or DATAPRESS_PGWIRE_PASSWORD)"),
                ));
            }
            if tls.is_none() {
                return Err(invalid(
                    "server.pgwire.tls_cert",
                    format!("tls_cert and tls_key are required when listening on the non-loopback address {listen:?}"),
                ));
            }
        }
        let tls_required = (tls.is_some() && !loopback)
            || env_parsed("DATAPRESS_PGWIRE_TLS_REQUIRED")?
                .or(p.tls_required)
                .unwrap_or(false);
        if tls_required && tls.is_none() {
            return Err(invalid(
                "server.pgwire.tls_required",
                "tls_required needs tls_cert and tls_key",
            ));
        }
        let statement_timeout = optional_timeout(
            "server.pgwire.statement_timeout",
            env("DATAPRESS_PGWIRE_STATEMENT_TIMEOUT").or(p.statement_timeout),
        )?;
        let idle_session_timeout =
            optional_timeout("server.pgwire.idle_session_timeout", p.idle_session_timeout)?;
        let idle_in_transaction_session_timeout = optional_timeout(
            "server.pgwire.idle_in_transaction_session_timeout",
            p.idle_in_transaction_session_timeout,
        )?;
        let startup_timeout = env("DATAPRESS_PGWIRE_STARTUP_TIMEOUT")
            .or(p.startup_timeout)
            .map(|s| parse_duration("server.pgwire.startup_timeout", &s))
            .transpose()?
            .unwrap_or(Duration::from_secs(10));
        let client_write_timeout = p
            .client_write_timeout
            .map(|s| parse_duration("server.pgwire.client_write_timeout", &s))
            .transpose()?
            .unwrap_or(Duration::from_secs(60));
        let pgwire = PgwireConfig {
            enabled,
            listen,
            port,
            username,
            password,
            tls,
            tls_required,
            auth_method,
            max_connections: env_parsed("DATAPRESS_PGWIRE_MAX_CONNECTIONS")?
                .or(p.max_connections)
                .unwrap_or(100),
            statement_timeout,
            startup_timeout,
            max_message_size: env_parsed("DATAPRESS_PGWIRE_MAX_MESSAGE_SIZE")?
                .or(p.max_message_size)
                .unwrap_or(64 << 20),
            client_write_timeout,
            idle_session_timeout,
            idle_in_transaction_session_timeout,
        };
        let http = validate_http(raw.server.http, overrides, &resolve)?;
        let memory = MemoryConfig {
            limit: match env("DATAPRESS_MEMORY_LIMIT").or(raw.server.memory_limit) {
                Some(text) => parse_size("server.memory_limit", &text)? as usize,
                None => default_memory_limit(),
            },
            spill_dir: raw.server.spill_dir.map(&resolve),
            max_spill: raw
                .server
                .max_spill
                .map(|text| parse_size("server.max_spill", &text))
                .transpose()?,
        };
        let shutdown_grace = match env("DATAPRESS_SHUTDOWN_GRACE").or(raw.server.shutdown_grace) {
            Some(text) => parse_duration("server.shutdown_grace", &text)?,
            None => Duration::from_secs(30),
        };
        let data_roots = if raw.server.data_roots.is_empty() {
            vec![base.to_path_buf()]
        } else {
            raw.server.data_roots.into_iter().map(&resolve).collect()
        };
        let mut datasets: Vec<DatasetConfig> = Vec::new();
        for d in raw.datasets {
            if datasets.iter().any(|x| x.name == d.name) {
                return Err(invalid(
                    "datasets.name",
                    format!("dataset {:?} is defined twice", d.name),
                ));
            }
            datasets.push(d.validate(base)?);
        }
        Ok(Config {
            http,
            pgwire,
            datasets,
            data_roots,
            shutdown_grace,
            base: base.to_path_buf(),
            source: None,
            memory,
        })
    }
}

/// A section's TLS files (`settings`: the names of its `tls_cert` and
/// `tls_key`): both or neither; relative paths resolved.
fn tls_files(
    [cert_setting, key_setting]: [&'static str; 2],
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
    resolve: &dyn Fn(PathBuf) -> PathBuf,
) -> Result<Option<TlsFiles>, ConfigError> {
    match (cert, key) {
        (Some(cert), Some(key)) => Ok(Some(TlsFiles {
            cert: resolve(cert),
            key: resolve(key),
        })),
        (None, None) => Ok(None),
        (Some(_), None) => Err(invalid(key_setting, "tls_cert is set but tls_key is not")),
        (None, Some(_)) => Err(invalid(cert_setting, "tls_key is set but tls_cert is not")),
    }
}

fn validate_http(
    h: RawHttp,
    overrides: &Overrides,
    resolve: &dyn Fn(PathBuf) -> PathBuf,
) -> Result<HttpConfig, ConfigError> {
    let enabled = env_parsed("DATAPRESS_HTTP_ENABLED")?
        .or(h.enabled)
        .unwrap_or(true);
    let text = overrides
        .http_listen
        .clone()
        .or_else(|| env("DATAPRESS_HTTP_LISTEN"))
        .or(h.listen)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let listen: SocketAddr = text.parse().map_err(|_| {
        invalid(
            "server.http.listen",
            format!("{text:?} is not an address like 127.0.0.1:8080"),
        )
    })?;
    let bearer_token = env("DATAPRESS_HTTP_TOKEN")
        .or(h.bearer_token)
        .filter(|t| !t.is_empty());
    let tls = tls_files(
        ["server.http.tls_cert", "server.http.tls_key"],
        env("DATAPRESS_HTTP_TLS_CERT")
            .map(PathBuf::from)
            .or(h.tls_cert),
        env("DATAPRESS_HTTP_TLS_KEY")
            .map(PathBuf::from)
            .or(h.tls_key),
        resolve,
    )?;
    if enabled && !listen.ip().is_loopback() {
        if bearer_token.is_none() {
            return Err(invalid(
                "server.http.bearer_token",
                format!("a bearer token (or DATAPRESS_HTTP_TOKEN) is required when the HTTP API listens on the non-loopback address {listen}"),
            ));
        }
        if tls.is_none() {
            return Err(invalid(
                "server.http.tls_cert",
                format!("TLS (tls_cert and tls_key) is required when the HTTP API listens on the non-loopback address {listen}"),
            ));
        }
    }
    Ok(HttpConfig {
        enabled,
        listen,
        bearer_token,
        tls,
        max_body_size: env_parsed("DATAPRESS_HTTP_MAX_BODY_SIZE")?
            .or(h.max_body_size)
            .unwrap_or(1 << 20),
    })
}

impl DatasetSpec {
    /// Checks the name, format and CSV options; a relative path is taken from `base`.
    pub fn validate(self, base: &Path) -> Result<DatasetConfig, ConfigError> {
        let d = self;
        let resolve = |path: PathBuf| {
            if path.is_absolute() {
                path
            } else {
                base.join(path)
            }
        };
        let valid_name = !d.name.is_empty()
            && d.name.len() <= 63
            && d.name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !d.name.starts_with(|c: char| c.is_ascii_digit());
        if !valid_name {
            return Err(invalid(
                "datasets.name",
                format!(
                    "{:?} is not a valid table name (letters, digits, _; at most 63)",
                    d.name
                ),
            ));
        }
        let format = match &d.format {
            Some(f) => DatasetFormat::parse(f).ok_or_else(|| {
                invalid(
                    "datasets.format",
                    format!(
                        "dataset {:?}: unknown format {f:?} (parquet, csv, json, arrow)",
                        d.name
                    ),
                )
            })?,
            None => {
                let probe = d
                    .path
                    .to_string_lossy()
                    .trim_end_matches(['/', '*'])
                    .to_string();
                DatasetFormat::from_extension(&d.path)
                    .or_else(|| DatasetFormat::from_extension(Path::new(&probe)))
                    .ok_or_else(|| {
                        invalid(
                            "datasets.format",
                            format!(
                                "dataset {:?}: cannot infer the format of {:?}; set format",
                                d.name, d.path
                            ),
                        )
                    })?
            }
        };
        let csv_delimiter = match d.delimiter.as_deref() {
            None => b',',
            Some(s) if s.len() == 1 => s.as_bytes()[0],
            Some("\\t") => b'\t',
            Some(s) => {
                return Err(invalid(
                    "datasets.delimiter",
                    format!("{s:?} must be one character"),
                ))
            }
        };
        Ok(DatasetConfig {
            name: d.name,
            path: resolve(d.path),
            format,
            csv_header: d.header.unwrap_or(true),
            csv_delimiter,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config, ConfigError> {
        Config::from_toml(text, Path::new("/base"), &Overrides::default())
    }

    #[test]
    fn unknown_keys_are_errors_naming_the_key() {
        let err = load("[server.pgwire]\nportt = 1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("portt"), "{err}");
    }

    #[test]
    fn wrong_types_are_errors_naming_the_key() {
        let err = load("[server.pgwire]\nport = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("port"), "{err}");
    }

    #[test]
    fn other_backends_refuse_to_start() {
        let err = load("[server]\nbackend = \"duckdb\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("server.backend") && err.contains("datafusion"),
            "{err}"
        );
    }

    #[test]
    fn non_loopback_needs_password_and_tls() {
        let err = load("[server.pgwire]\nenabled = true\nlisten = \"0.0.0.0\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("server.pgwire.password"), "{err}");
        let err = load("[server.pgwire]\nenabled = true\nlisten = \"0.0.0.0\"\npassword = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("tls_cert"), "{err}");
    }

    #[test]
    fn idle_timeouts_are_off_by_default_and_read_as_durations() {
        let c = load("").unwrap();
        assert_eq!(c.pgwire.idle_session_timeout, None);
        assert_eq!(c.pgwire.idle_in_transaction_session_timeout, None);
        let c = load(
            "[server.pgwire]\nidle_session_timeout = \"10min\"\n\
             idle_in_transaction_session_timeout = \"0\"\n",
        )
        .unwrap();
        assert_eq!(
            c.pgwire.idle_session_timeout,
            Some(Duration::from_secs(600))
        );
        assert_eq!(
            c.pgwire.idle_in_transaction_session_timeout, None,
            "0 is off"
        );
        let err = load("[server.pgwire]\nidle_session_timeout = \"soon\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("server.pgwire.idle_session_timeout"), "{err}");
    }

    #[test]
    fn loopback_detection_covers_the_whole_range() {
        assert!(is_loopback_host("127.0.0.1"));
        assert!(is_loopback_host("127.3.2.1"));
        assert!(is_loopback_host("::1"));
        assert!(is_loopback_host("localhost"));
        assert!(!is_loopback_host("0.0.0.0"));
        assert!(!is_loopback_host("::"));
        assert!(!is_loopback_host("192.168.1.4"));
    }

    #[test]
    fn dataset_format_is_inferred_and_paths_resolved() {
        let c = load("[[datasets]]\nname = \"a\"\npath = \"data/a.parquet\"\n").unwrap();
        assert_eq!(c.datasets[0].format, DatasetFormat::Parquet);
        assert_eq!(c.datasets[0].path, Path::new("/base/data/a.parquet"));
        let err = load("[[datasets]]\nname = \"a\"\npath = \"data/a.xyz\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("format"), "{err}");
    }
}
