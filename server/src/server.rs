//! The whole server as one value: the engine with its datasets, and the
//! endpoints the configuration enables. Used by the binary and by tests.

use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::datasets::{DatasetError, Registry};
use crate::engine::Engine;

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The engine could not be built.
    #[error("cannot start the query engine: {0}")]
    Engine(#[from] datafusion::error::DataFusionError),
    /// A dataset failed to load.
    #[error("cannot load {0}")]
    Dataset(#[from] DatasetError),
    /// The PostgreSQL endpoint could not start.
    #[cfg(feature = "pgwire")]
    #[error(transparent)]
    Pgwire(#[from] crate::pgwire::ListenError),
}

/// A running server.
pub struct Server {
    engine: Arc<Engine>,
    #[cfg(feature = "pgwire")]
    pgwire: Option<crate::pgwire::PgServer>,
}

impl Server {
    /// Loads the datasets and starts the enabled endpoints, logging what listens where.
    pub async fn start(config: &Config) -> Result<Server, StartError> {
        let engine = Arc::new(Engine::new(Registry::new(), None)?);
        engine.load_datasets(&config.datasets).await?;
        for d in engine.registry().list() {
            tracing::info!(dataset = %d.config.name, path = %d.config.path.display(), format = d.config.format.name(), "dataset registered");
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
        Ok(Server {
            engine,
            #[cfg(feature = "pgwire")]
            pgwire,
        })
    }

    /// The engine (and through it the dataset registry).
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
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

    /// Stops accepting connections and gives running ones `grace` to finish.
    pub async fn shutdown(self, grace: Duration) {
        #[cfg(feature = "pgwire")]
        if let Some(p) = self.pgwire {
            p.shutdown(grace).await;
        }
        #[cfg(not(feature = "pgwire"))]
        let _ = grace;
    }
}
