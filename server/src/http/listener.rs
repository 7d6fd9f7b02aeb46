//! The HTTP API's listener: TCP, with TLS when configured. Handshakes run in
//! tasks of their own, so a slow client never holds up the next one; each
//! connection is counted in the metrics while it is open.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;

use crate::config::TlsFiles;
use crate::metrics::Protocol;

/// Why the HTTP API could not start.
#[derive(Debug, thiserror::Error)]
pub enum HttpListenError {
    /// The TLS files are unusable.
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    /// The address could not be bound.
    #[error("invalid setting server.http.listen: cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// A client connection, plain or TLS.
pub trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Io for T {}

/// Connections accepted (and handshaken) by a background task.
pub struct Listener {
    accepted: mpsc::Receiver<(Counted, SocketAddr)>,
    /// The bound address.
    pub local_addr: SocketAddr,
    _acceptor: AbortOnDrop,
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

impl Listener {
    /// Binds `address`; with `tls`, every connection must complete a TLS handshake.
    pub async fn bind(
        address: SocketAddr,
        tls: Option<&TlsFiles>,
    ) -> Result<Listener, HttpListenError> {
        let acceptor = match tls {
            Some(files) => {
                let (config, _) = crate::tls::server_config(files, "server.http", b"http/1.1")?;
                Some(TlsAcceptor::from(Arc::new(config)))
            }
            None => None,
        };
        let tcp = TcpListener::bind(address)
            .await
            .map_err(|source| HttpListenError::Bind { address, source })?;
        let local_addr = tcp
            .local_addr()
            .map_err(|source| HttpListenError::Bind { address, source })?;
        let (tx, accepted) = mpsc::channel(64);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, peer)) = tcp.accept().await else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let tx = tx.clone();
                match &acceptor {
                    None => {
                        crate::metrics::connection_started(Protocol::Http, "accepted");
                        if tx
                            .send((Counted::new(Box::new(stream)), peer))
                            .await
                            .is_err()
                        {
                            return;
                        }
                    }
                    Some(acceptor) => {
                        let acceptor = acceptor.clone();
                        tokio::spawn(async move {
                            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream))
                                .await
                            {
                                Ok(Ok(tls)) => {
                                    crate::metrics::connection_started(Protocol::Http, "accepted");
                                    let _ = tx.send((Counted::new(Box::new(tls)), peer)).await;
                                }
                                _ => {
                                    crate::metrics::connection_started(
                                        Protocol::Http,
                                        "tls_failed",
                                    );
                                    tracing::debug!(%peer, "HTTP TLS handshake failed");
                                }
                            }
                        });
                    }
                }
            }
        });
        Ok(Listener {
            accepted,
            local_addr,
            _acceptor: AbortOnDrop(task),
        })
    }
}

impl axum::serve::Listener for Listener {
    type Io = Counted;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Counted, SocketAddr) {
        match self.accepted.recv().await {
            Some(connection) => connection,
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local_addr)
    }
}

/// A connection counted in `datapress_connections_open` until it is dropped.
pub struct Counted(Box<dyn Io>);

impl Counted {
    fn new(io: Box<dyn Io>) -> Counted {
        crate::metrics::connection_open(Protocol::Http, 1.0);
        Counted(io)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        crate::metrics::connection_open(Protocol::Http, -1.0);
    }
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
