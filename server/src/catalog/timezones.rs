//! The time zones PostgreSQL lists in `pg_timezone_names` and
//! `pg_timezone_abbrevs`, from the zone database DataPress renders
//! `timestamptz` with (chrono-tz), evaluated at scan time.

use std::collections::BTreeMap;

use chrono::{DateTime, Offset, TimeDelta, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz, TZ_VARIANTS};

use super::table::{Cell, Context};

/// A zone's abbreviation, UTC offset (seconds) and whether it is daylight
/// saving time, at `at`.
fn offset_at(tz: Tz, at: DateTime<Utc>) -> (String, i64, bool) {
    let local = at.with_timezone(&tz);
    let offset = local.offset();
    (
        offset.abbreviation().unwrap_or_default().to_string(),
        i64::from(offset.fix().local_minus_utc()),
        !offset.dst_offset().is_zero(),
    )
}

/// `pg_timezone_names`: every zone with its abbreviation, offset and DST flag now.
pub fn names(_: &Context<'_>) -> Vec<Vec<Cell>> {
    let now = Utc::now();
    TZ_VARIANTS
        .iter()
        .map(|tz| {
            let (abbrev, seconds, dst) = offset_at(*tz, now);
            vec![
                tz.name().into(),
                abbrev.into(),
                Cell::Int(seconds * 1_000_000),
                dst.into(),
            ]
        })
        .collect()
}

/// `pg_timezone_abbrevs`: the alphabetic abbreviations the zones use now or
/// half a year from now (so both standard and summer time), each with the
/// offset of the first zone, in name order, that uses it.
pub fn abbrevs(_: &Context<'_>) -> Vec<Vec<Cell>> {
    let now = Utc::now();
    let instants = [now, now + TimeDelta::days(183)];
    let mut found: BTreeMap<String, (i64, bool)> = BTreeMap::new();
    for tz in &TZ_VARIANTS {
        for at in instants {
            let (abbrev, seconds, dst) = offset_at(*tz, at);
            if abbrev.starts_with(|c: char| c.is_ascii_alphabetic()) {
                found.entry(abbrev).or_insert((seconds, dst));
            }
        }
    }
    found
        .into_iter()
        .map(|(abbrev, (seconds, dst))| {
            vec![abbrev.into(), Cell::Int(seconds * 1_000_000), dst.into()]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datasets::Registry;

    fn context(registry: &Registry) -> Context<'_> {
        Context {
            registry,
            session: None,
        }
    }

    #[test]
    fn zones_have_their_offsets() {
        let registry = Registry::new();
        let names = names(&context(&registry));
        let utc = names
            .iter()
            .find(|row| row[0] == Cell::from("UTC"))
            .expect("UTC is a zone");
        assert_eq!(utc[2], Cell::Int(0));
        assert_eq!(utc[3], Cell::Bool(false));
        let kolkata = names
            .iter()
            .find(|row| row[0] == Cell::from("Asia/Kolkata"))
            .expect("Asia/Kolkata is a zone");
        assert_eq!(kolkata[1], Cell::from("IST"));
        assert_eq!(kolkata[2], Cell::Int(19_800_000_000));
    }

    #[test]
    fn abbreviations_cover_standard_and_summer_time() {
        let registry = Registry::new();
        let abbrevs = abbrevs(&context(&registry));
        let find = |abbrev: &str| {
            abbrevs
                .iter()
                .find(|row| row[0] == Cell::from(abbrev))
                .map(|row| (row[1].clone(), row[2].clone()))
        };
        assert_eq!(
            find("CET"),
            Some((Cell::Int(3_600_000_000), Cell::Bool(false)))
        );
        assert_eq!(
            find("CEST"),
            Some((Cell::Int(7_200_000_000), Cell::Bool(true)))
        );
        assert_eq!(find("UTC"), Some((Cell::Int(0), Cell::Bool(false))));
        assert_eq!(find("+03"), None, "numeric abbreviations are not listed");
    }
}
