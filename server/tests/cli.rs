//! The binary's startup rules: a misconfigured listener never starts (exit code
//! non-zero, one message naming the setting), and a good config checks clean.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs the binary; one still running after 30 s (a server that started although
/// it should have refused) is killed and reported as exit code -1.
fn datapress(args: &[&str]) -> (i32, String) {
    datapress_with_env(args, &[])
}

/// As [`datapress`], with these `DATAPRESS_*` variables set.
fn datapress_with_env(args: &[&str], vars: &[(&str, &str)]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_datapress"))
        .args(args)
        .env_remove("DATAPRESS_PGWIRE_PASSWORD")
        .envs(vars.iter().copied())
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
        format!("[server.http]\nlisten = \"127.0.0.1:0\"\n[server.pgwire]\nenabled = true\n{pgwire}\n[[datasets]]\nname = \"accidents\"\npath = {sample:?}\n"),
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
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "one message: {stderr}");
    assert!(
        errors[0].contains(setting),
        "expected {setting} in: {stderr}"
    );
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
    for listen in ["0.0.0.0", "::", "192.0.2.10", "10.1.2.3"] {
        refuses(&format!("listen = {listen:?}\n"), "server.pgwire.password");
    }
}

#[test]
fn loopback_binds_may_omit_the_password() {
    for listen in ["127.0.0.1", "127.1.2.3", "::1", "localhost"] {
        let dir = tempfile::tempdir().unwrap();
        let path = config(dir.path(), &format!("listen = {listen:?}\n"));
        let (code, stderr) = datapress(&["check-config", "--config", &path]);
        assert_eq!(code, 0, "{listen}: {stderr}");
    }
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
    // The listener the rules exist for: 0.0.0.0 with a password and a broken
    // or unreadable certificate.
    // (A directory: unreadable as a file even for root, who ignores modes.)
    let unreadable = dir.path().to_string_lossy().into_owned();
    for broken in [&garbage, &unreadable] {
        refuses(
            &format!(
                "listen = \"0.0.0.0\"\npassword = \"secret\"\ntls_cert = {broken:?}\ntls_key = {key:?}\n"
            ),
            "tls_cert",
        );
    }
}

#[test]
fn tls_required_without_tls_files_refuses_to_start() {
    refuses("tls_required = true\n", "server.pgwire.tls_required");
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

/// Every setting can come from the environment, and CLI flags beat it.
#[test]
fn the_environment_overrides_the_file_and_flags_override_both() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), "listen = \"127.0.0.1\"\n");
    let check = |vars: &[(&str, &str)], flags: &[&str]| {
        let mut args = vec!["check-config", "--config", &path];
        args.extend(flags);
        datapress_with_env(&args, vars)
    };
    assert_eq!(check(&[], &[]).0, 0);
    for (var, value, setting) in [
        ("DATAPRESS_BACKEND", "duckdb", "server.backend"),
        (
            "DATAPRESS_PGWIRE_AUTH_METHOD",
            "kerberos",
            "server.pgwire.auth_method",
        ),
        (
            "DATAPRESS_PGWIRE_LISTEN",
            "0.0.0.0",
            "server.pgwire.password",
        ),
        (
            "DATAPRESS_PGWIRE_TLS_REQUIRED",
            "true",
            "server.pgwire.tls_required",
        ),
        (
            "DATAPRESS_PGWIRE_PORT",
            "not-a-port",
            "DATAPRESS_PGWIRE_PORT",
        ),
        (
            "DATAPRESS_PGWIRE_MAX_CONNECTIONS",
            "many",
            "DATAPRESS_PGWIRE_MAX_CONNECTIONS",
        ),
        (
            "DATAPRESS_PGWIRE_STATEMENT_TIMEOUT",
            "soon",
            "server.pgwire.statement_timeout",
        ),
        (
            "DATAPRESS_PGWIRE_STARTUP_TIMEOUT",
            "5 parsecs",
            "server.pgwire.startup_timeout",
        ),
        ("DATAPRESS_HTTP_LISTEN", "nowhere", "server.http.listen"),
        // Off loopback the HTTP API needs a token and TLS.
        (
            "DATAPRESS_HTTP_LISTEN",
            "0.0.0.0:0",
            "server.http.bearer_token",
        ),
    ] {
        let (code, stderr) = check(&[(var, value)], &[]);
        assert_eq!(code, 2, "{var}: {stderr}");
        assert!(
            stderr.contains(setting),
            "{var}: expected {setting} in {stderr}"
        );
    }
    let public_with_token = [
        ("DATAPRESS_HTTP_LISTEN", "0.0.0.0:0"),
        ("DATAPRESS_HTTP_TOKEN", "t"),
    ];
    let (code, stderr) = check(&public_with_token, &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("server.http.tls_cert"), "{stderr}");
    // A flag overrides the environment, which overrides the file.
    let env_listen = [("DATAPRESS_PGWIRE_LISTEN", "0.0.0.0")];
    assert_eq!(check(&env_listen, &["--pgwire-listen", "127.0.0.1"]).0, 0);
    let (code, stderr) = check(&[], &["--pgwire-listen", "0.0.0.0"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("server.pgwire.password"), "{stderr}");
    let with_password = [
        ("DATAPRESS_PGWIRE_LISTEN", "0.0.0.0"),
        ("DATAPRESS_PGWIRE_PASSWORD", "pw"),
    ];
    let (code, stderr) = check(&with_password, &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("server.pgwire.tls_cert"),
        "the password counted: {stderr}"
    );
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

/// The password may come from `DATAPRESS_PGWIRE_PASSWORD` alone; psql logs in
/// with it, not without it, and no log line ever shows it, even at trace level.
#[cfg(feature = "pgwire")]
#[test]
fn the_password_from_the_environment_works_and_is_never_logged() {
    const SECRET: &str = "env-only-Pa55word";
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let path = config(
        dir.path(),
        &format!("port = {port}\nauth_method = \"scram-sha-256\"\n"),
    );
    let log = dir.path().join("server.log");
    let mut server = Command::new(env!("CARGO_BIN_EXE_datapress"))
        .args(["serve", "--config", &path])
        .env("DATAPRESS_PGWIRE_PASSWORD", SECRET)
        .env("RUST_LOG", "trace")
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(dir.path().join("stderr.log")).unwrap())
        .spawn()
        .expect("run datapress");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server never listened");
        std::thread::sleep(Duration::from_millis(100));
    }
    let psql = |password: &str| {
        Command::new("psql")
            .arg(format!(
                "host=127.0.0.1 port={port} user=datapress dbname=datapress sslmode=disable"
            ))
            .args(["-XAtc", "SELECT count(*) FROM accidents"])
            .env("PGPASSWORD", password)
            .output()
            .expect("psql is installed")
    };
    let right = psql(SECRET);
    let wrong = psql("not-it");
    let _ = server.kill();
    let _ = server.wait();
    assert!(right.status.success(), "{right:?}");
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("password authentication failed"));
    let logs = std::fs::read_to_string(&log).unwrap()
        + &std::fs::read_to_string(dir.path().join("stderr.log")).unwrap();
    assert!(logs.lines().count() > 3, "trace logging was on: {logs}");
    assert!(!logs.contains(SECRET), "the password was logged");
}

#[test]
fn json_logs_are_one_object_per_line() {
    let quickstart = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart.toml");
    let (code, stderr) = datapress(&[
        "--log-format",
        "json",
        "check-config",
        "--config",
        &quickstart.to_string_lossy(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(!lines.is_empty());
    for line in &lines {
        let value: serde_json::Value = serde_json::from_str(line).expect("a JSON log line");
        assert!(value["level"].is_string(), "{line}");
    }
    assert!(
        stderr.contains("\"dataset\":\"accidents\"") && stderr.contains("\"files\":1"),
        "the dataset line names its file count: {stderr}"
    );
}
