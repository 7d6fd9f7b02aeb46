//! The servers a `replay` or `minimize` command runs against: a fresh
//! DataPress and/or the PostgreSQL oracle, started here and loaded with the
//! compat datasets (or every Parquet and Arrow file of a directory), or a
//! server already running at an address.

use std::path::Path;

use super::replay::Endpoint;
use crate::harness::data::Datasets;
use crate::harness::oracle::Oracle;
use crate::harness::ours::{Ours, OursKind};
use crate::harness::tls::TlsMaterial;
use crate::harness::PASSWORD;

/// Credentials for a server given by address.
#[derive(Debug, Clone)]
pub struct Login {
    /// User.
    pub user: String,
    /// Password.
    pub password: Option<String>,
    /// Database.
    pub dbname: String,
}

/// The started servers (stopped when dropped) and their endpoints.
pub struct Targets {
    /// Where to replay, in order.
    pub endpoints: Vec<Endpoint>,
    _ours: Option<Ours>,
    _oracle: Option<Oracle>,
    _dir: tempfile::TempDir,
}

impl Targets {
    /// Starts what `against` names: `datapress`, `postgres`, `both`, or a
    /// `host:port` reached with `login`.
    pub async fn start(
        against: &str,
        datasets: Option<&Path>,
        login: Login,
    ) -> anyhow::Result<Targets> {
        let dir = tempfile::tempdir()?;
        let (want_ours, want_oracle) = match against {
            "datapress" => (true, false),
            "postgres" => (false, true),
            "both" => (true, true),
            address => {
                let (host, port) = address.rsplit_once(':').ok_or_else(|| {
                    anyhow::anyhow!(
                        "--against takes datapress, postgres, both or HOST:PORT, not {address}"
                    )
                })?;
                let endpoint = Endpoint {
                    label: address.to_string(),
                    host: host.to_string(),
                    port: port.parse()?,
                    user: login.user,
                    password: login.password,
                    dbname: login.dbname,
                };
                return Ok(Targets {
                    endpoints: vec![endpoint],
                    _ours: None,
                    _oracle: None,
                    _dir: dir,
                });
            }
        };
        let data = match datasets {
            Some(from) => Datasets::from_dir(from)?,
            None => Datasets::create(dir.path())?,
        };
        let tls = TlsMaterial::generate(dir.path())?;
        let endpoint = |label: &str, port| Endpoint {
            label: label.to_string(),
            host: "127.0.0.1".into(),
            port,
            user: "datapress".into(),
            password: Some(PASSWORD.into()),
            dbname: "datapress".into(),
        };
        let mut endpoints = Vec::new();
        let ours = match want_ours {
            true => {
                let ours =
                    Ours::start(OursKind::Password("scram-sha-256"), &data, &tls, dir.path())
                        .await?;
                endpoints.push(endpoint("DataPress", ours.port));
                Some(ours)
            }
            false => None,
        };
        let oracle = match want_oracle {
            true => {
                let oracle = Oracle::start(&data, &tls).await?;
                endpoints.push(endpoint("PostgreSQL", oracle.port));
                Some(oracle)
            }
            false => None,
        };
        Ok(Targets {
            endpoints,
            _ours: ours,
            _oracle: oracle,
            _dir: dir,
        })
    }
}
