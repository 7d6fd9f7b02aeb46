//! PostgreSQL's data type formatting functions — `to_char`, `to_date` and
//! `to_timestamp` — over the template engine of [`crate::dialect::pg_template`].
//!
//! DataFusion registers `to_char`, `to_date` and `to_timestamp` too, but
//! with strftime patterns: `to_char(ts, 'YYYY-MM')` there returns the
//! pattern's text for every row. These replace them in each session (they
//! read its TimeZone), with PG's argument types: `to_char` of a timestamp,
//! timestamptz, date (as a timestamptz at local midnight), interval or
//! number; `to_date(text, text)`; `to_timestamp(text, text)` and
//! `to_timestamp(float8)`, both timestamptz. (`to_number` is not served: its
//! numeric result has a scale per value, which one Arrow decimal column
//! cannot carry; it is PG's 42883 until numeric values carry their own scale.)

use std::sync::Arc;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Offset, TimeZone};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Date32Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Float64Type, IntervalMonthDayNanoType, TimeUnit, TimestampMicrosecondType,
};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};

use super::PLANNING_TIME_ZONE;
use crate::catalog::functions::SessionInfo;
use crate::dialect::pg_template::{
    DateTimeFields, DateTimeTemplate, IntervalFields, NumberKind, NumberTemplate, TemplateError,
};
use crate::encode::SessionTimeZone;
use crate::errors::{sqlstate, PgError};

/// Microseconds in a day.
const DAY_MICROS: i64 = 86_400_000_000;

/// Which formatting function: `to_char`, `to_date` or `to_timestamp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Char,
    Date,
    Timestamp,
}

/// One formatting function of one session.
#[derive(Debug)]
struct Formatting {
    kind: Kind,
    signature: Signature,
    session: Arc<SessionInfo>,
}

impl PartialEq for Formatting {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && Arc::ptr_eq(&self.session, &other.session)
    }
}
impl Eq for Formatting {}
impl std::hash::Hash for Formatting {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.kind.hash(state);
    }
}

/// The three functions, for the session `session`.
pub fn formatting_functions(session: &Arc<SessionInfo>) -> Vec<ScalarUDF> {
    use DataType::{Float64, Utf8};
    let text2 = || TypeSignature::Exact(vec![Utf8, Utf8]);
    [
        (Kind::Char, TypeSignature::Any(2)),
        (Kind::Date, text2()),
        (
            Kind::Timestamp,
            TypeSignature::OneOf(vec![text2(), TypeSignature::Exact(vec![Float64])]),
        ),
    ]
    .into_iter()
    .map(|(kind, signature)| {
        ScalarUDF::new_from_impl(Formatting {
            kind,
            signature: Signature::new(signature, Volatility::Stable),
            session: Arc::clone(session),
        })
    })
    .collect()
}

fn timestamptz() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some(Arc::from(PLANNING_TIME_ZONE)))
}

/// PG's error for a template or input it refuses (its hint is not sent).
fn template_error(e: TemplateError) -> datafusion::error::DataFusionError {
    let mut error = PgError::new(e.sqlstate, e.message);
    if let Some(detail) = e.detail {
        error = error.with_detail(detail);
    }
    error.into_datafusion()
}

fn internal(what: &str) -> datafusion::error::DataFusionError {
    PgError::new(sqlstate::INTERNAL_ERROR, format!("internal error: {what}")).into_datafusion()
}

/// How `to_char` reads its first argument.
enum CharSource {
    Timestamp { zoned: bool },
    Date,
    Interval,
    Number(NumberKind),
}

fn char_source(t: &DataType) -> Option<CharSource> {
    Some(match t {
        DataType::Timestamp(_, zone) => CharSource::Timestamp {
            zoned: zone.is_some(),
        },
        DataType::Date32 | DataType::Date64 => CharSource::Date,
        DataType::Interval(_) => CharSource::Interval,
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::UInt8 | DataType::UInt16 => {
            CharSource::Number(NumberKind::Int4)
        }
        DataType::Int64 | DataType::UInt32 => CharSource::Number(NumberKind::Int8),
        DataType::Float16 | DataType::Float32 => CharSource::Number(NumberKind::Float4),
        DataType::Float64 => CharSource::Number(NumberKind::Float8),
        DataType::UInt64 | DataType::Decimal128(..) | DataType::Decimal256(..) => {
            CharSource::Number(NumberKind::Numeric)
        }
        _ => return None,
    })
}

impl ScalarUDFImpl for Formatting {
    fn name(&self) -> &str {
        match self.kind {
            Kind::Char => "to_char",
            Kind::Date => "to_date",
            Kind::Timestamp => "to_timestamp",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        Ok(match self.kind {
            Kind::Char => {
                self.check_to_char(args)?;
                DataType::Utf8
            }
            Kind::Date => DataType::Date32,
            Kind::Timestamp => timestamptz(),
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let scalars = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let arrays = args
            .args
            .iter()
            .map(|a| a.to_array(rows))
            .collect::<Result<Vec<_>>>()?;
        let zone = self.time_zone();
        let result = match (self.kind, arrays.as_slice()) {
            (Kind::Char, [value, template]) => to_char(value, &text(template)?, zone)?,
            (Kind::Date, [value, template]) => to_date(&text(value)?, &text(template)?)?,
            (Kind::Timestamp, [value, template]) => {
                to_timestamp(&text(value)?, &text(template)?, zone)?
            }
            (Kind::Timestamp, [seconds]) => epoch_to_timestamp(seconds)?,
            _ => return Err(internal("formatting function arguments")),
        };
        crate::dialect::functions::shaped_like_arguments(scalars, result)
    }
}

impl Formatting {
    fn time_zone(&self) -> SessionTimeZone {
        self.session.time_zone()
    }

    /// PG's 42883 when `to_char` has no variant for the argument types.
    fn check_to_char(&self, args: &[DataType]) -> Result<()> {
        let known = matches!(args, [value, template]
            if char_source(value).is_some()
                && matches!(template, DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 | DataType::Null));
        if known {
            return Ok(());
        }
        Err(super::no_such_function("to_char", args).into_datafusion())
    }
}

/// The argument as a text array.
fn text(array: &ArrayRef) -> Result<ArrayRef> {
    Ok(cast(array, &DataType::Utf8)?)
}

/// Civil fields of `micros` since 1970 read as local time, with its offset and zone name.
fn fields(local_micros: i64, offset: i32, abbrev: Option<String>) -> Option<DateTimeFields> {
    let days = local_micros.div_euclid(DAY_MICROS);
    let time = local_micros.rem_euclid(DAY_MICROS);
    let date = NaiveDate::from_num_days_from_ce_opt(i32::try_from(days + 719_163).ok()?)?;
    let seconds = time / 1_000_000;
    Some(DateTimeFields {
        year: date.year(),
        month: date.month(),
        day: date.day(),
        hour: (seconds / 3600) as u32,
        minute: (seconds / 60 % 60) as u32,
        second: (seconds % 60) as u32,
        microsecond: (time % 1_000_000) as u32,
        utc_offset_seconds: offset,
        tz_abbrev: abbrev,
    })
}

/// The session zone's offset and PG's abbreviation at the instant `micros`.
fn zone_at(zone: SessionTimeZone, micros: i64) -> (i32, String) {
    match zone {
        SessionTimeZone::Fixed(secs) => (secs, offset_name(secs)),
        SessionTimeZone::Named(tz) => {
            let utc = chrono::DateTime::from_timestamp_micros(micros)
                .map(|d| d.naive_utc())
                .unwrap_or_default();
            let offset = tz.offset_from_utc_datetime(&utc);
            let name = chrono_tz::OffsetName::abbreviation(&offset).map_or_else(
                || offset_name(offset.fix().local_minus_utc()),
                str::to_string,
            );
            (offset.fix().local_minus_utc(), name)
        }
    }
}

/// `+05:30`, `-07`: how PG names a zone given as a plain offset.
fn offset_name(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let (h, m) = (secs.abs() / 3600, secs.abs() / 60 % 60);
    if m == 0 {
        format!("{sign}{h:02}")
    } else {
        format!("{sign}{h:02}:{m:02}")
    }
}

/// The session zone's offset for the local civil time `local_micros`.
fn offset_of_local(zone: SessionTimeZone, local_micros: i64) -> i32 {
    match zone {
        SessionTimeZone::Fixed(secs) => secs,
        SessionTimeZone::Named(tz) => {
            let local = chrono::DateTime::from_timestamp_micros(local_micros)
                .map(|d| d.naive_utc())
                .unwrap_or_default();
            local_offset(tz, &local)
        }
    }
}

fn local_offset(tz: chrono_tz::Tz, local: &NaiveDateTime) -> i32 {
    match tz.offset_from_local_datetime(local).earliest() {
        Some(o) => o.fix().local_minus_utc(),
        // A local time in a spring-forward gap: PG takes the offset before it.
        None => tz.offset_from_utc_datetime(local).fix().local_minus_utc(),
    }
}

/// A template parsed both ways, kept while consecutive rows share its text.
struct Templates {
    text: String,
    datetime: DateTimeTemplate,
    number: NumberTemplate,
}

/// The parsed form of template `text`, parsed again only when it changes.
fn cached<'a>(slot: &'a mut Option<Templates>, text: &str) -> &'a Templates {
    if slot.as_ref().is_none_or(|c| c.text != text) {
        *slot = None;
    }
    slot.get_or_insert_with(|| Templates {
        text: text.to_string(),
        datetime: DateTimeTemplate::new(text),
        number: NumberTemplate::new(text),
    })
}

fn to_char(value: &ArrayRef, templates: &ArrayRef, zone: SessionTimeZone) -> Result<ArrayRef> {
    let templates = templates.as_string::<i32>();
    let mut out = StringBuilder::new();
    let Some(source) = char_source(value.data_type()) else {
        return Err(internal("to_char of an unchecked type"));
    };
    let mut slot = None;
    match source {
        CharSource::Timestamp { zoned } => {
            let micros = cast(value, &DataType::Timestamp(TimeUnit::Microsecond, None))?;
            let micros = micros.as_primitive::<TimestampMicrosecondType>();
            for i in 0..micros.len() {
                if micros.is_null(i) || templates.is_null(i) {
                    out.append_null();
                    continue;
                }
                let dt = &cached(&mut slot, templates.value(i)).datetime;
                let instant = micros.value(i);
                let (offset, abbrev) = if zoned {
                    let (o, a) = zone_at(zone, instant);
                    (o, Some(a))
                } else {
                    (0, None)
                };
                let local = instant + i64::from(offset) * 1_000_000;
                append(&mut out, fields(local, offset, abbrev), |f| dt.format(f))?;
            }
        }
        CharSource::Date => {
            let days = cast(value, &DataType::Date32)?;
            let days = days.as_primitive::<Date32Type>();
            for i in 0..days.len() {
                if days.is_null(i) || templates.is_null(i) {
                    out.append_null();
                    continue;
                }
                let dt = &cached(&mut slot, templates.value(i)).datetime;
                let local = i64::from(days.value(i)) * DAY_MICROS;
                let offset = offset_of_local(zone, local);
                let (_, abbrev) = zone_at(zone, local - i64::from(offset) * 1_000_000);
                append(&mut out, fields(local, offset, Some(abbrev)), |f| {
                    dt.format(f)
                })?;
            }
        }
        CharSource::Interval => {
            let intervals = cast(
                value,
                &DataType::Interval(datafusion::arrow::datatypes::IntervalUnit::MonthDayNano),
            )?;
            let intervals = intervals.as_primitive::<IntervalMonthDayNanoType>();
            for i in 0..intervals.len() {
                if intervals.is_null(i) || templates.is_null(i) {
                    out.append_null();
                    continue;
                }
                let dt = &cached(&mut slot, templates.value(i)).datetime;
                let v = intervals.value(i);
                let fields = IntervalFields {
                    months: v.months,
                    days: v.days,
                    microseconds: v.nanoseconds / 1000,
                };
                match dt.format_interval(&fields).map_err(template_error)? {
                    Some(text) => out.append_value(text),
                    None => out.append_null(),
                }
            }
        }
        CharSource::Number(kind) => {
            let texts = number_texts(value, kind)?;
            let texts = texts.as_string::<i32>();
            for i in 0..texts.len() {
                if texts.is_null(i) || templates.is_null(i) {
                    out.append_null();
                    continue;
                }
                let nt = &cached(&mut slot, templates.value(i)).number;
                out.append_value(nt.format(kind, texts.value(i)).map_err(template_error)?);
            }
        }
    }
    Ok(Arc::new(out.finish()))
}

/// Numbers as the decimal text the template engine reads: floats as Rust
/// prints them (shortest round trip), the rest as Arrow prints them (exact).
fn number_texts(value: &ArrayRef, kind: NumberKind) -> Result<ArrayRef> {
    if kind == NumberKind::Float4 || kind == NumberKind::Float8 {
        let floats = cast(value, &DataType::Float64)?;
        let floats = floats.as_primitive::<Float64Type>();
        let single = kind == NumberKind::Float4;
        let texts: StringBuilder = floats.iter().fold(StringBuilder::new(), |mut b, v| {
            match v {
                Some(v) if single => b.append_value((v as f32).to_string()),
                Some(v) => b.append_value(v.to_string()),
                None => b.append_null(),
            }
            b
        });
        let mut texts = texts;
        return Ok(Arc::new(texts.finish()));
    }
    text(value)
}

fn append(
    out: &mut StringBuilder,
    fields: Option<DateTimeFields>,
    format: impl Fn(&DateTimeFields) -> std::result::Result<Option<String>, TemplateError>,
) -> Result<()> {
    let fields = fields.ok_or_else(|| {
        PgError::new(sqlstate::DATETIME_FIELD_OVERFLOW, "timestamp out of range").into_datafusion()
    })?;
    match format(&fields).map_err(template_error)? {
        Some(text) => out.append_value(text),
        None => out.append_null(),
    }
    Ok(())
}

/// Applies `f` to each (value, template) pair of two text arrays; NULL in, NULL out.
fn each_pair(
    values: &ArrayRef,
    templates: &ArrayRef,
    mut f: impl FnMut(&str, &DateTimeTemplate) -> Result<Option<()>>,
    mut null: impl FnMut(),
) -> Result<()> {
    let (values, templates) = (values.as_string::<i32>(), templates.as_string::<i32>());
    let mut cached: Option<(String, DateTimeTemplate)> = None;
    for i in 0..values.len() {
        if values.is_null(i) || templates.is_null(i) {
            null();
            continue;
        }
        let t = templates.value(i);
        if cached.as_ref().is_none_or(|(text, _)| text != t) {
            cached = Some((t.to_string(), DateTimeTemplate::new(t)));
        }
        if let Some((_, template)) = &cached {
            if f(values.value(i), template)?.is_none() {
                null();
            }
        }
    }
    Ok(())
}

fn to_date(values: &ArrayRef, templates: &ArrayRef) -> Result<ArrayRef> {
    let out = std::cell::RefCell::new(Date32Builder::new());
    each_pair(
        values,
        templates,
        |v, t| {
            let days = t.to_date(v).map_err(template_error)?;
            out.borrow_mut().append_value(days);
            Ok(Some(()))
        },
        || out.borrow_mut().append_null(),
    )?;
    Ok(Arc::new(out.into_inner().finish()))
}

fn to_timestamp(
    values: &ArrayRef,
    templates: &ArrayRef,
    zone: SessionTimeZone,
) -> Result<ArrayRef> {
    let out = std::cell::RefCell::new(
        TimestampMicrosecondBuilder::new().with_timezone(PLANNING_TIME_ZONE),
    );
    each_pair(
        values,
        templates,
        |v, t| {
            let session_offset = |p: &crate::dialect::pg_template::ParsedDateTime| {
                p.local_unix_micros()
                    .map_or(0, |local| offset_of_local(zone, local))
            };
            let micros = t.to_timestamp(v, &session_offset).map_err(template_error)?;
            out.borrow_mut().append_value(micros);
            Ok(Some(()))
        },
        || out.borrow_mut().append_null(),
    )?;
    Ok(Arc::new(out.into_inner().finish()))
}

/// `to_timestamp(float8)`: seconds since 1970 as a timestamptz.
fn epoch_to_timestamp(seconds: &ArrayRef) -> Result<ArrayRef> {
    let seconds = cast(seconds, &DataType::Float64)?;
    let mut out = TimestampMicrosecondBuilder::new().with_timezone(PLANNING_TIME_ZONE);
    for v in seconds.as_primitive::<Float64Type>().iter() {
        match v {
            None => out.append_null(),
            Some(s) if s.is_nan() => {
                return Err(PgError::new(
                    sqlstate::DATETIME_FIELD_OVERFLOW,
                    "timestamp cannot be NaN",
                )
                .into_datafusion())
            }
            Some(s) if s.is_infinite() => {
                return Err(PgError::new(
                    sqlstate::FEATURE_NOT_SUPPORTED,
                    "infinite timestamps are not supported",
                )
                .into_datafusion())
            }
            Some(s) => {
                let micros = (s * 1e6).round();
                if micros.abs() >= 9.2e18 {
                    return Err(PgError::new(
                        sqlstate::DATETIME_FIELD_OVERFLOW,
                        format!("timestamp out of range: \"{s}\""),
                    )
                    .into_datafusion());
                }
                out.append_value(micros as i64);
            }
        }
    }
    Ok(Arc::new(out.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_given_as_offsets_are_named_as_postgres_names_them() {
        assert_eq!(offset_name(19_800), "+05:30");
        assert_eq!(offset_name(-7 * 3600), "-07");
        assert_eq!(
            zone_at(SessionTimeZone::Named(chrono_tz::Tz::America__Sao_Paulo), 0).1,
            "-03"
        );
    }
}
