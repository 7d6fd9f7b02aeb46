//! Starting the two servers of a run: DataPress in-process and a throwaway
//! PostgreSQL, both loaded with the same datasets and sharing TLS material.

pub mod data;
pub mod docker;
pub mod live;
pub mod oracle;
pub mod ours;
pub mod tls;

/// How a client should protect its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum TlsMode {
    /// Plaintext.
    Disable,
    /// Encrypted, certificate not checked.
    Require,
    /// Encrypted, certificate checked against the test CA and the host name.
    VerifyFull,
}

impl TlsMode {
    /// libpq's `sslmode` value for this mode.
    pub fn sslmode(self) -> &'static str {
        match self {
            TlsMode::Disable => "disable",
            TlsMode::Require => "require",
            TlsMode::VerifyFull => "verify-full",
        }
    }
}

/// Where and as whom a client connects.
#[derive(Debug, Clone)]
pub struct Target {
    /// Host to connect to.
    pub host: String,
    /// Port.
    pub port: u16,
    /// User name.
    pub user: String,
    /// Password, if any.
    pub password: Option<String>,
    /// Database name.
    pub dbname: String,
    /// TLS mode.
    pub tls: TlsMode,
    /// The test CA certificate (PEM file).
    pub ca_file: std::path::PathBuf,
    /// How the harness changes this server's datasets mid-case.
    pub datasets: live::DatasetControl,
}

/// The password every test role has on both servers.
pub const PASSWORD: &str = "compat-secret";
