//! The binary's startup rules: a misconfigured listener never starts (exit code
//! non-zero, one message naming the setting), and a good config checks clean.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs the binary; one still running after 30 s (a server that started although
/// it should have refused) is killed and reported as exit code -1.
fn datapress(args: &[&str]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_datapress"))
        .args(args)
        .env_remove("DATAPRESS_PGWIRE_PASSWORD")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run datapress");
    let deadline = Instant::now() + Duration::from_secs(30);
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code().unwrap_or(-1);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break -1;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    let _ = child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr);
    (code, stderr)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Writes a config with `pgwire` lines and the sample dataset; returns its path.
fn config(dir: &Path, pgwire: &str) -> String {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/accidents.parquet");
    let path = dir.join("datapress.toml");
    std::fs::write(
        &path,
        format!("[server.pgwire]\nenabled = true\n{pgwire}\n[[datasets]]\nname = \"accidents\"\npath = {sample:?}\n"),
    )
    .unwrap();
    path.to_string_lossy().into_owned()
}

/// `serve` must exit with an error naming `setting`, and nothing may listen on the port.
fn refuses(pgwire: &str, setting: &str) {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let path = config(dir.path(), &format!("port = {port}\n{pgwire}"));
    let (code, stderr) = datapress(&["serve", "--config", &path]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains(setting), "expected {setting} in: {stderr}");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[cfg(feature = "pgwire")]
fn tls_files(dir: &Path) -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let (cert_path, key_path) = (dir.join("c.pem"), dir.join("k.pem"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    (
        cert_path.to_string_lossy().into_owned(),
        key_path.to_string_lossy().into_owned(),
    )
}

#[test]
fn non_loopback_bind_without_password_refuses_to_start() {
    refuses("listen = \"0.0.0.0\"\n", "server.pgwire.password");
}

#[test]
fn non_loopback_bind_without_tls_refuses_to_start() {
    refuses(
        "listen = \"0.0.0.0\"\npassword = \"secret\"\n",
        "server.pgwire.tls_cert",
    );
}

/// TLS files are loaded by the PostgreSQL endpoint, so only a build with it checks them.
#[cfg(feature = "pgwire")]
#[test]
fn unreadable_or_malformed_tls_files_refuse_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = tls_files(dir.path());
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate").unwrap();
    let garbage = garbage.to_string_lossy().into_owned();
    refuses(
        &format!(
            "tls_cert = {:?}\ntls_key = {key:?}\n",
            "/nonexistent/cert.pem"
        ),
        "tls_cert",
    );
    refuses(
        &format!("tls_cert = {garbage:?}\ntls_key = {key:?}\n"),
        "tls_cert",
    );
    refuses(
        &format!("tls_cert = {cert:?}\ntls_key = {garbage:?}\n"),
        "tls_key",
    );
    // A valid key that belongs to another certificate.
    let other = tempfile::tempdir().unwrap();
    let (_, other_key) = tls_files(other.path());
    refuses(
        &format!("tls_cert = {cert:?}\ntls_key = {other_key:?}\n"),
        "tls_key",
    );
}

#[test]
fn other_backends_and_unknown_keys_refuse_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[server]\nbackend = \"duckdb\"\n").unwrap();
    let (code, stderr) = datapress(&["check-config", "--config", &path.to_string_lossy()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("server.backend"), "{stderr}");
    std::fs::write(&path, "[server.pgwire]\nenable = true\n").unwrap();
    let (code, stderr) = datapress(&["check-config", "--config", &path.to_string_lossy()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("enable"), "{stderr}");
}

#[test]
fn a_missing_dataset_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.toml");
    std::fs::write(
        &path,
        "[[datasets]]\nname = \"gone\"\npath = \"nowhere.parquet\"\n",
    )
    .unwrap();
    let (code, stderr) = datapress(&["check-config", "--config", &path.to_string_lossy()]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("\"gone\"") && stderr.contains("no such file"),
        "{stderr}"
    );
}

#[test]
fn the_quickstart_config_checks_clean() {
    let quickstart = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart.toml");
    let (code, stderr) = datapress(&["check-config", "--config", &quickstart.to_string_lossy()]);
    assert_eq!(code, 0, "{stderr}");
}
