//! Limits under pressure: the memory limit (sorts spill, what cannot spill
//! fails with 53200, the session and server go on) and clients that stop
//! reading (statement_timeout still ends the statement; a client that reads
//! nothing for `client_write_timeout` is dropped).

use std::time::Duration;

use futures::StreamExt;

use crate::common::{assert_alive, command_tags, query, status, Raw, TestServer};

/// 1,500,000 rows sorted on a text column: far beyond a 16 MB limit.
const BIG_SORT: &str = "SELECT a.id, b.city FROM accidents a, \
     (SELECT city FROM accidents LIMIT 300) b ORDER BY b.city, a.id";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_a_memory_limit_sorts_spill_and_what_cannot_spill_is_53200() {
    let s = TestServer::start("[server]\nmemory_limit = \"16MB\"\n").await;
    let client = s.connect().await;
    let stream = client.query_raw(BIG_SORT, Vec::<i32>::new()).await.unwrap();
    futures::pin_mut!(stream);
    let (mut rows, mut last) = (0u64, String::new());
    while let Some(row) = stream.next().await {
        let row = row.unwrap();
        let city: String = row.get(1);
        assert!(city >= last, "sorted: {city} after {last}");
        last = city;
        rows += 1;
    }
    assert_eq!(rows, 1_500_000, "the sort finished by spilling");

    let e = client
        .query(
            "SELECT array_agg(a.city) FROM accidents a, accidents b",
            &[],
        )
        .await
        .unwrap_err();
    let db = e.as_db_error().expect("a server error");
    assert_eq!(db.code().code(), "53200");
    assert_eq!(db.message(), "out of memory");
    assert!(db.detail().is_some(), "the engine's reason is the detail");
    let n: i64 = client
        .query_one("SELECT count(*) FROM accidents", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 5000, "the session goes on");
}

/// A client that stops reading mid-result still gets 57014 from
/// statement_timeout when it reads again, after the rows it was sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statement_timeout_ends_a_statement_blocked_on_a_stalled_reader() {
    let s = TestServer::start("statement_timeout = \"1s\"\n").await;
    let mut raw = s.raw().await;
    raw.send(&[query("SELECT a.*, b.city FROM accidents a, accidents b")])
        .await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let messages = tokio::time::timeout(Duration::from_secs(20), raw.until_ready())
        .await
        .expect("the statement ended while the client was not reading");
    let error = messages.iter().find(|m| m.tag == b'E').expect("an error");
    assert_eq!(error.sqlstate().as_deref(), Some("57014"));
    assert!(messages.iter().filter(|m| m.tag == b'D').count() > 0);
    assert_eq!(messages.last().map(|m| m.tag), Some(b'Z'));
    let again = raw.query("SELECT 1").await;
    assert!(again.iter().any(|m| m.tag == b'D'), "the session goes on");
}

/// A client that never reads again is dropped after client_write_timeout,
/// freeing its statement, while others are served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_again_is_dropped() {
    let s = TestServer::start("client_write_timeout = \"1s\"\n").await;
    let mut stalled = Raw::connect(s.addr, "datapress").await;
    stalled
        .send(&[query("SELECT a.*, b.city FROM accidents a, accidents b")])
        .await;
    // Rows started coming; the socket's buffers fill within moments, then
    // the server waits on this client for longer than 1 s.
    stalled.wait_for_data().await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let other = s.connect().await;
    let n: i64 = other
        .query_one("SELECT count(*) FROM accidents", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 5000);
    // What the socket's buffers held arrives, then the end of the stream: a
    // few megabytes, not the 25,000,000 rows of the statement.
    let (mut bytes, mut last) = (0usize, None);
    while let Some(m) = stalled.read().await {
        bytes += m.body.len() + 5;
        last = Some(m.tag);
        assert!(
            bytes < 256 << 20,
            "the server went on streaming to a dropped client"
        );
    }
    assert_ne!(last, Some(b'Z'), "the statement never completed");
}

/// Reads on until the server ends the session: its FATAL error, within 10 s
/// (messages before it, e.g. the rest of a result, are skipped), then the close.
async fn terminated(raw: &mut Raw) -> (String, String) {
    let within = Duration::from_secs(10);
    loop {
        let m = tokio::time::timeout(within, raw.read())
            .await
            .expect("the session was ended within 10 s")
            .expect("a FATAL error before the close");
        if m.tag == b'E' {
            assert_eq!(m.field(b'S').as_deref(), Some("FATAL"));
            let after = tokio::time::timeout(within, raw.read()).await.unwrap();
            assert!(after.is_none(), "the connection is closed");
            return (m.sqlstate().unwrap(), m.field(b'M').unwrap());
        }
    }
}

/// The value of a one-row, one-column answer (SHOW).
fn shown(messages: &[crate::common::Msg]) -> String {
    let row = messages.iter().find(|m| m.tag == b'D').expect("a row");
    // Int16 column count, Int32 length, the value.
    String::from_utf8_lossy(&row.body[6..]).into_owned()
}

/// `idle_session_timeout` from the configuration: a session that sits at
/// ReadyForQuery outside a transaction gets FATAL 57P05; one that turned it
/// off in its startup packet is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_ends_with_57p05_after_idle_session_timeout() {
    let s = TestServer::start("idle_session_timeout = \"1s\"\n").await;
    let mut idle = s.raw().await;
    assert_eq!(
        terminated(&mut idle).await,
        (
            "57P05".into(),
            "terminating connection due to idle-session timeout".into()
        )
    );
    let c = s.connect_with("options='-c idle_session_timeout=0'").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    crate::common::assert_alive(&c).await;
}

/// `SET idle_session_timeout` in ms or with a unit, `SHOW`, `RESET` to the
/// configured default (off).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_session_timeout_is_set_shown_and_reset() {
    let s = TestServer::start("").await;
    let mut raw = s.raw().await;
    let answer = raw
        .query("SET idle_session_timeout = 200; SHOW idle_session_timeout")
        .await;
    assert_eq!(shown(&answer), "200ms");
    let answer = raw
        .query("RESET idle_session_timeout; SHOW idle_session_timeout")
        .await;
    assert_eq!(shown(&answer), "0");
    let answer = raw
        .query("SET idle_session_timeout = '1s'; SHOW idle_session_timeout")
        .await;
    assert_eq!(shown(&answer), "1s");
    assert_eq!(terminated(&mut raw).await.0, "57P05");
}

/// `idle_in_transaction_session_timeout` fires only inside a transaction
/// block, open ('T') or failed ('E'): FATAL 25P03.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_transaction_ends_with_25p03() {
    let s = TestServer::start("").await;
    let mut open = s.raw().await;
    open.query("SET idle_in_transaction_session_timeout = 300")
        .await;
    // Outside a block it never fires.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(status(&open.query("BEGIN").await), b'T');
    let mut failed = s.raw().await;
    let answer = failed
        .query("SET idle_in_transaction_session_timeout = '1s'; BEGIN; SELECT 1/0")
        .await;
    assert_eq!(status(&answer), b'E');
    for raw in [&mut open, &mut failed] {
        assert_eq!(
            terminated(raw).await,
            (
                "25P03".into(),
                "terminating connection due to idle-in-transaction timeout".into()
            )
        );
    }
}

/// A session busy with a statement is not idle: a result that takes longer
/// than the timeout to deliver (the client reads nothing for 3 s) arrives
/// whole; only the idle session after it is ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_longer_than_the_idle_timeout_is_not_ended() {
    let s = TestServer::start("").await;
    let mut raw = s.raw().await;
    raw.query("SET idle_session_timeout = '1s'").await;
    // About 50 MB of rows: far more than the sockets' buffers hold.
    raw.send(&[query(
        "SELECT repeat('x', 1000) FROM generate_series(1, 50000)",
    )])
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let answer = raw.until_ready().await;
    assert_eq!(command_tags(&answer), ["SELECT 50000"]);
    assert!(answer.iter().all(|m| m.tag != b'E'), "no error");
    assert_eq!(terminated(&mut raw).await.0, "57P05");
}

/// A panic while serving one client (the test hook `datapress_test_panic()`,
/// compiled only for tests) ends that connection with FATAL XX000; the other
/// sessions and new clients are served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_ends_only_its_own_connection_with_xx000() {
    let s = TestServer::start("").await;
    let other = s.connect().await;
    let mut raw = s.raw().await;
    raw.send(&[query("SELECT datapress_test_panic()")]).await;
    assert_eq!(
        terminated(&mut raw).await,
        (
            "XX000".into(),
            "internal error: datapress_test_panic() was called".into()
        )
    );
    assert_alive(&other).await;
    assert_alive(&s.connect().await).await;
}
