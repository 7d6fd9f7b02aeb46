//! The triage tools over real sockets: sessions of real clients recorded in
//! front of DataPress replay without divergence against DataPress and
//! PostgreSQL; a deliberately broken server is named at its exact first
//! differing message and the trace minimised to it; and no password, hash or
//! SCRAM proof ever reaches a trace.
//!
//! `COMPAT_UPDATE_TRACES=1` also writes the recorded client sessions to
//! `compat/traces/`, where the matrix replays them.

use std::path::Path;
use std::time::Duration;

use datapress_compat::clients::external::External;
use datapress_compat::clients::psql::Psql;
use datapress_compat::clients::{Client, Outcome, Param, Step};
use datapress_compat::harness::data::Datasets;
use datapress_compat::harness::live::DatasetControl;
use datapress_compat::harness::oracle::Oracle;
use datapress_compat::harness::ours::{Ours, OursKind};
use datapress_compat::harness::tls::TlsMaterial;
use datapress_compat::harness::{Target, TlsMode, PASSWORD};
use datapress_compat::triage::minimize::minimize;
use datapress_compat::triage::record::{RecordOptions, Recorder};
use datapress_compat::triage::replay::{replay, Endpoint, Replayed};
use datapress_compat::triage::trace::Trace;
use datapress_compat::triage::wire;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// Recording in front of `upstream_port` to `out`, plaintext upstream.
fn recorder_options(upstream_port: u16, out: &Path, client: Option<String>) -> RecordOptions {
    RecordOptions {
        listen: "127.0.0.1:0".parse().expect("address"),
        upstream: format!("127.0.0.1:{upstream_port}"),
        upstream_tls: false,
        out: out.to_path_buf(),
        client,
        tls_identity: None,
    }
}

/// A recorder in front of `upstream_port` writing to `out`.
async fn recorder(upstream_port: u16, out: &Path, client: Option<String>) -> Recorder {
    Recorder::start(recorder_options(upstream_port, out, client))
        .await
        .expect("the recorder starts")
}

fn endpoint(label: &str, port: u16) -> Endpoint {
    Endpoint {
        label: label.into(),
        host: "127.0.0.1".into(),
        port,
        user: "datapress".into(),
        password: Some(PASSWORD.into()),
        dbname: "datapress".into(),
    }
}

fn target(port: u16, tls: &TlsMaterial) -> Target {
    Target {
        host: "127.0.0.1".into(),
        port,
        user: "datapress".into(),
        password: Some(PASSWORD.into()),
        dbname: "datapress".into(),
        tls: TlsMode::Disable,
        ca_file: tls.ca_cert.clone(),
        datasets: DatasetControl::None,
    }
}

/// A temporary directory with TLS material and the compat datasets.
fn material() -> (tempfile::TempDir, TlsMaterial, Datasets) {
    let dir = tempfile::tempdir().expect("tempdir");
    let tls = TlsMaterial::generate(dir.path()).expect("tls");
    let datasets = Datasets::create(dir.path()).expect("datasets");
    (dir, tls, datasets)
}

/// A DataPress with password auth `method`.
async fn datapress(
    dir: &tempfile::TempDir,
    tls: &TlsMaterial,
    datasets: &Datasets,
    method: &'static str,
) -> Ours {
    Ours::start(OursKind::Password(method), datasets, tls, dir.path())
        .await
        .expect("DataPress starts")
}

/// The sessions recorded per client: what a user browsing and querying does.
fn session(client: &str) -> Vec<Step> {
    let query = |sql: &str| Step::query(sql);
    let with_param = Step::Query {
        sql: "SELECT count(*) FROM accidents WHERE vehicles > $1".into(),
        params: vec![Param::Int4(2)],
    };
    match client {
        "psql" => vec![
            Step::Backslash("\\dt"),
            Step::Backslash("\\d accidents"),
            query("SELECT severity, count(*) FROM accidents GROUP BY severity ORDER BY severity"),
        ],
        "pgjdbc" => vec![
            Step::Metadata {
                call: "tables",
                table: None,
            },
            Step::Metadata {
                call: "columns",
                table: Some("accidents"),
            },
            with_param,
        ],
        _ => vec![
            query("SELECT * FROM accidents ORDER BY 1 LIMIT 3"),
            with_param,
        ],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_client_sessions_replay_without_divergence_against_both_servers() {
    let (dir, tls, datasets) = material();
    let ours = datapress(&dir, &tls, &datasets, "scram-sha-256").await;
    let oracle = Oracle::start(&datasets, &tls)
        .await
        .expect("PostgreSQL starts");
    let update = std::env::var("COMPAT_UPDATE_TRACES").is_ok_and(|v| v == "1");
    let require_all = std::env::var("COMPAT_REQUIRE_ALL").is_ok_and(|v| v == "1");
    let clients: Vec<(&str, Box<dyn Client>)> = vec![
        ("psql", Box::new(Psql)),
        ("pgjdbc", Box::new(External::jdbc())),
        ("psycopg", Box::new(External::python("psycopg"))),
        ("node-pg", Box::new(External::node("pg"))),
    ];
    let mut replayed = 0;
    let mut problems = Vec::new();
    for (slug, client) in clients {
        if let Some(why) = client.unavailable() {
            eprintln!("{slug}: not run: {why}");
            if require_all {
                problems.push(format!("{slug}: not run: {why}"));
            }
            continue;
        }
        let out = dir.path().join(format!("{slug}.jsonl"));
        let proxy = recorder(ours.port, &out, Some(client.name())).await;
        let mut conn = client
            .connect(&target(proxy.addr().port(), &tls))
            .await
            .unwrap_or_else(|e| panic!("{slug} connects through the recorder: {e:?}"));
        for step in session(slug) {
            let outcome = conn.run(&step).await;
            assert!(
                matches!(
                    outcome,
                    Outcome::Rows { .. } | Outcome::Shape { .. } | Outcome::Done
                ),
                "{slug}: {step:?} answered {outcome:?}"
            );
        }
        drop(conn);
        proxy
            .finish(Duration::from_secs(5))
            .await
            .expect("the trace is written");
        let trace = Trace::read(&out).expect("the trace reads back");
        assert!(!trace.connections().is_empty(), "{slug}: nothing recorded");
        for server in [
            endpoint("DataPress", ours.port),
            endpoint("PostgreSQL", oracle.port),
        ] {
            for report in replay(&trace, &server).await {
                match report.result {
                    Replayed::Same => replayed += 1,
                    other => problems.push(format!(
                        "{slug} connection {} against {}: {other:?}",
                        report.conn, server.label
                    )),
                }
            }
        }
        if update {
            let kept = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("traces")
                .join(format!("{slug}.jsonl"));
            std::fs::copy(&out, kept).expect("trace kept");
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(replayed > 0, "no session was replayed");

    // In front of PostgreSQL too (what a tool expects), reached over TLS.
    let out = dir.path().join("postgres.jsonl");
    let mut options = recorder_options(oracle.port, &out, None);
    options.upstream_tls = true;
    let proxy = Recorder::start(options).await.expect("the recorder starts");
    let mut conn = Psql
        .connect(&target(proxy.addr().port(), &tls))
        .await
        .expect("psql connects");
    let outcome = conn.run(&Step::Backslash("\\d accidents")).await;
    assert!(matches!(outcome, Outcome::Rows { .. }), "{outcome:?}");
    drop(conn);
    proxy.finish(Duration::from_secs(5)).await.expect("trace");
    let trace = Trace::read(&out).expect("trace");
    let reports = replay(&trace, &endpoint("PostgreSQL", oracle.port)).await;
    assert!(
        !reports.is_empty() && reports.iter().all(|r| r.result == Replayed::Same),
        "{reports:?}"
    );
}

/// Relays to DataPress, but announces the column `relkind` as text (25)
/// instead of "char" (18): a deliberately broken server.
async fn broken_server(upstream: u16) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let server = TcpStream::connect(("127.0.0.1", upstream)).await?;
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                tokio::spawn(
                    async move { tokio::io::copy(&mut client_read, &mut server_write).await },
                );
                while let Some(mut m) = wire::read_tagged(&mut server_read).await? {
                    if m.tag() == Some(b'T') {
                        m = announce_relkind_as_text(m);
                    }
                    client_write.write_all(&m.to_bytes()).await?;
                }
                std::io::Result::Ok(())
            });
        }
    });
    port
}

fn announce_relkind_as_text(m: wire::Message) -> wire::Message {
    let Some(columns) = wire::row_description(&m.body) else {
        return m;
    };
    let mut body = (columns.len() as i16).to_be_bytes().to_vec();
    for c in columns {
        let type_oid = if c.name == "relkind" { 25 } else { c.type_oid };
        wire::put_cstr(&mut body, &c.name);
        body.extend_from_slice(&c.table_oid.to_be_bytes());
        body.extend_from_slice(&c.attnum.to_be_bytes());
        body.extend_from_slice(&type_oid.to_be_bytes());
        body.extend_from_slice(&c.type_size.to_be_bytes());
        body.extend_from_slice(&c.typmod.to_be_bytes());
        body.extend_from_slice(&c.format.to_be_bytes());
    }
    wire::Message::tagged(b'T', body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_names_a_broken_servers_first_differing_message_and_minimize_keeps_only_it() {
    let (dir, tls, datasets) = material();
    let ours = datapress(&dir, &tls, &datasets, "scram-sha-256").await;
    let out = dir.path().join("session.jsonl");
    let proxy = recorder(ours.port, &out, None).await;
    let dsn = format!(
        "host=127.0.0.1 port={} user=datapress password={PASSWORD} dbname=datapress",
        proxy.addr().port()
    );
    let (client, connection) = tokio_postgres::connect(&dsn, tokio_postgres::NoTls)
        .await
        .expect("connects through the recorder");
    tokio::spawn(connection);
    for sql in [
        "SELECT 1",
        "SELECT count(*) FROM accidents",
        "SELECT relname, relkind FROM pg_catalog.pg_class WHERE relname = 'accidents'",
        "SELECT severity FROM accidents ORDER BY severity LIMIT 2",
        "SELECT 2",
    ] {
        client.simple_query(sql).await.expect(sql);
    }
    drop(client);
    proxy
        .finish(Duration::from_secs(5))
        .await
        .expect("the trace is written");
    let trace = Trace::read(&out).expect("trace");

    let healthy = replay(&trace, &endpoint("DataPress", ours.port)).await;
    assert!(
        healthy.iter().all(|r| r.result == Replayed::Same),
        "{healthy:?}"
    );

    let broken = endpoint("broken DataPress", broken_server(ours.port).await);
    let reports = replay(&trace, &broken).await;
    let Replayed::Diverged(found) = &reports[0].result else {
        panic!("the broken server is not noticed: {reports:?}");
    };
    let expected_index = trace
        .events
        .iter()
        .position(|e| e.kind == "RowDescription" && e.fields.to_string().contains("relkind"))
        .expect("the pg_class answer is recorded");
    assert_eq!(found.index, expected_index, "{found}");
    assert_eq!(found.what, "column 2 \"relkind\" type OID", "{found}");
    assert_eq!(
        (found.recorded.as_str(), found.replayed.as_str()),
        ("18", "25")
    );
    assert!(found.to_string().contains("pg_class"), "{found}");

    let minimized = minimize(&trace, &broken).await.expect("minimises");
    let sent: Vec<_> = minimized
        .trace
        .events
        .iter()
        .filter(|e| e.from == wire::Side::Frontend && e.kind == "Query")
        .map(|e| e.fields["sql"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        sent,
        ["SELECT relname, relkind FROM pg_catalog.pg_class WHERE relname = 'accidents'"],
        "{}",
        minimized.trace.to_jsonl()
    );
    assert_eq!(minimized.divergence.signature(), found.signature());
    assert!(minimized.trace.events.len() < trace.events.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traces_never_contain_a_password_a_hash_or_a_scram_proof() {
    let (dir, tls, datasets) = material();
    let mut text = String::new();
    for method in ["cleartext", "md5", "scram-sha-256"] {
        let ours = datapress(&dir, &tls, &datasets, method).await;
        let out = dir.path().join(format!("{method}.jsonl"));
        let proxy = recorder(ours.port, &out, None).await;
        let port = proxy.addr().port();
        let dsn = format!(
            "host=127.0.0.1 port={port} user=datapress password={PASSWORD} dbname=datapress"
        );
        let (client, connection) = tokio_postgres::connect(&dsn, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("{method}: {e}"));
        tokio::spawn(connection);
        client.simple_query("SELECT 1").await.expect("query");
        drop(client);
        // libpq through the recorder's own TLS.
        let psql = tokio::process::Command::new("/usr/lib/postgresql/15/bin/psql")
            .env("PGPASSWORD", PASSWORD)
            .args([
                "-X",
                "-d",
                &format!(
                    "host=127.0.0.1 port={port} user=datapress dbname=datapress sslmode=require"
                ),
                "-c",
                "SELECT 42",
            ])
            .output()
            .await
            .expect("psql runs");
        assert!(
            psql.status.success(),
            "{method}: psql over TLS: {}",
            String::from_utf8_lossy(&psql.stderr)
        );
        proxy.finish(Duration::from_secs(5)).await.expect("trace");
        let trace = Trace::read(&out).expect("trace");
        assert!(
            trace.events.iter().any(|e| e.kind == "SSLResponse")
                && trace.events.iter().any(|e| e.fields["sql"] == "SELECT 42"),
            "{method}: the TLS session is recorded in clear"
        );
        text.push_str(&std::fs::read_to_string(&out).expect("read"));
        for e in &trace.events {
            let secret = [
                "PasswordMessage",
                "SASLInitialResponse",
                "SASLResponse",
                "AuthenticationMD5Password",
                "AuthenticationSASLContinue",
                "AuthenticationSASLFinal",
            ]
            .contains(&e.kind.as_str());
            assert!(!(secret && e.raw.is_some()), "{method}: {e:?}");
        }
    }
    // The exchanges happened, so the checks below are not vacuous.
    for kind in [
        "PasswordMessage",
        "SASLResponse",
        "AuthenticationMD5Password",
    ] {
        assert!(text.contains(&format!("\"{kind}\"")), "no {kind} recorded");
    }
    let hex_password = datapress_compat::clients::hex(PASSWORD.as_bytes());
    assert!(!text.contains(PASSWORD) && !text.contains(&hex_password));
    let md5_hash = regex_like_md5(&text);
    assert!(md5_hash.is_none(), "an MD5 hash in the trace: {md5_hash:?}");
    for scram in ["n,,n=", "c=biws", ",p=", "r=", "v="] {
        assert!(!text.contains(scram), "SCRAM text {scram:?} in the trace");
    }
}

/// The first `md5` followed by 32 hex digits in `text`.
fn regex_like_md5(text: &str) -> Option<&str> {
    text.match_indices("md5").find_map(|(i, _)| {
        let hash = text.get(i..i + 35)?;
        hash[3..]
            .chars()
            .all(|c| c.is_ascii_hexdigit())
            .then_some(hash)
    })
}
