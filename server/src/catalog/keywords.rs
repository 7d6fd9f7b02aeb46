//! PostgreSQL 15's SQL keywords (`data/pg_keywords.tsv`, from
//! `pg_get_keywords()`): the rows of that function, and which words an
//! identifier must be quoted to be (every keyword but the unreserved ones).

use std::collections::HashMap;
use std::sync::OnceLock;

use super::builtin_data::cells;
use super::table::{Cell, Context, Kind};

/// `pg_get_keywords()`'s columns.
pub const KEYWORD_COLUMNS: &[(&str, Kind)] = &[
    ("word", Kind::Text),
    ("catcode", Kind::Char),
    ("barelabel", Kind::Bool),
    ("catdesc", Kind::Text),
    ("baredesc", Kind::Text),
];

fn rows() -> &'static [Vec<Cell>] {
    static ROWS: OnceLock<Vec<Vec<Cell>>> = OnceLock::new();
    ROWS.get_or_init(|| cells(include_str!("data/pg_keywords.tsv"), KEYWORD_COLUMNS))
}

/// The rows of `pg_get_keywords()`.
pub fn pg_get_keywords(_: &Context<'_>) -> Vec<Vec<Cell>> {
    rows().to_vec()
}

/// Whether `word` is a keyword that PG's `quote_ident` quotes (reserved,
/// a type or function name, or not usable as a column name).
pub fn needs_quotes(word: &str) -> bool {
    static CATEGORIES: OnceLock<HashMap<String, String>> = OnceLock::new();
    let categories = CATEGORIES.get_or_init(|| {
        rows()
            .iter()
            .filter_map(|row| match (&row[0], &row[1]) {
                (Cell::Text(word), Cell::Text(code)) => Some((word.clone(), code.clone())),
                _ => None,
            })
            .collect()
    });
    categories.get(word).is_some_and(|code| code != "U")
}
