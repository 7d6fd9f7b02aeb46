//! The endpoint's TLS identity: the shared PEM loading, the `postgresql` ALPN
//! protocol, and the certificate hash SCRAM-SHA-256-PLUS binds to.

use std::sync::Arc;

use tokio_rustls::TlsAcceptor;

use crate::config::TlsFiles;
pub use crate::tls::TlsError;

/// A loaded TLS identity.
pub struct TlsIdentity {
    /// Accepts TLS connections.
    pub acceptor: TlsAcceptor,
    /// The leaf certificate's channel binding hash (SCRAM-SHA-256-PLUS), when
    /// its signature algorithm names one.
    pub certificate_hash: Option<Vec<u8>>,
}

/// Loads the certificate chain and key and checks that they belong together.
pub fn load(files: &TlsFiles) -> Result<TlsIdentity, TlsError> {
    // PG 17 direct TLS negotiates this ALPN protocol; others send none.
    let (config, leaf) = crate::tls::server_config(files, "server.pgwire", b"postgresql")?;
    Ok(TlsIdentity {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        certificate_hash: super::auth::certificate_hash(&leaf),
    })
}
