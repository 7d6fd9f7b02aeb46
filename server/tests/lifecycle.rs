//! The binary as an operator runs it: README's walk-through (register a
//! dataset with curl, list it with psql) and a graceful shutdown (SIGTERM:
//! a running stream finishes, then sessions get FATAL 57P01, exit code 0).
#![cfg(feature = "pgwire")]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures::StreamExt;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `datapress serve` process and its two ports.
struct Running {
    child: Child,
    pg: u16,
    http: u16,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary with the sample and `extra` lines in `[server]`, from `dir`.
fn serve(dir: &Path, extra: &str) -> Running {
    let (pg, http) = (free_port(), free_port());
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/accidents.parquet");
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(
        dir.join("data/trips.csv"),
        "trip_id,city,fare\n1,Lyon,9.5\n2,Paris,28\n",
    )
    .unwrap();
    let config = dir.join("datapress.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\n{extra}\n[server.http]\nlisten = \"127.0.0.1:{http}\"\n\
             [server.pgwire]\nenabled = true\nport = {pg}\n\
             [[datasets]]\nname = \"accidents\"\npath = {sample:?}\n"
        ),
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_datapress"))
        .args(["serve", "--config", "datapress.toml"])
        .current_dir(dir)
        .env_remove("DATAPRESS_PGWIRE_PASSWORD")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("server.log")).unwrap())
        .spawn()
        .expect("run datapress");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", http)).is_err()
        || std::net::TcpStream::connect(("127.0.0.1", pg)).is_err()
    {
        assert!(Instant::now() < deadline, "the server never listened");
        std::thread::sleep(Duration::from_millis(100));
    }
    Running { child, pg, http }
}

#[test]
fn readme_walkthrough_curl_registers_and_psql_lists() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), "");
    let curl = Command::new("curl")
        .args(["-s", "-w", "\n%{http_code}", "-X", "POST"])
        .arg(format!("localhost:{}/api/datasets", server.http))
        .args(["-d", r#"{"name":"trips","path":"data/trips.csv"}"#])
        .output()
        .expect("curl is installed");
    let answer = String::from_utf8_lossy(&curl.stdout);
    assert!(answer.ends_with("\n201"), "{answer}");
    let psql = Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={} user=datapress dbname=datapress",
            server.pg
        ))
        .args(["-X", "-c", "\\dt"])
        .output()
        .expect("psql is installed");
    let listed = String::from_utf8_lossy(&psql.stdout);
    assert!(
        listed.contains(" public | trips     | table | datapress"),
        "{listed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_a_stream_finish_then_ends_sessions_with_57p01() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = serve(dir.path(), "shutdown_grace = \"20s\"");
    let dsn = format!(
        "host=127.0.0.1 port={} user=datapress dbname=datapress",
        server.pg
    );
    let (streaming, conn) = tokio_postgres::connect(&dsn, tokio_postgres::NoTls)
        .await
        .unwrap();
    let streaming_conn = tokio::spawn(conn);
    let (_idle, conn) = tokio_postgres::connect(&dsn, tokio_postgres::NoTls)
        .await
        .unwrap();
    let idle_conn = tokio::spawn(conn);
    // 500,000 rows, read slowly enough that SIGTERM comes mid-stream.
    let sql = "SELECT a.id, a.city FROM accidents a, (SELECT 1 FROM accidents LIMIT 100) b";
    let stream = streaming.query_raw(sql, Vec::<i32>::new()).await.unwrap();
    futures::pin_mut!(stream);
    let mut rows = 0u64;
    while rows < 100 {
        stream.next().await.unwrap().unwrap();
        rows += 1;
    }
    let pid = server.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    // The idle session is ended at once, with PostgreSQL's message.
    let idle_end = tokio::time::timeout(Duration::from_secs(10), idle_conn)
        .await
        .expect("the idle session ends promptly")
        .unwrap();
    let e = idle_end.expect_err("the idle session gets an error");
    let db = e.as_db_error().expect("a server error");
    assert_eq!(db.code().code(), "57P01");
    assert_eq!(
        db.message(),
        "terminating connection due to administrator command"
    );
    // The running stream completes.
    while let Some(row) = stream.next().await {
        row.unwrap();
        rows += 1;
    }
    assert_eq!(rows, 500_000);
    let end = tokio::time::timeout(Duration::from_secs(10), streaming_conn)
        .await
        .expect("the streaming session ends after its statement")
        .unwrap();
    assert_eq!(
        end.expect_err("57P01")
            .as_db_error()
            .map(|e| e.code().code()),
        Some("57P01")
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
    // No listener remains.
    assert!(std::net::TcpStream::connect(("127.0.0.1", server.pg)).is_err());
    assert!(std::net::TcpStream::connect(("127.0.0.1", server.http)).is_err());
}
