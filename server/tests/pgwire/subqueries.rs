//! Correlated subqueries DataFusion cannot decorrelate, evaluated row by row
//! with PostgreSQL's results: EXISTS and IN in select lists and CASE, scalar
//! subqueries equating an inner column with an outer expression, and the
//! one-row rule.

use crate::common::*;

fn column(rows: &[tokio_postgres::SimpleQueryMessage]) -> Vec<Option<String>> {
    rows.iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => Some(r.get(0).map(str::to_string)),
            _ => None,
        })
        .collect()
}

async fn values(c: &tokio_postgres::Client, sql: &str) -> Vec<Option<String>> {
    column(
        &c.simple_query(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}")),
    )
}

fn some(values: &[&str]) -> Vec<Option<String>> {
    values.iter().map(|v| Some(v.to_string())).collect()
}

#[tokio::test]
async fn exists_and_in_subqueries_in_select_lists_follow_three_valued_logic() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    let exists = "SELECT EXISTS (SELECT 1 FROM accidents a WHERE a.id = t.n) \
                  FROM (VALUES (1), (0), (5000)) t(n) ORDER BY t.n";
    assert_eq!(values(&c, exists).await, some(&["f", "t", "t"]));
    let within = "SELECT CASE WHEN t.n IN (SELECT a.vehicles FROM accidents a WHERE a.id <= t.n) \
                  THEN 'yes' ELSE 'no' END FROM (VALUES (1), (2), (3)) t(n) ORDER BY t.n";
    let vehicles = values(
        &c,
        "SELECT vehicles FROM accidents WHERE id <= 3 ORDER BY id",
    )
    .await;
    let expected: Vec<Option<String>> = (1..=3)
        .map(|n| {
            let seen = vehicles[..n]
                .iter()
                .any(|v| v.as_deref() == Some(&n.to_string()));
            Some(if seen { "yes" } else { "no" }.to_string())
        })
        .collect();
    assert_eq!(values(&c, within).await, expected);
    // x IN (set with NULL and no match) is NULL; x NOT IN () is true.
    let null_in = "SELECT (t.n IN (SELECT weather_code FROM (VALUES (NULL::int), (t.n + 1)) w(weather_code)))::text, \
                   t.n NOT IN (SELECT 1 FROM accidents a WHERE a.id < 0 AND a.id = t.n) \
                   FROM (VALUES (1)) t(n)";
    let rows = c.simple_query(null_in).await.unwrap();
    let row = rows
        .iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => {
                Some((r.get(0).map(str::to_string), r.get(1).map(str::to_string)))
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(row, (None, Some("t".to_string())));
}

#[tokio::test]
async fn scalar_subqueries_on_outer_expressions_give_one_value_or_null_or_21000() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    // The inner column equals an expression of the outer row (SQLAlchemy's
    // get_columns shape), which DataFusion does not decorrelate.
    let sql = "SELECT (SELECT a.city FROM accidents a WHERE a.id = t.n * 2) FROM (VALUES (1), (3)) t(n) ORDER BY t.n";
    let cities = values(
        &c,
        "SELECT city FROM accidents WHERE id IN (2, 6) ORDER BY id",
    )
    .await;
    assert_eq!(values(&c, sql).await, cities);
    let none =
        "SELECT (SELECT a.city FROM accidents a WHERE a.id = t.n * -1) FROM (VALUES (1)) t(n)";
    assert_eq!(values(&c, none).await, vec![None]);
    let many =
        "SELECT (SELECT a.city FROM accidents a WHERE a.id > t.n * 2) FROM (VALUES (1)) t(n)";
    let err = c.simple_query(many).await.unwrap_err();
    assert_eq!(err.code().map(|s| s.code()), Some("21000"));
    assert_alive(&c).await;
}

#[tokio::test]
async fn subqueries_in_order_by_sort_the_rows() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    // Grafana's table list orders by `CASE WHEN schema IN (SELECT …)`.
    let sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' \
               ORDER BY CASE WHEN table_name IN (SELECT 'types') THEN 0 ELSE 1 END, 1";
    let names = values(&c, sql).await;
    assert_eq!(
        names,
        vec![Some("types".to_string()), Some("accidents".to_string())]
    );
    // Descending, with a scalar subquery, and on a dataset.
    let sql = "SELECT id FROM accidents WHERE id <= 3 \
               ORDER BY (SELECT max(a.id) FROM accidents a WHERE a.id = accidents.id) DESC";
    let ids = values(&c, sql).await;
    assert_eq!(
        ids,
        vec![
            Some("3".to_string()),
            Some("2".to_string()),
            Some("1".to_string())
        ]
    );
}

/// pgAdmin's role query: a recursive CTE whose anchor is correlated with the
/// outer row, inside `ARRAY(subquery)`; the answers are PostgreSQL 15's.
#[tokio::test]
async fn recursive_ctes_correlated_with_the_outer_row_run_per_row() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    let sql = "SELECT ARRAY(WITH RECURSIVE c(k) AS (\
                 SELECT v.k FROM (VALUES (1), (2), (3)) v(k) WHERE v.k = t.n \
                 UNION ALL SELECT c.k + 1 FROM c WHERE c.k < 4) SELECT k FROM c ORDER BY k) \
               FROM (VALUES (1), (3), (9)) t(n) ORDER BY t.n";
    assert_eq!(values(&c, sql).await, some(&["{1,2,3,4}", "{3,4}", "{}"]));
}
