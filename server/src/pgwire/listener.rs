//! The TCP listener: accepts connections (with TCP keepalive), enforces
//! `max_connections` and the startup deadline, and runs one session task per
//! client until shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use super::auth::ScramVerifier;
use super::cancel::CancelRegistry;
use super::session::{Session, Shutdown};
use super::startup::{refuse, startup, StartupContext, StartupEnd};
use super::tls;
use crate::catalog::functions::SessionInfo;
use crate::config::{AuthMethod, PgwireConfig};
use crate::engine::Engine;
use crate::metrics::Protocol;
use crate::settings::{Settings, TimeoutDefaults};

/// Why the endpoint could not start.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    /// The TLS files are unusable.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    /// The address could not be bound.
    #[error("invalid setting server.pgwire.listen: cannot listen on {address}: {source}")]
    Bind {
        /// `host:port`.
        address: String,
        /// Why.
        source: std::io::Error,
    },
}

/// A running endpoint.
pub struct PgServer {
    local_addr: SocketAddr,
    stopping: watch::Sender<bool>,
    grace_over: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl PgServer {
    /// Binds the listener (TLS loaded first: a broken certificate never listens)
    /// and starts accepting.
    pub async fn start(config: PgwireConfig, engine: Arc<Engine>) -> Result<PgServer, ListenError> {
        let identity = config.tls.as_ref().map(tls::load).transpose()?;
        let host = config
            .listen
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let address = if host.contains(':') {
            format!("[{host}]:{}", config.port)
        } else {
            format!("{host}:{}", config.port)
        };
        let listener = TcpListener::bind(&address)
            .await
            .map_err(|source| ListenError::Bind { address, source })?;
        let local_addr = listener.local_addr().map_err(|source| ListenError::Bind {
            address: config.listen.clone(),
            source,
        })?;
        let (certificate_hash, acceptor) = match identity {
            Some(i) => (i.certificate_hash, Some(i.acceptor)),
            None => (None, None),
        };
        // PBKDF2 runs here, once, rather than at every login.
        let scram = match (&config.auth_method, &config.password) {
            (AuthMethod::ScramSha256, Some(password)) => Some(ScramVerifier::new(password)),
            _ => None,
        };
        let ctx = Arc::new(StartupContext {
            config,
            tls: acceptor,
            cancels: Arc::new(CancelRegistry::default()),
            certificate_hash,
            scram,
        });
        let (stopping, stopping_rx) = watch::channel(false);
        let (grace_over, grace_over_rx) = watch::channel(false);
        let shutdown = Shutdown {
            stopping: stopping_rx,
            grace_over: grace_over_rx,
        };
        let task = tokio::spawn(accept_loop(listener, ctx, engine, shutdown));
        Ok(PgServer {
            local_addr,
            stopping,
            grace_over,
            task,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting; idle sessions end at once and busy ones after their
    /// statement, with FATAL 57P01; a statement still running after `grace`
    /// is cut off the same way.
    pub async fn shutdown(self, grace: Duration) {
        let _ = self.stopping.send(true);
        let mut task = self.task;
        if tokio::time::timeout(grace, &mut task).await.is_ok() {
            return;
        }
        let _ = self.grace_over.send(true);
        // A client that reads nothing cannot stall the exit: its session is dropped.
        if tokio::time::timeout(Duration::from_secs(6), &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
    }
}

/// How long a connection may be silent before the first keepalive probe.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(60);
/// The time between unanswered keepalive probes.
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(15);

/// Turns on TCP keepalive, so that the kernel notices a peer that vanished
/// without closing (a powered-off machine, a dropped route) and its session
/// ends instead of waiting for a message forever.
fn keep_alive(tcp: &TcpStream) -> std::io::Result<()> {
    let probes = TcpKeepalive::new()
        .with_time(KEEPALIVE_IDLE)
        .with_interval(KEEPALIVE_INTERVAL);
    SockRef::from(tcp).set_tcp_keepalive(&probes)
}

async fn accept_loop(
    listener: TcpListener,
    ctx: Arc<StartupContext>,
    engine: Arc<Engine>,
    shutdown: Shutdown,
) {
    let mut stopping = shutdown.stopping.clone();
    let slots = Arc::new(Semaphore::new(ctx.config.max_connections));
    let mut sessions = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((tcp, peer)) = accepted else { continue };
                if let Err(e) = keep_alive(&tcp) {
                    tracing::debug!(%peer, "TCP keepalive not set: {e}");
                }
                let permit = Arc::clone(&slots).try_acquire_owned().ok();
                let ctx = Arc::clone(&ctx);
                let engine = Arc::clone(&engine);
                let shutdown = shutdown.clone();
                sessions.spawn(async move {
                    let over_limit = permit.is_none();
                    let deadline = ctx.config.startup_timeout;
                    let started = match tokio::time::timeout(deadline, startup(&ctx, tcp, over_limit)).await {
                        Ok(Ok(started)) => started,
                        Ok(Err(StartupEnd::Refused(e))) => {
                            crate::metrics::connection_started(Protocol::Pgwire, "refused");
                            tracing::info!(%peer, code = e.code, "connection refused: {}", e.message);
                            return;
                        }
                        Ok(Err(_)) => {
                            crate::metrics::connection_started(Protocol::Pgwire, "failed");
                            return;
                        }
                        Err(_) => {
                            crate::metrics::connection_started(Protocol::Pgwire, "timeout");
                            tracing::info!(%peer, "startup not completed within {deadline:?}; dropped");
                            return;
                        }
                    };
                    crate::metrics::connection_started(Protocol::Pgwire, "authorized");
                    crate::metrics::connection_open(Protocol::Pgwire, 1.0);
                    serve(ctx, engine, started, peer, shutdown).await;
                    crate::metrics::connection_open(Protocol::Pgwire, -1.0);
                    drop(permit);
                });
            }
            _ = stopping.changed() => break,
            Some(joined) = sessions.join_next(), if !sessions.is_empty() => {
                // A session contains its own panics (FATAL XX000); this is one
                // before the session existed (startup, authentication).
                match joined {
                    Err(e) if e.is_panic() => tracing::error!("connection task panicked: {e}"),
                    _ => {}
                }
            }
        }
    }
    drop(listener);
    while sessions.join_next().await.is_some() {}
}

async fn serve(
    ctx: Arc<StartupContext>,
    engine: Arc<Engine>,
    started: super::startup::Started,
    peer: SocketAddr,
    shutdown: Shutdown,
) {
    let ms = |timeout: Option<Duration>| timeout.map_or(0, |d| d.as_millis() as u64);
    let timeouts = TimeoutDefaults {
        statement: ms(ctx.config.statement_timeout),
        idle_session: ms(ctx.config.idle_session_timeout),
        idle_in_transaction: ms(ctx.config.idle_in_transaction_session_timeout),
    };
    let key = ctx.cancels.register();
    let mut connection = started.connection;
    let settings = match Settings::new(&started.user, &started.settings, timeouts) {
        Ok(s) => s,
        Err(e) => {
            refuse(&mut connection, e).await;
            return;
        }
    };
    tracing::info!(%peer, pid = key.pid, user = %started.user, database = %started.database, tls = started.tls, "connection authorized");
    let info = Arc::new(SessionInfo {
        user: started.user,
        database: started.database,
        pid: key.pid,
        tls: started.tls,
        settings: std::sync::Mutex::new(settings),
    });
    Session::new(connection, engine, info, key, shutdown)
        .with_write_timeout(ctx.config.client_write_timeout)
        .run()
        .await;
    tracing::debug!(%peer, "connection closed");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn accepted_sockets_get_tcp_keepalive() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap());
        let (accepted, _) = tokio::join!(listener.accept(), client);
        let (tcp, _) = accepted.unwrap();
        let socket = SockRef::from(&tcp);
        assert!(!socket.keepalive().unwrap(), "off until it is turned on");
        keep_alive(&tcp).unwrap();
        assert!(socket.keepalive().unwrap());
        assert_eq!(socket.tcp_keepalive_time().unwrap(), KEEPALIVE_IDLE);
        assert_eq!(socket.tcp_keepalive_interval().unwrap(), KEEPALIVE_INTERVAL);
    }
}
