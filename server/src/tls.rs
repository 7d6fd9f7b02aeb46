//! A TLS identity from PEM files (certificate chain and private key) as a
//! rustls server configuration, shared by both endpoints. Any problem
//! refuses startup; there is no plaintext fallback.

use std::fs::File;
use std::io::BufReader;
use std::sync::Arc;

use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};

use crate::config::TlsFiles;

/// A TLS file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {section}.{setting}: {message}")]
pub struct TlsError {
    /// `server.pgwire` or `server.http`.
    pub section: &'static str,
    /// `tls_cert` or `tls_key`.
    pub setting: &'static str,
    /// What is wrong.
    pub message: String,
}

/// A server configuration for `files` offering the ALPN protocol `alpn`; also
/// returns the leaf certificate. `section` names the settings in errors.
pub fn server_config(
    files: &TlsFiles,
    section: &'static str,
    alpn: &[u8],
) -> Result<(ServerConfig, CertificateDer<'static>), TlsError> {
    let err = |setting: &'static str, message: String| TlsError {
        section,
        setting,
        message,
    };
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
    let Some(leaf) = certs.first().cloned() else {
        return Err(err(
            "tls_cert",
            format!("{} holds no PEM certificate", files.cert.display()),
        ));
    };
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
    if !matches!(key, PrivateKeyDer::Pkcs8(_)) {
        tracing::info!(
            "TLS key {} is not PKCS#8 (PKCS#1 or SEC1); accepted",
            files.key.display()
        );
    }
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
    config.alpn_protocols = vec![alpn.to_vec()];
    Ok((config, leaf))
}
