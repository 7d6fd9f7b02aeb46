//! Small text helpers shared by the patterns: C's character classes,
//! `%0*d` and `strtol`, ordinal suffixes, and the English month and day
//! names.

use super::{Result, TemplateError, INVALID_TEXT_REPRESENTATION};

/// C's `isspace` in the C locale (for a character or a byte).
pub(super) fn is_space(c: impl Into<u32>) -> bool {
    matches!(c.into(), 0x20 | 0x09..=0x0D)
}

/// Printable ASCII that is neither a letter nor a digit.
pub(super) fn is_separator(c: impl Into<u32>) -> bool {
    let c = c.into();
    c > 0x20 && c < 0x7F && char::from_u32(c).is_some_and(|c| !c.is_ascii_alphanumeric())
}

/// Length of the UTF-8 character starting with byte `b` (PG's `pg_mblen`:
/// 1 for a stray continuation byte).
pub(super) fn mblen(b: u8) -> usize {
    if b & 0x80 == 0 {
        1
    } else if b & 0xE0 == 0xC0 {
        2
    } else if b & 0xF0 == 0xE0 {
        3
    } else if b & 0xF8 == 0xF0 {
        4
    } else {
        1
    }
}

/// C's `%0*d`: at least `width` characters, zero-padded after the sign.
pub(super) fn zero_pad(value: impl Into<i64>, width: usize) -> String {
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
pub(super) fn ordinal_suffix(num: &str, upper: bool) -> Result<&'static str> {
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

/// English month names, January first.
pub(super) const MONTHS_FULL: [&str; 12] = [
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
/// English day names, Sunday first.
pub(super) const DAYS_FULL: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
/// Roman months, December first (the order PG matches them in).
pub(super) const ROMAN_MONTHS: [&str; 12] = [
    "XII", "XI", "X", "IX", "VIII", "VII", "VI", "V", "IV", "III", "II", "I",
];

/// Letter case of a name pattern (`MONTH`, `Month`, `month`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Case {
    Upper,
    Capital,
    Lower,
}

/// Puts a capitalised name in `case`.
pub(super) fn apply_case(s: &str, case: Case) -> String {
    match case {
        Case::Upper => s.to_ascii_uppercase(),
        Case::Lower => s.to_ascii_lowercase(),
        Case::Capital => s.to_string(),
    }
}

/// C's `strtol` on `s[from..]`: skips white space, takes a sign and
/// decimal digits. Returns (value, end, overflowed); `end == from` when no
/// digits were read.
pub(super) fn strtol(s: &[u8], from: usize) -> (i64, usize, bool) {
    let mut p = from;
    while p < s.len() && is_space(s[p]) {
        p += 1;
    }
    let mut neg = false;
    if p < s.len() && (s[p] == b'+' || s[p] == b'-') {
        neg = s[p] == b'-';
        p += 1;
    }
    let digits_start = p;
    let mut value: i128 = 0;
    let mut overflow = false;
    while p < s.len() && s[p].is_ascii_digit() {
        if !overflow {
            value = value * 10 + i128::from(s[p] - b'0');
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
