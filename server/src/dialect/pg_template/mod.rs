//! PostgreSQL 15's template patterns for `to_char`, `to_timestamp`,
//! `to_date` and `to_number`, written from PostgreSQL's documentation
//! ("Data Type Formatting Functions") and checked against a real
//! PostgreSQL 15 server.
//!
//! DataFusion's `to_char` and friends take strftime patterns, so a PG
//! template such as `'YYYY-MM'` or `'FM999,990.00'` means something else
//! there. This module is the template engine alone: pure, std-only and
//! data-oriented. The caller breaks values down (in the session's time zone)
//! and gets text or fields back:
//!
//! - [`format_datetime`]: `to_char(timestamp | timestamptz | date, text)`;
//! - [`format_interval`]: `to_char(interval, text)`;
//! - [`format_number`] / [`format_number_as`]: `to_char(numeric | int | float,
//!   text)`, from the value's decimal text;
//! - [`parse_datetime`], [`to_date`], [`to_timestamp`]: `to_timestamp(text,
//!   text)` and `to_date(text, text)`;
//! - [`parse_number`]: `to_number(text, text)`, as decimal text.
//!
//! [`DateTimeTemplate`] and [`NumberTemplate`] hold a parsed template for
//! calls over many rows; the free functions parse it each time.
//! [`round_timestamp`] is PG's rounding of a timestamp to FF1..FF6.
//!
//! Every date/time pattern, modifier (FM, TH/th, FX, TM, SP) and numeric
//! pattern of PG 15 is implemented, with PG's padding, rounding, `#`
//! overflow, sign placement and error texts (SQLSTATE, message, detail and
//! hint). TM behaves as in the C locale: English names, and no padding.
//! Calendar arithmetic is proleptic Gregorian with astronomical years
//! (year 0 is 1 BC), as in PG.
//!
//! The few places where PG's answer depends on undefined behaviour of its C
//! code (for instance an `int4` overflowing under the `V` pattern) follow
//! what PG 15 on x86-64 prints.

mod calendar;
mod datetime_convert;
mod datetime_format;
mod datetime_parse;
mod datetime_template;
mod decimal;
mod number_format;
mod number_parse;
mod number_template;
mod number_to_char;
mod template;
#[cfg(test)]
mod tests;
mod text;

pub use datetime_convert::{parse_datetime, round_timestamp, to_date, to_timestamp};
pub use datetime_format::{format_datetime, format_interval};
pub use datetime_template::DateTimeTemplate;
pub use number_format::{format_number, format_number_as};
pub use number_parse::parse_number;
pub use number_template::NumberTemplate;

use calendar::{date2j_exact, UNIX_EPOCH_JDATE};

use std::fmt;

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

const INVALID_DATETIME_FORMAT: &str = "22007";
const DATETIME_FIELD_OVERFLOW: &str = "22008";
const INVALID_TIME_ZONE_DISPLACEMENT: &str = "22009";
const INVALID_TEXT_REPRESENTATION: &str = "22P02";
const NUMERIC_VALUE_OUT_OF_RANGE: &str = "22003";
const SYNTAX_ERROR: &str = "42601";
const FEATURE_NOT_SUPPORTED: &str = "0A000";

/// An error as PostgreSQL reports it: SQLSTATE, primary message, and the
/// DETAIL and HINT lines PG adds (the texts are PG's own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// Five-character SQLSTATE, e.g. `"22007"`.
    pub sqlstate: &'static str,
    /// Primary message, exactly as PG words it.
    pub message: String,
    /// PG's DETAIL line, if it sends one.
    pub detail: Option<String>,
    /// PG's HINT line, if it sends one.
    pub hint: Option<String>,
}

impl TemplateError {
    fn new(sqlstate: &'static str, message: impl Into<String>) -> TemplateError {
        TemplateError {
            sqlstate,
            message: message.into(),
            detail: None,
            hint: None,
        }
    }

    fn detail(mut self, detail: impl Into<String>) -> TemplateError {
        self.detail = Some(detail.into());
        self
    }

    fn hint(mut self, hint: impl Into<String>) -> TemplateError {
        self.hint = Some(hint.into());
        self
    }

    fn unsupported(what: &str) -> TemplateError {
        TemplateError::new(FEATURE_NOT_SUPPORTED, what.to_string())
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for TemplateError {}

type Result<T> = std::result::Result<T, TemplateError>;

// ---------------------------------------------------------------------------
// Public data types
// ---------------------------------------------------------------------------

/// Broken-down civil date-time, already in the session's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DateTimeFields {
    /// Astronomical year: 0 is 1 BC, -1 is 2 BC.
    pub year: i32,
    /// Month, 1..=12.
    pub month: u32,
    /// Day of month, 1..=31.
    pub day: u32,
    /// Hour, 0..=23.
    pub hour: u32,
    /// Minute, 0..=59.
    pub minute: u32,
    /// Second, 0..=59.
    pub second: u32,
    /// Microsecond, 0..=999_999.
    pub microsecond: u32,
    /// Offset from UTC in seconds, east positive (0 for timestamp without
    /// time zone).
    pub utc_offset_seconds: i32,
    /// Zone abbreviation for `TZ` as PG's zone data gives it (`"UTC"`,
    /// `"CET"`, `"IST"`, `"+0545"`); `None` for timestamp without time zone,
    /// where `TZ` prints nothing.
    pub tz_abbrev: Option<String>,
}

/// An interval as PG stores it: months, days and microseconds, each signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IntervalFields {
    /// Months (years are 12 months).
    pub months: i32,
    /// Days.
    pub days: i32,
    /// Microseconds (hours, minutes, seconds and fraction).
    pub microseconds: i64,
}

/// The SQL type whose value `to_char` formats: PG formats each differently
/// (floats keep 15 or 6 significant digits and round half to even, `int4`
/// and the floats take `EEEE` through float arithmetic, `int8` and numeric
/// through decimal arithmetic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberKind {
    /// `smallint` and `integer` (PG's `int4` variant).
    Int4,
    /// `bigint`.
    Int8,
    /// `real`.
    Float4,
    /// `double precision`.
    Float8,
    /// `numeric`.
    Numeric,
}

/// What `to_timestamp`/`to_date` read from the input: civil fields plus an
/// explicit UTC offset if the template had TZH/TZM.
///
/// After validation the month is 1..=12 and the day 1..=31, but the day may
/// exceed the month's length where the template gave no full date (PG then
/// rolls over: `to_date('02-30', 'MM-DD')` is 0001-03-01 BC); use
/// [`ParsedDateTime::julian_day`] rather than assuming a valid calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedDateTime {
    /// Astronomical year: 0 is 1 BC (the default when no year is given).
    pub year: i32,
    /// Month, 1..=12.
    pub month: u32,
    /// Day of month, 1..=31 (see the type's note on rollover).
    pub day: u32,
    /// Hour, 0..=23.
    pub hour: u32,
    /// Minute, 0..=59.
    pub minute: u32,
    /// Second, 0..=59.
    pub second: u32,
    /// Microsecond, 0..=999_999.
    pub microsecond: u32,
    /// Offset from UTC in seconds, east positive, when TZH/TZM gave one.
    pub utc_offset_seconds: Option<i32>,
    /// Fractional-second precision from FF1..FF6: `to_timestamp` rounds its
    /// result to it.
    pub fractional_precision: Option<u32>,
}

impl ParsedDateTime {
    /// Julian day number of the civil date (day rollover included).
    pub fn julian_day(&self) -> i64 {
        date2j_exact(
            i64::from(self.year),
            i64::from(self.month),
            i64::from(self.day),
        )
    }

    /// Microseconds since 1970-01-01 00:00:00 of the civil fields read as
    /// UTC (no offset applied); `None` if that does not fit an `i64`.
    pub fn local_unix_micros(&self) -> Option<i64> {
        let days = self.julian_day() - UNIX_EPOCH_JDATE;
        let secs =
            i64::from(self.hour) * 3600 + i64::from(self.minute) * 60 + i64::from(self.second);
        days.checked_mul(86_400)?
            .checked_add(secs)?
            .checked_mul(1_000_000)?
            .checked_add(i64::from(self.microsecond))
    }
}
