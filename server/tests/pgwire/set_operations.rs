//! UNION, INTERSECT and EXCEPT with PostgreSQL's meaning: the ALL forms are
//! multiset operations (found by the differential suite: DataFusion dropped
//! or kept every copy).

use crate::common::*;

/// The first column of every row of `sql`'s answer.
async fn column(c: &tokio_postgres::Client, sql: &str) -> Vec<Option<String>> {
    let messages = c.simple_query(sql).await.unwrap();
    data_rows(&messages)
        .iter()
        .map(|r| r.get(0).map(str::to_string))
        .collect()
}

fn values(vs: &[Option<&str>]) -> Vec<Option<String>> {
    vs.iter().map(|v| v.map(str::to_string)).collect()
}

#[tokio::test]
async fn except_all_and_intersect_all_count_copies() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    let left = "SELECT x FROM (VALUES (1), (1), (1), (2), (NULL), (NULL)) t(x)";
    let except =
        format!("{left} EXCEPT ALL SELECT x FROM (VALUES (1), (3), (NULL)) u(x) ORDER BY 1");
    assert_eq!(
        column(&c, &except).await,
        values(&[Some("1"), Some("1"), Some("2"), None])
    );
    let intersect = format!(
        "{left} INTERSECT ALL SELECT x FROM (VALUES (1), (1), (3), (NULL)) u(x) ORDER BY 1"
    );
    assert_eq!(
        column(&c, &intersect).await,
        values(&[Some("1"), Some("1"), None])
    );
    // The distinct forms are unchanged.
    let distinct = format!("{left} EXCEPT SELECT 2 ORDER BY 1");
    assert_eq!(column(&c, &distinct).await, values(&[Some("1"), None]));
}
