//! Shared inputs of the DataPress benches: the batches the encoder is measured on.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int32Array, Int64Array, StringArray,
    TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;

/// `Some(v)`, except for every tenth row (NULL).
fn opt<T>(row: usize, v: T) -> Option<T> {
    (row % 10 != 7).then_some(v)
}

/// The mixed 8-column batch of the issue: int8, int4, float8, short text, long
/// text, bool, date, timestamp, with about 10 % NULLs, `rows` rows.
pub fn mixed_batch(rows: usize) -> RecordBatch {
    let long = "the quick brown fox jumps over the lazy dog, again and again and again";
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, true),
        Field::new("n", DataType::Int32, true),
        Field::new("x", DataType::Float64, true),
        Field::new("short", DataType::Utf8, true),
        Field::new("long", DataType::Utf8, true),
        Field::new("flag", DataType::Boolean, true),
        Field::new("day", DataType::Date32, true),
        Field::new("at", DataType::Timestamp(TimeUnit::Microsecond, None), true),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter(
            (0..rows).map(|i| opt(i, i as i64 * 7_919)),
        )),
        Arc::new(Int32Array::from_iter(
            (0..rows).map(|i| opt(i, (i % 1000) as i32)),
        )),
        Arc::new(Float64Array::from_iter(
            (0..rows).map(|i| opt(i, i as f64 * 0.37)),
        )),
        Arc::new(StringArray::from_iter(
            (0..rows).map(|i| opt(i, ["minor", "serious", "fatal"][i % 3])),
        )),
        Arc::new(StringArray::from_iter((0..rows).map(|i| opt(i, long)))),
        Arc::new(BooleanArray::from_iter(
            (0..rows).map(|i| opt(i, i % 2 == 0)),
        )),
        Arc::new(Date32Array::from_iter(
            (0..rows).map(|i| opt(i, 19_000 + (i % 365) as i32)),
        )),
        Arc::new(TimestampMicrosecondArray::from_iter(
            (0..rows).map(|i| opt(i, 1_700_000_000_000_000 + i as i64 * 1_234_567)),
        )),
    ];
    RecordBatch::try_new(schema, columns).expect("valid batch")
}
