//! `to_char(numeric | int | float, text)` against PG 15.

mod numeric;
mod other_types;
mod template_errors;

use super::*;

#[test]
fn to_char_number_matches_pg() {
    let cases = [
        numeric::NUMERIC,
        other_types::OTHER_TYPES,
        template_errors::TEMPLATE_ERRORS,
    ]
    .concat();
    check_table(
        "to_char(number)",
        &cases,
        |(kind, value, template, want)| {
            let got = format_number_as(kind, value, template).map(Some);
            (format!("{kind:?} {value:?} {template:?}"), got, want)
        },
    );
}
