//! PostgreSQL's administration functions that tools call while browsing:
//! object sizes (from the datasets' files as they were loaded) and role
//! membership (the session's user is the one role a session has).

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{ScalarUDF, TypeSignature, Volatility};

use super::catalog_functions::{resolve, RegType};
use super::functions::{function, map_text_rows, SessionInfo};
use crate::datasets::Registry;
use crate::errors::{sqlstate, PgError};

/// PG's `pg_size_pretty`: bytes below 10 kB, then kB, MB, GB, TB and PB,
/// each rounded half away from zero, switching unit at 20 × 1024 − 1.
pub fn size_pretty(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if bytes.abs() < 10 * 1024 {
        return format!("{bytes} bytes");
    }
    let half_rounded = |x: i64| (x + if x < 0 { -1 } else { 1 }) / 2;
    // One extra bit is kept for the rounding.
    let mut size = bytes >> 9;
    for (i, unit) in UNITS.iter().enumerate() {
        if i == UNITS.len() - 1 || size.abs() < 20 * 1024 - 1 {
            return format!("{} {unit}", half_rounded(size));
        }
        size >>= 10;
    }
    unreachable!("the last unit always answers")
}

/// The bytes of the relation `value` (an OID or a name) names: a dataset's
/// files; nothing for a catalog relation.
fn relation_bytes(registry: &Registry, value: &str) -> Result<i64> {
    let oid = resolve(RegType::Class, registry, value)?;
    Ok(registry
        .with_oids()
        .into_iter()
        .find(|(o, _)| *o == oid)
        .map_or(0, |(_, d)| d.bytes as i64))
}

/// An error unless `role` is one the server knows: the session's user or a
/// built-in `pg_*` role (which it is not a member of).
fn is_member(session: &SessionInfo, role: &str) -> Result<bool> {
    if role == session.user {
        return Ok(true);
    }
    if role.starts_with("pg_") {
        return Ok(false);
    }
    Err(PgError::new(
        sqlstate::UNDEFINED_OBJECT,
        format!("role \"{role}\" does not exist"),
    )
    .into_datafusion())
}

/// The functions, for one session.
pub fn admin_functions(session: &Arc<SessionInfo>, registry: &Arc<Registry>) -> Vec<ScalarUDF> {
    use DataType::{Boolean, Int64, Utf8};
    let relation_size = |name: &'static str, counts: Vec<TypeSignature>, indexes: bool| {
        let registry = Arc::clone(registry);
        function(
            session,
            name,
            TypeSignature::OneOf(counts),
            Int64,
            Volatility::Volatile,
            move |_, args, rows| {
                let sizes = map_text_rows(args, rows, |v| {
                    let Some(relation) = v[0] else {
                        return Ok(None);
                    };
                    // Only the main fork has bytes; datasets have no indexes.
                    let main = v.get(1).is_none_or(|fork| *fork == Some("main"));
                    let bytes = if main && !indexes {
                        relation_bytes(&registry, relation)?
                    } else {
                        0
                    };
                    Ok(Some(bytes.to_string()))
                })?;
                sizes.cast_to(&Int64, None)
            },
        )
    };
    let one = || vec![TypeSignature::Any(1)];
    let database_registry = Arc::clone(registry);
    vec![
        relation_size(
            "pg_relation_size",
            vec![TypeSignature::Any(1), TypeSignature::Any(2)],
            false,
        ),
        relation_size("pg_total_relation_size", one(), false),
        relation_size("pg_table_size", one(), false),
        relation_size("pg_indexes_size", one(), true),
        function(
            session,
            "pg_database_size",
            TypeSignature::Any(1),
            Int64,
            Volatility::Volatile,
            move |_, args, rows| {
                let total: u64 = database_registry
                    .with_oids()
                    .iter()
                    .map(|(_, d)| d.bytes)
                    .sum();
                let sizes = map_text_rows(args, rows, |v| Ok(v[0].map(|_| total.to_string())))?;
                sizes.cast_to(&Int64, None)
            },
        ),
        function(
            session,
            "pg_size_pretty",
            TypeSignature::Any(1),
            Utf8,
            Volatility::Immutable,
            |_, args, rows| {
                map_text_rows(args, rows, |v| {
                    v[0].map(|text| {
                        // A numeric argument: its integer part, as bytes.
                        let whole = text.split('.').next().unwrap_or(text);
                        whole.parse::<i64>().map(size_pretty).map_err(|_| {
                            PgError::new(
                                sqlstate::INVALID_TEXT_REPRESENTATION,
                                format!("invalid input syntax for type bigint: \"{text}\""),
                            )
                            .into_datafusion()
                        })
                    })
                    .transpose()
                })
            },
        ),
        function(
            session,
            "pg_has_role",
            TypeSignature::OneOf(vec![TypeSignature::Any(2), TypeSignature::Any(3)]),
            Boolean,
            Volatility::Stable,
            |s, args, rows| {
                let answers = map_text_rows(args, rows, |v| {
                    // (role, privilege) or (user, role, privilege).
                    let role = if v.len() == 3 { v[1] } else { v[0] };
                    match role {
                        Some(role) => Ok(Some(is_member(s, role)?.to_string())),
                        None => Ok(None),
                    }
                })?;
                answers.cast_to(&Boolean, None)
            },
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::size_pretty;

    #[test]
    fn sizes_print_as_postgres_prints_them() {
        // PG 15's answers.
        assert_eq!(size_pretty(10_239), "10239 bytes");
        assert_eq!(size_pretty(10_240), "10 kB");
        assert_eq!(size_pretty(1_234_567), "1206 kB");
        assert_eq!(size_pretty(20_971_000), "20 MB");
        assert_eq!(size_pretty(20_971_520), "20 MB");
        assert_eq!(size_pretty(-1_234_567), "-1206 kB");
        assert_eq!(size_pretty(i64::MAX), "8192 PB");
    }
}
