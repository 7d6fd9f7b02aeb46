//! The whole server as one value: the engine with its datasets, and the
//! endpoints the configuration enables. Used by the binary and by tests.

use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::datasets::{DatasetError, Registry};
use crate::engine::Engine;
use crate::http::{HttpListenError, HttpServer};
use crate::live::LiveDatasets;

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The engine could not be built.
    #[error("cannot start the query engine: {0}")]
    Engine(#[from] datafusion::error::DataFusionError),
    /// A dataset failed to load.
    #[error("cannot load {0}")]
    Dataset(#[from] DatasetError),
    /// The HTTP API could not start.
    #[error(transparent)]
    Http(#[from] HttpListenError),
    /// The PostgreSQL endpoint could not start.
    #[cfg(feature = "pgwire")]
    #[error(transparent)]
    Pgwire(#[from] crate::pgwire::ListenError),
}

/// A running server.
pub struct Server {
    engine: Arc<Engine>,
    datasets: Arc<LiveDatasets>,
    http: Option<HttpServer>,
    #[cfg(feature = "pgwire")]
    pgwire: Option<crate::pgwire::PgServer>,
}

impl Server {
    /// Loads the datasets and starts the enabled endpoints, logging what listens where.
    pub async fn start(config: &Config) -> Result<Server, StartError> {
        crate::metrics::install();
        let engine = Arc::new(Engine::new(Registry::new(), &config.memory)?);
        engine.load_datasets(&config.datasets).await?;
        for d in engine.registry().list() {
            tracing::info!(dataset = %d.config.name, path = %d.config.path.display(), format = d.config.format.name(), files = d.files, "dataset registered");
        }
        #[cfg(feature = "pgwire")]
        let pgwire = if config.pgwire.enabled {
            let p = &config.pgwire;
            let server = crate::pgwire::PgServer::start(p.clone(), Arc::clone(&engine)).await?;
            let auth = if p.password.is_some() {
                p.auth_method.name()
            } else {
                "none (loopback, no password)"
            };
            tracing::info!(
                listen = %server.local_addr(),
                tls = if p.tls.is_some() { "on" } else { "off" },
                tls_required = p.tls_required,
                auth,
                "PostgreSQL endpoint listening"
            );
            Some(server)
        } else {
            tracing::info!("PostgreSQL endpoint disabled (server.pgwire.enabled = false)");
            None
        };
        #[cfg(not(feature = "pgwire"))]
        if config.pgwire.enabled {
            tracing::warn!("server.pgwire.enabled = true, but this build has no `pgwire` feature: the PostgreSQL endpoint is not started");
        }
        let datasets = Arc::new(LiveDatasets::new(Arc::clone(&engine), config));
        let http = if config.http.enabled {
            let server = HttpServer::start(config, Arc::clone(&datasets)).await?;
            tracing::info!(
                listen = %server.local_addr(),
                tls = if config.http.tls.is_some() { "on" } else { "off" },
                auth = if config.http.bearer_token.is_some() { "bearer token" } else { "none (loopback)" },
                "HTTP API listening"
            );
            Some(server)
        } else {
            tracing::info!("HTTP API disabled (server.http.enabled = false)");
            None
        };
        Ok(Server {
            engine,
            datasets,
            http,
            #[cfg(feature = "pgwire")]
            pgwire,
        })
    }

    /// The engine (and through it the dataset registry).
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// The datasets, to change while the server runs (as the HTTP API does).
    pub fn datasets(&self) -> &Arc<LiveDatasets> {
        &self.datasets
    }

    /// The HTTP API's bound address, when it runs.
    pub fn http_addr(&self) -> Option<std::net::SocketAddr> {
        self.http.as_ref().map(HttpServer::local_addr)
    }

    /// The PostgreSQL endpoint's bound address, when it runs.
    pub fn pgwire_addr(&self) -> Option<std::net::SocketAddr> {
        #[cfg(feature = "pgwire")]
        {
            self.pgwire.as_ref().map(|p| p.local_addr())
        }
        #[cfg(not(feature = "pgwire"))]
        {
            None
        }
    }

    /// Stops accepting on both endpoints; running statements get `grace` to
    /// finish; then open PostgreSQL sessions end with FATAL 57P01.
    pub async fn shutdown(self, grace: Duration) {
        if let Some(http) = &self.http {
            http.drain();
        }
        let http = async {
            if let Some(http) = self.http {
                http.shutdown(grace).await;
            }
        };
        #[cfg(feature = "pgwire")]
        let pgwire = async {
            if let Some(p) = self.pgwire {
                p.shutdown(grace).await;
            }
        };
        #[cfg(not(feature = "pgwire"))]
        let pgwire = async {};
        futures::join!(http, pgwire);
    }
}
