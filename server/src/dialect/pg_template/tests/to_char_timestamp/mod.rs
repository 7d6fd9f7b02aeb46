//! `to_char(timestamp, text)` against PG 15: every pattern on ordinary and
//! extreme dates, the modifiers, and whole templates.

mod edge_dates;
mod modifiers;
mod ordinary_dates;
mod templates;

use super::*;

#[test]
fn to_char_timestamp_matches_pg() {
    let cases = [
        ordinary_dates::ORDINARY_DATES,
        edge_dates::EDGE_DATES,
        modifiers::MODIFIERS,
        templates::TEMPLATES,
    ]
    .concat();
    check_table(
        "to_char(timestamp)",
        &cases,
        |(y, mo, d, h, mi, s, us, template, want)| {
            let t = datetime_fields((y, mo, d, h, mi, s, us), 0, None);
            (
                format!("{t:?} {template:?}"),
                format_datetime(&t, template),
                want,
            )
        },
    );
}
