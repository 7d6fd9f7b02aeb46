//! Session statements, transactions, settings and their isolation.

use crate::common::*;

#[tokio::test]
async fn transaction_status_bytes_follow_postgres() {
    let s = TestServer::start("").await;
    let mut raw = s.raw().await;
    assert_eq!(status(&raw.query("SELECT 1").await), b'I');
    let begin = raw.query("BEGIN").await;
    assert_eq!(status(&begin), b'T');
    assert_eq!(begin[0].tag_text(), "BEGIN");
    let nested = raw.query("BEGIN").await;
    assert_eq!(nested[0].tag, b'N');
    assert_eq!(nested[0].sqlstate().as_deref(), Some("25001"));
    assert_eq!(status(&raw.query("SELECT * FROM nope").await), b'E');
    let blocked = raw.query("SELECT 1").await;
    assert_eq!(blocked[0].sqlstate().as_deref(), Some("25P02"));
    assert_eq!(status(&blocked), b'E');
    let rollback = raw.query("ROLLBACK").await;
    assert_eq!(rollback[0].tag_text(), "ROLLBACK");
    assert_eq!(status(&rollback), b'I');
    let commit = raw.query("COMMIT").await;
    assert_eq!(commit[0].sqlstate().as_deref(), Some("25P01"));
    assert_eq!(status(&commit), b'I');
    let savepoint = raw.query("SAVEPOINT a").await;
    assert_eq!(savepoint[0].sqlstate().as_deref(), Some("25P01"));
    let block = raw
        .query("START TRANSACTION ISOLATION LEVEL SERIALIZABLE; SAVEPOINT a; RELEASE a; END")
        .await;
    let done = command_tags(&block);
    assert_eq!(
        done,
        ["START TRANSACTION", "SAVEPOINT", "RELEASE", "COMMIT"]
    );
}

#[tokio::test]
async fn pool_reset_statements_answer_one_response_each() {
    let s = TestServer::start("").await;
    let mut raw = s.raw().await;
    // Npgsql's reset (CLIENTS.md) and asyncpg's reset, as multi-statement strings.
    let npgsql = raw.query("SET SESSION AUTHORIZATION DEFAULT;RESET ALL;CLOSE ALL;UNLISTEN *;SELECT pg_advisory_unlock_all();DISCARD SEQUENCES;DISCARD TEMP").await;
    let complete = command_tags(&npgsql);
    assert_eq!(
        complete,
        [
            "SET",
            "RESET",
            "CLOSE CURSOR ALL",
            "UNLISTEN",
            "SELECT 1",
            "DISCARD SEQUENCES",
            "DISCARD TEMP"
        ]
    );
    assert!(!npgsql.iter().any(|m| m.tag == b'E'));
    let asyncpg = raw
        .query("SELECT pg_advisory_unlock_all();\nCLOSE ALL;\nUNLISTEN *;\nRESET ALL;")
        .await;
    assert_eq!(asyncpg.iter().filter(|m| m.tag == b'C').count(), 4);
    for (sql, tag) in [
        ("DISCARD ALL", "DISCARD ALL"),
        ("DISCARD PLANS", "DISCARD PLANS"),
        ("DEALLOCATE ALL", "DEALLOCATE ALL"),
        ("LISTEN chan", "LISTEN"),
        ("RESET SESSION AUTHORIZATION", "RESET"),
        ("RESET TimeZone", "RESET"),
    ] {
        let msgs = raw.query(sql).await;
        assert_eq!(msgs[0].tag_text(), tag, "{sql}");
    }
}

#[tokio::test]
async fn discard_all_drops_prepared_statements_and_settings() {
    let s = TestServer::start("").await;
    let mut raw = s.raw().await;
    raw.send(&[parse("s1", "SELECT 1", &[]), sync()]).await;
    assert_eq!(tags(&raw.until_ready().await), "1Z");
    raw.query("SET extra_float_digits = 3").await;
    raw.query("DISCARD ALL").await;
    raw.send(&[bind("", "s1", &[], &[]), sync()]).await;
    let msgs = raw.until_ready().await;
    assert_eq!(msgs[0].sqlstate().as_deref(), Some("26000"));
    let show = raw.query("SHOW extra_float_digits").await;
    assert_eq!(&show[1].body[6..], b"1");
    // DEALLOCATE of one statement, then of one that does not exist.
    raw.send(&[parse("s2", "SELECT 1", &[]), sync()]).await;
    raw.until_ready().await;
    assert_eq!(raw.query("DEALLOCATE s2").await[0].tag_text(), "DEALLOCATE");
    assert_eq!(
        raw.query("DEALLOCATE s2").await[0].sqlstate().as_deref(),
        Some("26000")
    );
}

#[tokio::test]
async fn set_show_current_setting_and_parameter_status_agree() {
    let s = TestServer::start("").await;
    let mut raw = s.raw().await;
    let set = raw.query("SET TimeZone = 'Europe/Paris'").await;
    let status_msg = set
        .iter()
        .find(|m| m.tag == b'S')
        .expect("ParameterStatus after SET TimeZone");
    assert_eq!(&status_msg.body[..], b"TimeZone\0Europe/Paris\0");
    let c = s.connect().await;
    c.batch_execute("SET TimeZone = 'Europe/Paris'; SET application_name = 'tests'")
        .await
        .unwrap();
    let row = c
        .query_one("SELECT current_setting('TimeZone'), current_setting('application_name'), tstz::text FROM types WHERE b", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "Europe/Paris");
    assert_eq!(row.get::<_, String>(1), "tests");
    let show = c.simple_query("SHOW timezone").await.unwrap();
    match &show[0] {
        tokio_postgres::SimpleQueryMessage::RowDescription(cols) => {
            assert_eq!(cols[0].name(), "TimeZone")
        }
        other => panic!("{other:?}"),
    }
    let text = c
        .simple_query("SELECT tstz FROM types WHERE b")
        .await
        .unwrap();
    match &text[1] {
        tokio_postgres::SimpleQueryMessage::Row(r) => {
            assert_eq!(r.get(0), Some("2024-01-15 11:30:00.41246+01"))
        }
        other => panic!("{other:?}"),
    }
    let set = c
        .query_one("SELECT set_config('myapp.k', 'v', false)", &[])
        .await
        .unwrap();
    assert_eq!(set.get::<_, String>(0), "v");
    let all = c.simple_query("SHOW ALL").await.unwrap();
    assert!(all.len() > 20);
}

#[tokio::test]
async fn version_and_server_version_agree() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    let row = c
        .query_one("SELECT version(), current_setting('server_version'), current_setting('server_version_num')", &[])
        .await
        .unwrap();
    let version: String = row.get(0);
    let server_version: String = row.get(1);
    assert!(
        version.starts_with(&format!("PostgreSQL {server_version} ")),
        "{version}"
    );
    assert!(version.contains("DataPress") && version.contains("DataFusion"));
    assert!(server_version.starts_with("15."));
    assert!(row.get::<_, String>(2).starts_with("150"));
}

/// The first column of the first row of a simple query, as text.
async fn first_value(c: &tokio_postgres::Client, sql: &str) -> String {
    let messages = c.simple_query(sql).await.unwrap();
    messages
        .iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
            _ => None,
        })
        .expect("a row")
}

/// Eight connections at once, each with its own settings, prepared statement
/// (all of the same name),
/// cursor and transaction state, all set before any is checked: none sees
/// another's, and a fresh connection sees none of them.
#[tokio::test]
async fn session_state_does_not_leak_between_connections() {
    let s = TestServer::start("").await;
    let all_set = std::sync::Arc::new(tokio::sync::Barrier::new(8));
    let mut handles = Vec::new();
    for i in 0..8 {
        let dsn = s.dsn("");
        let all_set = all_set.clone();
        handles.push(tokio::spawn(async move {
            let (c, conn) = tokio_postgres::connect(&dsn, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            c.batch_execute(&format!(
                "SET application_name = 'client{i}'; SET extra_float_digits = {}",
                i % 3
            ))
            .await
            .unwrap();
            // tokio-postgres names every connection's first statement alike
            // ("s0"), so each server session must keep its own.
            let mine = c.prepare(&format!("SELECT {i}::int4")).await.unwrap();
            // Odd clients sit in a failed transaction block, even ones in an
            // open one with a cursor.
            let failed = i % 2 == 1;
            if failed {
                c.batch_execute("BEGIN").await.unwrap();
                let e = c.batch_execute("SELECT 1/0").await.unwrap_err();
                assert_eq!(e.code().unwrap().code(), "22012");
            } else {
                c.batch_execute(&format!(
                    "BEGIN; DECLARE cur{i} CURSOR FOR SELECT {i}::int4 AS n"
                ))
                .await
                .unwrap();
            }
            all_set.wait().await;
            let code = |e: tokio_postgres::Error| e.code().unwrap().code().to_string();
            if failed {
                let e = c.simple_query("SELECT 1").await.unwrap_err();
                assert_eq!(code(e), "25P02", "still in its failed block");
                c.batch_execute("ROLLBACK").await.unwrap();
            } else {
                let own = first_value(&c, &format!("FETCH 1 FROM cur{i}")).await;
                assert_eq!(own, i.to_string());
                let other = format!("FETCH 1 FROM cur{}", (i + 2) % 8);
                let e = c.simple_query(&other).await.unwrap_err();
                assert_eq!(code(e), "34000", "another's cursor");
                c.batch_execute("ROLLBACK").await.unwrap();
            }
            let row = c
                .query_one(
                    "SELECT current_setting('application_name'), current_setting('extra_float_digits')",
                    &[],
                )
                .await
                .unwrap();
            assert_eq!(row.get::<_, String>(0), format!("client{i}"));
            assert_eq!(row.get::<_, String>(1), (i % 3).to_string());
            let own = c.query_one(&mine, &[]).await.unwrap();
            assert_eq!(own.get::<_, i32>(0), i, "its own statement");
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let fresh = s.connect().await;
    let row = fresh
        .query_one("SELECT current_setting('application_name')", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "");
}

#[tokio::test]
async fn cursors_declare_fetch_and_close_inside_a_transaction() {
    let s = TestServer::start("").await;
    let mut raw = s.raw().await;
    let outside = raw.query("DECLARE c CURSOR FOR SELECT 1").await;
    assert_eq!(outside[0].sqlstate().as_deref(), Some("25P01"));
    let msgs = raw
        .query("BEGIN; DECLARE c CURSOR FOR SELECT id FROM accidents ORDER BY id; FETCH 2 FROM c; FETCH FORWARD 1 c; MOVE 10 IN c; CLOSE c; COMMIT")
        .await;
    let complete = command_tags(&msgs);
    assert_eq!(
        complete,
        [
            "BEGIN",
            "DECLARE CURSOR",
            "FETCH 2",
            "FETCH 1",
            "MOVE 10",
            "CLOSE CURSOR",
            "COMMIT"
        ]
    );
    assert_eq!(msgs.iter().filter(|m| m.tag == b'D').count(), 3);
}

#[tokio::test]
async fn cancel_request_stops_a_running_query() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    let token = c.cancel_token();
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        token.cancel_query(tokio_postgres::NoTls).await.unwrap();
    });
    let err = c
        .simple_query("SELECT sum(a.id * b.id + c.id) FROM accidents a, accidents b, accidents c")
        .await
        .unwrap_err();
    assert_eq!(err.as_db_error().unwrap().code().code(), "57014");
    canceller.await.unwrap();
    assert_alive(&c).await;
}

#[tokio::test]
async fn statement_timeout_cancels_with_57014() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    c.batch_execute("SET statement_timeout = '200ms'")
        .await
        .unwrap();
    let err = c
        .simple_query("SELECT sum(a.id * b.id + c.id) FROM accidents a, accidents b, accidents c")
        .await
        .unwrap_err();
    let db = err.as_db_error().unwrap();
    assert_eq!(db.code().code(), "57014");
    assert_eq!(db.message(), "canceling statement due to statement timeout");
}

#[tokio::test]
async fn a_client_that_never_finishes_startup_is_dropped() {
    use tokio::io::AsyncReadExt;
    let s = TestServer::start("startup_timeout = \"1s\"").await;
    let mut silent = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), silent.read(&mut buf)).await;
    assert!(
        matches!(read, Ok(Ok(0)) | Ok(Err(_))),
        "connection should be closed: {read:?}"
    );
}

#[tokio::test]
async fn connections_beyond_max_connections_get_53300() {
    let s = TestServer::start("max_connections = 1").await;
    let first = s.connect().await;
    let err = tokio_postgres::connect(&s.dsn(""), tokio_postgres::NoTls)
        .await
        .err()
        .unwrap();
    assert_eq!(err.as_db_error().unwrap().code().code(), "53300");
    drop(first);
}

#[tokio::test]
async fn a_cancel_with_the_wrong_secret_does_nothing() {
    use tokio::io::AsyncWriteExt;
    let s = TestServer::start("statement_timeout = \"3s\"").await;
    let mut raw = s.raw().await;
    let pid_row = raw.query("SELECT pg_backend_pid()").await;
    let pid: i32 = String::from_utf8_lossy(&pid_row[1].body[6..])
        .parse()
        .unwrap();
    raw.send(&[query(
        "SELECT sum(a.id * b.id + c.id) FROM accidents a, accidents b, accidents c",
    )])
    .await;
    let mut cancel = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    let mut packet = vec![0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e];
    packet.extend_from_slice(&pid.to_be_bytes());
    packet.extend_from_slice(&12345i32.to_be_bytes()); // not the secret (odds 1 in 2^32)
    cancel.write_all(&packet).await.unwrap();
    drop(cancel);
    let msgs = raw.until_ready().await;
    let error = msgs.iter().find(|m| m.tag == b'E').unwrap();
    // Only the statement timeout ends it, not the bogus cancel.
    assert_eq!(
        error.field(b'M').as_deref(),
        Some("canceling statement due to statement timeout")
    );
}

#[tokio::test]
async fn gssenc_requests_are_declined_and_startup_continues() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = TestServer::start("").await;
    let mut tcp = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    tcp.write_all(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30])
        .await
        .unwrap();
    let mut answer = [0u8; 1];
    tcp.read_exact(&mut answer).await.unwrap();
    assert_eq!(&answer, b"N");
    tcp.write_all(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])
        .await
        .unwrap();
    tcp.read_exact(&mut answer).await.unwrap();
    assert_eq!(
        &answer, b"N",
        "no TLS configured: SSLRequest is declined too"
    );
}

#[tokio::test]
async fn protocol_3_2_is_negotiated_down_to_3_0() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = TestServer::start("").await;
    let mut tcp = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    let mut body = vec![0, 3, 0, 2];
    body.extend_from_slice(b"user\0datapress\0_pq_.test_option\0x\0\0");
    let mut packet = ((body.len() + 4) as i32).to_be_bytes().to_vec();
    packet.extend_from_slice(&body);
    tcp.write_all(&packet).await.unwrap();
    let mut head = [0u8; 5];
    tcp.read_exact(&mut head).await.unwrap();
    assert_eq!(head[0], b'v');
    let len = i32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize - 4;
    let mut rest = vec![0u8; len];
    tcp.read_exact(&mut rest).await.unwrap();
    assert_eq!(&rest[..8], &[0, 0, 0, 0, 0, 0, 0, 1]);
    assert_eq!(&rest[8..], b"_pq_.test_option\0");
}

#[tokio::test]
async fn direct_tls_connections_are_accepted() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let (cert_path, key_path) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    let s = TestServer::start(&format!("tls_cert = {cert_path:?}\ntls_key = {key_path:?}")).await;
    let mut tls = direct_tls(s.addr, cert.der()).await;
    let packet = startup_packet("datapress");
    tls.write_all(&packet).await.unwrap();
    let mut head = [0u8; 9];
    tls.read_exact(&mut head).await.unwrap();
    assert_eq!(
        head,
        [b'R', 0, 0, 0, 8, 0, 0, 0, 0],
        "AuthenticationOk over direct TLS"
    );
}

#[tokio::test]
async fn now_is_the_transaction_start_time_inside_expressions() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    let year: f64 = c
        .query_one("SELECT CAST(date_part('year', now()) AS float8)", &[])
        .await
        .unwrap()
        .get(0);
    assert!(year >= 2024.0);
    c.batch_execute("BEGIN").await.unwrap();
    let first: String = c.query_one("SELECT now()::text", &[]).await.unwrap().get(0);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let second: String = c.query_one("SELECT now()::text", &[]).await.unwrap().get(0);
    assert_eq!(first, second, "one transaction, one now()");
    c.batch_execute("COMMIT").await.unwrap();
    let after: String = c.query_one("SELECT now()::text", &[]).await.unwrap().get(0);
    assert_ne!(after, first);
}

/// The setting's value as SHOW reports it.
async fn show(c: &tokio_postgres::Client, name: &str) -> String {
    let rows = c.simple_query(&format!("SHOW {name}")).await.unwrap();
    rows.iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => Some(r.get(0).unwrap().to_string()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("SHOW {name} returned no row"))
}

#[tokio::test]
async fn settings_follow_the_transaction_block() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    c.batch_execute("SET search_path = public").await.unwrap();
    c.batch_execute("BEGIN; SET search_path = pg_catalog; ROLLBACK")
        .await
        .unwrap();
    assert_eq!(show(&c, "search_path").await, "public");
    c.batch_execute("BEGIN; SET LOCAL search_path = pg_catalog")
        .await
        .unwrap();
    let inside = c.query_one("SELECT current_schema()", &[]).await.unwrap();
    assert_eq!(inside.get::<_, String>(0), "pg_catalog");
    c.batch_execute("COMMIT").await.unwrap();
    assert_eq!(show(&c, "search_path").await, "public");
    c.batch_execute("BEGIN; SAVEPOINT a; SET search_path = x; ROLLBACK TO a")
        .await
        .unwrap();
    assert_eq!(show(&c, "search_path").await, "public");
    let unknown = c.batch_execute("ROLLBACK TO nope").await.unwrap_err();
    assert_eq!(unknown.code().unwrap().code(), "3B001");
    c.batch_execute("ROLLBACK").await.unwrap();
    let current = c.query_one("SELECT current_schema()", &[]).await.unwrap();
    assert_eq!(current.get::<_, String>(0), "public");
}
