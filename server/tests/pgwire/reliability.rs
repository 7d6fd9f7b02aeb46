//! Limits under pressure: the memory limit (sorts spill, what cannot spill
//! fails with 53200, the session and server go on) and clients that stop
//! reading (statement_timeout still ends the statement; a client that reads
//! nothing for `client_write_timeout` is dropped).

use std::time::Duration;

use futures::StreamExt;

use crate::common::{query, Raw, TestServer};

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
