//! Arrow → PostgreSQL wire encoding: the type mapping, text and binary value
//! formats, and the RowDescription / DataRow / COPY messages built from them.
//! This is the hot path: every function works a column of a batch at a time.

pub mod binary;
pub mod column;
pub mod copy;
pub mod json;
pub mod jsonb;
pub mod rows;
pub mod text;
pub mod types;

use chrono::{Offset, TimeZone as _};

pub use column::{encode_column, EncodedColumn};
pub use rows::ResultEncoder;
pub use types::{pg_type_of, PgScalar, PgType};

/// The wire format of a column: PG's format code 0 (text) or 1 (binary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Format code 0.
    #[default]
    Text,
    /// Format code 1.
    Binary,
}

impl Format {
    /// The format for a wire format code; anything but 0 or 1 is a protocol error.
    pub fn from_code(code: i16) -> Option<Format> {
        match code {
            0 => Some(Format::Text),
            1 => Some(Format::Binary),
            _ => None,
        }
    }

    /// The wire format code.
    pub fn code(self) -> i16 {
        match self {
            Format::Text => 0,
            Format::Binary => 1,
        }
    }
}

/// A session TimeZone, used to render timestamptz values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SessionTimeZone {
    /// A fixed offset east of UTC, in seconds.
    Fixed(i32),
    /// An IANA zone with its daylight-saving rules.
    Named(chrono_tz::Tz),
}

impl SessionTimeZone {
    /// Parses a PG TimeZone value: an IANA name (`Europe/Paris`, `UTC`) or a
    /// number of hours east of UTC (`-7`, `5.5`), as `SET TIME ZONE` accepts.
    pub fn parse(name: &str) -> Option<SessionTimeZone> {
        let trimmed = name.trim();
        if let Ok(hours) = trimmed.parse::<f64>() {
            if hours.abs() <= 15.0 {
                return Some(SessionTimeZone::Fixed((hours * 3600.0).round() as i32));
            }
            return None;
        }
        if let Ok(tz) = trimmed.parse::<chrono_tz::Tz>() {
            return Some(SessionTimeZone::Named(tz));
        }
        // PG matches zone names case-insensitively.
        chrono_tz::Tz::from_str_insensitive(trimmed)
            .ok()
            .map(SessionTimeZone::Named)
    }

    /// The zone as Arrow names one on a timestamp type: the IANA name, or
    /// `+HH:MM` for a fixed offset.
    pub fn arrow_name(self) -> std::sync::Arc<str> {
        match self {
            SessionTimeZone::Named(tz) => std::sync::Arc::from(tz.name()),
            SessionTimeZone::Fixed(secs) => {
                let sign = if secs < 0 { '-' } else { '+' };
                let minutes = secs.unsigned_abs() / 60;
                std::sync::Arc::from(format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60))
            }
        }
    }

    /// The UTC offset in seconds at an instant (microseconds since the Unix epoch).
    pub fn offset_at(self, micros: i64) -> i32 {
        match self {
            SessionTimeZone::Fixed(secs) => secs,
            SessionTimeZone::Named(tz) => {
                let secs = micros.div_euclid(1_000_000);
                match chrono::DateTime::from_timestamp(secs, 0) {
                    Some(utc) => tz
                        .offset_from_utc_datetime(&utc.naive_utc())
                        .fix()
                        .local_minus_utc(),
                    None => 0,
                }
            }
        }
    }
}

/// Names the objects that reg type values (`regclass`, `regtype`, …) refer
/// to. Datasets' names live in the registry, outside the encoder.
pub trait ObjectNames: Send + Sync + std::fmt::Debug {
    /// Names values of reg type `kind`, as PG prints them: the object's
    /// name, `-` for OID 0, the OID's digits for an unknown object. Made once
    /// per column, so the names are gathered once, not for every value.
    fn namer(&self, kind: PgScalar) -> Box<dyn Fn(u32) -> String + '_>;
}

/// Session settings that change how values are written.
#[derive(Debug, Clone)]
pub struct EncodeOptions {
    /// `extra_float_digits`: above 0 floats are written shortest-exact.
    pub extra_float_digits: i32,
    /// `TimeZone`: timestamptz values are written in it.
    pub time_zone: SessionTimeZone,
    /// Where reg type values' names come from; without it `regclass` and
    /// `regnamespace` values are written as OIDs.
    pub object_names: Option<std::sync::Arc<dyn ObjectNames>>,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions {
            extra_float_digits: 1,
            time_zone: SessionTimeZone::Fixed(0),
            object_names: None,
        }
    }
}

/// A value that cannot be encoded (an Arrow cast failed while unpacking it).
#[derive(Debug, thiserror::Error)]
#[error("cannot encode column: {0}")]
pub struct EncodeError(#[from] pub datafusion::arrow::error::ArrowError);
