//! Every table below was produced by running the same call on
//! PostgreSQL 15.18 (session time zone UTC unless noted, C locale):
//! the expected answers are PG's, not written by hand.

mod edge_cases;
mod to_char_interval;
mod to_char_number;
mod to_char_timestamp;
mod to_char_timestamptz;
mod to_date;
mod to_number;
mod to_timestamp;

use super::NumberKind::{Float4, Float8, Int4, Int8, Numeric};
use super::*;

/// PG 15's answer: text, SQL NULL, or an error (SQLSTATE, message,
/// detail, hint; "" where PG sends none).
#[derive(Debug, Clone, Copy)]
enum Pg {
    T(&'static str),
    N,
    E(&'static str, &'static str, &'static str, &'static str),
}
use Pg::{E, N, T};

type TsCase = (i32, u32, u32, u32, u32, u32, u32, &'static str, Pg);
type TstzCase = (
    i32,
    u32,
    u32,
    u32,
    u32,
    u32,
    u32,
    i32,
    &'static str,
    &'static str,
    Pg,
);
type IvCase = (i32, i32, i64, &'static str, Pg);
type NumCase = (NumberKind, &'static str, &'static str, Pg);
type TextCase = (&'static str, &'static str, Pg);

const NOT_FOR_INTERVAL: Pg = E(
    "22007",
    "invalid format specification for an interval value",
    "",
    "Intervals are not tied to specific calendar dates.",
);

fn matches(got: &Result<Option<String>>, want: Pg) -> bool {
    match (got, want) {
        (Ok(Some(g)), T(w)) => g == w,
        (Ok(None), N) => true,
        (Err(e), E(code, message, detail, hint)) => {
            e.sqlstate == code
                && e.message == message
                && e.detail.as_deref().unwrap_or("") == detail
                && e.hint.as_deref().unwrap_or("") == hint
        }
        _ => false,
    }
}

/// Runs every case of a table and fails, listing each case whose answer
/// differs from PostgreSQL's; `run` gives a case's label, the answer got
/// and PG's answer.
fn check_table<C: Copy>(
    what: &str,
    cases: &[C],
    run: impl Fn(C) -> (String, Result<Option<String>>, Pg),
) {
    let mut failures = Vec::new();
    for &case in cases {
        let (label, got, want) = run(case);
        if !matches(&got, want) {
            failures.push(format!("{label}: got {got:?}, PostgreSQL says {want:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{what}: {} of {} cases differ from PostgreSQL 15:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// [`check_table`] for a table of (text, template, PG's answer).
fn check_text_table(
    what: &str,
    cases: &[TextCase],
    run: impl Fn(&str, &str) -> Result<Option<String>>,
) {
    check_table(what, cases, |(text, template, want)| {
        (format!("{text:?} {template:?}"), run(text, template), want)
    });
}

/// A timestamp's fields from a table row's civil fields (year, month, day,
/// hour, minute, second, microsecond), UTC offset and zone abbreviation.
fn datetime_fields(
    (year, month, day, hour, minute, second, microsecond): (i32, u32, u32, u32, u32, u32, u32),
    utc_offset_seconds: i32,
    tz_abbrev: Option<&str>,
) -> DateTimeFields {
    DateTimeFields {
        year,
        month,
        day,
        hour,
        minute,
        second,
        microsecond,
        utc_offset_seconds,
        tz_abbrev: tz_abbrev.map(str::to_string),
    }
}
