//! Plans reused across executions give what planning afresh would: the same
//! rows each time, catalog rows made anew, volatile functions evaluated anew.

use crate::common::*;

fn texts(messages: &[tokio_postgres::SimpleQueryMessage]) -> Vec<String> {
    messages
        .iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => Some(r.get(0).unwrap_or("").to_string()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_repeated_query_answers_the_same_each_time() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    for sql in [
        "SELECT 1",
        "SELECT city FROM accidents WHERE id = 7",
        "SELECT id FROM accidents WHERE id <= 5 ORDER BY id DESC LIMIT 3",
        "SELECT count(*) FROM accidents WHERE severity = 'minor'",
        // A TopK's dynamic filter must not keep its threshold between runs
        // (found by the differential suite: the second run returned no rows).
        "SELECT vehicles FROM accidents ORDER BY vehicles LIMIT 2",
        "SELECT (- vehicles) AS v FROM accidents ORDER BY 1 DESC NULLS LAST LIMIT 3 OFFSET 13",
    ] {
        let first = texts(&c.simple_query(sql).await.unwrap());
        assert!(!first.is_empty(), "{sql}");
        for _ in 0..3 {
            assert_eq!(texts(&c.simple_query(sql).await.unwrap()), first, "{sql}");
        }
    }
}

#[tokio::test]
async fn a_repeated_prepared_query_binds_new_values_each_time() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    let stmt = c
        .prepare("SELECT id FROM accidents WHERE id > $1 ORDER BY id LIMIT $2")
        .await
        .unwrap();
    for (after, limit) in [(0i64, 2i64), (10, 1), (20, 3)] {
        let rows = c.query(&stmt, &[&after, &limit]).await.unwrap();
        let ids: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
        let expected: Vec<i64> = (after + 1..=after + limit).collect();
        assert_eq!(ids, expected);
    }
}

#[tokio::test]
async fn catalog_rows_and_volatile_functions_are_made_anew() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    let sql = "SELECT application_name FROM pg_stat_activity";
    for name in ["first", "second"] {
        c.batch_execute(&format!("SET application_name = '{name}'"))
            .await
            .unwrap();
        assert_eq!(texts(&c.simple_query(sql).await.unwrap()), [name]);
    }
    let random = "SELECT random()";
    let a = texts(&c.simple_query(random).await.unwrap());
    let b = texts(&c.simple_query(random).await.unwrap());
    assert_ne!(a, b);
}

#[tokio::test]
async fn discard_plans_answers_and_plans_still_work_after_it() {
    let s = TestServer::start("").await;
    let mut raw = s.raw().await;
    raw.query("SELECT 1").await;
    assert_eq!(
        command_tags(&raw.query("DISCARD PLANS").await),
        ["DISCARD PLANS"]
    );
    assert_eq!(command_tags(&raw.query("SELECT 1").await), ["SELECT 1"]);
}
