//! Every type in text and binary format, with NULLs, checked against the bytes
//! PostgreSQL documents (and sends: see the compat crate's differential tests).

use crate::common::*;

const COLUMNS: &[(&str, &str, u32)] = &[
    ("b", "t", 16),
    ("i2", "-32768", 21),
    ("i4", "2147483647", 23),
    ("i8", "-9007199254740993", 20),
    ("u8", "255", 21),
    ("u64", "18446744073709551615", 1700),
    ("f4", "1.5", 700),
    ("f8", "0.1", 701),
    ("d", "12345.67", 1700),
    ("t", "héllo", 25),
    ("by", "\\xdead", 17),
    ("dt", "2024-02-29", 1082),
    ("tm", "13:45:30.5", 1083),
    ("ts", "2024-01-15 10:30:00.41246", 1114),
    ("tstz", "2024-01-15 10:30:00.41246+00", 1184),
    ("iv", "1 year 2 mons 3 days 04:05:06", 1186),
    ("arr", "{1,NULL,3}", 1007),
    ("tarr", "{\"a b\",x}", 1009),
    ("st", "{\"a\":1,\"b\":\"x\\\"y\"}", 114),
    ("dict", "red", 25),
    ("uuid", "00010203-0405-0607-0809-0a0b0c0d0e0f", 2950),
    ("i1", "-128", 21),
    ("u16", "65535", 23),
    ("u32", "4294967295", 20),
    ("d256", "-12345678901234567890123456789012345.67890", 1700),
    ("lu", "large", 25),
    ("uv", "a view longer than twelve", 25),
    ("lby", "\\x00ff", 17),
    ("d64", "2024-02-29", 1082),
    ("t32", "13:45:30.5", 1083),
    ("t64ns", "13:45:30.500002", 1083),
    ("tss", "2024-01-15 10:30:00", 1114),
    ("tsms", "2024-01-15 10:30:00.412+00", 1184),
    ("tsns", "2024-01-15 10:30:00.412461", 1114),
    ("dur", "26:03:04.000005", 1186),
    ("larr", "{10,-20}", 1016),
    ("farr", "{1,NULL}", 1005),
    ("map", "{\"k\":1}", 114),
    ("js", "{\"a\": \"x\", \"b\": [1, 2.50], \"aa\": null}", 3802),
];

#[tokio::test]
async fn every_type_has_postgres_text_output_and_type_oid() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    let names: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
    let sql = format!(
        "SELECT {} FROM types ORDER BY b NULLS LAST",
        names.join(", ")
    );
    let msgs = c.simple_query(&sql).await.unwrap();
    let rows = data_rows(&msgs);
    assert_eq!(rows.len(), 2);
    for (i, (name, text, _)) in COLUMNS.iter().enumerate() {
        assert_eq!(rows[0].get(i), Some(*text), "column {name}");
        assert_eq!(rows[1].get(i), None, "NULL in column {name}");
    }
    let stmt = c.prepare(&sql).await.unwrap();
    for (col, (name, _, oid)) in stmt.columns().iter().zip(COLUMNS) {
        assert_eq!(col.type_().oid(), *oid, "type of {name}");
    }
}

#[tokio::test]
async fn every_type_has_postgres_binary_output() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    let row = c
        .query_one("SELECT * FROM types WHERE b", &[])
        .await
        .unwrap();
    let raw = |name: &str| row.get::<_, WireBytes>(name).0;
    assert_eq!(raw("b"), [1]);
    assert_eq!(raw("i2"), (-32768i16).to_be_bytes());
    assert_eq!(raw("u8"), 255i16.to_be_bytes());
    assert_eq!(raw("i8"), (-9_007_199_254_740_993i64).to_be_bytes());
    assert_eq!(raw("f4"), 1.5f32.to_be_bytes());
    assert_eq!(raw("f8"), 0.1f64.to_be_bytes());
    // numeric 12345.67: ndigits 3, weight 1, sign +, dscale 2, digits 1 2345 6700
    assert_eq!(
        raw("d"),
        [0, 3, 0, 1, 0, 0, 0, 2, 0, 1, 0x09, 0x29, 0x1a, 0x2c]
    );
    assert_eq!(raw("t"), "héllo".as_bytes());
    assert_eq!(raw("by"), [0xde, 0xad]);
    // date: days since 2000-01-01
    assert_eq!(raw("dt"), 8825i32.to_be_bytes());
    assert_eq!(raw("tm"), 49_530_500_000i64.to_be_bytes());
    let pg_micros = 1_705_314_600_412_460i64 - 946_684_800_000_000;
    assert_eq!(raw("ts"), pg_micros.to_be_bytes());
    assert_eq!(raw("tstz"), pg_micros.to_be_bytes());
    let mut iv = 14_706_000_000i64.to_be_bytes().to_vec();
    iv.extend_from_slice(&3i32.to_be_bytes());
    iv.extend_from_slice(&14i32.to_be_bytes());
    assert_eq!(raw("iv"), iv);
    // int4[]: ndim 1, has nulls, elem oid 23, dim 3, lbound 1, then elements.
    let mut arr = Vec::new();
    for v in [1i32, 1, 23, 3, 1, 4, 1, -1, 4, 3] {
        arr.extend_from_slice(&v.to_be_bytes());
    }
    assert_eq!(raw("arr"), arr);
    assert_eq!(raw("uuid"), (0u8..16).collect::<Vec<u8>>());
    assert_eq!(raw("dict"), b"red");
    assert_eq!(raw("i1"), (-128i16).to_be_bytes());
    assert_eq!(raw("u16"), 65_535i32.to_be_bytes());
    assert_eq!(raw("u32"), 4_294_967_295i64.to_be_bytes());
    // numeric -12345678901234567890123456789012345.67890: weight 8, sign -,
    // dscale 5, ten base-10000 digits (the trailing zero group is dropped).
    let mut d256 = Vec::new();
    for v in [
        10u16, 8, 0x4000, 5, 123, 4567, 8901, 2345, 6789, 123, 4567, 8901, 2345, 6789,
    ] {
        d256.extend_from_slice(&v.to_be_bytes());
    }
    assert_eq!(raw("d256"), d256);
    assert_eq!(raw("lu"), b"large");
    assert_eq!(raw("uv"), b"a view longer than twelve");
    assert_eq!(raw("lby"), [0x00, 0xff]);
    assert_eq!(raw("d64"), raw("dt"));
    assert_eq!(raw("t32"), raw("tm"));
    assert_eq!(raw("t64ns"), 49_530_500_002i64.to_be_bytes());
    assert_eq!(raw("tss"), (pg_micros - 412_460).to_be_bytes());
    assert_eq!(raw("tsms"), (pg_micros - 460).to_be_bytes());
    assert_eq!(raw("tsns"), (pg_micros + 1).to_be_bytes());
    // interval: microseconds, days 0, months 0
    let mut dur = 93_784_000_005i64.to_be_bytes().to_vec();
    dur.extend_from_slice(&[0; 8]);
    assert_eq!(raw("dur"), dur);
    // int8[]: ndim 1, no nulls, elem oid 20, dim 2, lbound 1, then elements.
    let mut larr = Vec::new();
    for v in [1i32, 0, 20, 2, 1] {
        larr.extend_from_slice(&v.to_be_bytes());
    }
    for v in [10i64, -20] {
        larr.extend_from_slice(&8i32.to_be_bytes());
        larr.extend_from_slice(&v.to_be_bytes());
    }
    assert_eq!(raw("larr"), larr);
    // int2[] {1,NULL}
    let mut farr = Vec::new();
    for v in [1i32, 1, 21, 2, 1, 2] {
        farr.extend_from_slice(&v.to_be_bytes());
    }
    farr.extend_from_slice(&1i16.to_be_bytes());
    farr.extend_from_slice(&(-1i32).to_be_bytes());
    assert_eq!(raw("farr"), farr);
    assert_eq!(raw("map"), br#"{"k":1}"#);
    // jsonb binary: version 1, then the text.
    assert_eq!(
        raw("js"),
        b"\x01{\"a\": \"x\", \"b\": [1, 2.50], \"aa\": null}"
    );
    let decoded: (
        bool,
        i64,
        f64,
        String,
        chrono::NaiveDate,
        chrono::NaiveDateTime,
        Vec<Option<i32>>,
    ) = (
        row.get("b"),
        row.get("i8"),
        row.get("f8"),
        row.get("t"),
        row.get("dt"),
        row.get("ts"),
        row.get("arr"),
    );
    assert_eq!(decoded.4.to_string(), "2024-02-29");
    assert_eq!(decoded.6, [Some(1), None, Some(3)]);
    let nulls = c
        .query_one("SELECT * FROM types WHERE b IS NULL", &[])
        .await
        .unwrap();
    for i in 0..nulls.len() {
        assert!(
            nulls.get::<_, Option<WireBytes>>(i).is_none(),
            "column {i} should be NULL"
        );
    }
}

#[tokio::test]
async fn binary_and_text_parameters_round_trip() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    let row = c
        .query_one(
            "SELECT $1::int8 + 1, $2::float8 * 2, $3::text || '!', $4::date, $5::bool",
            &[
                &41i64,
                &1.25f64,
                &"hi",
                &chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap(),
                &true,
            ],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 42);
    assert_eq!(row.get::<_, f64>(1), 2.5);
    assert_eq!(row.get::<_, String>(2), "hi!");
    assert_eq!(row.get::<_, chrono::NaiveDate>(3).to_string(), "2024-02-29");
    assert!(row.get::<_, bool>(4));
}

#[tokio::test]
async fn float_output_follows_extra_float_digits() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    let text = |sql: &'static str| {
        let c = &c;
        async move {
            match &c.simple_query(sql).await.unwrap()[1] {
                tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).unwrap().to_string(),
                other => panic!("{other:?}"),
            }
        }
    };
    assert_eq!(
        text("SELECT 0.1::float8 + 0.2::float8").await,
        "0.30000000000000004"
    );
    assert_eq!(text("SELECT 1e20::float8").await, "1e+20");
    c.batch_execute("SET extra_float_digits = 0").await.unwrap();
    assert_eq!(text("SELECT 0.1::float8 + 0.2::float8").await, "0.3");
}

#[tokio::test]
async fn pg_type_lists_the_types_we_send_with_oid_columns() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    // The array-type query postgres.js sends on connect.
    let rows = c
        .query(
            "select b.oid, b.typarray from pg_catalog.pg_type a left join pg_catalog.pg_type b on b.oid = a.typelem \
             where a.typcategory = 'A' group by b.oid, b.typarray order by b.oid",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows[0].columns()[0].type_().oid(), 26);
    let pairs: Vec<(u32, u32)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert!(
        pairs.contains(&(23, 1007)) && pairs.contains(&(2950, 2951)),
        "{pairs:?}"
    );
    // pgjdbc's TypeInfoCache lookup by OID.
    let row = c
        .query_one(
            "SELECT n.nspname = ANY(current_schemas(true)), n.nspname, t.typname FROM pg_catalog.pg_type t \
             JOIN pg_catalog.pg_namespace n ON t.typnamespace = n.oid WHERE t.oid = $1",
            &[&1007u32],
        )
        .await
        .unwrap();
    assert!(row.get::<_, bool>(0));
    assert_eq!(row.get::<_, String>(2), "_int4");
}

#[tokio::test]
async fn casts_to_text_print_as_in_postgres() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    let casts = [
        ("ARRAY[1,NULL,3]::text", "{1,NULL,3}"),
        ("'{a,\"b c\"}'::text[]::text", "{a,\"b c\"}"),
        ("(SELECT larr::text FROM types WHERE b)", "{10,-20}"),
        ("331::float8::text", "331"),
        ("(0.1::float8 + 0.2::float8)::text", "0.30000000000000004"),
        ("1e20::float8::text", "1e+20"),
        ("1.5::float4::text", "1.5"),
        (
            "'2024-01-15 10:30:00.5'::timestamp::text",
            "2024-01-15 10:30:00.5",
        ),
        (
            "'2024-01-15 10:30:00+00'::timestamptz::text",
            "2024-01-15 10:30:00+00",
        ),
        ("'1 day 2 hours'::interval::text", "1 day 02:00:00"),
        ("'10:30:00.25'::time::text", "10:30:00.25"),
        ("'2024-01-15'::date::text", "2024-01-15"),
        ("decode('0102', 'hex')::text", "\\x0102"),
        // Implicit casts to text, as `||` makes them.
        (
            "'at ' || '2024-01-15 10:30:00'::timestamp",
            "at 2024-01-15 10:30:00",
        ),
        ("'x' || 1.0::float8", "x1"),
    ];
    // Each expected text is what PostgreSQL 15 printed for the same expression.
    for (expr, pg) in casts {
        let rows = c.simple_query(&format!("SELECT {expr}")).await.unwrap();
        assert_eq!(data_rows(&rows)[0].get(0), Some(pg), "{expr}");
    }
}

#[tokio::test]
async fn casts_to_text_follow_time_zone_and_extra_float_digits() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    c.batch_execute("SET TimeZone = 'Europe/Paris'; SET extra_float_digits = 0")
        .await
        .unwrap();
    // PostgreSQL 15: 2024-01-15 11:30:00+01 | 0.3
    let rows = c
        .simple_query(
            "SELECT '2024-01-15 10:30:00+00'::timestamptz::text, \
             (0.1::float8 + 0.2::float8)::text",
        )
        .await
        .unwrap();
    let row = data_rows(&rows)[0];
    assert_eq!(
        (row.get(0), row.get(1)),
        (Some("2024-01-15 11:30:00+01"), Some("0.3"))
    );
}

#[tokio::test]
async fn date_trunc_follows_the_session_time_zone_when_it_runs() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    // Answers of PostgreSQL 15 for the same statements.
    c.batch_execute("SET TimeZone = 'America/New_York'")
        .await
        .unwrap();
    let row = c
        .query_one(
            "SELECT date_trunc('month', date '2024-03-10')::text, \
             date_trunc('day', timestamptz '2024-03-10 12:00:00-04')::text",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "2024-03-01 00:00:00-05");
    assert_eq!(row.get::<_, String>(1), "2024-03-10 00:00:00-05");
    // A prepared statement reads the zone when it runs, not when it was planned.
    let month = c
        .prepare("SELECT date_trunc('month', timestamptz '2024-03-01 02:00:00+00')::text")
        .await
        .unwrap();
    let in_new_york: String = c.query_one(&month, &[]).await.unwrap().get(0);
    assert_eq!(in_new_york, "2024-02-01 00:00:00-05");
    c.batch_execute("SET TimeZone = 'UTC'").await.unwrap();
    let in_utc: String = c.query_one(&month, &[]).await.unwrap().get(0);
    assert_eq!(in_utc, "2024-03-01 00:00:00+00");
}

#[tokio::test]
async fn casts_between_timestamptz_and_local_time_use_the_session_time_zone() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    c.batch_execute("SET TimeZone = 'America/New_York'")
        .await
        .unwrap();
    // Answers of PostgreSQL 15 for the same statement.
    let row = c
        .query_one(
            "SELECT ('2024-03-10 12:00:00'::timestamptz)::text, \
             (date '2024-03-10')::timestamptz::text, \
             (timestamptz '2024-03-10 12:00:00+00')::timestamp::text, \
             (timestamptz '2024-03-10 03:00:00+00')::date::text",
            &[],
        )
        .await
        .unwrap();
    let texts: Vec<String> = (0..4).map(|i| row.get(i)).collect();
    assert_eq!(
        texts,
        [
            "2024-03-10 12:00:00-04",
            "2024-03-10 00:00:00-05",
            "2024-03-10 08:00:00",
            "2024-03-09"
        ]
    );
}
