//! Property: any value of every Arrow type DataPress maps to a PostgreSQL
//! type, served from a dataset over a real socket, reads back equal in binary
//! (tokio-postgres' `FromSql`, as a driver decodes it) and in text (a simple
//! query's answer, parsed).
//!
//! One server serves every case: each case is a few rows written to a new
//! Arrow IPC file and registered in place of the last through the live
//! registry. Covered (column: Arrow type → PG type): `b` Boolean → bool;
//! `i1` Int8, `i2` Int16, `u1` UInt8 → int2; `i4` Int32, `u2` UInt16 → int4;
//! `i8` Int64, `u4` UInt32 (widened by the registry) → int8; `u8` UInt64,
//! `d128` Decimal128(38, 6), `d256` Decimal256(76, 20) → numeric; `f4`
//! Float32 → float4; `f8` Float64 → float8; `t` Utf8, `lt` LargeUtf8, `tv`
//! Utf8View, `dict` Dictionary(Int32, Utf8) → text; `by` Binary, `lby`
//! LargeBinary → bytea; `dt` Date32 → date; `tm` Time64(µs) → time; `ts`
//! Timestamp(µs) → timestamp; `tstz` Timestamp(µs, UTC) → timestamptz; `iv`
//! Interval(MonthDayNano) → interval; `uuid` FixedSizeBinary(16) tagged
//! `arrow.uuid` → uuid; `ia` List(Int32) → int4[]; `ta` List(Utf8) → text[].

use std::fmt::Debug;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use datafusion::arrow::array::*;
use datafusion::arrow::datatypes::*;
use datafusion::arrow::ipc::writer::FileWriter;
use datafusion::arrow::record_batch::RecordBatch;
use datapress::config::DatasetSpec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use tokio_postgres::types::{FromSql, Type};
use tokio_postgres::SimpleQueryRow;

use super::runtime;
use crate::common::*;

/// One generated row: a value or NULL in every column.
#[derive(Debug, Clone)]
struct Row {
    b: Option<bool>,
    i1: Option<i8>,
    i2: Option<i16>,
    u1: Option<u8>,
    i4: Option<i32>,
    u2: Option<u16>,
    i8: Option<i64>,
    u4: Option<u32>,
    u8: Option<u64>,
    f4: Option<f32>,
    f8: Option<f64>,
    d128: Option<i128>,
    d256: Option<i256>,
    t: Option<String>,
    lt: Option<String>,
    tv: Option<String>,
    dict: Option<String>,
    by: Option<Vec<u8>>,
    lby: Option<Vec<u8>>,
    dt: Option<i32>,
    tm: Option<i64>,
    ts: Option<i64>,
    tstz: Option<i64>,
    iv: Option<IntervalMonthDayNano>,
    uuid: Option<[u8; 16]>,
    ia: Option<Vec<Option<i32>>>,
    ta: Option<Vec<Option<String>>>,
}

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Days from 1970-01-01 to a proleptic Gregorian date (astronomical years).
fn days(year: i32, month: u32, day: u32) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    let date = NaiveDate::from_ymd_opt(year, month, day).unwrap();
    (date - epoch).num_days() as i32
}

/// The dates generated: PostgreSQL's first date (4713-11-24 BC) to the last
/// chrono (the drivers' date type) represents. PostgreSQL goes further
/// (5874897 AD for dates, 294276 AD for timestamps), but a driver using
/// chrono cannot decode those, so they are not compared.
fn day_range() -> (i32, i32) {
    (days(-4712, 11, 24), days(262_142, 12, 31))
}

fn nullable<S: Strategy>(s: S) -> impl Strategy<Value = Option<S::Value>> {
    proptest::option::weighted(0.85, s)
}

/// Any value, with the type's bounds and zero more likely than by chance.
fn with_bounds<T: Arbitrary + Clone + Debug + 'static>(
    min: T,
    max: T,
    zero: T,
) -> impl Strategy<Value = T> {
    prop_oneof![1 => Just(min), 1 => Just(max), 1 => Just(zero), 5 => any::<T>()]
}

/// Text without NUL, which PostgreSQL's text cannot hold; with the strings
/// array and COPY quoting must get right more likely than by chance.
fn text() -> impl Strategy<Value = String> {
    let chars = any::<char>().prop_filter("no NUL in PG text", |c| *c != '\0');
    prop_oneof![
        4 => proptest::collection::vec(chars, 0..12).prop_map(String::from_iter),
        1 => prop::sample::select(vec!["", "NULL", "null", " ", "a,b", "{x}", "\"q\"", "back\\slash", "é☃"])
            .prop_map(String::from),
    ]
}

fn float64() -> impl Strategy<Value = f64> {
    prop_oneof![
        1 => prop::sample::select(vec![-0.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MAX, f64::MIN_POSITIVE, 5e-324, 0.1]),
        4 => any::<f64>(),
    ]
}

fn float32() -> impl Strategy<Value = f32> {
    prop_oneof![
        1 => prop::sample::select(vec![-0.0, f32::NAN, f32::INFINITY, f32::NEG_INFINITY, f32::MAX, f32::MIN_POSITIVE, 1e-45, 0.1]),
        4 => any::<f32>(),
    ]
}

/// Timestamps (µs since 1970) from PostgreSQL's first to chrono's last day,
/// most of them within two centuries of now.
fn timestamp() -> impl Strategy<Value = i64> {
    let (first, last) = day_range();
    let (min, max) = (
        i64::from(first) * MICROS_PER_DAY,
        (i64::from(last) + 1) * MICROS_PER_DAY - 1,
    );
    prop_oneof![
        1 => prop::sample::select(vec![min, max, 0, -1]),
        2 => min..=max,
        3 => -2_208_988_800_000_000i64..4_102_444_800_000_000,
    ]
}

/// Intervals to the microsecond: PostgreSQL keeps no nanoseconds, and its
/// input rounds them, so sub-microsecond values would not read back equal.
fn interval() -> impl Strategy<Value = IntervalMonthDayNano> {
    let micros = i64::MIN / 1000..=i64::MAX / 1000;
    (any::<i32>(), any::<i32>(), micros)
        .prop_map(|(months, days, micros)| IntervalMonthDayNano::new(months, days, micros * 1000))
}

fn decimal128() -> impl Strategy<Value = i128> {
    let max = 10i128.pow(38) - 1;
    prop_oneof![1 => prop::sample::select(vec![-max, max, 0, 1, -1]), 4 => -max..=max]
}

/// Decimal256(76, 20) values: up to 38 digits times a power of ten, so beyond i128.
fn decimal256() -> impl Strategy<Value = i256> {
    (decimal128(), 0u32..=37).prop_map(|(digits, shift)| {
        i256::from_i128(digits).wrapping_mul(i256::from_i128(10).wrapping_pow(shift))
    })
}

fn row() -> impl Strategy<Value = Row> {
    let (first_day, last_day) = day_range();
    let ints = (
        nullable(any::<bool>()),
        nullable(with_bounds(i8::MIN, i8::MAX, 0)),
        nullable(with_bounds(i16::MIN, i16::MAX, 0)),
        nullable(with_bounds(u8::MIN, u8::MAX, 1)),
        nullable(with_bounds(i32::MIN, i32::MAX, 0)),
        nullable(with_bounds(u16::MIN, u16::MAX, 1)),
        nullable(with_bounds(i64::MIN, i64::MAX, 0)),
        nullable(with_bounds(u32::MIN, u32::MAX, 1)),
        nullable(with_bounds(u64::MIN, u64::MAX, 1)),
    );
    let numbers = (
        nullable(float32()),
        nullable(float64()),
        nullable(decimal128()),
        nullable(decimal256()),
    );
    let texts = (
        nullable(text()),
        nullable(text()),
        nullable(text()),
        nullable(prop::sample::select(vec!["red", "green", ""]).prop_map(String::from)),
        nullable(proptest::collection::vec(any::<u8>(), 0..16)),
        nullable(proptest::collection::vec(any::<u8>(), 0..16)),
    );
    let times = (
        nullable(first_day..=last_day),
        nullable(0..MICROS_PER_DAY),
        nullable(timestamp()),
        nullable(timestamp()),
        nullable(interval()),
        nullable(any::<[u8; 16]>()),
    );
    let lists = (
        nullable(proptest::collection::vec(nullable(any::<i32>()), 0..5)),
        nullable(proptest::collection::vec(nullable(text()), 0..4)),
    );
    (ints, numbers, texts, times, lists).prop_map(
        |(
            (b, i1, i2, u1, i4, u2, i8, u4, u8),
            (f4, f8, d128, d256),
            (t, lt, tv, dict, by, lby),
            (dt, tm, ts, tstz, iv, uuid),
            (ia, ta),
        )| Row {
            b,
            i1,
            i2,
            u1,
            i4,
            u2,
            i8,
            u4,
            u8,
            f4,
            f8,
            d128,
            d256,
            t,
            lt,
            tv,
            dict,
            by,
            lby,
            dt,
            tm,
            ts,
            tstz,
            iv,
            uuid,
            ia,
            ta,
        },
    )
}

/// The rows as one Arrow batch, with a row number `n` to order them by.
fn batch(rows: &[Row]) -> RecordBatch {
    fn col<T, A: Array + 'static>(
        rows: &[Row],
        f: impl Fn(&Row) -> T,
        make: impl Fn(Vec<T>) -> A,
    ) -> ArrayRef {
        Arc::new(make(rows.iter().map(f).collect()))
    }
    let uuid_tag = std::collections::HashMap::from([(
        "ARROW:extension:name".to_string(),
        "arrow.uuid".to_string(),
    )]);
    let list = |item: DataType| DataType::List(Arc::new(Field::new("item", item, true)));
    let fields = vec![
        Field::new("n", DataType::Int64, false),
        Field::new("b", DataType::Boolean, true),
        Field::new("i1", DataType::Int8, true),
        Field::new("i2", DataType::Int16, true),
        Field::new("u1", DataType::UInt8, true),
        Field::new("i4", DataType::Int32, true),
        Field::new("u2", DataType::UInt16, true),
        Field::new("i8", DataType::Int64, true),
        Field::new("u4", DataType::UInt32, true),
        Field::new("u8", DataType::UInt64, true),
        Field::new("f4", DataType::Float32, true),
        Field::new("f8", DataType::Float64, true),
        Field::new("d128", DataType::Decimal128(38, 6), true),
        Field::new("d256", DataType::Decimal256(76, 20), true),
        Field::new("t", DataType::Utf8, true),
        Field::new("lt", DataType::LargeUtf8, true),
        Field::new("tv", DataType::Utf8View, true),
        Field::new(
            "dict",
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
            true,
        ),
        Field::new("by", DataType::Binary, true),
        Field::new("lby", DataType::LargeBinary, true),
        Field::new("dt", DataType::Date32, true),
        Field::new("tm", DataType::Time64(TimeUnit::Microsecond), true),
        Field::new("ts", DataType::Timestamp(TimeUnit::Microsecond, None), true),
        Field::new(
            "tstz",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            true,
        ),
        Field::new("iv", DataType::Interval(IntervalUnit::MonthDayNano), true),
        Field::new("uuid", DataType::FixedSizeBinary(16), true).with_metadata(uuid_tag),
        Field::new("ia", list(DataType::Int32), true),
        Field::new("ta", list(DataType::Utf8), true),
    ];
    let mut ia = ListBuilder::new(Int32Builder::new());
    let mut ta = ListBuilder::new(StringBuilder::new());
    for r in rows {
        ia.append_option(r.ia.clone());
        ta.append_option(r.ta.clone());
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(0..rows.len() as i64)),
        col(rows, |r| r.b, BooleanArray::from),
        col(rows, |r| r.i1, Int8Array::from),
        col(rows, |r| r.i2, Int16Array::from),
        col(rows, |r| r.u1, UInt8Array::from),
        col(rows, |r| r.i4, Int32Array::from),
        col(rows, |r| r.u2, UInt16Array::from),
        col(rows, |r| r.i8, Int64Array::from),
        col(rows, |r| r.u4, UInt32Array::from),
        col(rows, |r| r.u8, UInt64Array::from),
        col(rows, |r| r.f4, Float32Array::from),
        col(rows, |r| r.f8, Float64Array::from),
        col(
            rows,
            |r| r.d128,
            |v| {
                Decimal128Array::from(v)
                    .with_precision_and_scale(38, 6)
                    .unwrap()
            },
        ),
        col(
            rows,
            |r| r.d256,
            |v| {
                Decimal256Array::from(v)
                    .with_precision_and_scale(76, 20)
                    .unwrap()
            },
        ),
        col(rows, |r| r.t.clone(), StringArray::from_iter),
        col(rows, |r| r.lt.clone(), LargeStringArray::from_iter),
        col(rows, |r| r.tv.clone(), StringViewArray::from_iter),
        col(
            rows,
            |r| r.dict.clone(),
            |v| {
                v.iter()
                    .map(Option::as_deref)
                    .collect::<DictionaryArray<Int32Type>>()
            },
        ),
        col(rows, |r| r.by.clone(), BinaryArray::from_iter),
        col(rows, |r| r.lby.clone(), LargeBinaryArray::from_iter),
        col(rows, |r| r.dt, Date32Array::from),
        col(rows, |r| r.tm, Time64MicrosecondArray::from),
        col(rows, |r| r.ts, TimestampMicrosecondArray::from),
        col(
            rows,
            |r| r.tstz,
            |v| TimestampMicrosecondArray::from(v).with_timezone("UTC"),
        ),
        col(rows, |r| r.iv, IntervalMonthDayNanoArray::from),
        col(
            rows,
            |r| r.uuid,
            |v| FixedSizeBinaryArray::try_from_sparse_iter_with_size(v.into_iter(), 16).unwrap(),
        ),
        Arc::new(ia.finish()),
        Arc::new(ta.finish()),
    ];
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
}

/// Writes `rows` as an Arrow IPC file.
fn write(rows: &[Row], path: &Path) {
    let batch = batch(rows);
    let mut writer = FileWriter::try_new(File::create(path).unwrap(), &batch.schema()).unwrap();
    writer.write(&batch).unwrap();
    writer.finish().unwrap();
}

/// The PostgreSQL type each column must be described as.
const TYPES: [(&str, Type); 27] = [
    ("b", Type::BOOL),
    ("i1", Type::INT2),
    ("i2", Type::INT2),
    ("u1", Type::INT2),
    ("i4", Type::INT4),
    ("u2", Type::INT4),
    ("i8", Type::INT8),
    ("u4", Type::INT8),
    ("u8", Type::NUMERIC),
    ("f4", Type::FLOAT4),
    ("f8", Type::FLOAT8),
    ("d128", Type::NUMERIC),
    ("d256", Type::NUMERIC),
    ("t", Type::TEXT),
    ("lt", Type::TEXT),
    ("tv", Type::TEXT),
    ("dict", Type::TEXT),
    ("by", Type::BYTEA),
    ("lby", Type::BYTEA),
    ("dt", Type::DATE),
    ("tm", Type::TIME),
    ("ts", Type::TIMESTAMP),
    ("tstz", Type::TIMESTAMPTZ),
    ("iv", Type::INTERVAL),
    ("uuid", Type::UUID),
    ("ia", Type::INT4_ARRAY),
    ("ta", Type::TEXT_ARRAY),
];

#[test]
fn every_mapped_type_reads_back_equal_in_binary_and_text() {
    let rt = runtime();
    let mut data_dir = PathBuf::new();
    let s = rt.block_on(TestServer::start_with("", |dir| {
        data_dir = dir.to_path_buf();
        String::new()
    }));
    let client = rt.block_on(s.connect());
    let case = std::cell::Cell::new(0);
    let config = Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    };
    let rows = proptest::collection::vec(row(), 1..6);
    TestRunner::new(config)
        .run(&rows, |rows| {
            case.set(case.get() + 1);
            let path = data_dir.join(format!("case{}.arrow", case.get()));
            write(&rows, &path);
            rt.block_on(async {
                let spec = DatasetSpec {
                    name: "generated".into(),
                    path,
                    format: None,
                    header: None,
                    delimiter: None,
                };
                s.server.datasets().register(spec).await.unwrap();
                let sql = "SELECT * FROM generated ORDER BY n";
                let binary = client.query(sql, &[]).await.unwrap();
                let text = client.simple_query(sql).await.unwrap();
                compare(&rows, &binary, &data_rows(&text))
            })
        })
        .unwrap();
}

/// Every row and column read back as sent, in both formats.
fn compare(
    sent: &[Row],
    binary: &[tokio_postgres::Row],
    text: &[&SimpleQueryRow],
) -> Result<(), TestCaseError> {
    prop_assert_eq!(binary.len(), sent.len());
    prop_assert_eq!(text.len(), sent.len());
    if let Some(first) = binary.first() {
        for (name, ty) in &TYPES {
            let column = first.columns().iter().find(|c| c.name() == *name).unwrap();
            prop_assert_eq!(column.type_(), ty, "the type of {}", name);
        }
    }
    for ((r, b), t) in sent.iter().zip(binary).zip(text) {
        let int = |s: &str| s.parse::<i64>().ok();
        agree(
            "b",
            r.b,
            get(b, "b")?,
            read(t, "b", |s| match s {
                "t" => Some(true),
                "f" => Some(false),
                _ => None,
            })?,
        )?;
        agree(
            "i1",
            r.i1.map(i16::from),
            get(b, "i1")?,
            read(t, "i1", |s| s.parse().ok())?,
        )?;
        agree(
            "i2",
            r.i2,
            get(b, "i2")?,
            read(t, "i2", |s| s.parse().ok())?,
        )?;
        agree(
            "u1",
            r.u1.map(i16::from),
            get(b, "u1")?,
            read(t, "u1", |s| s.parse().ok())?,
        )?;
        agree(
            "i4",
            r.i4,
            get(b, "i4")?,
            read(t, "i4", |s| s.parse().ok())?,
        )?;
        agree(
            "u2",
            r.u2.map(i32::from),
            get(b, "u2")?,
            read(t, "u2", |s| s.parse().ok())?,
        )?;
        agree("i8", r.i8, get(b, "i8")?, read(t, "i8", int)?)?;
        agree(
            "u4",
            r.u4.map(i64::from),
            get(b, "u4")?,
            read(t, "u4", int)?,
        )?;
        let numeric = |s: &str| Some(s.to_string());
        agree(
            "u8",
            r.u8.map(|v| v.to_string()),
            get::<Numeric>(b, "u8")?.map(|n| n.0),
            read(t, "u8", numeric)?,
        )?;
        let d128 = r.d128.map(|v| Decimal128Type::format_decimal(v, 38, 6));
        agree(
            "d128",
            d128,
            get::<Numeric>(b, "d128")?.map(|n| n.0),
            read(t, "d128", numeric)?,
        )?;
        let d256 = r.d256.map(|v| Decimal256Type::format_decimal(v, 76, 20));
        agree(
            "d256",
            d256,
            get::<Numeric>(b, "d256")?.map(|n| n.0),
            read(t, "d256", numeric)?,
        )?;
        // Floats compare by their bits (so -0 is not 0), every NaN as one.
        let f4 = |v: f32| {
            if v.is_nan() {
                f32::NAN.to_bits()
            } else {
                v.to_bits()
            }
        };
        let f8 = |v: f64| {
            if v.is_nan() {
                f64::NAN.to_bits()
            } else {
                v.to_bits()
            }
        };
        agree(
            "f4",
            r.f4.map(f4),
            get::<f32>(b, "f4")?.map(f4),
            read(t, "f4", |s| s.parse().ok().map(f4))?,
        )?;
        agree(
            "f8",
            r.f8.map(f8),
            get::<f64>(b, "f8")?.map(f8),
            read(t, "f8", |s| s.parse().ok().map(f8))?,
        )?;
        let same = |s: &str| Some(s.to_string());
        agree("t", r.t.clone(), get(b, "t")?, read(t, "t", same)?)?;
        agree("lt", r.lt.clone(), get(b, "lt")?, read(t, "lt", same)?)?;
        agree("tv", r.tv.clone(), get(b, "tv")?, read(t, "tv", same)?)?;
        agree(
            "dict",
            r.dict.clone(),
            get(b, "dict")?,
            read(t, "dict", same)?,
        )?;
        agree("by", r.by.clone(), get(b, "by")?, read(t, "by", bytea)?)?;
        agree("lby", r.lby.clone(), get(b, "lby")?, read(t, "lby", bytea)?)?;
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        let dt = r.dt.map(|d| epoch + chrono::Duration::days(d.into()));
        agree("dt", dt, get(b, "dt")?, read(t, "dt", date)?)?;
        let tm =
            r.tm.map(|us| NaiveTime::MIN + chrono::Duration::microseconds(us));
        agree("tm", tm, get(b, "tm")?, read(t, "tm", time)?)?;
        let ts = |us: i64| epoch.and_time(NaiveTime::MIN) + chrono::Duration::microseconds(us);
        agree(
            "ts",
            r.ts.map(ts),
            get(b, "ts")?,
            read(t, "ts", timestamp_text)?,
        )?;
        let tstz = r.tstz.map(|us| ts(us).and_utc());
        let tstz_text =
            |s: &str| timestamp_text(s.replacen("+00", "", 1).as_str()).map(|t| t.and_utc());
        agree::<DateTime<Utc>>("tstz", tstz, get(b, "tstz")?, read(t, "tstz", tstz_text)?)?;
        let iv =
            r.iv.map(|v| Interval(v.months, v.days, v.nanoseconds / 1000));
        agree("iv", iv, get(b, "iv")?, read(t, "iv", interval_text)?)?;
        agree(
            "uuid",
            r.uuid.map(Uuid),
            get(b, "uuid")?,
            read(t, "uuid", uuid_text)?,
        )?;
        let ints = |s: &str| {
            let elements = array_text(s)?.into_iter();
            elements
                .map(|e| e.map_or(Some(None), |v| v.parse().ok().map(Some)))
                .collect()
        };
        agree("ia", r.ia.clone(), get(b, "ia")?, read(t, "ia", ints)?)?;
        agree(
            "ta",
            r.ta.clone(),
            get(b, "ta")?,
            read(t, "ta", array_text)?,
        )?;
    }
    Ok(())
}

/// Both formats read back the value sent.
fn agree<T: PartialEq + Debug>(
    column: &str,
    sent: Option<T>,
    binary: Option<T>,
    text: Option<T>,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(&binary, &sent, "column {} in binary", column);
    prop_assert_eq!(&text, &sent, "column {} in text", column);
    Ok(())
}

/// A column of a binary row, decoded by its `FromSql`.
fn get<'a, T: FromSql<'a>>(
    row: &'a tokio_postgres::Row,
    column: &str,
) -> Result<Option<T>, TestCaseError> {
    row.try_get(column)
        .map_err(|e| TestCaseError::fail(format!("column {column} in binary: {e}")))
}

/// A column of a text row, parsed by `parse` (a parse failure fails the case).
fn read<T>(
    row: &SimpleQueryRow,
    column: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, TestCaseError> {
    match row.try_get(column) {
        Ok(None) => Ok(None),
        Ok(Some(text)) => parse(text).map(Some).ok_or_else(|| {
            TestCaseError::fail(format!("column {column}: unreadable text {text:?}"))
        }),
        Err(e) => Err(TestCaseError::fail(format!("column {column} in text: {e}"))),
    }
}

/// A numeric in binary, as PostgreSQL's text output would write it: the
/// base-10000 digits, weight, sign and display scale of `numeric_send`.
#[derive(Debug, PartialEq)]
struct Numeric(String);

impl<'a> FromSql<'a> for Numeric {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        let word = |i: usize| -> Result<i16, String> {
            raw.get(2 * i..2 * i + 2)
                .map(|b| i16::from_be_bytes([b[0], b[1]]))
                .ok_or_else(|| "numeric too short".to_string())
        };
        let (ndigits, weight, sign, dscale) = (word(0)?, word(1)?, word(2)? as u16, word(3)?);
        let digit = |i: i32| -> Result<i16, String> {
            match usize::try_from(i) {
                Ok(i) if i < ndigits as usize => word(4 + i),
                _ => Ok(0),
            }
        };
        let mut out = String::new();
        if sign == 0x4000 {
            out.push('-');
        }
        if weight < 0 {
            out.push('0');
        }
        for i in 0..=i32::from(weight) {
            let d = digit(i)?;
            match i {
                0 => out.push_str(&d.to_string()),
                _ => out.push_str(&format!("{d:04}")),
            }
        }
        if dscale > 0 {
            let mut fraction = String::new();
            let mut i = i32::from(weight) + 1;
            while fraction.len() < dscale as usize {
                fraction.push_str(&format!("{:04}", digit(i)?));
                i += 1;
            }
            fraction.truncate(dscale as usize);
            out.push('.');
            out.push_str(&fraction);
        }
        Ok(Numeric(out))
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::NUMERIC
    }
}

/// An interval: months, days, microseconds.
#[derive(Debug, PartialEq)]
struct Interval(i32, i32, i64);

impl<'a> FromSql<'a> for Interval {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        let raw: [u8; 16] = raw.try_into()?;
        let micros = i64::from_be_bytes(raw[0..8].try_into()?);
        let days = i32::from_be_bytes(raw[8..12].try_into()?);
        let months = i32::from_be_bytes(raw[12..16].try_into()?);
        Ok(Interval(months, days, micros))
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::INTERVAL
    }
}

/// A uuid's 16 bytes.
#[derive(Debug, PartialEq)]
struct Uuid([u8; 16]);

impl<'a> FromSql<'a> for Uuid {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Uuid(raw.try_into()?))
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::UUID
    }
}

/// `\x` followed by hex digits.
fn bytea(text: &str) -> Option<Vec<u8>> {
    hex(text.strip_prefix("\\x")?)
}

fn hex(digits: &str) -> Option<Vec<u8>> {
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(digits.get(i..i + 2)?, 16).ok())
        .collect()
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
fn uuid_text(text: &str) -> Option<Uuid> {
    hex(&text.replace('-', ""))?.try_into().ok().map(Uuid)
}

/// `YYYY-MM-DD` with at least four year digits, then ` BC` for year 0 and before.
fn date(text: &str) -> Option<NaiveDate> {
    let (text, bc) = match text.strip_suffix(" BC") {
        Some(t) => (t, true),
        None => (text, false),
    };
    let mut parts = text.splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    NaiveDate::from_ymd_opt(if bc { 1 - year } else { year }, month, day)
}

/// `HH:MM:SS` with an optional fraction.
fn time(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M:%S%.f").ok()
}

/// A date, a space and a time, then ` BC` for year 0 and before.
fn timestamp_text(text: &str) -> Option<NaiveDateTime> {
    let (text, bc) = match text.strip_suffix(" BC") {
        Some(t) => (t, " BC"),
        None => (text, ""),
    };
    let (day, clock) = text.split_once(' ')?;
    Some(date(&format!("{day}{bc}"))?.and_time(time(clock)?))
}

/// IntervalStyle `postgres`: `N year(s)`, `N mon(s)`, `N day(s)`, then a
/// signed `H:MM:SS[.f]` (hours unbounded).
fn interval_text(text: &str) -> Option<Interval> {
    let (mut months, mut days, mut micros) = (0i32, 0i32, 0i64);
    let mut words = text.split(' ');
    while let Some(word) = words.next() {
        if word.contains(':') {
            let (negative, clock) = match word.strip_prefix('-') {
                Some(c) => (true, c),
                None => (false, word.trim_start_matches('+')),
            };
            let mut parts = clock.splitn(3, ':');
            let hours: i64 = parts.next()?.parse().ok()?;
            let minutes: i64 = parts.next()?.parse().ok()?;
            let rest = parts.next()?;
            let (seconds, fraction) = rest.split_once('.').unwrap_or((rest, ""));
            let fraction: i64 = format!("{fraction:0<6}").parse().ok()?;
            let seconds: i64 = seconds.parse().ok()?;
            let total = ((hours * 60 + minutes) * 60 + seconds) * 1_000_000 + fraction;
            micros = if negative { -total } else { total };
            continue;
        }
        let n: i32 = word.parse().ok()?;
        match words.next()? {
            u if u.starts_with("year") => months = months.checked_add(n.checked_mul(12)?)?,
            u if u.starts_with("mon") => months = months.checked_add(n)?,
            u if u.starts_with("day") => days = n,
            _ => return None,
        }
    }
    Some(Interval(months, days, micros))
}

/// A one-dimensional array literal (`{1,NULL,"a b"}`), read as PostgreSQL's
/// `array_in` reads it: quoted elements take backslash escapes, an unquoted
/// `NULL` (in any case) is NULL.
fn array_text(text: &str) -> Option<Vec<Option<String>>> {
    let inner = text.strip_prefix('{')?.strip_suffix('}')?;
    let mut elements = Vec::new();
    if inner.is_empty() {
        return Some(elements);
    }
    let mut chars = inner.chars().peekable();
    loop {
        let mut element = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => element.push(chars.next()?),
                    c => element.push(c),
                }
            }
            elements.push(Some(element));
        } else {
            while let Some(c) = chars.next_if(|c| *c != ',') {
                element.push(c);
            }
            elements.push((!element.eq_ignore_ascii_case("NULL")).then_some(element));
        }
        match chars.next() {
            None => return Some(elements),
            Some(',') => continue,
            Some(_) => return None,
        }
    }
}
