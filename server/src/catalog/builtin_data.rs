//! Rows of PostgreSQL 15's own catalogs, read from the files in `data/`
//! (PG's COPY text format, dumped from a real server by
//! `docs/catalog/gen_pg_proc.py`; see `data/README.md`).

use super::table::{Cell, Kind};

/// The rows of a COPY text file after its header line: each field's text,
/// `None` for `\N`.
pub fn copy_rows(file: &str) -> Vec<Vec<Option<String>>> {
    file.lines()
        .skip(1)
        .filter(|line| !line.is_empty())
        .map(|line| line.split('\t').map(copy_field).collect())
        .collect()
}

/// One field of COPY's text format: `\N` is NULL, backslash escapes undone.
fn copy_field(text: &str) -> Option<String> {
    if text == "\\N" {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('v') => out.push('\u{b}'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    Some(out)
}

/// A field's value as a cell of `kind`, from PG's text output of that type
/// (`t`/`f`, `{a,b}` arrays, `oidvector`'s space-separated OIDs).
pub fn cell(kind: Kind, text: Option<&str>) -> Cell {
    let Some(text) = text else {
        return Cell::Null;
    };
    let integer = |t: &str| t.parse::<i64>().map_or(Cell::Null, Cell::Int);
    match kind {
        Kind::Oid | Kind::Xid | Kind::Regproc | Kind::Int2 | Kind::Int4 | Kind::Int8 => {
            integer(text)
        }
        Kind::Float4 | Kind::Float8 => text.parse::<f64>().map_or(Cell::Null, Cell::Float),
        Kind::Bool => Cell::Bool(text == "t"),
        Kind::OidArray | Kind::Int2Array if !text.starts_with('{') => {
            Cell::List(text.split_whitespace().map(integer).collect())
        }
        Kind::OidArray | Kind::Int2Array => list(text, |e| integer(&e)),
        Kind::TextArray | Kind::AclitemArray => list(text, Cell::Text),
        _ => Cell::Text(text.to_string()),
    }
}

/// A PG array's elements as cells.
fn list(text: &str, element: impl Fn(String) -> Cell) -> Cell {
    match crate::dialect::array_literal::elements(text) {
        Some(items) => Cell::List(
            items
                .into_iter()
                .map(|e| e.map_or(Cell::Null, &element))
                .collect(),
        ),
        None => Cell::Null,
    }
}

/// A file's rows as cells of the catalog's column kinds.
pub fn cells(file: &str, columns: &[(&str, Kind)]) -> Vec<Vec<Cell>> {
    copy_rows(file)
        .into_iter()
        .map(|row| {
            columns
                .iter()
                .zip(row.iter())
                .map(|((_, kind), field)| cell(*kind, field.as_deref()))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_fields_and_pg_values_read_back() {
        assert_eq!(copy_field("\\N"), None);
        assert_eq!(copy_field("a\\tb\\\\c\\n").as_deref(), Some("a\tb\\c\n"));
        assert_eq!(cell(Kind::Bool, Some("t")), Cell::Bool(true));
        assert_eq!(
            cell(Kind::OidArray, Some("25 23")),
            Cell::List(vec![Cell::Int(25), Cell::Int(23)])
        );
        assert_eq!(cell(Kind::OidArray, Some("")), Cell::List(vec![]));
        assert_eq!(
            cell(Kind::TextArray, Some("{\"\",x}")),
            Cell::List(vec![Cell::Text(String::new()), Cell::Text("x".into())])
        );
        assert_eq!(cell(Kind::Float4, Some("0.5")), Cell::Float(0.5));
    }
}
