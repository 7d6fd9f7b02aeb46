//! `pg_proc`, `pg_aggregate`, `pg_language` and the functions'
//! `pg_description` rows:
//! PostgreSQL 15's built-in functions as PG 15 lists them (`data/`), so
//! `\df lower`, GUI tools' function lists and `'count'::regproc` find real
//! functions, and `pg_type`'s I/O functions (through which drivers such as
//! Npgsql 4.0 find a type's binary support) have their real OIDs.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::builtin_data::{cells, copy_rows};
use super::catalog_functions::quote_ident;
use super::pg_catalog::PG_CATALOG_OID;
use super::table::{Cell, Context, Kind};
use crate::errors::{sqlstate, PgError};

/// `pg_proc`'s columns, in PG 15's order. Differences from PG's types:
/// `proargtypes` (PG's `oidvector`, indexed from 0) is an `oid[]`,
/// `proargmodes` (`"char"[]`) a `text[]` and `prosqlbody` text.
pub const PG_PROC_COLUMNS: &[(&str, Kind)] = &[
    ("oid", Kind::Oid),
    ("proname", Kind::Name),
    ("pronamespace", Kind::Oid),
    ("proowner", Kind::Oid),
    ("prolang", Kind::Oid),
    ("procost", Kind::Float4),
    ("prorows", Kind::Float4),
    ("provariadic", Kind::Oid),
    ("prosupport", Kind::Regproc),
    ("prokind", Kind::Char),
    ("prosecdef", Kind::Bool),
    ("proleakproof", Kind::Bool),
    ("proisstrict", Kind::Bool),
    ("proretset", Kind::Bool),
    ("provolatile", Kind::Char),
    ("proparallel", Kind::Char),
    ("pronargs", Kind::Int2),
    ("pronargdefaults", Kind::Int2),
    ("prorettype", Kind::Oid),
    ("proargtypes", Kind::OidArray),
    ("proallargtypes", Kind::OidArray),
    ("proargmodes", Kind::TextArray),
    ("proargnames", Kind::TextArray),
    ("proargdefaults", Kind::NodeTree),
    ("protrftypes", Kind::OidArray),
    ("prosrc", Kind::Text),
    ("probin", Kind::Text),
    ("prosqlbody", Kind::Text),
    ("proconfig", Kind::TextArray),
    ("proacl", Kind::AclitemArray),
];

/// `pg_language`'s columns, in PG 15's order.
pub const PG_LANGUAGE_COLUMNS: &[(&str, Kind)] = &[
    ("oid", Kind::Oid),
    ("lanname", Kind::Name),
    ("lanowner", Kind::Oid),
    ("lanispl", Kind::Bool),
    ("lanpltrusted", Kind::Bool),
    ("lanplcallfoid", Kind::Oid),
    ("laninline", Kind::Oid),
    ("lanvalidator", Kind::Oid),
    ("lanacl", Kind::AclitemArray),
];

/// `pg_aggregate`'s columns, in PG 15's order.
pub const PG_AGGREGATE_COLUMNS: &[(&str, Kind)] = &[
    ("aggfnoid", Kind::Regproc),
    ("aggkind", Kind::Char),
    ("aggnumdirectargs", Kind::Int2),
    ("aggtransfn", Kind::Regproc),
    ("aggfinalfn", Kind::Regproc),
    ("aggcombinefn", Kind::Regproc),
    ("aggserialfn", Kind::Regproc),
    ("aggdeserialfn", Kind::Regproc),
    ("aggmtransfn", Kind::Regproc),
    ("aggminvtransfn", Kind::Regproc),
    ("aggmfinalfn", Kind::Regproc),
    ("aggfinalextra", Kind::Bool),
    ("aggmfinalextra", Kind::Bool),
    ("aggfinalmodify", Kind::Char),
    ("aggmfinalmodify", Kind::Char),
    ("aggsortop", Kind::Oid),
    ("aggtranstype", Kind::Oid),
    ("aggtransspace", Kind::Int4),
    ("aggmtranstype", Kind::Oid),
    ("aggmtransspace", Kind::Int4),
    ("agginitval", Kind::Text),
    ("aggminitval", Kind::Text),
];

/// How PG renders a function's signature.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// `pg_get_function_arguments`: with names, modes and defaults.
    pub arguments: Option<String>,
    /// `pg_get_function_identity_arguments`: what identifies it.
    pub identity_arguments: Option<String>,
    /// `pg_get_function_result`: `text`, `SETOF record`, `TABLE(...)`.
    pub result: Option<String>,
    /// `pg_get_function_sqlbody`: an SQL-standard body, if it has one.
    pub sql_body: Option<String>,
}

/// The built-in functions, read once.
struct Procs {
    rows: Vec<Vec<Cell>>,
    names: HashMap<u32, String>,
    oids: HashMap<String, u32>,
    overloads: HashMap<String, usize>,
    rendered: HashMap<u32, Rendered>,
    descriptions: Vec<(u32, String)>,
}

fn procs() -> &'static Procs {
    static PROCS: OnceLock<Procs> = OnceLock::new();
    PROCS.get_or_init(|| {
        let rows = cells(include_str!("data/pg_proc.tsv"), PG_PROC_COLUMNS);
        let mut names = HashMap::new();
        let mut oids = HashMap::new();
        let mut overloads = HashMap::new();
        for row in &rows {
            if let (Cell::Int(oid), Cell::Text(name)) = (&row[0], &row[1]) {
                names.insert(*oid as u32, name.clone());
                oids.entry(name.clone()).or_insert(*oid as u32);
                *overloads.entry(name.clone()).or_insert(0) += 1;
            }
        }
        let oid_of = |field: &Option<String>| field.as_deref().and_then(|t| t.parse().ok());
        let rendered = copy_rows(include_str!("data/pg_proc_rendered.tsv"))
            .into_iter()
            .filter_map(|mut row| {
                let oid = oid_of(row.first()?)?;
                row.resize(5, None);
                let rendered = Rendered {
                    arguments: row[1].take(),
                    identity_arguments: row[2].take(),
                    result: row[3].take(),
                    sql_body: row[4].take(),
                };
                Some((oid, rendered))
            })
            .collect();
        let mut descriptions: Vec<(u32, String)> =
            copy_rows(include_str!("data/pg_proc_description.tsv"))
                .into_iter()
                .filter_map(|row| Some((oid_of(row.first()?)?, row.get(3)?.clone()?)))
                .collect();
        descriptions.sort_by_key(|(oid, _)| *oid);
        Procs {
            rows,
            names,
            oids,
            overloads,
            rendered,
            descriptions,
        }
    })
}

/// The OID of the built-in function `name` (the first, for an overloaded name).
pub fn proc_oid(name: &str) -> Option<u32> {
    procs().oids.get(name).copied()
}

/// The OID of the built-in function `name(argument types)` (a
/// `regprocedure`'s text), its types named as PG's `format_type` or any of
/// their aliases (`int4`, `float8`).
pub fn procedure_oid(signature: &str) -> Option<u32> {
    let (name, rest) = signature.split_once('(')?;
    let name = name
        .trim()
        .trim_start_matches("pg_catalog.")
        .trim_matches('"');
    let arguments = rest.trim_end().strip_suffix(')')?.trim();
    let canonical: Option<Vec<String>> = if arguments.is_empty() {
        Some(Vec::new())
    } else {
        arguments
            .split(',')
            .map(|t| {
                let t = t.trim();
                let oid = super::builtin_types::type_oid_by_name(t)?;
                super::builtin_types::format_type(oid, -1)
            })
            .collect()
    };
    let identity = canonical?.join(", ");
    let procs = procs();
    procs
        .names
        .iter()
        .filter(|(_, n)| *n == name)
        .map(|(oid, _)| *oid)
        .find(|oid| {
            procs
                .rendered
                .get(oid)
                .and_then(|r| r.identity_arguments.as_deref())
                == Some(identity.as_str())
        })
}

/// Whether more than one built-in function is named `name` (`pg_catalog.`
/// or not), so that `'name'::regproc` is ambiguous.
pub fn is_overloaded(name: &str) -> bool {
    let name = name
        .trim()
        .trim_start_matches("pg_catalog.")
        .trim_matches('"');
    procs().overloads.get(name).is_some_and(|n| *n > 1)
}

/// A `regproc`'s text: the function's name, qualified when the name alone
/// would not find it (an overloaded name), as PG's `regprocout` writes it.
pub fn regproc_text(oid: u32) -> Option<String> {
    let name = proc_name(oid)?;
    Some(if is_overloaded(&name) {
        format!("pg_catalog.{name}")
    } else {
        name
    })
}

/// The name of the built-in function with `oid`.
pub fn proc_name(oid: u32) -> Option<String> {
    procs().names.get(&oid).cloned()
}

/// How PG renders the signature of the built-in function with `oid`.
pub fn rendered(oid: u32) -> Option<&'static Rendered> {
    procs().rendered.get(&oid)
}

/// The description of the built-in function with `oid` (`obj_description`).
pub fn description(oid: u32) -> Option<&'static str> {
    let descriptions = &procs().descriptions;
    descriptions
        .binary_search_by_key(&oid, |(o, _)| *o)
        .ok()
        .map(|i| descriptions[i].1.as_str())
}

/// The rows of `pg_proc`.
pub fn pg_proc(_: &Context<'_>) -> Vec<Vec<Cell>> {
    procs().rows.clone()
}

/// The rows of `pg_language`.
pub fn pg_language(_: &Context<'_>) -> Vec<Vec<Cell>> {
    cells(include_str!("data/pg_language.tsv"), PG_LANGUAGE_COLUMNS)
}

/// The rows of `pg_aggregate`: how each built-in aggregate is computed.
pub fn pg_aggregate(_: &Context<'_>) -> Vec<Vec<Cell>> {
    cells(include_str!("data/pg_aggregate.tsv"), PG_AGGREGATE_COLUMNS)
}

/// The functions' rows of `pg_description` (class `pg_proc`, 1255).
pub fn pg_description(_: &Context<'_>) -> Vec<Vec<Cell>> {
    procs()
        .descriptions
        .iter()
        .map(|(oid, text)| {
            vec![
                (*oid).into(),
                1255u32.into(),
                0i32.into(),
                text.clone().into(),
            ]
        })
        .collect()
}

/// PG's `pg_get_functiondef` of the built-in function with `oid` (`None`
/// for another OID); an aggregate has none (42809).
pub fn function_definition(oid: u32) -> Option<Result<String, PgError>> {
    let procs = procs();
    let row = procs.rows.iter().find(|r| r[0] == Cell::Int(oid.into()))?;
    let column = |name: &str| {
        let i = PG_PROC_COLUMNS.iter().position(|(n, _)| *n == name);
        i.map_or(&Cell::Null, |i| &row[i])
    };
    let text = |name: &str| match column(name) {
        Cell::Text(t) => Some(t.as_str()),
        _ => None,
    };
    let number = |name: &str| match column(name) {
        Cell::Int(v) => *v as f64,
        Cell::Float(v) => *v,
        _ => 0.0,
    };
    let flag = |name: &str| *column(name) == Cell::Bool(true);
    let name = text("proname")?;
    let kind = text("prokind").unwrap_or("f");
    if kind == "a" {
        return Some(Err(PgError::new(
            sqlstate::WRONG_OBJECT_TYPE,
            format!("\"{name}\" is an aggregate function"),
        )));
    }
    let rendered = procs.rendered.get(&oid).cloned().unwrap_or_default();
    let schema = if number("pronamespace") as u32 == PG_CATALOG_OID {
        "pg_catalog"
    } else {
        "information_schema"
    };
    let language = languages()
        .get(&(number("prolang") as u32))
        .map_or("internal", String::as_str);
    let what = if kind == "p" { "PROCEDURE" } else { "FUNCTION" };
    let mut out = format!(
        "CREATE OR REPLACE {what} {schema}.{}({})\n",
        quote_ident(name),
        rendered.arguments.as_deref().unwrap_or("")
    );
    if kind != "p" {
        out += &format!(" RETURNS {}\n", rendered.result.as_deref().unwrap_or(""));
    }
    out += &format!(" LANGUAGE {}\n", quote_ident(language));
    let mut options = String::new();
    if kind == "w" {
        options += " WINDOW";
    }
    options += match text("provolatile") {
        Some("i") => " IMMUTABLE",
        Some("s") => " STABLE",
        _ => "",
    };
    options += match text("proparallel") {
        Some("s") => " PARALLEL SAFE",
        Some("r") => " PARALLEL RESTRICTED",
        _ => "",
    };
    for (column, option) in [
        ("proisstrict", " STRICT"),
        ("prosecdef", " SECURITY DEFINER"),
        ("proleakproof", " LEAKPROOF"),
    ] {
        if flag(column) {
            options += option;
        }
    }
    let default_cost = if matches!(language, "internal" | "c") {
        1.0
    } else {
        100.0
    };
    if number("procost") != default_cost {
        options += &format!(" COST {}", number("procost"));
    }
    let rows = number("prorows");
    if rows > 0.0 && rows != 1000.0 {
        options += &format!(" ROWS {rows}");
    }
    if let Some(support) = proc_name(number("prosupport") as u32) {
        options += &format!(" SUPPORT {support}");
    }
    if !options.is_empty() {
        out += &options;
        out.push('\n');
    }
    match (&rendered.sql_body, language) {
        (Some(body), "sql") => out += body,
        _ => {
            out += "AS ";
            if let Some(library) = text("probin") {
                out += &format!("'{}', ", library.replace('\'', "''"));
            }
            let source = text("prosrc").unwrap_or("");
            let mut quote = format!("${}", what.to_lowercase());
            while source.contains(&quote) {
                quote.push('x');
            }
            out += &format!("{quote}${source}{quote}$");
        }
    }
    out.push('\n');
    Some(Ok(out))
}

/// The languages' names by OID.
fn languages() -> &'static HashMap<u32, String> {
    static LANGUAGES: OnceLock<HashMap<u32, String>> = OnceLock::new();
    LANGUAGES.get_or_init(|| {
        copy_rows(include_str!("data/pg_language.tsv"))
            .into_iter()
            .filter_map(|row| Some((row.first()?.as_deref()?.parse().ok()?, row.get(1)?.clone()?)))
            .collect()
    })
}
