//! Column-wise encoding: one Arrow array becomes one buffer of PG-encoded cells.
//! The type dispatch happens once per column; each arm is a tight loop.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, GenericListArray, OffsetSizeTrait, PrimitiveArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    ArrowPrimitiveType, DataType, Date32Type, Date64Type, Decimal128Type, Decimal256Type,
    Decimal32Type, Decimal64Type, DurationMicrosecondType, DurationMillisecondType,
    DurationNanosecondType, DurationSecondType, Float16Type, Float32Type, Float64Type, Int16Type,
    Int32Type, Int64Type, Int8Type, IntervalDayTimeType, IntervalMonthDayNanoType, IntervalUnit,
    IntervalYearMonthType, Time32MillisecondType, Time32SecondType, Time64MicrosecondType,
    Time64NanosecondType, TimeUnit, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};

use super::binary::{write_numeric, PG_EPOCH_DAYS, PG_EPOCH_MICROS};
use super::json::encode_json_column;
use super::jsonb;
use super::text;
use super::types::{PgScalar, PgType};
use super::{EncodeError, EncodeOptions, Format};

/// A cell's place in [`EncodedColumn::bytes`]: start offset and length, -1 for NULL.
pub type Cell = (u32, i32);
const NULL_CELL: Cell = (0, -1);

/// The encoded cells of one column of one batch.
#[derive(Debug, Default)]
pub struct EncodedColumn {
    /// All cells' bytes, back to back.
    pub bytes: Vec<u8>,
    /// One entry per row.
    pub cells: Vec<Cell>,
}

impl EncodedColumn {
    /// Empties the column, keeping its allocations for the next batch.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.cells.clear();
    }

    /// The bytes of row `row`, or `None` for NULL.
    pub fn cell(&self, row: usize) -> Option<&[u8]> {
        let (start, len) = self.cells[row];
        (len >= 0).then(|| &self.bytes[start as usize..start as usize + len as usize])
    }

    /// Runs `write` for every non-null row of `array`, recording each cell.
    fn encode_each<F: FnMut(usize, &mut Vec<u8>)>(&mut self, array: &dyn Array, mut write: F) {
        let nulls = array.logical_nulls();
        self.cells.reserve(array.len());
        for i in 0..array.len() {
            if nulls.as_ref().is_some_and(|n| n.is_null(i)) {
                self.cells.push(NULL_CELL);
                continue;
            }
            let start = self.bytes.len();
            write(i, &mut self.bytes);
            self.cells
                .push((start as u32, (self.bytes.len() - start) as i32));
        }
    }
}

/// The version byte that starts jsonb's binary format.
const JSONB_BINARY_VERSION: u8 = 1;

/// A reg type's column of OIDs: in binary the OIDs, in text the objects'
/// names ("-" for OID 0, the digits for an object not found).
fn encode_reg_column(
    a: &dyn Array,
    kind: PgScalar,
    binary: bool,
    opts: &EncodeOptions,
    out: &mut EncodedColumn,
) {
    let arr = a.as_primitive::<UInt32Type>();
    let namer = opts.object_names.as_ref().map(|names| names.namer(kind));
    let name_of = |oid| match (kind, &namer) {
        (_, Some(name)) => Some(name(oid)),
        // Without the registry, the built-in functions and types are known.
        (PgScalar::Regproc, None) => crate::catalog::builtin_procs::regproc_text(oid),
        (PgScalar::Regtype, None) => crate::catalog::builtin_types::format_type(oid, -1),
        _ => None,
    };
    out.encode_each(a, |i, buf| {
        let oid = arr.value(i);
        if binary {
            buf.extend_from_slice(&oid.to_be_bytes());
        } else if oid == 0 {
            buf.push(b'-');
        } else {
            match name_of(oid) {
                Some(name) => buf.extend_from_slice(name.as_bytes()),
                None => text::write_int(oid, buf),
            }
        }
    });
}

/// Encodes every row of `array`, sent as `pg_type`, in `format`, appending to `out`.
pub fn encode_column(
    array: &ArrayRef,
    pg_type: PgType,
    format: Format,
    opts: &EncodeOptions,
    out: &mut EncodedColumn,
) -> Result<(), EncodeError> {
    use DataType as D;
    let binary = format == Format::Binary;
    let a = array.as_ref();
    if pg_type == PgType::Scalar(PgScalar::Json) {
        encode_json_column(array, opts, out);
        return Ok(());
    }
    if let PgType::Scalar(kind) = pg_type {
        if kind.is_reg() && a.data_type() == &D::UInt32 {
            encode_reg_column(a, kind, binary, opts, out);
            return Ok(());
        }
    }
    if pg_type == PgType::Scalar(PgScalar::Jsonb) {
        let values = cast(a, &DataType::Utf8)?;
        let strings = values.as_string::<i32>();
        out.encode_each(values.as_ref(), |i, buf| {
            if binary {
                buf.push(JSONB_BINARY_VERSION);
            }
            let raw = strings.value(i).as_bytes();
            // Text that is not JSON cannot come from PG; it is sent as it is.
            if !jsonb::write_jsonb(raw, buf) {
                buf.extend_from_slice(raw);
            }
        });
        return Ok(());
    }
    match a.data_type() {
        D::Null => out.encode_each(a, |_, _| {}),
        D::Boolean => {
            let arr: &BooleanArray = a.as_boolean();
            out.encode_each(a, |i, buf| {
                let v = arr.value(i);
                if binary {
                    buf.push(u8::from(v));
                } else {
                    buf.push(if v { b't' } else { b'f' });
                }
            });
        }
        D::Int8 => int_column::<Int8Type, i16>(a, binary, out),
        D::Int16 => int_column::<Int16Type, i16>(a, binary, out),
        D::UInt8 => int_column::<UInt8Type, i16>(a, binary, out),
        D::Int32 => int_column::<Int32Type, i32>(a, binary, out),
        D::UInt16 => int_column::<UInt16Type, i32>(a, binary, out),
        D::Int64 => int_column::<Int64Type, i64>(a, binary, out),
        D::UInt32 if matches!(pg_type, PgType::Scalar(PgScalar::Oid | PgScalar::Xid)) => {
            let arr = a.as_primitive::<UInt32Type>();
            out.encode_each(a, |i, buf| {
                if binary {
                    buf.extend_from_slice(&arr.value(i).to_be_bytes());
                } else {
                    text::write_int(arr.value(i), buf);
                }
            });
        }
        D::UInt32 => int_column::<UInt32Type, i64>(a, binary, out),
        D::UInt64 => {
            let arr = a.as_primitive::<UInt64Type>();
            let mut digits = itoa::Buffer::new();
            out.encode_each(a, |i, buf| {
                let s = digits.format(arr.value(i));
                if binary {
                    write_numeric(s, 0, buf);
                } else {
                    buf.extend_from_slice(s.as_bytes());
                }
            });
        }
        D::Float16 => {
            let arr = a.as_primitive::<Float16Type>();
            float4_column(a, |i| arr.value(i).to_f32(), binary, opts, out);
        }
        D::Float32 => {
            let arr = a.as_primitive::<Float32Type>();
            float4_column(a, |i| arr.value(i), binary, opts, out);
        }
        D::Float64 => {
            let arr = a.as_primitive::<Float64Type>();
            let efd = opts.extra_float_digits;
            out.encode_each(a, |i, buf| {
                let v = arr.value(i);
                if binary {
                    buf.extend_from_slice(&v.to_bits().to_be_bytes());
                } else {
                    text::write_f64(v, efd, buf);
                }
            });
        }
        D::Decimal32(_, s) => decimal_column::<Decimal32Type>(a, *s, binary, out),
        D::Decimal64(_, s) => decimal_column::<Decimal64Type>(a, *s, binary, out),
        D::Decimal128(_, s) => decimal_column::<Decimal128Type>(a, *s, binary, out),
        D::Decimal256(_, s) => decimal_column::<Decimal256Type>(a, *s, binary, out),
        D::Utf8 => {
            let arr = a.as_string::<i32>();
            // PG's binary "char" is its one byte, '\0' included (the text form of '\0' is '').
            let char_byte = binary && pg_type == PgType::Scalar(PgScalar::Char);
            out.encode_each(a, |i, buf| match arr.value(i).as_bytes() {
                [] if char_byte => buf.push(0),
                value => buf.extend_from_slice(value),
            });
        }
        D::LargeUtf8 => {
            let arr = a.as_string::<i64>();
            out.encode_each(a, |i, buf| buf.extend_from_slice(arr.value(i).as_bytes()));
        }
        D::Utf8View => {
            let arr = a.as_string_view();
            out.encode_each(a, |i, buf| buf.extend_from_slice(arr.value(i).as_bytes()));
        }
        D::Binary => {
            let arr = a.as_binary::<i32>();
            bytes_column(a, |i| arr.value(i), pg_type, binary, out);
        }
        D::LargeBinary => {
            let arr = a.as_binary::<i64>();
            bytes_column(a, |i| arr.value(i), pg_type, binary, out);
        }
        D::BinaryView => {
            let arr = a.as_binary_view();
            bytes_column(a, |i| arr.value(i), pg_type, binary, out);
        }
        D::FixedSizeBinary(_) => {
            let arr = a.as_fixed_size_binary();
            bytes_column(a, |i| arr.value(i), pg_type, binary, out);
        }
        D::Date32 => {
            let arr = a.as_primitive::<Date32Type>();
            date_column(a, |i| i64::from(arr.value(i)), binary, out);
        }
        D::Date64 => {
            let arr = a.as_primitive::<Date64Type>();
            date_column(a, |i| arr.value(i).div_euclid(86_400_000), binary, out);
        }
        D::Time32(TimeUnit::Second) => {
            let arr = a.as_primitive::<Time32SecondType>();
            time_column(a, |i| i64::from(arr.value(i)) * 1_000_000, binary, out);
        }
        D::Time32(_) => {
            let arr = a.as_primitive::<Time32MillisecondType>();
            time_column(a, |i| i64::from(arr.value(i)) * 1000, binary, out);
        }
        D::Time64(TimeUnit::Nanosecond) => {
            let arr = a.as_primitive::<Time64NanosecondType>();
            time_column(a, |i| nanos_to_micros(arr.value(i)), binary, out);
        }
        D::Time64(_) => {
            let arr = a.as_primitive::<Time64MicrosecondType>();
            time_column(a, |i| arr.value(i), binary, out);
        }
        D::Timestamp(unit, tz) => {
            let with_tz = tz.is_some();
            match unit {
                TimeUnit::Second => {
                    let arr = a.as_primitive::<TimestampSecondType>();
                    timestamp_column(a, |i| arr.value(i) * 1_000_000, with_tz, binary, opts, out)
                }
                TimeUnit::Millisecond => {
                    let arr = a.as_primitive::<TimestampMillisecondType>();
                    timestamp_column(a, |i| arr.value(i) * 1000, with_tz, binary, opts, out)
                }
                TimeUnit::Microsecond => {
                    let arr = a.as_primitive::<TimestampMicrosecondType>();
                    timestamp_column(a, |i| arr.value(i), with_tz, binary, opts, out)
                }
                TimeUnit::Nanosecond => {
                    let arr = a.as_primitive::<TimestampNanosecondType>();
                    let f = |i| nanos_to_micros(arr.value(i));
                    timestamp_column(a, f, with_tz, binary, opts, out)
                }
            }
        }
        D::Interval(IntervalUnit::YearMonth) => {
            let arr = a.as_primitive::<IntervalYearMonthType>();
            interval_column(a, |i| (arr.value(i), 0, 0), binary, out);
        }
        D::Interval(IntervalUnit::DayTime) => {
            let arr = a.as_primitive::<IntervalDayTimeType>();
            let f = |i| {
                let v = arr.value(i);
                (0, v.days, i64::from(v.milliseconds) * 1000)
            };
            interval_column(a, f, binary, out);
        }
        D::Interval(IntervalUnit::MonthDayNano) => {
            let arr = a.as_primitive::<IntervalMonthDayNanoType>();
            let f = |i| {
                let v = arr.value(i);
                (v.months, v.days, nanos_to_micros(v.nanoseconds))
            };
            interval_column(a, f, binary, out);
        }
        D::Duration(unit) => {
            let micros: Box<dyn Fn(usize) -> i64> = match unit {
                TimeUnit::Second => {
                    let arr = a.as_primitive::<DurationSecondType>();
                    Box::new(move |i| arr.value(i) * 1_000_000)
                }
                TimeUnit::Millisecond => {
                    let arr = a.as_primitive::<DurationMillisecondType>();
                    Box::new(move |i| arr.value(i) * 1000)
                }
                TimeUnit::Microsecond => {
                    let arr = a.as_primitive::<DurationMicrosecondType>();
                    Box::new(move |i| arr.value(i))
                }
                TimeUnit::Nanosecond => {
                    let arr = a.as_primitive::<DurationNanosecondType>();
                    Box::new(move |i| nanos_to_micros(arr.value(i)))
                }
            };
            interval_column(a, |i| (0, 0, micros(i)), binary, out);
        }
        D::Dictionary(_, value_type) => {
            let values = cast(a, value_type)?;
            encode_column(&values, pg_type, format, opts, out)?;
        }
        D::List(_) => list_column(a.as_list::<i32>(), pg_type, format, opts, out)?,
        D::LargeList(_) => list_column(a.as_list::<i64>(), pg_type, format, opts, out)?,
        D::FixedSizeList(field, _) | D::ListView(field) | D::LargeListView(field) => {
            let as_list = cast(a, &DataType::LargeList(Arc::clone(field)))?;
            encode_column(&as_list, pg_type, format, opts, out)?;
        }
        _ => encode_json_column(array, opts, out),
    }
    Ok(())
}

/// Integer columns: decimal text, or big-endian binary of the PG width `W`.
fn int_column<T, W>(a: &dyn Array, binary: bool, out: &mut EncodedColumn)
where
    T: ArrowPrimitiveType,
    T::Native: itoa::Integer + Into<W>,
    W: BigEndian,
{
    let arr: &PrimitiveArray<T> = a.as_primitive();
    out.encode_each(a, |i, buf| {
        let v = arr.value(i);
        if binary {
            v.into().put(buf);
        } else {
            text::write_int(v, buf);
        }
    });
}

/// Integers that PG sends big-endian.
trait BigEndian: Copy {
    fn put(self, buf: &mut Vec<u8>);
}
impl BigEndian for i16 {
    fn put(self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.to_be_bytes());
    }
}
impl BigEndian for i32 {
    fn put(self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.to_be_bytes());
    }
}
impl BigEndian for i64 {
    fn put(self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.to_be_bytes());
    }
}

fn float4_column(
    a: &dyn Array,
    value: impl Fn(usize) -> f32,
    binary: bool,
    opts: &EncodeOptions,
    out: &mut EncodedColumn,
) {
    let efd = opts.extra_float_digits;
    out.encode_each(a, |i, buf| {
        let v = value(i);
        if binary {
            buf.extend_from_slice(&v.to_bits().to_be_bytes());
        } else {
            text::write_f32(v, efd, buf);
        }
    });
}

fn decimal_column<T>(a: &dyn Array, scale: i8, binary: bool, out: &mut EncodedColumn)
where
    T: ArrowPrimitiveType,
    T::Native: std::fmt::Display,
{
    use std::io::Write;
    let arr: &PrimitiveArray<T> = a.as_primitive();
    let mut digits: Vec<u8> = Vec::with_capacity(80);
    out.encode_each(a, |i, buf| {
        digits.clear();
        let _ = write!(digits, "{}", arr.value(i));
        let s = std::str::from_utf8(&digits).unwrap_or("0");
        if binary {
            write_numeric(s, scale, buf);
        } else {
            text::write_decimal(s, scale, buf);
        }
    });
}

fn bytes_column<'a>(
    a: &'a dyn Array,
    value: impl Fn(usize) -> &'a [u8],
    pg_type: PgType,
    binary: bool,
    out: &mut EncodedColumn,
) {
    let uuid = pg_type == PgType::Scalar(PgScalar::Uuid);
    out.encode_each(a, |i, buf| {
        let v = value(i);
        if binary {
            buf.extend_from_slice(v);
        } else if uuid {
            text::write_uuid(v, buf);
        } else {
            text::write_bytea_hex(v, buf);
        }
    });
}

fn date_column(a: &dyn Array, days: impl Fn(usize) -> i64, binary: bool, out: &mut EncodedColumn) {
    out.encode_each(a, |i, buf| {
        let d = days(i);
        if binary {
            buf.extend_from_slice(&((d - PG_EPOCH_DAYS) as i32).to_be_bytes());
        } else {
            text::write_date(d, buf);
        }
    });
}

/// Nanoseconds to PG's microseconds, rounded half away from zero as PG rounds
/// fractional seconds on input.
fn nanos_to_micros(nanos: i64) -> i64 {
    let (micros, rest) = (nanos / 1000, nanos % 1000);
    match rest {
        500.. => micros + 1,
        ..=-500 => micros - 1,
        _ => micros,
    }
}

fn time_column(
    a: &dyn Array,
    micros: impl Fn(usize) -> i64,
    binary: bool,
    out: &mut EncodedColumn,
) {
    out.encode_each(a, |i, buf| {
        let us = micros(i);
        if binary {
            buf.extend_from_slice(&us.to_be_bytes());
        } else {
            text::write_time(us, buf);
        }
    });
}

fn timestamp_column(
    a: &dyn Array,
    micros: impl Fn(usize) -> i64,
    with_tz: bool,
    binary: bool,
    opts: &EncodeOptions,
    out: &mut EncodedColumn,
) {
    out.encode_each(a, |i, buf| {
        let us = micros(i);
        if binary {
            buf.extend_from_slice(&(us - PG_EPOCH_MICROS).to_be_bytes());
        } else if with_tz {
            let offset = opts.time_zone.offset_at(us);
            text::write_timestamp(us + i64::from(offset) * 1_000_000, Some(offset), buf);
        } else {
            text::write_timestamp(us, None, buf);
        }
    });
}

fn interval_column(
    a: &dyn Array,
    parts: impl Fn(usize) -> (i32, i32, i64),
    binary: bool,
    out: &mut EncodedColumn,
) {
    out.encode_each(a, |i, buf| {
        let (months, days, micros) = parts(i);
        if binary {
            buf.extend_from_slice(&micros.to_be_bytes());
            buf.extend_from_slice(&days.to_be_bytes());
            buf.extend_from_slice(&months.to_be_bytes());
        } else {
            text::write_interval(months, days, micros, buf);
        }
    });
}

/// One-dimensional arrays: the element column is encoded column-wise first, then
/// each row's slice of it is framed as PG's array text (`{1,NULL}`) or binary format.
fn list_column<O: OffsetSizeTrait>(
    list: &GenericListArray<O>,
    pg_type: PgType,
    format: Format,
    opts: &EncodeOptions,
    out: &mut EncodedColumn,
) -> Result<(), EncodeError> {
    let PgType::Array(element) = pg_type else {
        encode_json_column(&(Arc::new(list.clone()) as ArrayRef), opts, out);
        return Ok(());
    };
    let mut elements = EncodedColumn::default();
    encode_column(
        list.values(),
        PgType::Scalar(element),
        format,
        opts,
        &mut elements,
    )?;
    let offsets = list.value_offsets();
    out.encode_each(list, |i, buf| {
        let (start, end) = (offsets[i].as_usize(), offsets[i + 1].as_usize());
        if format == Format::Binary {
            write_binary_array(&elements, start, end, element.oid(), buf);
        } else {
            write_text_array(&elements, start, end, buf);
        }
    });
    Ok(())
}

fn write_binary_array(
    elements: &EncodedColumn,
    start: usize,
    end: usize,
    oid: u32,
    buf: &mut Vec<u8>,
) {
    let has_null = (start..end).any(|r| elements.cells[r].1 < 0);
    let ndim: i32 = if end > start { 1 } else { 0 };
    buf.extend_from_slice(&ndim.to_be_bytes());
    buf.extend_from_slice(&i32::from(has_null).to_be_bytes());
    buf.extend_from_slice(&oid.to_be_bytes());
    if ndim == 1 {
        buf.extend_from_slice(&((end - start) as i32).to_be_bytes());
        buf.extend_from_slice(&1i32.to_be_bytes());
    }
    for r in start..end {
        match elements.cell(r) {
            Some(bytes) => {
                buf.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
                buf.extend_from_slice(bytes);
            }
            None => buf.extend_from_slice(&(-1i32).to_be_bytes()),
        }
    }
}

fn write_text_array(elements: &EncodedColumn, start: usize, end: usize, buf: &mut Vec<u8>) {
    buf.push(b'{');
    for r in start..end {
        if r > start {
            buf.push(b',');
        }
        match elements.cell(r) {
            None => buf.extend_from_slice(b"NULL"),
            Some(v) if needs_array_quotes(v) => {
                buf.push(b'"');
                for &b in v {
                    if b == b'"' || b == b'\\' {
                        buf.push(b'\\');
                    }
                    buf.push(b);
                }
                buf.push(b'"');
            }
            Some(v) => buf.extend_from_slice(v),
        }
    }
    buf.push(b'}');
}

/// PG's `array_out` quoting rule for one element.
fn needs_array_quotes(v: &[u8]) -> bool {
    v.is_empty()
        || v.eq_ignore_ascii_case(b"NULL")
        || v.iter().any(|&b| {
            matches!(
                b,
                b'"' | b'\\' | b'{' | b'}' | b',' | b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c
            )
        })
}
