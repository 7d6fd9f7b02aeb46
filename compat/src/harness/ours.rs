//! DataPress started in-process on a free port with any endpoint settings.

use std::path::Path;

use datapress::config::{Config, Overrides};
use datapress::server::Server;

use super::data::Datasets;
use super::tls::TlsMaterial;
use super::PASSWORD;

/// How one DataPress instance of a run is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OursKind {
    /// Loopback, no password (the quickstart setup).
    LoopbackNoPassword,
    /// Loopback, password with the given auth method, TLS offered but optional.
    Password(&'static str),
    /// Bound to 0.0.0.0 with password (this auth method) and TLS: plaintext
    /// clients are refused.
    Public(&'static str),
}

/// A running DataPress.
pub struct Ours {
    /// The server.
    pub server: Server,
    /// Its port.
    pub port: u16,
}

impl Ours {
    /// Starts DataPress serving `datasets`.
    pub async fn start(
        kind: OursKind,
        datasets: &Datasets,
        tls: &TlsMaterial,
        dir: &Path,
    ) -> anyhow::Result<Ours> {
        Ours::start_with(kind, datasets, tls, dir, "").await
    }

    /// As [`Ours::start`], plus `pgwire_extra` lines in `[server.pgwire]`
    /// (limits such as `max_connections = 1000`).
    pub async fn start_with(
        kind: OursKind,
        datasets: &Datasets,
        tls: &TlsMaterial,
        dir: &Path,
        pgwire_extra: &str,
    ) -> anyhow::Result<Ours> {
        let with_password = |listen: &str, method: &str| {
            format!(
                "listen = \"{listen}\"\npassword = \"{PASSWORD}\"\nauth_method = \"{method}\"\ntls_cert = {:?}\ntls_key = {:?}\n",
                tls.server_cert, tls.server_key
            )
        };
        let pgwire = match kind {
            OursKind::LoopbackNoPassword => "listen = \"127.0.0.1\"\n".to_string(),
            OursKind::Password(method) => with_password("127.0.0.1", method),
            OursKind::Public(method) => with_password("0.0.0.0", method),
        };
        // The datasets' directories: the live datasets scenario registers their files.
        let roots: Vec<_> = datasets
            .files
            .iter()
            .filter_map(|d| d.path.parent())
            .collect();
        let mut toml = format!(
            "[server]\ndata_roots = {roots:?}\n[server.http]\nlisten = \"127.0.0.1:0\"\n[server.pgwire]\nenabled = true\nport = 0\nusername = \"datapress\"\n{pgwire}{pgwire_extra}\n"
        );
        for d in &datasets.files {
            toml.push_str(&format!(
                "[[datasets]]\nname = {:?}\npath = {:?}\n",
                d.name, d.path
            ));
        }
        let config = Config::from_toml(&toml, dir, &Overrides::default())?;
        let server = Server::start(&config).await?;
        let port = server
            .pgwire_addr()
            .map(|a| a.port())
            .ok_or_else(|| anyhow::anyhow!("no pgwire endpoint"))?;
        Ok(Ours { server, port })
    }
}
