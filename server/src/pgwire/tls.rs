//! The endpoint's TLS identity: PEM certificate chain and private key loaded
//! into a rustls acceptor. Any problem refuses startup; there is no plaintext fallback.

use std::fs::File;
use std::io::BufReader;
use std::sync::Arc;

use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

use crate::config::TlsFiles;

/// A TLS file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting server.pgwire.{setting}: {message}")]
pub struct TlsError {
    /// `tls_cert` or `tls_key`.
    pub setting: &'static str,
    /// What is wrong.
    pub message: String,
}

fn err(setting: &'static str, message: impl Into<String>) -> TlsError {
    TlsError {
        setting,
        message: message.into(),
    }
}

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
    let cert_file = File::open(&files.cert).map_err(|e| {
        err(
            "tls_cert",
            format!("cannot read {}: {e}", files.cert.display()),
        )
    })?;
    let certs: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut BufReader::new(cert_file))
        .collect::<Result<_, _>>()
        .map_err(|e| {
            err(
                "tls_cert",
                format!("{} is not a PEM certificate: {e}", files.cert.display()),
            )
        })?;
    if certs.is_empty() {
        return Err(err(
            "tls_cert",
            format!("{} holds no PEM certificate", files.cert.display()),
        ));
    }
    let key_file = File::open(&files.key).map_err(|e| {
        err(
            "tls_key",
            format!("cannot read {}: {e}", files.key.display()),
        )
    })?;
    let key: PrivateKeyDer<'static> = rustls_pemfile::private_key(&mut BufReader::new(key_file))
        .map_err(|e| {
            err(
                "tls_key",
                format!("{} is not a PEM private key: {e}", files.key.display()),
            )
        })?
        .ok_or_else(|| {
            err(
                "tls_key",
                format!("{} holds no PEM private key", files.key.display()),
            )
        })?;
    match &key {
        PrivateKeyDer::Pkcs8(_) => {}
        _ => tracing::info!(
            "TLS key {} is not PKCS#8 (PKCS#1 or SEC1); accepted",
            files.key.display()
        ),
    }
    let certificate_hash = super::auth::certificate_hash(&certs[0]);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| err("tls_cert", e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            err(
                "tls_key",
                format!("the key does not match the certificate or is unusable: {e}"),
            )
        })?;
    // PG 17 direct TLS negotiates this ALPN protocol; others send none.
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok(TlsIdentity {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        certificate_hash,
    })
}
