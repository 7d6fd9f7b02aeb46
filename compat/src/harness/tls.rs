//! TLS material generated per run: a test CA and a leaf certificate for
//! `localhost` / `127.0.0.1` signed by it, so `verify-full` can succeed.

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, SanType};

/// PEM files of the test CA and the server certificate.
#[derive(Debug, Clone)]
pub struct TlsMaterial {
    /// The CA certificate clients trust.
    pub ca_cert: PathBuf,
    /// The server certificate.
    pub server_cert: PathBuf,
    /// The server's PKCS#8 private key.
    pub server_key: PathBuf,
}

impl TlsMaterial {
    /// Generates fresh material into `dir`.
    pub fn generate(dir: &Path) -> anyhow::Result<TlsMaterial> {
        let ca_key = KeyPair::generate()?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "DataPress compat test CA");
        let ca = ca_params.self_signed(&ca_key)?;
        let server_key = KeyPair::generate()?;
        let mut params = CertificateParams::new(vec!["localhost".to_string()])?;
        params
            .subject_alt_names
            .push(SanType::IpAddress("127.0.0.1".parse()?));
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let cert = params.signed_by(&server_key, &ca, &ca_key)?;
        let material = TlsMaterial {
            ca_cert: dir.join("ca.pem"),
            server_cert: dir.join("server.crt"),
            server_key: dir.join("server.key"),
        };
        std::fs::write(&material.ca_cert, ca.pem())?;
        std::fs::write(&material.server_cert, cert.pem())?;
        std::fs::write(&material.server_key, server_key.serialize_pem())?;
        Ok(material)
    }
}
