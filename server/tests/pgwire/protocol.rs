//! Simple and extended query protocol, errors, read-only refusals.

use crate::common::*;

#[tokio::test]
async fn simple_query_runs_statements_in_order_and_stops_at_the_first_error() {
    let s = TestServer::start("").await;
    let mut raw = s.raw().await;
    let msgs = raw
        .query("SELECT 1; SELECT 2 AS two; SELECT * FROM nope; SELECT 3")
        .await;
    // RowDescription, DataRow, CommandComplete twice, then the error, then ReadyForQuery.
    assert_eq!(tags(&msgs), "TDCTDCEZ");
    assert_eq!(msgs[2].tag_text(), "SELECT 1");
    assert_eq!(msgs[6].sqlstate().as_deref(), Some("42P01"));
    assert_eq!(
        msgs[6].field(b'M').as_deref(),
        Some("relation \"nope\" does not exist")
    );
}

#[tokio::test]
async fn empty_and_comment_only_queries_answer_empty_query_response() {
    let s = TestServer::start("").await;
    let mut raw = s.raw().await;
    assert_eq!(tags(&raw.query("").await), "IZ");
    assert_eq!(tags(&raw.query("-- ping").await), "IZ");
    assert_eq!(tags(&raw.query(" ; /* c */ ;").await), "IZ");
}

#[tokio::test]
async fn sample_dataset_answers_the_readme_query() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    let rows = c
        .simple_query("SELECT severity, count(*) FROM accidents GROUP BY severity ORDER BY 2 DESC")
        .await
        .unwrap();
    let data: Vec<(String, String)> = rows
        .iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => {
                Some((r.get(0).unwrap().into(), r.get(1).unwrap().into()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(data.len(), 4);
    assert_eq!(data[0].0, "minor");
    let total: i64 = data.iter().map(|(_, n)| n.parse::<i64>().unwrap()).sum();
    assert_eq!(total, 5000);
    let columns = match &rows[0] {
        tokio_postgres::SimpleQueryMessage::RowDescription(cols) => cols
            .iter()
            .map(|c| c.name().to_string())
            .collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(columns, ["severity", "count"]);
}

#[tokio::test]
async fn extended_protocol_binds_parameters_anywhere_including_limit() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    let rows = c
        .query(
            "SELECT id FROM accidents WHERE id <= $1 ORDER BY id LIMIT $2",
            &[&10i64, &3i64],
        )
        .await
        .unwrap();
    let ids: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(ids, [1, 2, 3]);
    let stmt = c
        .prepare("SELECT city, $1::text AS label FROM accidents WHERE id = $2")
        .await
        .unwrap();
    assert_eq!(stmt.columns()[1].name(), "label");
    let row = c.query_one(&stmt, &[&"x", &1i64]).await.unwrap();
    assert_eq!(row.get::<_, String>(1), "x");
}

#[tokio::test]
async fn describe_reports_parameters_and_columns_or_no_data() {
    let s = TestServer::start("").await;
    let mut raw = s.raw().await;
    raw.send(&[
        parse("s1", "SELECT id, city FROM accidents WHERE id = $1", &[]),
        describe(b'S', "s1"),
        parse("s2", "SET application_name = 'x'", &[]),
        describe(b'S', "s2"),
        sync(),
    ])
    .await;
    let msgs = raw.until_ready().await;
    assert_eq!(tags(&msgs), "1tT1tnZ");
    // One parameter of type int8 (inferred from `id`).
    assert_eq!(&msgs[1].body[..], &[0, 1, 0, 0, 0, 20]);
}

#[tokio::test]
async fn row_limited_execute_suspends_and_resumes_the_portal() {
    let s = TestServer::start("").await;
    let mut raw = s.raw().await;
    raw.send(&[
        parse("", "SELECT id FROM accidents ORDER BY id LIMIT 5", &[]),
        bind("p", "", &[], &[]),
        execute("p", 2),
        execute("p", 2),
        execute("p", 2),
        sync(),
    ])
    .await;
    let msgs = raw.until_ready().await;
    assert_eq!(tags(&msgs), "12DDsDDsDCZ");
    assert_eq!(msgs[9].tag_text(), "SELECT 1");
}

#[tokio::test]
async fn after_an_error_everything_up_to_sync_is_skipped() {
    let s = TestServer::start("").await;
    let mut raw = s.raw().await;
    raw.send(&[
        parse("", "SELECT * FROM nope", &[]),
        bind("", "", &[], &[]),
        execute("", 0),
        parse("", "SELECT 1", &[]),
        bind("", "", &[], &[]),
        execute("", 0),
        sync(),
        parse("", "SELECT 1", &[]),
        bind("", "", &[], &[]),
        execute("", 0),
        sync(),
    ])
    .await;
    let first = raw.until_ready().await;
    assert_eq!(tags(&first), "EZ");
    let second = raw.until_ready().await;
    assert_eq!(tags(&second), "12DCZ");
}

#[tokio::test]
async fn pipelined_queries_before_one_sync_all_answer() {
    let s = TestServer::start("").await;
    let mut raw = s.raw().await;
    raw.send(&[
        parse("a", "SELECT 1", &[]),
        parse("b", "SELECT $1::int4 + 1", &[23]),
        bind("", "a", &[], &[]),
        execute("", 0),
        bind("", "b", &[Some("41")], &[]),
        execute("", 0),
        sync(),
    ])
    .await;
    let msgs = raw.until_ready().await;
    assert_eq!(tags(&msgs), "112DC2DCZ");
    assert_eq!(&msgs[6].body[..], b"\0\x01\0\0\0\x0242");
}

#[tokio::test]
async fn errors_carry_postgres_sqlstates() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    for (sql, code) in [
        ("SELECT * FROM nope", "42P01"),
        ("SELECT nope FROM accidents", "42703"),
        ("SELEC 1", "42601"),
        ("SELECT 1/0", "22012"),
        ("SELECT no_such_function(1)", "42883"),
        ("SELECT 'abc'::int", "22P02"),
        ("SHOW no_such_setting", "42704"),
        ("SET client_encoding = 'LATIN1'", "22023"),
        ("SELECT 1 + 'a'::text", "42883"),
        // Integer arithmetic overflows as in PG, on literals and on columns.
        ("SELECT 2147483647::int4 + 1::int4", "22003"),
        ("SELECT 9223372036854775807::int8 * 2", "22003"),
        ("SELECT (-32768)::int2 - 1::int2", "22003"),
        ("SELECT 40000::int2", "22003"),
        ("SELECT id * 9223372036854775807 FROM accidents", "22003"),
        ("SELECT vehicles + 2147483647::int4 FROM accidents", "22003"),
        // PG has no text = integer operator; an untyped literal is not text.
        ("SELECT 'a'::text = 1", "42883"),
        ("SELECT count(*) FROM accidents WHERE city = 1", "42883"),
        (
            "SELECT count(*) FROM accidents WHERE 2.5 < severity",
            "42883",
        ),
        ("SELECT date_part('nope', now())", "22023"),
        ("SELECT 1e400::float8", "22003"),
    ] {
        let err = c.simple_query(sql).await.unwrap_err();
        let db = err.as_db_error().unwrap_or_else(|| panic!("{sql}: {err}"));
        assert_eq!(db.code().code(), code, "{sql}: {}", db.message());
    }
    // The connection survives all of them.
    assert_alive(&c).await;
    let row = c
        .query_one(
            "SELECT 2147483646::int4 + 1::int4, id * 2 AS twice FROM accidents ORDER BY id LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i32>(0), 2_147_483_647, "no overflow, no error");
    assert_eq!(row.columns()[1].name(), "twice");
    let messages = [
        (
            "SELECT 'a'::text = 1",
            "operator does not exist: text = integer",
        ),
        (
            "SELECT date_part('nope', now())",
            "unit \"nope\" not recognized for type timestamp with time zone",
        ),
        (
            "SELECT 1e400::float8",
            "\"1e400\" is out of range for type double precision",
        ),
    ];
    for (sql, message) in messages {
        let err = c.simple_query(sql).await.unwrap_err();
        assert_eq!(err.as_db_error().unwrap().message(), message, "{sql}");
    }
    // Untyped literals compare with numbers, as in PG.
    let row = c
        .query_one(
            "SELECT count(*) FILTER (WHERE id = '5'), '5' = 5 FROM accidents",
            &[],
        )
        .await
        .unwrap();
    assert_eq!((row.get::<_, i64>(0), row.get::<_, bool>(1)), (1, true));
}

#[tokio::test]
async fn date_part_is_float8_with_fractional_seconds_as_in_postgres() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    // Expected values as PostgreSQL 15 prints them.
    let ts = "timestamp '2024-01-15 10:30:05.25'";
    let sql = format!(
        "SELECT date_part('second', {ts}), date_part('milliseconds', {ts}), \
         date_part('us', {ts}), date_part('century', date '2024-02-29'), \
         date_part('decade', {ts}), date_part('millennium', {ts}), date_part('year', {ts}), \
         extract(second from {ts}), date_part('dow', date '2024-02-29'), \
         date_part('epoch', {ts}), date_part('hour', time '13:45:30.5'), \
         pg_typeof(now()), date_part('second', interval '1 min 30.5 s')"
    );
    let messages = c.simple_query(&sql).await.unwrap();
    let row = data_rows(&messages)[0];
    let values: Vec<&str> = (0..row.len()).map(|i| row.get(i).unwrap()).collect();
    assert_eq!(
        values,
        [
            "5.25",
            "5250",
            "5250000",
            "21",
            "202",
            "3",
            "2024",
            "5.250000",
            "4",
            "1705314605.25",
            "13",
            "timestamp with time zone",
            "30.5"
        ]
    );
    let stmt = c.prepare(&sql).await.unwrap();
    let types: Vec<u32> = stmt.columns().iter().map(|c| c.type_().oid()).collect();
    assert_eq!(types[..7], [701; 7], "date_part is double precision");
    assert_eq!(types[7], 1700, "EXTRACT is numeric");
}

#[tokio::test]
async fn writes_are_refused_with_25006_and_change_nothing() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    for (sql, command) in [
        ("INSERT INTO accidents (id) VALUES (1)", "INSERT"),
        ("UPDATE accidents SET id = 1", "UPDATE"),
        ("DELETE FROM accidents", "DELETE"),
        ("CREATE TABLE t (a int)", "CREATE TABLE"),
        ("DROP TABLE accidents", "DROP TABLE"),
        (
            "CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '/etc/passwd'",
            "CREATE EXTERNAL TABLE",
        ),
        ("COPY accidents FROM STDIN", "COPY FROM"),
        ("COPY accidents TO '/tmp/stolen.csv'", "COPY TO a file"),
        ("CREATE VIEW v AS SELECT 1", "CREATE VIEW"),
        ("TRUNCATE accidents", "TRUNCATE TABLE"),
        ("GRANT SELECT ON accidents TO public", "GRANT"),
        ("VACUUM", "VACUUM"),
    ] {
        let err = c.simple_query(sql).await.unwrap_err();
        let db = err.as_db_error().unwrap();
        assert_eq!(db.code().code(), "25006", "{sql}");
        assert_eq!(
            db.message(),
            format!("cannot execute {command} in a read-only transaction")
        );
        // Also through the extended protocol.
        let err = c.query(sql, &[]).await.unwrap_err();
        assert_eq!(err.as_db_error().unwrap().code().code(), "25006", "{sql}");
    }
    let n: i64 = c
        .query_one("SELECT count(*) FROM accidents", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 5000);
    assert!(!std::path::Path::new("/tmp/stolen.csv").exists());
}

#[tokio::test]
async fn copy_to_stdout_streams_text_and_csv() {
    use futures::StreamExt;
    let s = TestServer::start("").await;
    let c = s.connect().await;
    let read = |sql: &'static str| {
        let c = &c;
        async move {
            let stream = c.copy_out(sql).await.unwrap();
            let chunks: Vec<_> = stream.collect().await;
            let mut out = Vec::new();
            for ch in chunks {
                out.extend_from_slice(&ch.unwrap());
            }
            String::from_utf8(out).unwrap()
        }
    };
    let text =
        read("COPY (SELECT id, weather FROM accidents WHERE id IN (3, 4) ORDER BY id) TO STDOUT")
            .await;
    assert_eq!(text, "3\t\\N\n4\twind\n");
    let csv = read("COPY (SELECT id, 'a,b' AS s, '' AS e FROM accidents WHERE id = 1) TO STDOUT WITH (FORMAT csv, HEADER)").await;
    assert_eq!(csv, "id,s,e\n1,\"a,b\",\"\"\n");
    let all = read("COPY accidents TO STDOUT (FORMAT csv)").await;
    assert_eq!(all.lines().count(), 5000);
}

/// Flush makes the server send what it has without a Sync, and Bind can ask
/// for a different format per result column.
#[tokio::test]
async fn flush_answers_before_sync_and_formats_are_per_column() {
    let s = TestServer::start("").await;
    let mut raw = s.raw().await;
    raw.send(&[
        parse("", "SELECT 1::int4 AS a, 2::int4 AS b, 'x' AS c", &[]),
        bind("", "", &[], &[0, 1, 0]),
        execute("", 0),
        flush(),
    ])
    .await;
    let mut tags = Vec::new();
    let row = loop {
        let m = raw.read().await.expect("an answer before any Sync");
        tags.push(m.tag);
        if m.tag == b'D' {
            break m;
        }
    };
    assert_eq!(tags, [b'1', b'2', b'D']);
    // Three columns: "1" as text, 2 as a binary int4, "x" as text.
    let mut expected = vec![0, 3];
    expected.extend_from_slice(&[0, 0, 0, 1, b'1']);
    expected.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 2]);
    expected.extend_from_slice(&[0, 0, 0, 1, b'x']);
    assert_eq!(&row.body[..], &expected[..]);
    assert_eq!(raw.read().await.unwrap().tag, b'C');
    raw.send(&[sync()]).await;
    assert_eq!(raw.read().await.unwrap().tag, b'Z');
}

/// The text of the only value of a one-column DataRow.
fn only_value(row: &Msg) -> String {
    assert_eq!(row.tag, b'D');
    String::from_utf8_lossy(&row.body[6..]).into_owned()
}

#[tokio::test]
async fn an_untyped_array_parameter_takes_the_other_operands_type() {
    let s = TestServer::start("").await;
    let mut raw = s.raw().await;
    // OID 0, as psycopg 3 sends a list of strings: text[] from `city`.
    // A declared int2[] (psycopg 3's list of small ints) is an int2[] in the plan.
    raw.send(&[
        parse(
            "any_text",
            "SELECT count(*) FROM accidents WHERE city = ANY($1)",
            &[0],
        ),
        describe(b'S', "any_text"),
        bind("", "any_text", &[Some("{Lille,nowhere,Paris}")], &[]),
        execute("", 0),
        parse(
            "",
            "SELECT count(*) FROM accidents WHERE id = ANY($1) AND id <> ALL('{1}')",
            &[1005],
        ),
        bind("", "", &[Some("{1,2,3}")], &[]),
        execute("", 0),
        sync(),
    ])
    .await;
    let msgs = raw.until_ready().await;
    assert_eq!(tags(&msgs), "1tT2DC12DCZ", "{msgs:?}");
    // One parameter, text[] (1009).
    assert_eq!(&msgs[1].body[..], &[0, 1, 0, 0, 0x03, 0xf1]);
    let expected = s
        .connect()
        .await
        .query_one(
            "SELECT count(*) FROM accidents WHERE city IN ('Lille', 'Paris')",
            &[],
        )
        .await
        .unwrap()
        .get::<_, i64>(0);
    assert_eq!(only_value(&msgs[4]), expected.to_string());
    assert_eq!(only_value(&msgs[8]), "2");
}
