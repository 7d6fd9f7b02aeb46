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
    /// Zone abbreviation for `TZ` (e.g. `"UTC"`, `"CET"`, `"+0530"`); `None`
    /// for timestamp without time zone, where `TZ` prints nothing.
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
        i64::from(date2j(
            self.year,
            i32::try_from(self.month).unwrap_or(i32::MAX),
            i32::try_from(self.day).unwrap_or(i32::MAX),
        ))
    }

    /// Microseconds since 1970-01-01 00:00:00 of the civil fields read as
    /// UTC (no offset applied).
    pub fn local_unix_micros(&self) -> i64 {
        let days = self.julian_day() - UNIX_EPOCH_JDATE;
        let secs = i64::from(self.hour) * 3600 + i64::from(self.minute) * 60 + i64::from(self.second);
        (days * 86_400 + secs) * 1_000_000 + i64::from(self.microsecond)
    }
}

// ---------------------------------------------------------------------------
// Calendar arithmetic (proleptic Gregorian, astronomical years)
// ---------------------------------------------------------------------------

const UNIX_EPOCH_JDATE: i64 = 2_440_588;
const POSTGRES_EPOCH_JDATE: i64 = 2_451_545;

/// Julian day number of a civil date. Linear in `d` and defined for any
/// inputs (months outside 1..=12 included), in C `int` arithmetic, which
/// `to_char(interval)` relies on exactly as PG does.
fn date2j(y: i32, m: i32, d: i32) -> i32 {
    // Count the year from March so that the leap day falls last.
    let (m, y) = if m > 2 {
        (m.wrapping_add(1), y.wrapping_add(4800))
    } else {
        (m.wrapping_add(13), y.wrapping_add(4799))
    };
    let c = y / 100;
    y.wrapping_mul(365)
        .wrapping_sub(32167)
        .wrapping_add(y / 4)
        .wrapping_sub(c)
        .wrapping_add(c / 4)
        .wrapping_add(7834_i32.wrapping_mul(m) / 256)
        .wrapping_add(d)
}

/// Civil date of a Julian day number.
fn j2date(jd: i64) -> (i64, i64, i64) {
    // Days since 0000-03-01, then 400-year eras.
    let z = jd - 1_721_120;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Day of week, 0 = Sunday.
fn j2day(jd: i32) -> i32 {
    jd.wrapping_add(1).rem_euclid(7)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// Julian day of the Monday that starts ISO week `week` of ISO year `year`.
fn isoweek2j(year: i32, week: i32) -> i32 {
    // The week with January 4th is week 1.
    let jan4 = date2j(year, 1, 4);
    let monday_offset = j2day(jan4.wrapping_sub(1)); // days since Monday
    week.wrapping_sub(1)
        .wrapping_mul(7)
        .wrapping_add(jan4.wrapping_sub(monday_offset))
}

/// ISO year and week of a date; `year`, `m`, `d` may be out of range
/// (intervals), the year given is the one the search starts from.
fn iso_year_week(year: i32, m: i32, d: i32) -> (i32, i32) {
    let day = date2j(year, m, d);
    let mut iso_year = year;
    let mut start = isoweek2j(year, 1);
    if day < start {
        iso_year = year.wrapping_sub(1);
        start = isoweek2j(iso_year, 1);
    }
    let week = day.wrapping_sub(start) / 7 + 1;
    if week >= 52 && day >= isoweek2j(year.wrapping_add(1), 1) {
        return (year.wrapping_add(1), 1);
    }
    (iso_year, week)
}

/// ISO week number.
fn date2isoweek(year: i32, m: i32, d: i32) -> i32 {
    iso_year_week(year, m, d).1
}

/// ISO year.
fn date2isoyear(year: i32, m: i32, d: i32) -> i32 {
    iso_year_week(year, m, d).0
}

/// Day of the ISO year (1..=371).
fn date2isoyearday(year: i32, m: i32, d: i32) -> i32 {
    date2j(year, m, d)
        .wrapping_sub(isoweek2j(date2isoyear(year, m, d), 1))
        .wrapping_add(1)
}

// ---------------------------------------------------------------------------
// Small text helpers shared by the patterns
// ---------------------------------------------------------------------------

/// C's `isspace` in the C locale.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0B' | '\x0C' | '\r')
}

/// Printable ASCII that is neither a letter nor a digit.
fn is_separator(c: char) -> bool {
    c > ' ' && c < '\x7F' && !c.is_ascii_alphanumeric()
}

/// C's `%0*d`: at least `width` characters, zero-padded after the sign.
fn zero_pad(value: impl Into<i64>, width: usize) -> String {
    let value: i64 = value.into();
    let digits = value.unsigned_abs().to_string();
    let sign = if value < 0 { "-" } else { "" };
    let len = sign.len() + digits.len();
    if len >= width {
        format!("{sign}{digits}")
    } else {
        format!("{sign}{}{digits}", "0".repeat(width - len))
    }
}

/// Ordinal suffix of a number's text ("st", "nd", "rd", "th"); PG refuses
/// text that does not end in a digit.
fn ordinal_suffix(num: &str, upper: bool) -> Result<&'static str> {
    let bytes = num.as_bytes();
    let last = match bytes.last() {
        Some(b) if b.is_ascii_digit() => *b,
        _ => {
            return Err(TemplateError::new(
                INVALID_TEXT_REPRESENTATION,
                format!("\"{num}\" is not a number"),
            ))
        }
    };
    let teen = bytes.len() > 1 && bytes[bytes.len() - 2] == b'1';
    let suffix = match (teen, last) {
        (false, b'1') => ["st", "ST"],
        (false, b'2') => ["nd", "ND"],
        (false, b'3') => ["rd", "RD"],
        _ => ["th", "TH"],
    };
    Ok(suffix[usize::from(upper)])
}

const MONTHS_FULL: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS_FULL: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
/// Roman months, December first (the order PG matches them in).
const ROMAN_MONTHS: [&str; 12] = [
    "XII", "XI", "X", "IX", "VIII", "VII", "VI", "V", "IV", "III", "II", "I",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Upper,
    Capital,
    Lower,
}

fn apply_case(s: &str, case: Case) -> String {
    match case {
        Case::Upper => s.to_ascii_uppercase(),
        Case::Lower => s.to_ascii_lowercase(),
        Case::Capital => s.to_string(),
    }
}

// ---------------------------------------------------------------------------
// Template parsing
// ---------------------------------------------------------------------------

/// Which calendar a date field belongs to when parsing (PG refuses mixing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateMode {
    None,
    Gregorian,
    IsoWeek,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dk {
    /// A.D. / B.C. (and lower case): both print the era of the date.
    EraDots(bool),
    /// AD / BC.
    Era(bool),
    /// A.M. / P.M.
    MeridiemDots(bool),
    /// AM / PM.
    Meridiem(bool),
    Cc,
    Day(Case),
    Dy(Case),
    Ddd,
    Dd,
    D,
    Ff(u32),
    Fx,
    Hh24,
    Hh12,
    Hh,
    Iddd,
    Id,
    Iw,
    Iyyy,
    Iyy,
    Iy,
    I,
    J,
    Mi,
    Mm,
    Month(Case),
    Mon(Case),
    Ms,
    Of,
    Q,
    Rm(bool),
    Sssss,
    Ssss,
    Ss,
    Tzh,
    Tzm,
    Tz(bool),
    Us,
    Ww,
    W,
    YComma,
    Yyyy,
    Yyy,
    Yy,
    Y,
}

struct DchKeyword {
    name: &'static str,
    id: Dk,
    /// The field reads digits (decides where a neighbouring number ends).
    digits: bool,
    mode: DateMode,
}

const fn kw(name: &'static str, id: Dk, digits: bool, mode: DateMode) -> DchKeyword {
    DchKeyword {
        name,
        id,
        digits,
        mode,
    }
}

use DateMode::{Gregorian as GREG, IsoWeek as ISO, None as NONE};

static DCH_KEYWORDS: &[DchKeyword] = &[
    kw("A.D.", Dk::EraDots(true), false, NONE),
    kw("A.M.", Dk::MeridiemDots(true), false, NONE),
    kw("AD", Dk::Era(true), false, NONE),
    kw("AM", Dk::Meridiem(true), false, NONE),
    kw("B.C.", Dk::EraDots(true), false, NONE),
    kw("BC", Dk::Era(true), false, NONE),
    kw("CC", Dk::Cc, true, NONE),
    kw("DAY", Dk::Day(Case::Upper), false, NONE),
    kw("DDD", Dk::Ddd, true, GREG),
    kw("DD", Dk::Dd, true, GREG),
    kw("DY", Dk::Dy(Case::Upper), false, NONE),
    kw("Day", Dk::Day(Case::Capital), false, NONE),
    kw("Dy", Dk::Dy(Case::Capital), false, NONE),
    kw("D", Dk::D, true, GREG),
    kw("FF1", Dk::Ff(1), true, NONE),
    kw("FF2", Dk::Ff(2), true, NONE),
    kw("FF3", Dk::Ff(3), true, NONE),
    kw("FF4", Dk::Ff(4), true, NONE),
    kw("FF5", Dk::Ff(5), true, NONE),
    kw("FF6", Dk::Ff(6), true, NONE),
    kw("FX", Dk::Fx, false, NONE),
    kw("HH24", Dk::Hh24, true, NONE),
    kw("HH12", Dk::Hh12, true, NONE),
    kw("HH", Dk::Hh, true, NONE),
    kw("IDDD", Dk::Iddd, true, ISO),
    kw("ID", Dk::Id, true, ISO),
    kw("IW", Dk::Iw, true, ISO),
    kw("IYYY", Dk::Iyyy, true, ISO),
    kw("IYY", Dk::Iyy, true, ISO),
    kw("IY", Dk::Iy, true, ISO),
    kw("I", Dk::I, true, ISO),
    kw("J", Dk::J, true, NONE),
    kw("MI", Dk::Mi, true, NONE),
    kw("MM", Dk::Mm, true, GREG),
    kw("MONTH", Dk::Month(Case::Upper), false, GREG),
    kw("MON", Dk::Mon(Case::Upper), false, GREG),
    kw("MS", Dk::Ms, true, NONE),
    kw("Month", Dk::Month(Case::Capital), false, GREG),
    kw("Mon", Dk::Mon(Case::Capital), false, GREG),
    kw("OF", Dk::Of, false, NONE),
    kw("P.M.", Dk::MeridiemDots(true), false, NONE),
    kw("PM", Dk::Meridiem(true), false, NONE),
    kw("Q", Dk::Q, true, NONE),
    kw("RM", Dk::Rm(true), false, GREG),
    kw("SSSSS", Dk::Sssss, true, NONE),
    kw("SSSS", Dk::Ssss, true, NONE),
    kw("SS", Dk::Ss, true, NONE),
    kw("TZH", Dk::Tzh, false, NONE),
    kw("TZM", Dk::Tzm, true, NONE),
    kw("TZ", Dk::Tz(true), false, NONE),
    kw("US", Dk::Us, true, NONE),
    kw("WW", Dk::Ww, true, GREG),
    kw("W", Dk::W, true, GREG),
    kw("Y,YYY", Dk::YComma, true, GREG),
    kw("YYYY", Dk::Yyyy, true, GREG),
    kw("YYY", Dk::Yyy, true, GREG),
    kw("YY", Dk::Yy, true, GREG),
    kw("Y", Dk::Y, true, GREG),
    kw("a.d.", Dk::EraDots(false), false, NONE),
    kw("a.m.", Dk::MeridiemDots(false), false, NONE),
    kw("ad", Dk::Era(false), false, NONE),
    kw("am", Dk::Meridiem(false), false, NONE),
    kw("b.c.", Dk::EraDots(false), false, NONE),
    kw("bc", Dk::Era(false), false, NONE),
    kw("cc", Dk::Cc, true, NONE),
    kw("day", Dk::Day(Case::Lower), false, NONE),
    kw("ddd", Dk::Ddd, true, GREG),
    kw("dd", Dk::Dd, true, GREG),
    kw("dy", Dk::Dy(Case::Lower), false, NONE),
    kw("d", Dk::D, true, GREG),
    kw("ff1", Dk::Ff(1), true, NONE),
    kw("ff2", Dk::Ff(2), true, NONE),
    kw("ff3", Dk::Ff(3), true, NONE),
    kw("ff4", Dk::Ff(4), true, NONE),
    kw("ff5", Dk::Ff(5), true, NONE),
    kw("ff6", Dk::Ff(6), true, NONE),
    kw("fx", Dk::Fx, false, NONE),
    kw("hh24", Dk::Hh24, true, NONE),
    kw("hh12", Dk::Hh12, true, NONE),
    kw("hh", Dk::Hh, true, NONE),
    kw("iddd", Dk::Iddd, true, ISO),
    kw("id", Dk::Id, true, ISO),
    kw("iw", Dk::Iw, true, ISO),
    kw("iyyy", Dk::Iyyy, true, ISO),
    kw("iyy", Dk::Iyy, true, ISO),
    kw("iy", Dk::Iy, true, ISO),
    kw("i", Dk::I, true, ISO),
    kw("j", Dk::J, true, NONE),
    kw("mi", Dk::Mi, true, NONE),
    kw("mm", Dk::Mm, true, GREG),
    kw("month", Dk::Month(Case::Lower), false, GREG),
    kw("mon", Dk::Mon(Case::Lower), false, GREG),
    kw("ms", Dk::Ms, true, NONE),
    kw("of", Dk::Of, false, NONE),
    kw("p.m.", Dk::MeridiemDots(false), false, NONE),
    kw("pm", Dk::Meridiem(false), false, NONE),
    kw("q", Dk::Q, true, NONE),
    kw("rm", Dk::Rm(false), false, GREG),
    kw("sssss", Dk::Sssss, true, NONE),
    kw("ssss", Dk::Ssss, true, NONE),
    kw("ss", Dk::Ss, true, NONE),
    kw("tzh", Dk::Tzh, false, NONE),
    kw("tzm", Dk::Tzm, true, NONE),
    kw("tz", Dk::Tz(false), false, NONE),
    kw("us", Dk::Us, true, NONE),
    kw("ww", Dk::Ww, true, GREG),
    kw("w", Dk::W, true, GREG),
    kw("y,yyy", Dk::YComma, true, GREG),
    kw("yyyy", Dk::Yyyy, true, GREG),
    kw("yyy", Dk::Yyy, true, GREG),
    kw("yy", Dk::Yy, true, GREG),
    kw("y", Dk::Y, true, GREG),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Nk {
    Comma,
    Dec,
    Zero,
    Nine,
    B,
    C,
    D,
    Eeee,
    Fm,
    G,
    L,
    Mi,
    Pl,
    Pr,
    Rn(bool),
    Sg,
    Sp,
    S,
    Th(bool),
    V,
}

static NUM_KEYWORDS: &[(&str, Nk)] = &[
    (",", Nk::Comma),
    (".", Nk::Dec),
    ("0", Nk::Zero),
    ("9", Nk::Nine),
    ("B", Nk::B),
    ("C", Nk::C),
    ("D", Nk::D),
    ("EEEE", Nk::Eeee),
    ("FM", Nk::Fm),
    ("G", Nk::G),
    ("L", Nk::L),
    ("MI", Nk::Mi),
    ("PL", Nk::Pl),
    ("PR", Nk::Pr),
    ("RN", Nk::Rn(true)),
    ("SG", Nk::Sg),
    ("SP", Nk::Sp),
    ("S", Nk::S),
    ("TH", Nk::Th(true)),
    ("V", Nk::V),
    ("b", Nk::B),
    ("c", Nk::C),
    ("d", Nk::D),
    ("eeee", Nk::Eeee),
    ("fm", Nk::Fm),
    ("g", Nk::G),
    ("l", Nk::L),
    ("mi", Nk::Mi),
    ("pl", Nk::Pl),
    ("pr", Nk::Pr),
    ("rn", Nk::Rn(false)),
    ("sg", Nk::Sg),
    ("sp", Nk::Sp),
    ("s", Nk::S),
    ("th", Nk::Th(false)),
    ("v", Nk::V),
];

/// How a non-pattern character of a date/time template is treated when
/// parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LitClass {
    /// Letters, digits, non-ASCII and anything double-quoted: skips one
    /// input character.
    Text,
    /// Unquoted white space.
    Space,
    /// Unquoted ASCII punctuation.
    Separator,
}

#[derive(Debug, Clone, Copy, Default)]
struct Suffix {
    fm: bool,
    tm: bool,
    /// `Some(true)` for TH, `Some(false)` for th.
    th: Option<bool>,
}

enum Node<K: 'static> {
    Action(&'static K, Suffix),
    Literal(char, LitClass),
}

trait Keyword {
    fn name(&self) -> &'static str;
}

impl Keyword for DchKeyword {
    fn name(&self) -> &'static str {
        self.name
    }
}

impl Keyword for (&'static str, Nk) {
    fn name(&self) -> &'static str {
        self.0
    }
}

/// The longest keyword that the template continues with at `pos`.
fn match_keyword<K: Keyword>(chars: &[char], pos: usize, table: &'static [K]) -> Option<&'static K> {
    let mut best: Option<&'static K> = None;
    for k in table {
        let name = k.name();
        let n = name.chars().count();
        if pos + n <= chars.len()
            && name.chars().zip(&chars[pos..pos + n]).all(|(a, b)| a == *b)
            && best.map_or(true, |b| b.name().len() < name.len())
        {
            best = Some(k);
        }
    }
    best
}

fn starts_with_at(chars: &[char], pos: usize, s: &str) -> bool {
    let n = s.len();
    pos + n <= chars.len() && s.chars().zip(&chars[pos..pos + n]).all(|(a, b)| a == *b)
}

/// Splits a template into pattern and literal nodes the way PG does:
/// keywords are case-sensitive and the longest one wins; a date/time
/// keyword may carry one prefix (FM, TM) and one suffix (TH, th, SP); text
/// in double quotes is literal (a backslash there takes the next character
/// literally); outside quotes a backslash only escapes a double quote.
fn parse_template<K: Keyword>(template: &str, table: &'static [K], datetime: bool) -> Vec<Node<K>> {
    let chars: Vec<char> = template.chars().collect();
    let mut nodes = Vec::new();
    let mut pos = 0;
    while pos < chars.len() {
        let mut suffix = Suffix::default();
        if datetime {
            if starts_with_at(&chars, pos, "FM") || starts_with_at(&chars, pos, "fm") {
                suffix.fm = true;
                pos += 2;
            } else if starts_with_at(&chars, pos, "TM") || starts_with_at(&chars, pos, "tm") {
                suffix.tm = true;
                pos += 2;
            }
        }
        if pos >= chars.len() {
            break;
        }
        if let Some(k) = match_keyword(&chars, pos, table) {
            pos += k.name().chars().count();
            if datetime && pos < chars.len() {
                if starts_with_at(&chars, pos, "TH") {
                    suffix.th = Some(true);
                    pos += 2;
                } else if starts_with_at(&chars, pos, "th") {
                    suffix.th = Some(false);
                    pos += 2;
                } else if starts_with_at(&chars, pos, "SP") {
                    pos += 2;
                }
            }
            nodes.push(Node::Action(k, suffix));
            continue;
        }
        let c = chars[pos];
        if c == '"' {
            pos += 1;
            while pos < chars.len() {
                let mut c = chars[pos];
                if c == '"' {
                    pos += 1;
                    break;
                }
                if c == '\\' && pos + 1 < chars.len() {
                    pos += 1;
                    c = chars[pos];
                }
                nodes.push(Node::Literal(c, LitClass::Text));
                pos += 1;
            }
            continue;
        }
        let mut c = c;
        if c == '\\' && pos + 1 < chars.len() && chars[pos + 1] == '"' {
            pos += 1;
            c = '"';
        }
        let class = if datetime && is_separator(c) {
            LitClass::Separator
        } else if is_space(c) {
            LitClass::Space
        } else {
            LitClass::Text
        };
        nodes.push(Node::Literal(c, class));
        pos += 1;
    }
    nodes
}

// ---------------------------------------------------------------------------
// to_char for date/time values
// ---------------------------------------------------------------------------

/// Broken-down value as the date/time patterns read it (PG's `pg_tm` plus
/// fraction); for intervals the fields are signed and unbounded.
struct Tm<'a> {
    year: i32,
    mon: i32,
    mday: i32,
    hour: i64,
    min: i64,
    sec: i64,
    fsec: i64,
    yday: i32,
    wday: i32,
    gmtoff: i64,
    tzn: Option<&'a str>,
    interval: bool,
}

fn invalid_for_interval() -> TemplateError {
    TemplateError::new(
        INVALID_DATETIME_FORMAT,
        "invalid format specification for an interval value",
    )
    .hint("Intervals are not tied to specific calendar dates.")
}

/// `to_char(timestamp | timestamptz | date, template)`. `Ok(None)` is SQL
/// NULL, which PG returns for an empty template.
pub fn format_datetime(t: &DateTimeFields, template: &str) -> Result<Option<String>> {
    if template.is_empty() {
        return Ok(None);
    }
    let y = t.year;
    let m = i32::try_from(t.month).unwrap_or(i32::MAX);
    let d = i32::try_from(t.day).unwrap_or(i32::MAX);
    let jd = date2j(y, m, d);
    let tm = Tm {
        year: y,
        mon: m,
        mday: d,
        hour: i64::from(t.hour),
        min: i64::from(t.minute),
        sec: i64::from(t.second),
        fsec: i64::from(t.microsecond),
        yday: jd.wrapping_sub(date2j(y, 1, 1)).wrapping_add(1),
        wday: j2day(jd),
        gmtoff: i64::from(t.utc_offset_seconds),
        tzn: t.tz_abbrev.as_deref(),
        interval: false,
    };
    dch_to_char(&parse_template(template, DCH_KEYWORDS, true), &tm).map(Some)
}

/// `to_char(interval, template)`. `Ok(None)` is SQL NULL (empty template).
pub fn format_interval(i: &IntervalFields, template: &str) -> Result<Option<String>> {
    if template.is_empty() {
        return Ok(None);
    }
    let year = i.months / 12;
    let mon = i.months % 12;
    let mut rest = i.microseconds;
    let hour = rest / 3_600_000_000;
    rest -= hour * 3_600_000_000;
    let min = rest / 60_000_000;
    rest -= min * 60_000_000;
    let sec = rest / 1_000_000;
    let fsec = rest - sec * 1_000_000;
    // PG approximates the span in days (in C int arithmetic).
    let yday = (i.months.wrapping_mul(30)).wrapping_add(i.days);
    let tm = Tm {
        year,
        mon,
        mday: i.days,
        hour,
        min,
        sec,
        fsec,
        yday,
        wday: 0,
        gmtoff: 0,
        tzn: None,
        interval: true,
    };
    dch_to_char(&parse_template(template, DCH_KEYWORDS, true), &tm).map(Some)
}

fn dch_to_char(nodes: &[Node<DchKeyword>], tm: &Tm<'_>) -> Result<String> {
    let mut out = String::new();
    for node in nodes {
        let (key, suf) = match node {
            Node::Literal(c, _) => {
                out.push(*c);
                continue;
            }
            Node::Action(k, s) => (*k, *s),
        };
        let fm = suf.fm;
        // Width for `%0*d`: none in fill mode, one more for a negative value.
        let w = |normal: usize, value: i64| -> usize {
            if fm {
                0
            } else if value < 0 {
                normal + 1
            } else {
                normal
            }
        };
        let adjust_year = |y: i32| -> i32 {
            if tm.interval || y > 0 {
                y
            } else {
                1_i32.wrapping_sub(y)
            }
        };
        let numeric: Option<String> = match key.id {
            Dk::EraDots(upper) | Dk::Era(upper) => {
                if tm.interval {
                    return Err(invalid_for_interval());
                }
                let bc = tm.year <= 0;
                let s = match (key.id, bc) {
                    (Dk::EraDots(_), true) => "B.C.",
                    (Dk::EraDots(_), false) => "A.D.",
                    (_, true) => "BC",
                    (_, false) => "AD",
                };
                out.push_str(&if upper { s.to_string() } else { s.to_ascii_lowercase() });
                None
            }
            Dk::MeridiemDots(upper) | Dk::Meridiem(upper) => {
                let pm = tm.hour % 24 >= 12;
                let s = match (key.id, pm) {
                    (Dk::MeridiemDots(_), true) => "P.M.",
                    (Dk::MeridiemDots(_), false) => "A.M.",
                    (_, true) => "PM",
                    (_, false) => "AM",
                };
                out.push_str(&if upper { s.to_string() } else { s.to_ascii_lowercase() });
                None
            }
            Dk::Hh | Dk::Hh12 => {
                let h = if tm.hour % 12 == 0 { 12 } else { tm.hour % 12 };
                let width = if fm { 0 } else if tm.hour < 0 { 3 } else { 2 };
                Some(zero_pad(h, width))
            }
            Dk::Hh24 => Some(zero_pad(tm.hour, w(2, tm.hour))),
            Dk::Mi => Some(zero_pad(tm.min, w(2, tm.min))),
            Dk::Ss => Some(zero_pad(tm.sec, w(2, tm.sec))),
            Dk::Ff(n) => {
                let div = 10_i64.pow(6 - n);
                Some(zero_pad(tm.fsec / div, n as usize))
            }
            Dk::Ms => Some(zero_pad(tm.fsec / 1000, 3)),
            Dk::Us => Some(zero_pad(tm.fsec, 6)),
            Dk::Sssss | Dk::Ssss => Some((tm.hour * 3600 + tm.min * 60 + tm.sec).to_string()),
            Dk::Tz(upper) => {
                if tm.interval {
                    return Err(invalid_for_interval());
                }
                if let Some(z) = tm.tzn {
                    out.push_str(&if upper { z.to_string() } else { z.to_lowercase() });
                }
                None
            }
            Dk::Tzh => {
                if tm.interval {
                    return Err(invalid_for_interval());
                }
                let sign = if tm.gmtoff >= 0 { '+' } else { '-' };
                out.push(sign);
                out.push_str(&zero_pad(tm.gmtoff.abs() / 3600, 2));
                None
            }
            Dk::Tzm => {
                if tm.interval {
                    return Err(invalid_for_interval());
                }
                out.push_str(&zero_pad(tm.gmtoff.abs() % 3600 / 60, 2));
                None
            }
            Dk::Of => {
                if tm.interval {
                    return Err(invalid_for_interval());
                }
                let sign = if tm.gmtoff >= 0 { '+' } else { '-' };
                let off = tm.gmtoff.abs();
                out.push(sign);
                out.push_str(&zero_pad(off / 3600, if fm { 0 } else { 2 }));
                if off % 3600 != 0 {
                    out.push(':');
                    out.push_str(&zero_pad(off % 3600 / 60, 2));
                }
                None
            }
            Dk::Month(case) | Dk::Mon(case) => {
                if tm.interval {
                    return Err(invalid_for_interval());
                }
                if tm.mon != 0 {
                    let name = month_name(tm.mon)?;
                    let name = if matches!(key.id, Dk::Mon(_)) { &name[..3] } else { name };
                    let s = apply_case(name, case);
                    if fm || suf.tm || matches!(key.id, Dk::Mon(_)) {
                        out.push_str(&s);
                    } else {
                        out.push_str(&format!("{s:<9}"));
                    }
                }
                None
            }
            Dk::Mm => Some(zero_pad(tm.mon, w(2, i64::from(tm.mon)))),
            Dk::Day(case) | Dk::Dy(case) => {
                if tm.interval {
                    return Err(invalid_for_interval());
                }
                let name = usize::try_from(tm.wday)
                    .ok()
                    .and_then(|i| DAYS_FULL.get(i))
                    .ok_or_else(|| TemplateError::unsupported("day of week out of range"))?;
                let name = if matches!(key.id, Dk::Dy(_)) { &name[..3] } else { name };
                let s = apply_case(name, case);
                if fm || suf.tm || matches!(key.id, Dk::Dy(_)) {
                    out.push_str(&s);
                } else {
                    out.push_str(&format!("{s:<9}"));
                }
                None
            }
            Dk::Ddd => Some(zero_pad(tm.yday, if fm { 0 } else { 3 })),
            Dk::Iddd => Some(zero_pad(
                date2isoyearday(tm.year, tm.mon, tm.mday),
                if fm { 0 } else { 3 },
            )),
            Dk::Dd => Some(zero_pad(tm.mday, if fm { 0 } else { 2 })),
            Dk::D => {
                if tm.interval {
                    return Err(invalid_for_interval());
                }
                Some((tm.wday + 1).to_string())
            }
            Dk::Id => {
                if tm.interval {
                    return Err(invalid_for_interval());
                }
                Some(if tm.wday == 0 { 7 } else { tm.wday }.to_string())
            }
            Dk::Ww => Some(zero_pad(tm.yday.wrapping_sub(1) / 7 + 1, if fm { 0 } else { 2 })),
            Dk::Iw => Some(zero_pad(
                date2isoweek(tm.year, tm.mon, tm.mday),
                if fm { 0 } else { 2 },
            )),
            Dk::Q => {
                if tm.mon == 0 {
                    None
                } else {
                    Some(((tm.mon - 1) / 3 + 1).to_string())
                }
            }
            Dk::Cc => {
                let c = if tm.interval {
                    tm.year / 100
                } else if tm.year > 0 {
                    (tm.year - 1) / 100 + 1
                } else {
                    tm.year / 100 - 1
                };
                if (-99..=99).contains(&c) {
                    Some(zero_pad(c, w(2, i64::from(c))))
                } else {
                    Some(c.to_string())
                }
            }
            Dk::YComma => {
                let y = adjust_year(tm.year);
                let thousands = y / 1000;
                Some(format!(
                    "{thousands},{}",
                    zero_pad(y.wrapping_sub(thousands.wrapping_mul(1000)), 3)
                ))
            }
            Dk::Yyyy | Dk::Iyyy => {
                let y = adjust_year(tm.year);
                let v = if key.id == Dk::Yyyy {
                    y
                } else {
                    adjust_year(date2isoyear(tm.year, tm.mon, tm.mday))
                };
                Some(zero_pad(v, w(4, i64::from(y))))
            }
            Dk::Yyy | Dk::Iyy => {
                let y = adjust_year(tm.year);
                let v = if key.id == Dk::Yyy {
                    y
                } else {
                    adjust_year(date2isoyear(tm.year, tm.mon, tm.mday))
                };
                Some(zero_pad(v % 1000, w(3, i64::from(y))))
            }
            Dk::Yy | Dk::Iy => {
                let y = adjust_year(tm.year);
                let v = if key.id == Dk::Yy {
                    y
                } else {
                    adjust_year(date2isoyear(tm.year, tm.mon, tm.mday))
                };
                Some(zero_pad(v % 100, w(2, i64::from(y))))
            }
            Dk::Y | Dk::I => {
                let v = if key.id == Dk::Y {
                    adjust_year(tm.year)
                } else {
                    adjust_year(date2isoyear(tm.year, tm.mon, tm.mday))
                };
                Some((v % 10).to_string())
            }
            Dk::Rm(upper) => {
                if tm.mon != 0 || tm.year != 0 {
                    // Index into ROMAN_MONTHS (December first); intervals
                    // count negative months back from December.
                    let idx = if tm.mon == 0 {
                        if tm.year >= 0 {
                            0
                        } else {
                            11
                        }
                    } else if tm.mon < 0 {
                        -(tm.mon + 1)
                    } else {
                        12 - tm.mon
                    };
                    let name = usize::try_from(idx)
                        .ok()
                        .and_then(|i| ROMAN_MONTHS.get(i))
                        .ok_or_else(|| TemplateError::unsupported("month out of range"))?;
                    let s = if upper { name.to_string() } else { name.to_ascii_lowercase() };
                    if fm {
                        out.push_str(&s);
                    } else {
                        out.push_str(&format!("{s:<4}"));
                    }
                }
                None
            }
            Dk::W => Some((tm.mday.wrapping_sub(1) / 7 + 1).to_string()),
            Dk::J => Some(date2j(tm.year, tm.mon, tm.mday).to_string()),
            Dk::Fx => None,
        };
        if let Some(s) = numeric {
            out.push_str(&s);
            if let Some(upper) = suf.th {
                out.push_str(ordinal_suffix(&s, upper)?);
            }
        }
    }
    Ok(out)
}

fn month_name(mon: i32) -> Result<&'static str> {
    usize::try_from(mon - 1)
        .ok()
        .and_then(|i| MONTHS_FULL.get(i))
        .copied()
        .ok_or_else(|| TemplateError::unsupported("month out of range"))
}

// ---------------------------------------------------------------------------
// to_timestamp / to_date
// ---------------------------------------------------------------------------

/// The fields a template sets while parsing (PG's `TmFromChar`); zero means
/// "not given".
#[derive(Default)]
struct FromChar {
    mode: Option<DateMode>,
    hh: i64,
    pm: i64,
    mi: i64,
    ss: i64,
    ssss: i64,
    d: i64,
    dd: i64,
    ddd: i64,
    mm: i64,
    ms: i64,
    year: i64,
    bc: i64,
    ww: i64,
    w: i64,
    cc: i64,
    j: i64,
    us: i64,
    yysz: i64,
    clock12: bool,
    tzsign: i64,
    tzh: i64,
    tzm: i64,
    ff: i64,
}

fn set_field(dest: &mut i64, value: i64, kw: &DchKeyword) -> Result<()> {
    if *dest != 0 && *dest != value {
        return Err(TemplateError::new(
            INVALID_DATETIME_FORMAT,
            format!(
                "conflicting values for \"{}\" field in formatting string",
                kw.name
            ),
        )
        .detail("This value contradicts a previous setting for the same field type."));
    }
    *dest = value;
    Ok(())
}

/// C's `strtol` on `s[from..]`: skips white space, takes a sign and
/// decimal digits. Returns (value, end, overflowed); `end == from` when no
/// digits were read.
fn strtol(s: &[char], from: usize) -> (i64, usize, bool) {
    let mut p = from;
    while p < s.len() && is_space(s[p]) {
        p += 1;
    }
    let mut neg = false;
    if p < s.len() && (s[p] == '+' || s[p] == '-') {
        neg = s[p] == '-';
        p += 1;
    }
    let digits_start = p;
    let mut value: i128 = 0;
    let mut overflow = false;
    while p < s.len() && s[p].is_ascii_digit() {
        if !overflow {
            value = value * 10 + i128::from(s[p] as u32 - '0' as u32);
            if value > i128::from(i64::MAX) + 1 {
                overflow = true;
            }
        }
        p += 1;
    }
    if p == digits_start {
        return (0, from, false);
    }
    let value = if neg { -value } else { value };
    match i64::try_from(value) {
        Ok(v) if !overflow => (v, p, false),
        _ => (if neg { i64::MIN } else { i64::MAX }, p, true),
    }
}

struct DchParser<'a> {
    nodes: &'a [Node<DchKeyword>],
    s: Vec<char>,
    pos: usize,
    out: FromChar,
}

const FM_HINT: &str = "If your source string is not fixed-width, try using the \"FM\" modifier.";

impl DchParser<'_> {
    /// Whether the node after `idx` cannot be part of a number, so a number
    /// at `idx` may run as long as it has digits.
    fn next_is_separator(&self, idx: usize) -> bool {
        if let Some(Node::Action(_, suf)) = self.nodes.get(idx) {
            if suf.th.is_some() {
                return true;
            }
        }
        match self.nodes.get(idx + 1) {
            None => true,
            Some(Node::Action(k, _)) => !k.digits,
            Some(Node::Literal(c, _)) => !c.is_ascii_digit(),
        }
    }

    /// Reads an integer of `len` characters (or as many digits as there are,
    /// under FM or before a separator); returns the value and the number of
    /// characters consumed.
    fn parse_int(&mut self, idx: usize, kw: &DchKeyword, len: usize, fm: bool) -> Result<(i64, usize)> {
        let init = self.pos;
        while self.pos < self.s.len() && is_space(self.s[self.pos]) {
            self.pos += 1;
        }
        let remaining = self.s.len() - self.pos;
        let copy: String = self.s[self.pos..self.pos + remaining.min(len)].iter().collect();
        let (value, overflow);
        if fm || self.next_is_separator(idx) {
            let (v, end, o) = strtol(&self.s, init);
            value = v;
            overflow = o;
            self.pos = end;
        } else {
            if remaining < len {
                return Err(TemplateError::new(
                    INVALID_DATETIME_FORMAT,
                    format!("source string too short for \"{}\" formatting field", kw.name),
                )
                .detail(format!(
                    "Field requires {len} characters, but only {remaining} remain."
                ))
                .hint(FM_HINT));
            }
            let copy_chars: Vec<char> = copy.chars().collect();
            let (v, end, o) = strtol(&copy_chars, 0);
            if end > 0 && end < len {
                return Err(TemplateError::new(
                    INVALID_DATETIME_FORMAT,
                    format!("invalid value \"{copy}\" for \"{}\"", kw.name),
                )
                .detail(format!(
                    "Field requires {len} characters, but only {end} could be parsed."
                ))
                .hint(FM_HINT));
            }
            value = v;
            overflow = o;
            self.pos += end;
        }
        if self.pos == init {
            return Err(TemplateError::new(
                INVALID_DATETIME_FORMAT,
                format!("invalid value \"{copy}\" for \"{}\"", kw.name),
            )
            .detail("Value must be an integer."));
        }
        if overflow || value < i64::from(i32::MIN) || value > i64::from(i32::MAX) {
            return Err(TemplateError::new(
                DATETIME_FIELD_OVERFLOW,
                format!("value for \"{}\" in source string is out of range", kw.name),
            )
            .detail("Value must be in the range -2147483648 to 2147483647."));
        }
        Ok((value, self.pos - init))
    }

    /// Matches one of `words` (case-insensitively, first match wins) and
    /// returns its index.
    fn seq_search(&mut self, words: &[&str], kw: &DchKeyword) -> Result<usize> {
        let rest = &self.s[self.pos..];
        for (i, word) in words.iter().enumerate() {
            let n = word.chars().count();
            if n <= rest.len()
                && word
                    .chars()
                    .zip(rest)
                    .all(|(a, b)| a.eq_ignore_ascii_case(b))
            {
                self.pos += n;
                return Ok(i);
            }
        }
        let shown: String = rest
            .iter()
            .take_while(|c| !matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0C'))
            .collect();
        Err(TemplateError::new(
            INVALID_DATETIME_FORMAT,
            format!("invalid value \"{shown}\" for \"{}\"", kw.name),
        )
        .detail("The given value did not match any of the allowed values for this field."))
    }

    fn skip_th(&mut self, suf: Suffix) {
        if suf.th.is_some() {
            self.pos = (self.pos + 2).min(self.s.len());
        }
    }

    fn at(&self, p: usize) -> Option<char> {
        self.s.get(p).copied()
    }

    fn run(&mut self) -> Result<()> {
        let mut fx = false;
        // Characters skipped beyond what the template asked for.
        let mut extra_skip: i64 = 0;
        let mut idx = 0;
        while idx < self.nodes.len() && self.pos < self.s.len() {
            let node = &self.nodes[idx];
            let is_fx = matches!(node, Node::Action(k, _) if k.id == Dk::Fx);
            if !fx && !is_fx && (matches!(node, Node::Action(..)) || idx == 0) {
                while self.pos < self.s.len() && is_space(self.s[self.pos]) {
                    self.pos += 1;
                    extra_skip += 1;
                }
            }
            let (kw, suf) = match node {
                Node::Literal(_, LitClass::Space | LitClass::Separator) => {
                    if !fx {
                        extra_skip -= 1;
                        if let Some(c) = self.at(self.pos) {
                            if is_space(c) || is_separator(c) {
                                self.pos += 1;
                                extra_skip += 1;
                            }
                        }
                    } else {
                        self.pos += 1;
                    }
                    idx += 1;
                    continue;
                }
                Node::Literal(_, LitClass::Text) => {
                    if !fx && extra_skip > 0 {
                        extra_skip -= 1;
                    } else {
                        self.pos += 1;
                    }
                    idx += 1;
                    continue;
                }
                Node::Action(k, s) => (*k, *s),
            };
            if kw.mode != DateMode::None {
                match self.out.mode {
                    None => self.out.mode = Some(kw.mode),
                    Some(m) if m != kw.mode => {
                        return Err(TemplateError::new(
                            INVALID_DATETIME_FORMAT,
                            "invalid combination of date conventions",
                        )
                        .hint("Do not mix Gregorian and ISO week date conventions in a formatting template."));
                    }
                    Some(_) => {}
                }
            }
            let keylen = kw.name.chars().count();
            match kw.id {
                Dk::Fx => fx = true,
                Dk::MeridiemDots(_) => {
                    let v = self.seq_search(&["a.m.", "p.m.", "A.M.", "P.M."], kw)?;
                    set_field(&mut self.out.pm, (v % 2) as i64, kw)?;
                    self.out.clock12 = true;
                }
                Dk::Meridiem(_) => {
                    let v = self.seq_search(&["am", "pm", "AM", "PM"], kw)?;
                    set_field(&mut self.out.pm, (v % 2) as i64, kw)?;
                    self.out.clock12 = true;
                }
                Dk::Hh | Dk::Hh12 | Dk::Hh24 => {
                    let (v, _) = self.parse_int(idx, kw, 2, suf.fm)?;
                    set_field(&mut self.out.hh, v, kw)?;
                    if kw.id != Dk::Hh24 {
                        self.out.clock12 = true;
                    }
                    self.skip_th(suf);
                }
                Dk::Mi => {
                    let (v, _) = self.parse_int(idx, kw, keylen, suf.fm)?;
                    set_field(&mut self.out.mi, v, kw)?;
                    self.skip_th(suf);
                }
                Dk::Ss => {
                    let (v, _) = self.parse_int(idx, kw, keylen, suf.fm)?;
                    set_field(&mut self.out.ss, v, kw)?;
                    self.skip_th(suf);
                }
                Dk::Ms => {
                    let (v, n) = self.parse_int(idx, kw, 3, suf.fm)?;
                    set_field(&mut self.out.ms, v, kw)?;
                    // "25" is 0.25 s, not 0.025 s.
                    self.out.ms *= match n {
                        1 => 100,
                        2 => 10,
                        _ => 1,
                    };
                    self.skip_th(suf);
                }
                Dk::Ff(_) | Dk::Us => {
                    let len = if let Dk::Ff(n) = kw.id {
                        self.out.ff = i64::from(n);
                        n as usize
                    } else {
                        6
                    };
                    let (v, n) = self.parse_int(idx, kw, len, suf.fm)?;
                    set_field(&mut self.out.us, v, kw)?;
                    self.out.us *= match n {
                        1 => 100_000,
                        2 => 10_000,
                        3 => 1000,
                        4 => 100,
                        5 => 10,
                        _ => 1,
                    };
                    self.skip_th(suf);
                }
                Dk::Ssss | Dk::Sssss => {
                    let (v, _) = self.parse_int(idx, kw, keylen, suf.fm)?;
                    set_field(&mut self.out.ssss, v, kw)?;
                    self.skip_th(suf);
                }
                Dk::Tz(_) | Dk::Of => {
                    return Err(TemplateError::new(
                        FEATURE_NOT_SUPPORTED,
                        format!("formatting field \"{}\" is only supported in to_char", kw.name),
                    ));
                }
                Dk::Tzh => {
                    // A minus sign may have been skipped as a separator.
                    match self.at(self.pos) {
                        Some(c @ ('+' | '-' | ' ')) => {
                            self.out.tzsign = if c == '-' { -1 } else { 1 };
                            self.pos += 1;
                        }
                        _ => {
                            let prev_minus = self.pos > 0 && self.s[self.pos - 1] == '-';
                            self.out.tzsign = if extra_skip > 0 && prev_minus { -1 } else { 1 };
                        }
                    }
                    let (v, _) = self.parse_int(idx, kw, 2, suf.fm)?;
                    set_field(&mut self.out.tzh, v, kw)?;
                }
                Dk::Tzm => {
                    if self.out.tzsign == 0 {
                        self.out.tzsign = 1;
                    }
                    let (v, _) = self.parse_int(idx, kw, 2, suf.fm)?;
                    set_field(&mut self.out.tzm, v, kw)?;
                }
                Dk::EraDots(_) => {
                    let v = self.seq_search(&["a.d.", "b.c.", "A.D.", "B.C."], kw)?;
                    set_field(&mut self.out.bc, (v % 2) as i64, kw)?;
                }
                Dk::Era(_) => {
                    let v = self.seq_search(&["ad", "bc", "AD", "BC"], kw)?;
                    set_field(&mut self.out.bc, (v % 2) as i64, kw)?;
                }
                Dk::Month(_) => {
                    let v = self.seq_search(&MONTHS_FULL, kw)?;
                    set_field(&mut self.out.mm, v as i64 + 1, kw)?;
                }
                Dk::Mon(_) => {
                    let abbrev: Vec<&str> = MONTHS_FULL.iter().map(|m| &m[..3]).collect();
                    let v = self.seq_search(&abbrev, kw)?;
                    set_field(&mut self.out.mm, v as i64 + 1, kw)?;
                }
                Dk::Mm => {
                    let (v, _) = self.parse_int(idx, kw, keylen, suf.fm)?;
                    set_field(&mut self.out.mm, v, kw)?;
                    self.skip_th(suf);
                }
                Dk::Day(_) => {
                    let v = self.seq_search(&DAYS_FULL, kw)?;
                    set_field(&mut self.out.d, v as i64, kw)?;
                    self.out.d += 1;
                }
                Dk::Dy(_) => {
                    let abbrev: Vec<&str> = DAYS_FULL.iter().map(|d| &d[..3]).collect();
                    let v = self.seq_search(&abbrev, kw)?;
                    set_field(&mut self.out.d, v as i64, kw)?;
                    self.out.d += 1;
                }
                Dk::Ddd => {
                    let (v, _) = self.parse_int(idx, kw, keylen, suf.fm)?;
                    set_field(&mut self.out.ddd, v, kw)?;
                    self.skip_th(suf);
                }
                Dk::Iddd => {
                    let (v, _) = self.parse_int(idx, kw, 3, suf.fm)?;
                    set_field(&mut self.out.ddd, v, kw)?;
                    self.skip_th(suf);
                }
                Dk::Dd => {
                    let (v, _) = self.parse_int(idx, kw, keylen, suf.fm)?;
                    set_field(&mut self.out.dd, v, kw)?;
                    self.skip_th(suf);
                }
                Dk::D => {
                    let (v, _) = self.parse_int(idx, kw, keylen, suf.fm)?;
                    set_field(&mut self.out.d, v, kw)?;
                    self.skip_th(suf);
                }
                Dk::Id => {
                    let (v, _) = self.parse_int(idx, kw, 1, suf.fm)?;
                    set_field(&mut self.out.d, v, kw)?;
                    // ISO Monday=1..Sunday=7 onto Sunday=1..Saturday=7.
                    self.out.d += 1;
                    if self.out.d > 7 {
                        self.out.d = 1;
                    }
                    self.skip_th(suf);
                }
                Dk::Ww | Dk::Iw => {
                    let (v, _) = self.parse_int(idx, kw, keylen, suf.fm)?;
                    set_field(&mut self.out.ww, v, kw)?;
                    self.skip_th(suf);
                }
                Dk::Q => {
                    // Read and ignored, as in PG.
                    self.parse_int(idx, kw, keylen, suf.fm)?;
                    self.skip_th(suf);
                }
                Dk::Cc => {
                    let (v, _) = self.parse_int(idx, kw, keylen, suf.fm)?;
                    set_field(&mut self.out.cc, v, kw)?;
                    self.skip_th(suf);
                }
                Dk::YComma => {
                    let (years, used) = scan_year_comma(&self.s[self.pos..]).ok_or_else(|| {
                        TemplateError::new(
                            INVALID_DATETIME_FORMAT,
                            "invalid input string for \"Y,YYY\"",
                        )
                    })?;
                    set_field(&mut self.out.year, years, kw)?;
                    self.out.yysz = 4;
                    self.pos += used;
                    self.skip_th(suf);
                }
                Dk::Yyyy | Dk::Iyyy => {
                    let (v, _) = self.parse_int(idx, kw, keylen, suf.fm)?;
                    set_field(&mut self.out.year, v, kw)?;
                    self.out.yysz = 4;
                    self.skip_th(suf);
                }
                Dk::Yyy | Dk::Iyy | Dk::Yy | Dk::Iy | Dk::Y | Dk::I => {
                    let (v, n) = self.parse_int(idx, kw, keylen, suf.fm)?;
                    set_field(&mut self.out.year, v, kw)?;
                    if n < 4 {
                        self.out.year = year_toward_2020(self.out.year);
                    }
                    self.out.yysz = keylen as i64;
                    self.skip_th(suf);
                }
                Dk::Rm(_) => {
                    let lower: Vec<String> = ROMAN_MONTHS.iter().map(|r| r.to_ascii_lowercase()).collect();
                    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
                    let v = self.seq_search(&lower, kw)?;
                    set_field(&mut self.out.mm, 12 - v as i64, kw)?;
                }
                Dk::W => {
                    let (v, _) = self.parse_int(idx, kw, keylen, suf.fm)?;
                    set_field(&mut self.out.w, v, kw)?;
                    self.skip_th(suf);
                }
                Dk::J => {
                    let (v, _) = self.parse_int(idx, kw, keylen, suf.fm)?;
                    set_field(&mut self.out.j, v, kw)?;
                    self.skip_th(suf);
                }
            }
            if !fx {
                extra_skip = 0;
                while self.pos < self.s.len() && is_space(self.s[self.pos]) {
                    self.pos += 1;
                    extra_skip += 1;
                }
            }
            idx += 1;
        }
        Ok(())
    }
}

/// `sscanf(s, "%d,%03d%n")`: thousands, a comma, then up to three
/// characters of the rest. Returns the year and the characters used.
fn scan_year_comma(s: &[char]) -> Option<(i64, usize)> {
    let (thousands, end, _) = strtol(s, 0);
    if end == 0 || s.get(end) != Some(&',') {
        return None;
    }
    // %03d: white space first, then at most three characters (sign
    // included).
    let mut p = end + 1;
    while p < s.len() && is_space(s[p]) {
        p += 1;
    }
    let field_end = (p + 3).min(s.len());
    let field = &s[p..field_end];
    let (rest, used, _) = strtol(field, 0);
    if used == 0 || (used == 1 && (field[0] == '+' || field[0] == '-')) {
        return None;
    }
    let years = (rest as i32).wrapping_add((thousands as i32).wrapping_mul(1000));
    Some((i64::from(years), p + used))
}

/// Two- and three-digit years count toward 2020 ('70' is 1970, '69' 2069).
fn year_toward_2020(year: i64) -> i64 {
    if year < 70 {
        year + 2000
    } else if year < 100 {
        year + 1900
    } else if year < 520 {
        year + 2000
    } else if year < 1000 {
        year + 1000
    } else {
        year
    }
}

fn field_overflow(input: &str) -> TemplateError {
    TemplateError::new(
        DATETIME_FIELD_OVERFLOW,
        format!("date/time field value out of range: \"{input}\""),
    )
}

/// `to_timestamp`'s and `to_date`'s reading of `text` with `template`: the
/// civil fields (PG's defaults where the template gives none: year 1 BC,
/// January 1st, midnight) and any explicit offset. Errors are PG's.
pub fn parse_datetime(text: &str, template: &str) -> Result<ParsedDateTime> {
    let nodes = parse_template(template, DCH_KEYWORDS, true);
    let mut p = DchParser {
        nodes: &nodes,
        s: text.chars().collect(),
        pos: 0,
        out: FromChar::default(),
    };
    p.run()?;
    let f = p.out;
    // From here on PG computes in C int; every field read fits in one.
    let c = |v: i64| v as i32;
    let (f_year, f_bc, f_j, f_d, f_w, f_ww, f_mm) = (c(f.year), f.bc != 0, c(f.j), c(f.d), c(f.w), c(f.ww), c(f.mm));
    let (mut f_cc, mut f_dd, mut f_ddd) = (c(f.cc), c(f.dd), c(f.ddd));

    let (mut year, mut mon, mut mday) = (0_i32, 1_i32, 1_i32);
    let (mut hour, mut min, mut sec) = (0_i32, 0_i32, 0_i32);
    // Which date fields PG's ValidateDate checks.
    let (mut has_year, mut has_month, mut has_day) = (false, false, false);

    if f.ssss != 0 {
        let x = c(f.ssss);
        hour = x / 3600;
        min = x % 3600 / 60;
        sec = x % 60;
    }
    if f.ss != 0 {
        sec = c(f.ss);
    }
    if f.mi != 0 {
        min = c(f.mi);
    }
    if f.hh != 0 {
        hour = c(f.hh);
    }
    if f.clock12 {
        if !(1..=12).contains(&hour) {
            return Err(TemplateError::new(
                INVALID_DATETIME_FORMAT,
                format!("hour \"{hour}\" is invalid for the 12-hour clock"),
            )
            .hint("Use the 24-hour clock, or give an hour between 1 and 12."));
        }
        if f.pm != 0 && hour < 12 {
            hour += 12;
        } else if f.pm == 0 && hour == 12 {
            hour = 0;
        }
    }

    if f_year != 0 {
        if f_cc != 0 && f.yysz <= 2 {
            // YY within century CC (the 21st century is 2001-2100).
            if f_bc {
                f_cc = f_cc.wrapping_neg();
            }
            let yy = f_year % 100;
            year = if yy != 0 {
                if f_cc >= 0 {
                    yy.wrapping_add(f_cc.wrapping_sub(1).wrapping_mul(100))
                } else {
                    f_cc.wrapping_add(1).wrapping_mul(100).wrapping_sub(yy).wrapping_add(1)
                }
            } else {
                f_cc.wrapping_mul(100).wrapping_add(i32::from(f_cc < 0))
            };
        } else {
            year = f_year;
            if f_bc {
                year = year.wrapping_neg();
            }
            if year < 0 {
                year += 1;
            }
        }
        has_year = true;
    } else if f_cc != 0 {
        if f_bc {
            f_cc = f_cc.wrapping_neg();
        }
        year = if f_cc >= 0 {
            f_cc.wrapping_sub(1).wrapping_mul(100).wrapping_add(1)
        } else {
            f_cc.wrapping_mul(100).wrapping_add(1)
        };
        has_year = true;
    }

    let set_date = |jd: i32| -> Option<(i32, i32, i32)> {
        let (y, m, d) = j2date(i64::from(jd));
        Some((i32::try_from(y).ok()?, m as i32, d as i32))
    };

    if f_j != 0 {
        (year, mon, mday) = set_date(f_j).ok_or_else(|| field_overflow(text))?;
        (has_year, has_month, has_day) = (true, true, true);
    }

    if f_ww != 0 {
        if f.mode == Some(DateMode::IsoWeek) {
            // Without ID the date is the Monday of that ISO week.
            let mut jd = isoweek2j(year, f_ww);
            if f_d != 0 {
                jd = jd.wrapping_add(if f_d > 1 { f_d - 2 } else { 6 });
            }
            (year, mon, mday) = set_date(jd).ok_or_else(|| field_overflow(text))?;
            (has_year, has_month, has_day) = (true, true, true);
        } else {
            f_ddd = f_ww.wrapping_sub(1).wrapping_mul(7).wrapping_add(1);
        }
    }

    if f_w != 0 {
        f_dd = f_w.wrapping_sub(1).wrapping_mul(7).wrapping_add(1);
    }
    if f_dd != 0 {
        mday = f_dd;
        has_day = true;
    }
    if f_mm != 0 {
        mon = f_mm;
        has_month = true;
    }

    if f_ddd != 0 && (mon <= 1 || mday <= 1) {
        if year == 0 && !f_bc {
            return Err(TemplateError::new(
                INVALID_DATETIME_FORMAT,
                "cannot calculate day of year without year information",
            ));
        }
        if f.mode == Some(DateMode::IsoWeek) {
            let j0 = isoweek2j(year, 1).wrapping_sub(1);
            (year, mon, mday) = set_date(j0.wrapping_add(f_ddd)).ok_or_else(|| field_overflow(text))?;
            (has_year, has_month, has_day) = (true, true, true);
        } else {
            const YSUM: [[i32; 13]; 2] = [
                [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365],
                [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366],
            ];
            let ysum = &YSUM[usize::from(is_leap(i64::from(year)))];
            let mut i = 1;
            while i <= 12 && f_ddd > ysum[i] {
                i += 1;
            }
            if mon <= 1 {
                mon = i as i32;
            }
            if mday <= 1 {
                mday = f_ddd.wrapping_sub(ysum[i - 1]);
            }
            has_month = true;
            has_day = true;
        }
    }

    let fsec = c(f.ms).wrapping_mul(1000).wrapping_add(c(f.us));

    if has_month && !(1..=12).contains(&mon) {
        return Err(field_overflow(text));
    }
    if has_day && !(1..=31).contains(&mday) {
        return Err(field_overflow(text));
    }
    if has_year && has_month && has_day && mday > days_in_month(i64::from(year), mon) {
        return Err(field_overflow(text));
    }

    if !(0..24).contains(&hour)
        || !(0..60).contains(&min)
        || !(0..60).contains(&sec)
        || !(0..1_000_000).contains(&fsec)
    {
        return Err(field_overflow(text));
    }

    let mut offset = None;
    if f.tzsign != 0 {
        if f.tzh < 0 || f.tzh > 15 || f.tzm < 0 || f.tzm >= 60 {
            return Err(TemplateError::new(
                INVALID_TIME_ZONE_DISPLACEMENT,
                format!("time zone displacement out of range: \"{text}\""),
            ));
        }
        offset = Some((f.tzsign * (f.tzh * 3600 + f.tzm * 60)) as i32);
    }

    // Validated above: the time fields are in range and month and day too
    // (when no date was given they keep their defaults).
    let u = |v: i32| u32::try_from(v).unwrap_or(0);
    Ok(ParsedDateTime {
        year,
        month: u(mon),
        day: u(mday),
        hour: u(hour),
        minute: u(min),
        second: u(sec),
        microsecond: u(fsec),
        utc_offset_seconds: offset,
        fractional_precision: if f.ff != 0 { Some(f.ff as u32) } else { None },
    })
}

fn days_in_month(year: i64, mon: i32) -> i32 {
    match mon {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// PG's range of Julian dates it can convert (4714-11-24 BC onwards, up to
/// 5874898-06-01 excluded).
fn is_valid_julian(y: i64, m: i64) -> bool {
    (y > -4713 || (y == -4713 && m >= 11)) && (y < 5_874_898 || (y == 5_874_898 && m < 6))
}

/// `to_date(text, template)`: days since 1970-01-01 (DataFusion's Date32),
/// with PG's range checks and errors.
pub fn to_date(text: &str, template: &str) -> Result<i32> {
    let p = parse_datetime(text, template)?;
    let out_of_range = || {
        TemplateError::new(
            DATETIME_FIELD_OVERFLOW,
            format!("date out of range: \"{text}\""),
        )
    };
    if !is_valid_julian(i64::from(p.year), i64::from(p.month)) {
        return Err(out_of_range());
    }
    let pg_days = p.julian_day() - POSTGRES_EPOCH_JDATE;
    // PG's dates end at Julian day 2147483494.
    if pg_days < -POSTGRES_EPOCH_JDATE || pg_days >= 2_147_483_494 - POSTGRES_EPOCH_JDATE {
        return Err(out_of_range());
    }
    i32::try_from(p.julian_day() - UNIX_EPOCH_JDATE).map_err(|_| out_of_range())
}

/// Smallest and one-past-largest timestamp PG accepts, in microseconds
/// since 2000-01-01 (4714-11-24 00:00 BC and 294277-01-01 00:00).
const MIN_TIMESTAMP: i64 = -211_813_488_000_000_000;
const END_TIMESTAMP: i64 = 9_223_371_331_200_000_000;
const PG_EPOCH_UNIX_MICROS: i64 = 946_684_800_000_000;

/// `to_timestamp(text, template)`: microseconds since 1970-01-01 00:00 UTC.
/// `session_offset` gives the session time zone's UTC offset (seconds, east
/// positive) for a local civil time; it is used only when the template gave
/// no TZH/TZM. Applies PG's range check and FF1..FF6 rounding.
pub fn to_timestamp(
    text: &str,
    template: &str,
    session_offset: &dyn Fn(&ParsedDateTime) -> i32,
) -> Result<i64> {
    let p = parse_datetime(text, template)?;
    let out_of_range = || TemplateError::new(DATETIME_FIELD_OVERFLOW, "timestamp out of range");
    if !is_valid_julian(i64::from(p.year), i64::from(p.month)) {
        return Err(out_of_range());
    }
    let offset = match p.utc_offset_seconds {
        Some(o) => o,
        None => session_offset(&p),
    };
    let days = p.julian_day() - POSTGRES_EPOCH_JDATE;
    let time = (i64::from(p.hour) * 3600 + i64::from(p.minute) * 60 + i64::from(p.second))
        * 1_000_000
        + i64::from(p.microsecond);
    let mut ts = days
        .checked_mul(86_400_000_000)
        .and_then(|v| v.checked_add(time))
        .and_then(|v| v.checked_sub(i64::from(offset) * 1_000_000))
        .ok_or_else(out_of_range)?;
    if !(MIN_TIMESTAMP..END_TIMESTAMP).contains(&ts) {
        return Err(out_of_range());
    }
    if let Some(prec) = p.fractional_precision {
        ts = round_timestamp(ts, prec);
    }
    ts.checked_add(PG_EPOCH_UNIX_MICROS).ok_or_else(out_of_range)
}

/// Rounds a timestamp (microseconds since 2000-01-01, PG's epoch) to
/// `precision` fractional digits the way PG applies a typmod: half away from
/// that epoch.
pub fn round_timestamp(micros_since_2000: i64, precision: u32) -> i64 {
    if precision >= 6 {
        return micros_since_2000;
    }
    let scale = 10_i64.pow(6 - precision);
    let half = scale / 2;
    if micros_since_2000 >= 0 {
        (micros_since_2000 + half) / scale * scale
    } else {
        -((-micros_since_2000 + half) / scale * scale)
    }
}

// ---------------------------------------------------------------------------
// Numeric templates
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LocaleSign {
    None,
    Pre,
    Post,
}

/// What a numeric template asks for (PG's NUMDesc).
#[derive(Debug, Clone)]
struct NumDesc {
    pre: usize,
    post: usize,
    multi: usize,
    zero_start: usize,
    zero_end: usize,
    pre_lsign_num: usize,
    lsign: LocaleSign,
    decimal: bool,
    ldecimal: bool,
    zero: bool,
    blank: bool,
    fill: bool,
    lsign_flag: bool,
    bracket: bool,
    minus: bool,
    plus: bool,
    roman: bool,
    multi_flag: bool,
    eeee: bool,
}

impl NumDesc {
    fn new() -> NumDesc {
        NumDesc {
            pre: 0,
            post: 0,
            multi: 0,
            zero_start: 0,
            zero_end: 0,
            pre_lsign_num: 0,
            lsign: LocaleSign::None,
            decimal: false,
            ldecimal: false,
            zero: false,
            blank: false,
            fill: false,
            lsign_flag: false,
            bracket: false,
            minus: false,
            plus: false,
            roman: false,
            multi_flag: false,
            eeee: false,
        }
    }

    fn add(&mut self, k: Nk) -> Result<()> {
        let syntax = |m: &str| TemplateError::new(SYNTAX_ERROR, m.to_string());
        if self.eeee && k != Nk::Eeee {
            return Err(syntax("\"EEEE\" must be the last pattern used"));
        }
        match k {
            Nk::Nine => {
                if self.bracket {
                    return Err(syntax("\"9\" must be ahead of \"PR\""));
                }
                if self.multi_flag {
                    self.multi += 1;
                } else if self.decimal {
                    self.post += 1;
                } else {
                    self.pre += 1;
                }
            }
            Nk::Zero => {
                if self.bracket {
                    return Err(syntax("\"0\" must be ahead of \"PR\""));
                }
                if !self.zero && !self.decimal {
                    self.zero = true;
                    self.zero_start = self.pre + 1;
                }
                if self.decimal {
                    self.post += 1;
                } else {
                    self.pre += 1;
                }
                self.zero_end = self.pre + self.post;
            }
            Nk::B => {
                if self.pre == 0 && self.post == 0 && !self.zero {
                    self.blank = true;
                }
            }
            Nk::D | Nk::Dec => {
                if k == Nk::D {
                    self.ldecimal = true;
                }
                if self.decimal {
                    return Err(syntax("multiple decimal points"));
                }
                if self.multi_flag {
                    return Err(syntax("cannot use \"V\" and decimal point together"));
                }
                self.decimal = true;
            }
            Nk::Fm => self.fill = true,
            Nk::S => {
                if self.lsign_flag {
                    return Err(syntax("cannot use \"S\" twice"));
                }
                if self.plus || self.minus || self.bracket {
                    return Err(syntax(
                        "cannot use \"S\" and \"PL\"/\"MI\"/\"SG\"/\"PR\" together",
                    ));
                }
                if !self.decimal {
                    self.lsign = LocaleSign::Pre;
                    self.pre_lsign_num = self.pre;
                    self.lsign_flag = true;
                } else if self.lsign == LocaleSign::None {
                    self.lsign = LocaleSign::Post;
                    self.lsign_flag = true;
                }
            }
            Nk::Mi => {
                if self.lsign_flag {
                    return Err(syntax("cannot use \"S\" and \"MI\" together"));
                }
                self.minus = true;
            }
            Nk::Pl => {
                if self.lsign_flag {
                    return Err(syntax("cannot use \"S\" and \"PL\" together"));
                }
                self.plus = true;
            }
            Nk::Sg => {
                if self.lsign_flag {
                    return Err(syntax("cannot use \"S\" and \"SG\" together"));
                }
                self.minus = true;
                self.plus = true;
            }
            Nk::Pr => {
                if self.lsign_flag || self.plus || self.minus {
                    return Err(syntax(
                        "cannot use \"PR\" and \"S\"/\"PL\"/\"MI\"/\"SG\" together",
                    ));
                }
                self.bracket = true;
            }
            Nk::Rn(_) => self.roman = true,
            Nk::V => {
                if self.decimal {
                    return Err(syntax("cannot use \"V\" and decimal point together"));
                }
                self.multi_flag = true;
            }
            Nk::Eeee => {
                if self.eeee {
                    return Err(syntax("cannot use \"EEEE\" twice"));
                }
                if self.blank
                    || self.fill
                    || self.lsign_flag
                    || self.bracket
                    || self.minus
                    || self.plus
                    || self.roman
                    || self.multi_flag
                {
                    return Err(TemplateError::new(
                        SYNTAX_ERROR,
                        "\"EEEE\" is incompatible with other formats",
                    )
                    .detail("\"EEEE\" may only be used together with digit and decimal point patterns."));
                }
                self.eeee = true;
            }
            Nk::Comma | Nk::C | Nk::G | Nk::L | Nk::Sp | Nk::Th(_) => {}
        }
        Ok(())
    }
}

fn prepare_num(template: &str) -> Result<(Vec<Node<(&'static str, Nk)>>, NumDesc)> {
    let nodes = parse_template(template, NUM_KEYWORDS, false);
    let mut desc = NumDesc::new();
    for n in &nodes {
        if let Node::Action(k, _) = n {
            desc.add(k.1)?;
        }
    }
    Ok((nodes, desc))
}

/// A decimal value as text pieces: sign, integer digits (no leading zeros,
/// possibly empty) and fraction digits.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Decimal {
    Finite {
        neg: bool,
        int: Vec<u8>,
        frac: Vec<u8>,
    },
    NaN,
    Inf(bool),
}

fn bad_number(text: &str, ty: &str) -> TemplateError {
    TemplateError::new(
        INVALID_TEXT_REPRESENTATION,
        format!("invalid input syntax for type {ty}: \"{text}\""),
    )
}

impl Decimal {
    /// Parses numeric text: `[+-]digits[.digits][e[+-]digits]`, `NaN`,
    /// `[+-]Infinity`.
    fn parse(text: &str) -> Option<Decimal> {
        let t = text.trim_matches(is_space);
        let lower = t.to_ascii_lowercase();
        match lower.as_str() {
            "nan" => return Some(Decimal::NaN),
            "infinity" | "+infinity" | "inf" | "+inf" => return Some(Decimal::Inf(false)),
            "-infinity" | "-inf" => return Some(Decimal::Inf(true)),
            _ => {}
        }
        let b = t.as_bytes();
        let mut p = 0;
        let mut neg = false;
        if p < b.len() && (b[p] == b'+' || b[p] == b'-') {
            neg = b[p] == b'-';
            p += 1;
        }
        let mut int = Vec::new();
        let mut frac = Vec::new();
        while p < b.len() && b[p].is_ascii_digit() {
            int.push(b[p] - b'0');
            p += 1;
        }
        if p < b.len() && b[p] == b'.' {
            p += 1;
            while p < b.len() && b[p].is_ascii_digit() {
                frac.push(b[p] - b'0');
                p += 1;
            }
        }
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let mut exp: i64 = 0;
        if p < b.len() && (b[p] == b'e' || b[p] == b'E') {
            p += 1;
            let (e, end, overflow) = strtol(&t[p..].chars().collect::<Vec<_>>(), 0);
            if end == 0 || overflow || e.abs() > 100_000 {
                return None;
            }
            exp = e;
            p += end;
        }
        if p != b.len() {
            return None;
        }
        // Apply the exponent by moving digits across the point.
        while exp > 0 {
            int.push(if frac.is_empty() { 0 } else { frac.remove(0) });
            exp -= 1;
        }
        while exp < 0 {
            frac.insert(0, int.pop().unwrap_or(0));
            exp += 1;
        }
        let mut d = Decimal::Finite { neg, int, frac };
        d.normalize();
        Some(d)
    }

    fn normalize(&mut self) {
        if let Decimal::Finite { neg, int, frac } = self {
            let lead = int.iter().take_while(|&&d| d == 0).count();
            int.drain(..lead);
            if int.is_empty() && frac.iter().all(|&d| d == 0) {
                *neg = false;
            }
        }
    }

    /// Rounds half away from zero to exactly `scale` fraction digits.
    fn round(&self, scale: usize) -> Decimal {
        let Decimal::Finite { neg, int, frac } = self else {
            return self.clone();
        };
        let mut int = int.clone();
        let mut frac = frac.clone();
        if frac.len() > scale {
            let up = frac[scale] >= 5;
            frac.truncate(scale);
            if up {
                let mut carry = true;
                for d in frac.iter_mut().rev().chain(int.iter_mut().rev()) {
                    if *d == 9 {
                        *d = 0;
                    } else {
                        *d += 1;
                        carry = false;
                        break;
                    }
                }
                if carry {
                    int.insert(0, 1);
                }
            }
        }
        frac.resize(scale, 0);
        let mut d = Decimal::Finite {
            neg: *neg,
            int,
            frac,
        };
        d.normalize();
        d
    }

    /// Multiplies by 10^k (k may be negative), keeping every digit.
    fn shift(&self, k: i64) -> Decimal {
        let Decimal::Finite { neg, int, frac } = self else {
            return self.clone();
        };
        let mut int = int.clone();
        let mut frac = frac.clone();
        let mut k = k;
        while k > 0 {
            int.push(if frac.is_empty() { 0 } else { frac.remove(0) });
            k -= 1;
        }
        while k < 0 {
            frac.insert(0, int.pop().unwrap_or(0));
            k += 1;
        }
        let mut d = Decimal::Finite {
            neg: *neg,
            int,
            frac,
        };
        d.normalize();
        d
    }

    /// PG's numeric_out: integer part ("0" when empty) and every fraction
    /// digit kept.
    fn to_text(&self) -> String {
        match self {
            Decimal::NaN => "NaN".to_string(),
            Decimal::Inf(false) => "Infinity".to_string(),
            Decimal::Inf(true) => "-Infinity".to_string(),
            Decimal::Finite { neg, int, frac } => {
                let mut s = String::new();
                if *neg {
                    s.push('-');
                }
                if int.is_empty() {
                    s.push('0');
                } else {
                    s.extend(int.iter().map(|d| char::from(b'0' + d)));
                }
                if !frac.is_empty() {
                    s.push('.');
                    s.extend(frac.iter().map(|d| char::from(b'0' + d)));
                }
                s
            }
        }
    }

    /// PG's numeric_out_sci: one digit before the point, `scale` after,
    /// exponent with sign and at least two digits. Rounding that carries
    /// into a new digit keeps the exponent (9.99 to one place is
    /// `10.0e+00`), as in PG.
    fn to_sci(&self, scale: usize) -> String {
        let Decimal::Finite { neg, int, frac } = self else {
            return self.to_text();
        };
        let digits: Vec<u8> = int.iter().chain(frac.iter()).copied().collect();
        let exponent = match digits.iter().position(|&d| d != 0) {
            Some(first) => int.len() as i64 - 1 - first as i64,
            None => 0,
        };
        let sig = Decimal::Finite {
            neg: *neg,
            int: int.clone(),
            frac: frac.clone(),
        }
        .shift(-exponent)
        .round(scale);
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", sig.to_text(), exponent.abs())
    }
}

/// Roman numeral of 1..=3999; fifteen `#` otherwise.
fn int_to_roman(n: i64) -> String {
    if !(1..=3999).contains(&n) {
        return "#".repeat(15);
    }
    const PARTS: [(i64, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut n = n;
    let mut s = String::new();
    for (v, r) in PARTS {
        while n >= v {
            s.push_str(r);
            n -= v;
        }
    }
    s
}

/// C's `%+.*e` (or `%.*e`) for a double: exponent with sign and at least
/// two digits.
fn c_exp(value: f64, prec: usize) -> String {
    let s = format!("{value:.prec$e}");
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let (esign, edigits) = match exp.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exp),
    };
    let edigits = if edigits.len() < 2 {
        format!("0{edigits}")
    } else {
        edigits.to_string()
    };
    format!("{mant}e{esign}{edigits}")
}

/// PG's printf for `%.*f`: "NaN", "Infinity", "-Infinity" for the special
/// values.
fn c_fixed(value: f64, prec: usize) -> String {
    if value.is_nan() {
        "NaN".to_string()
    } else if value.is_infinite() {
        if value > 0.0 {
            "Infinity".to_string()
        } else {
            "-Infinity".to_string()
        }
    } else {
        format!("{value:.prec$}")
    }
}

/// `#` filler of PG's overflow: `pre` and `post` digits around a point.
fn hash_fill(pre: usize, post: usize) -> String {
    let mut s = "#".repeat(pre + post + 1);
    s.replace_range(pre..=pre, ".");
    s
}

/// `to_char(numeric, template)`; `decimal_text` is the value's text
/// (`"-1234.5678"`, `"NaN"`, `"Infinity"`).
pub fn format_number(decimal_text: &str, template: &str) -> Result<String> {
    format_number_as(NumberKind::Numeric, decimal_text, template)
}

/// `to_char(value, template)` for a value of SQL type `kind` given as its
/// decimal text (integers as digits; floats as any text that parses to the
/// same float, e.g. Rust's `to_string()`; numeric as its exact text).
pub fn format_number_as(kind: NumberKind, text: &str, template: &str) -> Result<String> {
    if template.is_empty() {
        return Ok(String::new());
    }
    let (nodes, mut desc) = prepare_num(template)?;
    let mut sign = '+';
    let mut out_pre_spaces = 0;
    let numstr: String;

    // Pads or overflows the integer part against the template's digits.
    let fit = |num: String, pre: usize, post: usize, out_pre_spaces: &mut usize| -> String {
        let pre_len = num.find('.').unwrap_or(num.len());
        if pre_len < pre {
            *out_pre_spaces = pre - pre_len;
            num
        } else if pre_len > pre {
            hash_fill(pre, post)
        } else {
            num
        }
    };

    match kind {
        NumberKind::Numeric => {
            let value = Decimal::parse(text).ok_or_else(|| bad_number(text, "numeric"))?;
            if desc.roman {
                let n = match value.round(0) {
                    Decimal::NaN => {
                        return Err(TemplateError::unsupported("cannot convert NaN to integer"))
                    }
                    Decimal::Inf(_) => {
                        return Err(TemplateError::unsupported(
                            "cannot convert infinity to integer",
                        ))
                    }
                    v => v
                        .to_text()
                        .parse::<i32>()
                        .map_err(|_| TemplateError::new(NUMERIC_VALUE_OUT_OF_RANGE, "integer out of range"))?,
                };
                numstr = int_to_roman(i64::from(n));
                sign = '\0';
            } else if desc.eeee {
                numstr = eeee_text(&value.to_sci(desc.post), &desc);
            } else {
                let mut v = value;
                if desc.multi_flag {
                    v = v.shift(desc.multi as i64);
                    desc.pre += desc.multi;
                }
                let mut s = v.round(desc.post).to_text();
                if let Some(rest) = s.strip_prefix('-') {
                    sign = '-';
                    s = rest.to_string();
                }
                numstr = fit(s, desc.pre, desc.post, &mut out_pre_spaces);
            }
        }
        NumberKind::Int4 | NumberKind::Int8 => {
            let int4 = kind == NumberKind::Int4;
            let value: i64 = if int4 {
                text.trim().parse::<i32>().map(i64::from).map_err(|_| bad_number(text, "integer"))?
            } else {
                text.trim().parse::<i64>().map_err(|_| bad_number(text, "bigint"))?
            };
            if desc.roman {
                if !int4 && i32::try_from(value).is_err() {
                    return Err(TemplateError::new(NUMERIC_VALUE_OUT_OF_RANGE, "integer out of range"));
                }
                numstr = int_to_roman(value);
                sign = '\0';
            } else if desc.eeee {
                let s = if int4 {
                    c_exp(value as f64, desc.post)
                } else {
                    Decimal::parse(&value.to_string())
                        .map(|d| d.to_sci(desc.post))
                        .unwrap_or_default()
                };
                numstr = eeee_text(&s, &desc);
            } else {
                let mut v = value;
                if desc.multi_flag {
                    if int4 {
                        // C int arithmetic: wraps, and 10^k past INT_MAX
                        // converts to INT_MIN.
                        let factor = if desc.multi <= 9 {
                            10_i32.pow(desc.multi as u32)
                        } else {
                            i32::MIN
                        };
                        v = i64::from((value as i32).wrapping_mul(factor));
                    } else {
                        let factor = if desc.multi <= 18 {
                            10_i64.pow(desc.multi as u32)
                        } else {
                            i64::MIN
                        };
                        v = value.checked_mul(factor).ok_or_else(|| {
                            TemplateError::new(NUMERIC_VALUE_OUT_OF_RANGE, "bigint out of range")
                        })?;
                    }
                    desc.pre += desc.multi;
                }
                let mut s = v.unsigned_abs().to_string();
                if v < 0 {
                    sign = '-';
                }
                if desc.post > 0 {
                    s.push('.');
                    s.push_str(&"0".repeat(desc.post));
                }
                numstr = fit(s, desc.pre, desc.post, &mut out_pre_spaces);
            }
        }
        NumberKind::Float4 | NumberKind::Float8 => {
            let f4 = kind == NumberKind::Float4;
            let bad = || bad_number(text, if f4 { "real" } else { "double precision" });
            let t = text.trim();
            let value: f64 = if f4 {
                f64::from(t.parse::<f32>().map_err(|_| bad())?)
            } else {
                t.parse::<f64>().map_err(|_| bad())?
            };
            if desc.roman {
                let r = value.round_ties_even();
                // C's (int) conversion gives INT_MIN when out of range.
                let n = if r.is_nan() || r < f64::from(i32::MIN) || r > f64::from(i32::MAX) {
                    i64::from(i32::MIN)
                } else {
                    r as i64
                };
                numstr = int_to_roman(n);
                sign = '\0';
            } else if desc.eeee {
                if value.is_nan() || value.is_infinite() {
                    numstr = eeee_special(&desc);
                } else {
                    let s = c_exp(value, desc.post);
                    numstr = if s.starts_with('-') { s } else { format!(" {s}") };
                }
            } else {
                let mut val = value;
                if desc.multi_flag {
                    if f4 {
                        let m = 10_f64.powi(desc.multi as i32) as f32;
                        val = f64::from((value as f32) * m);
                    } else {
                        val = value * 10_f64.powi(desc.multi as i32);
                    }
                    desc.pre += desc.multi;
                }
                let digits = if f4 { 6 } else { 15 };
                let pre_len = c_fixed(val.abs(), 0).len();
                if pre_len >= digits {
                    desc.post = 0;
                } else if pre_len + desc.post > digits {
                    desc.post = digits - pre_len;
                }
                let mut s = c_fixed(val, desc.post);
                if let Some(rest) = s.strip_prefix('-') {
                    sign = '-';
                    s = rest.to_string();
                }
                numstr = fit(s, desc.pre, desc.post, &mut out_pre_spaces);
            }
        }
    }

    if desc.eeee {
        return Ok(numstr);
    }
    Ok(NumToChar::run(&nodes, desc, numstr, out_pre_spaces, sign)?)
}

/// EEEE output of a finite value (`to_sci` text) or `#` filler for the
/// special values.
fn eeee_text(sci: &str, desc: &NumDesc) -> String {
    match sci {
        "NaN" | "Infinity" | "-Infinity" => eeee_special(desc),
        s if s.starts_with('-') => s.to_string(),
        s => format!(" {s}"),
    }
}

/// `#` filler for NaN and infinities under EEEE: sign place, digits, point,
/// and room for "e+00".
fn eeee_special(desc: &NumDesc) -> String {
    let mut s: Vec<char> = "#".repeat(desc.pre + desc.post + 6).chars().collect();
    s[0] = ' ';
    if let Some(c) = s.get_mut(desc.pre + 1) {
        *c = '.';
    }
    s.into_iter().collect()
}

/// The number-to-text walk over a numeric template (PG's to_char side of
/// NUM_processor).
struct NumToChar {
    desc: NumDesc,
    num: Vec<char>,
    pos: usize,
    sign: char,
    sign_wrote: bool,
    out_pre_spaces: usize,
    num_curr: usize,
    num_count: usize,
    num_in: bool,
    last_relevant: Option<usize>,
    out: String,
}

impl NumToChar {
    fn run(
        nodes: &[Node<(&'static str, Nk)>],
        mut desc: NumDesc,
        numstr: String,
        out_pre_spaces: usize,
        sign: char,
    ) -> Result<String> {
        if desc.zero_start > 0 {
            desc.zero_start -= 1;
        }
        let mut out_pre_spaces = out_pre_spaces;
        let mut sign = sign;
        if desc.roman {
            let fill = desc.fill;
            desc = NumDesc::new();
            desc.fill = fill;
            desc.roman = true;
            out_pre_spaces = 0;
        }
        let sign_wrote;
        if desc.plus || desc.minus {
            // MI/PL/SG place the sign themselves; PL alone still lets the
            // number carry a minus.
            sign_wrote = !(desc.plus && !desc.minus);
        } else {
            if sign != '-' && desc.fill {
                desc.bracket = false;
            }
            sign_wrote = sign == '+' && desc.fill && !desc.lsign_flag;
            if desc.lsign == LocaleSign::Pre && desc.pre == desc.pre_lsign_num {
                desc.lsign = LocaleSign::Post;
            }
        }
        if desc.roman {
            sign = '\0';
        }
        let num: Vec<char> = numstr.chars().collect();
        let mut num_count = (desc.post + desc.pre).wrapping_sub(1);
        let mut last_relevant = None;
        if desc.fill && desc.decimal {
            last_relevant = last_relevant_decimal(&num);
            if let Some(lr) = last_relevant {
                if desc.zero_end > out_pre_spaces && !num.is_empty() {
                    let last_zero = (num.len() - 1).min(desc.zero_end - out_pre_spaces);
                    if lr < last_zero {
                        last_relevant = Some(last_zero);
                    }
                }
            }
        }
        if !sign_wrote && out_pre_spaces == 0 {
            num_count = num_count.wrapping_add(1);
        }
        let mut p = NumToChar {
            desc,
            num,
            pos: 0,
            sign,
            sign_wrote,
            out_pre_spaces,
            num_curr: 0,
            num_count,
            num_in: false,
            last_relevant,
            out: String::new(),
        };
        for node in nodes {
            let k = match node {
                Node::Literal(c, _) => {
                    p.out.push(*c);
                    continue;
                }
                Node::Action(k, _) => k.1,
            };
            match k {
                Nk::Nine | Nk::Zero | Nk::Dec | Nk::D => p.numpart(k),
                Nk::Comma | Nk::G => {
                    if p.num_in {
                        p.out.push(',');
                    } else if !p.desc.fill {
                        p.out.push(' ');
                    }
                }
                Nk::L => p.out.push(' '),
                Nk::Rn(upper) => {
                    let r: String = p.num.iter().collect();
                    let r = if upper { r } else { r.to_ascii_lowercase() };
                    if p.desc.fill {
                        p.out.push_str(&r);
                    } else {
                        p.out.push_str(&format!("{r:>15}"));
                    }
                }
                Nk::Th(upper) => {
                    if p.desc.roman || p.num.first() == Some(&'#') || p.sign == '-' || p.desc.decimal {
                        continue;
                    }
                    let s: String = p.num.iter().collect();
                    p.out.push_str(ordinal_suffix(&s, upper)?);
                }
                Nk::Mi => {
                    if p.sign == '-' {
                        p.out.push('-');
                    } else if !p.desc.fill {
                        p.out.push(' ');
                    }
                }
                Nk::Pl => {
                    if p.sign == '+' {
                        p.out.push('+');
                    } else if !p.desc.fill {
                        p.out.push(' ');
                    }
                }
                Nk::Sg => p.out.push(p.sign),
                Nk::B | Nk::C | Nk::Eeee | Nk::Fm | Nk::Pr | Nk::Sp | Nk::S | Nk::V => {}
            }
        }
        // PG's output is a C string: a NUL written into it ends it.
        let mut out = p.out;
        if let Some(cut) = out.find('\0') {
            out.truncate(cut);
        }
        Ok(out)
    }

    fn cur(&self) -> char {
        self.num.get(self.pos).copied().unwrap_or('\0')
    }

    fn last_relevant_is_point(&self) -> bool {
        matches!(self.last_relevant, Some(i) if self.num.get(i) == Some(&'.'))
    }

    /// "0.1" under "9.9" prints " .1": the leading zero becomes a blank.
    fn predec_space(&self) -> bool {
        !self.desc.zero && self.pos == 0 && self.num.first() == Some(&'0') && self.desc.post != 0
    }

    fn push_sign(&mut self, s: char) {
        self.out.push(s);
    }

    fn numpart(&mut self, id: Nk) {
        if self.desc.roman {
            return;
        }
        let d = &self.desc;
        if !self.sign_wrote
            && (self.num_curr >= self.out_pre_spaces || (d.zero && d.zero_start == self.num_curr))
            && (!self.predec_space() || self.last_relevant_is_point())
        {
            if self.desc.lsign_flag {
                if self.desc.lsign == LocaleSign::Pre {
                    let s = if self.sign == '-' { '-' } else { '+' };
                    self.push_sign(s);
                    self.sign_wrote = true;
                }
            } else if self.desc.bracket {
                let s = if self.sign == '+' { ' ' } else { '<' };
                self.push_sign(s);
                self.sign_wrote = true;
            } else if self.sign == '+' {
                if !self.desc.fill {
                    self.out.push(' ');
                }
                self.sign_wrote = true;
            } else if self.sign == '-' {
                self.out.push('-');
                self.sign_wrote = true;
            }
        }

        let d = &self.desc;
        if self.num_curr < self.out_pre_spaces && (d.zero_start > self.num_curr || !d.zero) {
            if !d.fill {
                self.out.push(' ');
            }
        } else if d.zero && self.num_curr < self.out_pre_spaces && d.zero_start <= self.num_curr {
            self.out.push('0');
            self.num_in = true;
        } else {
            if self.cur() == '.' {
                if !self.last_relevant_is_point() || self.desc.fill {
                    self.out.push('.');
                }
            } else if matches!(self.last_relevant, Some(lr) if self.pos > lr) && id != Nk::Zero {
                // Trailing zeros dropped by FM.
            } else if self.predec_space() {
                if !self.desc.fill {
                    self.out.push(' ');
                } else if self.last_relevant_is_point() {
                    self.out.push('0');
                }
            } else {
                let c = self.cur();
                self.out.push(c);
                self.num_in = true;
            }
            if self.pos < self.num.len() {
                self.pos += 1;
            }
        }

        let mut end = self
            .num_count
            .wrapping_add(usize::from(self.out_pre_spaces > 0))
            .wrapping_add(usize::from(self.desc.decimal));
        if self.last_relevant == Some(self.pos) {
            end = self.num_curr;
        }
        if self.num_curr.wrapping_add(1) == end {
            if self.sign_wrote && self.desc.bracket {
                let s = if self.sign == '+' { ' ' } else { '>' };
                self.push_sign(s);
            } else if self.desc.lsign_flag && self.desc.lsign == LocaleSign::Post {
                let s = if self.sign == '-' { '-' } else { '+' };
                self.push_sign(s);
            }
        }
        self.num_curr += 1;
    }
}

/// Index of the last non-zero fraction digit, or of the point when the
/// fraction is all zeros; `None` without a point.
fn last_relevant_decimal(num: &[char]) -> Option<usize> {
    let point = num.iter().position(|&c| c == '.')?;
    let mut result = point;
    for (i, &c) in num.iter().enumerate().skip(point + 1) {
        if c != '0' {
            result = i;
        }
    }
    Some(result)
}

/// `to_number(text, template)`: the value as numeric text (PG's scale
/// included). `Ok(None)` is SQL NULL, which PG returns for an empty
/// template.
pub fn parse_number(text: &str, template: &str) -> Result<Option<String>> {
    if template.is_empty() {
        return Ok(None);
    }
    let (nodes, desc) = prepare_num(template)?;
    if desc.eeee {
        return Err(TemplateError::unsupported("\"EEEE\" not supported for input"));
    }
    if desc.roman {
        return Err(TemplateError::unsupported("\"RN\" not supported for input"));
    }
    let mut p = NumFromChar {
        desc: &desc,
        s: text.chars().collect(),
        pos: 0,
        sign: ' ',
        digits: String::new(),
        read_pre: 0,
        read_post: 0,
        read_dec: false,
    };
    p.run(&nodes);
    let mut numstr = String::new();
    numstr.push(p.sign);
    let mut digits = p.digits.clone();
    if digits.ends_with('.') {
        digits.pop();
    }
    numstr.push_str(&digits);

    let scale = p.read_post;
    let precision = desc.pre + desc.multi + scale;
    let value = Decimal::parse(&numstr)
        .filter(|d| matches!(d, Decimal::Finite { .. }))
        .ok_or_else(|| bad_number(&numstr, "numeric"))?;
    let value = value.round(scale);
    if let Decimal::Finite { int, .. } = &value {
        let max_digits = precision.saturating_sub(scale);
        if int.len() > max_digits {
            let bound = if max_digits > 0 {
                format!("10^{max_digits}")
            } else {
                "1".to_string()
            };
            return Err(TemplateError::new(NUMERIC_VALUE_OUT_OF_RANGE, "numeric field overflow")
                .detail(format!(
                    "A field with precision {precision}, scale {scale} must round to an absolute value less than {bound}."
                )));
        }
    }
    if desc.multi_flag {
        // PG multiplies by power(10, -multi), a numeric with 16 fraction
        // digits (so 10^-17 and smaller are zero).
        const POWER_SCALE: usize = 16;
        let result = if desc.multi > POWER_SCALE {
            Decimal::Finite {
                neg: false,
                int: Vec::new(),
                frac: vec![0; scale + POWER_SCALE],
            }
        } else {
            value.shift(-(desc.multi as i64)).round(scale + POWER_SCALE)
        };
        return Ok(Some(result.to_text()));
    }
    Ok(Some(value.to_text()))
}

/// The text-to-number walk over a numeric template (PG's to_number side of
/// NUM_processor).
struct NumFromChar<'a> {
    desc: &'a NumDesc,
    s: Vec<char>,
    pos: usize,
    sign: char,
    digits: String,
    read_pre: usize,
    read_post: usize,
    read_dec: bool,
}

impl NumFromChar<'_> {
    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn cur(&self) -> Option<char> {
        self.s.get(self.pos).copied()
    }

    /// Skips up to `n` characters that cannot belong to a number.
    fn eat_non_data(&mut self, n: usize) {
        for _ in 0..n {
            match self.cur() {
                Some(c) if !"0123456789.,+-".contains(c) => self.pos += 1,
                _ => break,
            }
        }
    }

    fn run(&mut self, nodes: &[Node<(&'static str, Nk)>]) {
        for node in nodes {
            if self.at_end() {
                break;
            }
            let k = match node {
                Node::Literal(..) => {
                    self.pos += 1;
                    continue;
                }
                Node::Action(k, _) => k.1,
            };
            match k {
                Nk::Nine | Nk::Zero | Nk::Dec | Nk::D => {
                    self.numpart(k);
                }
                Nk::Comma | Nk::G => {
                    if self.desc.fill || self.cur() != Some(',') {
                        continue;
                    }
                }
                Nk::L => {
                    self.eat_non_data(1);
                    continue;
                }
                Nk::Th(_) => {
                    if self.desc.decimal {
                        continue;
                    }
                    self.eat_non_data(2);
                    continue;
                }
                Nk::Mi => {
                    if self.cur() == Some('-') {
                        self.sign = '-';
                    } else {
                        self.eat_non_data(1);
                        continue;
                    }
                }
                Nk::Pl => {
                    if self.cur() == Some('+') {
                        self.sign = '+';
                    } else {
                        self.eat_non_data(1);
                        continue;
                    }
                }
                Nk::Sg => match self.cur() {
                    Some(c @ ('-' | '+')) => self.sign = c,
                    _ => {
                        self.eat_non_data(1);
                        continue;
                    }
                },
                Nk::Rn(_) | Nk::B | Nk::C | Nk::Eeee | Nk::Fm | Nk::Pr | Nk::Sp | Nk::S | Nk::V => {
                    continue;
                }
            }
            self.pos += 1;
        }
    }

    fn numpart(&mut self, id: Nk) {
        if self.at_end() {
            return;
        }
        if self.cur() == Some(' ') {
            self.pos += 1;
        }
        if self.at_end() {
            return;
        }
        if self.sign == ' ' && matches!(id, Nk::Zero | Nk::Nine) && self.read_pre + self.read_post == 0 {
            let c = self.cur();
            if self.desc.lsign_flag && self.desc.lsign == LocaleSign::Pre {
                if let Some(s @ ('-' | '+')) = c {
                    self.sign = s;
                    self.pos += 1;
                }
            } else if c == Some('-') || (self.desc.bracket && c == Some('<')) {
                self.sign = '-';
                self.pos += 1;
            } else if c == Some('+') {
                self.sign = '+';
                self.pos += 1;
            }
        }
        if self.at_end() {
            return;
        }
        let mut read = false;
        match self.cur() {
            Some(c) if c.is_ascii_digit() => {
                if self.read_dec && self.read_post == self.desc.post {
                    return;
                }
                self.digits.push(c);
                if self.read_dec {
                    self.read_post += 1;
                } else {
                    self.read_pre += 1;
                }
                read = true;
            }
            Some('.') if self.desc.decimal && !self.read_dec => {
                self.digits.push('.');
                self.read_dec = true;
                read = true;
            }
            _ => {}
        }
        if self.at_end() {
            return;
        }
        if self.sign == ' ' && self.read_pre + self.read_post > 0 {
            if self.desc.lsign_flag {
                // S after the digits: try the next character as the sign.
                if read
                    && self.pos + 1 < self.s.len()
                    && !self.s[self.pos + 1].is_ascii_digit()
                {
                    if let Some(s @ ('-' | '+')) = self.s.get(self.pos + 1).copied() {
                        self.sign = s;
                        self.pos += 1;
                    }
                }
            } else if !read && (self.desc.plus || self.desc.minus) {
                if let Some(s @ ('-' | '+')) = self.cur() {
                    self.sign = s;
                }
            }
        }
    }
}
