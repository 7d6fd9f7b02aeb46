//! TLS and authentication with real libpq (psql) and real key files:
//! SCRAM-SHA-256-PLUS channel binding for each certificate signature hash,
//! the refused channel-binding downgrade, `tls_required` on loopback, and the
//! PKCS#1 and SEC1 key formats.

use std::path::{Path, PathBuf};

use bytes::{BufMut, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::{direct_tls, startup_packet, TestServer};

const PASSWORD: &str = "s3cret-pass";

/// A certificate for `localhost` and its key, as PEM files in `dir`.
pub struct CertFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub der: Vec<u8>,
}

/// A self-signed certificate made by rcgen with the given signature algorithm.
pub fn rcgen_cert(dir: &Path, alg: &'static rcgen::SignatureAlgorithm) -> CertFiles {
    let key = rcgen::KeyPair::generate_for(alg).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let (cert_path, key_path) = (dir.join("c.pem"), dir.join("k.pem"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    CertFiles {
        cert: cert_path,
        key: key_path,
        der: cert.der().to_vec(),
    }
}

/// A self-signed certificate made by the openssl CLI from a key written in a
/// legacy format: `genrsa -traditional` (PKCS#1) or `ecparam -genkey` (SEC1).
/// `key_args` writes the key to the path given as `OUT`.
fn openssl_cert(dir: &Path, key_args: &[&str], key_header: &str) -> CertFiles {
    let (cert, key) = (dir.join("c.pem"), dir.join("k.pem"));
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .output()
            .expect("the openssl CLI is installed");
        assert!(out.status.success(), "openssl {args:?}: {out:?}");
    };
    let key_str = key.to_str().unwrap();
    let args: Vec<&str> = key_args
        .iter()
        .map(|a| if *a == "OUT" { key_str } else { a })
        .collect();
    run(&args);
    let pem = std::fs::read_to_string(&key).unwrap();
    assert!(pem.starts_with(key_header), "{pem}");
    run(&[
        "req",
        "-x509",
        "-new",
        "-key",
        key_str,
        "-subj",
        "/CN=localhost",
        "-days",
        "2",
        "-out",
        cert.to_str().unwrap(),
    ]);
    CertFiles {
        cert,
        key,
        der: Vec::new(),
    }
}

/// Starts a SCRAM server with a password and the given certificate.
async fn scram_server(files: &CertFiles, extra: &str) -> TestServer {
    TestServer::start(&format!(
        "auth_method = \"scram-sha-256\"\npassword = {PASSWORD:?}\ntls_cert = {:?}\ntls_key = {:?}\n{extra}",
        files.cert, files.key
    ))
    .await
}

/// Runs `SELECT 1` through psql with extra conninfo; Ok(stdout) or Err(stderr).
async fn psql(s: &TestServer, conninfo: &str) -> Result<String, String> {
    let out = tokio::process::Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={} user=datapress dbname=datapress connect_timeout=10 {conninfo}",
            s.addr.port()
        ))
        .args(["-XAtc", "SELECT 1"])
        .env("PGPASSWORD", PASSWORD)
        .env_remove("PGSSLMODE")
        .output()
        .await
        .expect("psql is installed");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[tokio::test]
async fn channel_binding_uses_the_certificate_signature_hash() {
    for alg in [
        &rcgen::PKCS_ECDSA_P256_SHA256,
        &rcgen::PKCS_ECDSA_P384_SHA384,
    ] {
        let dir = tempfile::tempdir().unwrap();
        let s = scram_server(&rcgen_cert(dir.path(), alg), "").await;
        assert_eq!(
            psql(&s, "sslmode=require channel_binding=require").await,
            Ok("1".into()),
            "{alg:?}"
        );
        let wrong = psql(&s, "sslmode=require channel_binding=require password=nope").await;
        assert!(
            wrong
                .unwrap_err()
                .contains("password authentication failed"),
            "{alg:?}"
        );
    }
}

#[tokio::test]
async fn a_certificate_without_a_hash_gets_no_plus_offer() {
    // Ed25519 signatures name no hash function: PostgreSQL can't bind to them
    // either, so only plain SCRAM is offered.
    let dir = tempfile::tempdir().unwrap();
    let s = scram_server(&rcgen_cert(dir.path(), &rcgen::PKCS_ED25519), "").await;
    let refused = psql(&s, "sslmode=require channel_binding=require").await;
    assert!(
        refused.unwrap_err().contains("channel binding"),
        "libpq insists on binding"
    );
    assert_eq!(
        psql(&s, "sslmode=require channel_binding=prefer").await,
        Ok("1".into())
    );
}

#[tokio::test]
async fn a_channel_binding_downgrade_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let files = rcgen_cert(dir.path(), &rcgen::PKCS_ECDSA_P256_SHA256);
    let s = scram_server(&files, "").await;
    let mut tls = direct_tls(s.addr, &files.der).await;
    tls.write_all(&startup_packet("datapress")).await.unwrap();
    let offer = read_message(&mut tls).await;
    assert_eq!(offer.0, b'R');
    assert!(
        offer.1.windows(18).any(|w| w == b"SCRAM-SHA-256-PLUS"),
        "PLUS is offered over TLS"
    );
    // "y,,": the client says it could bind but thinks the server can't.
    tls.write_all(&scram_initial_response(b"y,,n=,r=abcdefghijklmnop"))
        .await
        .unwrap();
    let (tag, body) = read_message(&mut tls).await;
    assert_eq!(tag, b'E');
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("C08P01"), "{text}");
    assert!(text.contains("channel binding negotiation"), "{text}");
}

#[tokio::test]
async fn a_sasl_initial_response_with_a_lying_length_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let files = rcgen_cert(dir.path(), &rcgen::PKCS_ECDSA_P256_SHA256);
    let s = scram_server(&files, "").await;
    for claimed in [1000i32, -2] {
        let mut tls = direct_tls(s.addr, &files.der).await;
        tls.write_all(&startup_packet("datapress")).await.unwrap();
        assert_eq!(read_message(&mut tls).await.0, b'R');
        let mut msg = scram_initial_response(b"n,,n=,r=abcdefghijklmnop");
        // The client-first-message's length field, after the mechanism name.
        msg[19..23].copy_from_slice(&claimed.to_be_bytes());
        tls.write_all(&msg).await.unwrap();
        let (tag, body) = read_message(&mut tls).await;
        assert_eq!(tag, b'E', "length {claimed}");
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains("C08P01"), "{text}");
        assert!(text.contains("malformed SASL message"), "{text}");
    }
    // The server still authenticates a well-behaved client.
    let c = s
        .connect_with(&format!("password={PASSWORD} sslmode=disable"))
        .await;
    crate::common::assert_alive(&c).await;
}

/// SASLInitialResponse choosing SCRAM-SHA-256, with `client_first`.
fn scram_initial_response(client_first: &[u8]) -> BytesMut {
    let mut msg = BytesMut::new();
    msg.put_u8(b'p');
    msg.put_i32((4 + 14 + 4 + client_first.len()) as i32);
    msg.put_slice(b"SCRAM-SHA-256\0");
    msg.put_i32(client_first.len() as i32);
    msg.put_slice(client_first);
    msg
}

/// The server-first-message a plaintext SCRAM login gets for `client_first`.
async fn scram_server_first(s: &TestServer, client_first: &[u8]) -> String {
    let mut tcp = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    tcp.write_all(&startup_packet("datapress")).await.unwrap();
    assert_eq!(read_message(&mut tcp).await.0, b'R');
    tcp.write_all(&scram_initial_response(client_first))
        .await
        .unwrap();
    let (tag, body) = read_message(&mut tcp).await;
    assert_eq!(tag, b'R');
    assert_eq!(body[..4], 11i32.to_be_bytes(), "AuthenticationSASLContinue");
    String::from_utf8(body[4..].to_vec()).unwrap()
}

/// The verifier is derived once, as PostgreSQL stores one: every login is
/// offered the same salt and iteration count, and logins succeed.
#[tokio::test]
async fn scram_logins_share_one_verifier() {
    let s = TestServer::start(&format!(
        "auth_method = \"scram-sha-256\"\npassword = {PASSWORD:?}\n"
    ))
    .await;
    let salt_and_iterations = |server_first: String| {
        let (nonce, rest) = server_first.split_once(",s=").unwrap();
        assert!(nonce.starts_with("r=first") || nonce.starts_with("r=second"));
        rest.to_string()
    };
    let first = scram_server_first(&s, b"n,,n=,r=first").await;
    let second = scram_server_first(&s, b"n,,n=,r=second").await;
    let first = salt_and_iterations(first);
    assert!(first.ends_with(",i=4096"), "{first}");
    assert_eq!(first, salt_and_iterations(second));
    let c = s.connect_with(&format!("password={PASSWORD}")).await;
    crate::common::assert_alive(&c).await;
}

/// Reads one backend message: (type byte, body).
async fn read_message(stream: &mut (impl AsyncReadExt + Unpin)) -> (u8, Vec<u8>) {
    let tag = stream.read_u8().await.unwrap();
    let len = stream.read_i32().await.unwrap() as usize;
    let mut body = vec![0; len - 4];
    stream.read_exact(&mut body).await.unwrap();
    (tag, body)
}

#[tokio::test]
async fn tls_required_on_loopback_refuses_plaintext_before_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let s = scram_server(
        &rcgen_cert(dir.path(), &rcgen::PKCS_ECDSA_P256_SHA256),
        "tls_required = true",
    )
    .await;
    let refused = psql(&s, "sslmode=disable").await.unwrap_err();
    assert!(refused.contains("TLS"), "{refused}");
    assert!(
        !refused.contains("password"),
        "no password was asked: {refused}"
    );
    // The raw protocol shows the order: the first answer is FATAL 28000.
    let mut tcp = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    tcp.write_all(&startup_packet("datapress")).await.unwrap();
    let (tag, body) = read_message(&mut tcp).await;
    assert_eq!(tag, b'E', "no authentication request comes first");
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("SFATAL") && text.contains("C28000"), "{text}");
    assert_eq!(psql(&s, "sslmode=require").await, Ok("1".into()));
}

/// `startup_timeout` bounds the whole startup: a client that stalls inside
/// the TLS handshake, or after the password request, is dropped (silently, as
/// PostgreSQL drops a client at `authentication_timeout`).
#[tokio::test]
async fn the_startup_deadline_covers_the_tls_handshake_and_authentication() {
    let dir = tempfile::tempdir().unwrap();
    let s = scram_server(
        &rcgen_cert(dir.path(), &rcgen::PKCS_ECDSA_P256_SHA256),
        "startup_timeout = \"1s\"",
    )
    .await;
    let closed_within_10s = |mut tcp: tokio::net::TcpStream| async move {
        let mut rest = Vec::new();
        let read = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            tcp.read_to_end(&mut rest),
        );
        assert!(read.await.is_ok(), "the stalled client was dropped");
    };
    // SSLRequest accepted, then no ClientHello.
    let mut tcp = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    tcp.write_all(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])
        .await
        .unwrap();
    assert_eq!(tcp.read_u8().await.unwrap(), b'S');
    closed_within_10s(tcp).await;
    // The SASL offer, then no answer.
    let mut tcp = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    tcp.write_all(&startup_packet("datapress")).await.unwrap();
    assert_eq!(read_message(&mut tcp).await.0, b'R');
    closed_within_10s(tcp).await;
    assert_eq!(psql(&s, "sslmode=require").await, Ok("1".into()));
}

#[tokio::test]
async fn pkcs1_and_sec1_keys_are_accepted() {
    for (args, header) in [
        (
            &["genrsa", "-traditional", "-out", "OUT", "2048"][..],
            "-----BEGIN RSA PRIVATE KEY-----",
        ),
        (
            &[
                "ecparam",
                "-name",
                "prime256v1",
                "-genkey",
                "-noout",
                "-out",
                "OUT",
            ][..],
            "-----BEGIN EC PRIVATE KEY-----",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let s = scram_server(&openssl_cert(dir.path(), args, header), "").await;
        assert_eq!(
            psql(&s, "sslmode=require channel_binding=require").await,
            Ok("1".into()),
            "{header}"
        );
    }
}

/// Many clients authenticating at once, half with a wrong password, for each
/// password method: every client gets its own outcome (the hazard the issue
/// names for pgwire before 0.42.1 is auth state shared across connections).
#[tokio::test]
async fn concurrent_authentications_do_not_share_state() {
    for method in ["cleartext", "md5", "scram-sha-256"] {
        let s = TestServer::start(&format!(
            "auth_method = {method:?}\npassword = {PASSWORD:?}\n"
        ))
        .await;
        let attempts = (0..24).map(|i| {
            let right = i % 2 == 0;
            let dsn = s.dsn(&format!(
                "password={}",
                if right { PASSWORD } else { "wrong" }
            ));
            async move {
                let outcome = match tokio_postgres::connect(&dsn, tokio_postgres::NoTls).await {
                    Ok((client, conn)) => {
                        tokio::spawn(conn);
                        let row = client.query_one("SELECT current_user", &[]).await;
                        Ok(row.unwrap().get::<_, String>(0))
                    }
                    Err(e) => Err(e.code().map(|c| c.code().to_string())),
                };
                (right, outcome)
            }
        });
        for (right, outcome) in futures::future::join_all(attempts).await {
            if right {
                assert_eq!(outcome, Ok("datapress".to_string()), "{method}");
            } else {
                assert_eq!(outcome, Err(Some("28P01".to_string())), "{method}");
            }
        }
    }
}
