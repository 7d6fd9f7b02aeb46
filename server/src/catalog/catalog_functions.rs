//! PostgreSQL's catalog functions (`format_type`, `pg_get_*`, privileges,
//! descriptions, visibility, `parse_ident`, `age(xid)`), the `reg*` lookups
//! that `::regclass`, `::regtype`, `::regproc` and `::regnamespace` casts are
//! planned into, and the `::oid` / `::xid` input functions.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Int64Builder, ListBuilder, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, TypeSignature, Volatility};

use super::builtin_procs::{proc_oid, rendered};
use super::builtin_types::{format_type, type_oid_by_name};
use super::functions::{function, map_text_rows, typed_function, SessionInfo};
use super::pg_catalog::{
    catalog_relations, CatalogRelation, DATABASE_OWNER_OID, INFORMATION_SCHEMA_OID, OWNER_OID,
    PG_CATALOG_OID, PUBLIC_OID,
};
use crate::datasets::{Dataset, Registry};
use crate::encode::{ObjectNames, PgScalar};
use crate::errors::{sqlstate, PgError};

/// The `reg*` types a cast can name, each with its lookups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegType {
    /// `regclass`: relations.
    Class,
    /// `regtype`: types.
    Type,
    /// `regproc` / `regprocedure`: functions.
    Proc,
    /// `regnamespace`: schemas.
    Namespace,
}

impl RegType {
    /// The reg type a SQL type name denotes (`regclass`, `pg_catalog.regtype`, …).
    pub fn from_type_name(name: &str) -> Option<RegType> {
        match name.trim_start_matches("pg_catalog.") {
            "regclass" => Some(RegType::Class),
            "regtype" => Some(RegType::Type),
            "regproc" | "regprocedure" => Some(RegType::Proc),
            "regnamespace" => Some(RegType::Namespace),
            _ => None,
        }
    }

    /// The function a cast to this type becomes (text → OID lookup, OIDs pass through).
    pub fn to_oid_function(self) -> &'static str {
        match self {
            RegType::Class => "pg_regclass",
            RegType::Type => "pg_regtype",
            RegType::Proc => "pg_regproc",
            RegType::Namespace => "pg_regnamespace",
        }
    }

    /// The function a cast of this type to text becomes (the object's name).
    pub fn to_name_function(self) -> &'static str {
        match self {
            RegType::Class => "pg_regclass_name",
            RegType::Type => "pg_regtype_name",
            RegType::Proc => "pg_regproc_name",
            RegType::Namespace => "pg_regnamespace_name",
        }
    }

    fn not_found(self, name: &str) -> PgError {
        match self {
            RegType::Class => PgError::new(
                sqlstate::UNDEFINED_TABLE,
                format!("relation \"{name}\" does not exist"),
            ),
            RegType::Type => PgError::new(
                sqlstate::UNDEFINED_OBJECT,
                format!("type \"{name}\" does not exist"),
            ),
            RegType::Proc => PgError::new(
                sqlstate::UNDEFINED_FUNCTION,
                format!("function \"{name}\" does not exist"),
            ),
            RegType::Namespace => PgError::new(
                sqlstate::INVALID_SCHEMA_NAME,
                format!("schema \"{name}\" does not exist"),
            ),
        }
    }

    /// The OID of the object named `name`.
    fn lookup(self, registry: &Registry, name: &str) -> Option<u32> {
        let unquoted = |s: &str| s.trim().trim_matches('"').to_string();
        match self {
            RegType::Class => {
                let (schema, table) = match name.rsplit_once('.') {
                    Some((s, t)) => (Some(unquoted(s)), unquoted(t)),
                    None => (None, unquoted(name)),
                };
                // Unqualified names find pg_catalog first, as PG's search path does.
                let namespace = |r: &CatalogRelation| match schema.as_deref() {
                    None => r.namespace == PG_CATALOG_OID,
                    Some("pg_catalog") => r.namespace == PG_CATALOG_OID,
                    Some("information_schema") => r.namespace == INFORMATION_SCHEMA_OID,
                    Some(_) => false,
                };
                let catalog = catalog_relations()
                    .iter()
                    .find(|r| r.name == table && namespace(r))
                    .map(|r| r.oid);
                catalog.or_else(|| {
                    registry
                        .with_oids()
                        .into_iter()
                        .find(|(_, d)| {
                            d.config.name == table
                                && schema.as_deref().is_none_or(|s| s == "public")
                        })
                        .map(|(oid, _)| oid)
                })
            }
            RegType::Type => type_oid_by_name(&unquoted(name))
                .or_else(|| row_type_oid(registry, &unquoted(name))),
            RegType::Proc if name.contains('(') => super::builtin_procs::procedure_oid(name),
            RegType::Proc => proc_oid(unquoted(name).trim_start_matches("pg_catalog.")),
            RegType::Namespace => namespaces()
                .iter()
                .find(|(n, _)| *n == unquoted(name))
                .map(|(_, oid)| *oid),
        }
    }

    /// The name of the object with `oid`, or the number itself as PG prints an
    /// unknown one; OID 0 (none) is `-`.
    fn name(self, datasets: &[(u32, Dataset)], oid: u32) -> String {
        if oid == 0 {
            return "-".into();
        }
        let found = match self {
            RegType::Class => catalog_relations()
                .iter()
                .find(|r| r.oid == oid)
                .map(|r| match r.namespace {
                    INFORMATION_SCHEMA_OID => format!("information_schema.{}", r.name),
                    _ => r.name.to_string(),
                })
                .or_else(|| {
                    datasets
                        .iter()
                        .find(|(o, _)| *o == oid)
                        .map(|(_, d)| quote_ident(&d.config.name))
                }),
            RegType::Type => type_name(datasets, oid, -1),
            RegType::Proc => super::builtin_procs::regproc_text(oid),
            RegType::Namespace => namespaces()
                .iter()
                .find(|(_, o)| *o == oid)
                .map(|(n, _)| n.to_string()),
        };
        found.unwrap_or_else(|| oid.to_string())
    }

    /// The PG type this reg type's values are sent as.
    pub fn pg_type(self) -> PgScalar {
        match self {
            RegType::Class => PgScalar::Regclass,
            RegType::Type => PgScalar::Regtype,
            RegType::Proc => PgScalar::Regproc,
            RegType::Namespace => PgScalar::Regnamespace,
        }
    }

    /// Its [`PG_TYPE_METADATA`](crate::encode::types::PG_TYPE_METADATA) tag.
    fn tag(self) -> &'static str {
        match self {
            RegType::Class => "regclass",
            RegType::Type => "regtype",
            RegType::Proc => "regproc",
            RegType::Namespace => "regnamespace",
        }
    }

    /// Every reg type.
    pub const ALL: [RegType; 4] = [
        RegType::Class,
        RegType::Type,
        RegType::Proc,
        RegType::Namespace,
    ];
}

/// The registry names the objects of reg type values for the encoder.
impl ObjectNames for Registry {
    fn namer(&self, kind: PgScalar) -> Box<dyn Fn(u32) -> String + '_> {
        let reg = RegType::ALL
            .into_iter()
            .find(|r| r.pg_type() == kind)
            .unwrap_or(RegType::Class);
        let datasets = self.with_oids();
        Box::new(move |oid| reg.name(&datasets, oid))
    }
}

/// What `format_type` prints for a type: a built-in's SQL name, or a
/// dataset's row type (`accidents`) or its array (`accidents[]`).
fn type_name(datasets: &[(u32, Dataset)], oid: u32, typmod: i32) -> Option<String> {
    format_type(oid, typmod).or_else(|| {
        datasets.iter().find_map(|(table, d)| {
            let name = quote_ident(&d.config.name);
            match oid.checked_sub(*table) {
                Some(1) => Some(name),
                Some(2) => Some(format!("{name}[]")),
                _ => None,
            }
        })
    })
}

/// The OID of a dataset's row type, named as its table (`accidents`).
fn row_type_oid(registry: &Registry, name: &str) -> Option<u32> {
    registry
        .with_oids()
        .into_iter()
        .find(|(_, d)| d.config.name == name)
        .map(|(table, _)| table + 1)
}

fn namespaces() -> [(&'static str, u32); 3] {
    [
        ("pg_catalog", PG_CATALOG_OID),
        ("public", PUBLIC_OID),
        ("information_schema", INFORMATION_SCHEMA_OID),
    ]
}

/// Reads an OID or a name: integers are OIDs, text is looked up.
/// The OID `value` names: a number as it is, else the object found by name.
pub(super) fn resolve(reg: RegType, registry: &Registry, value: &str) -> Result<u32> {
    match value.trim().parse::<u32>() {
        Ok(oid) => Ok(oid),
        Err(_) if reg == RegType::Proc && super::builtin_procs::is_overloaded(value) => {
            Err(PgError::new(
                sqlstate::AMBIGUOUS_FUNCTION,
                format!("more than one function named \"{}\"", value.trim()),
            )
            .into_datafusion())
        }
        Err(_) => reg
            .lookup(registry, value)
            .ok_or_else(|| reg.not_found(value).into_datafusion()),
    }
}

fn as_type(value: Result<ColumnarValue>, data_type: &DataType) -> Result<ColumnarValue> {
    value?.cast_to(data_type, None)
}

/// Whether `privileges` (`'SELECT'`, `'USAGE, CREATE'`, …) are all read-only ones.
fn read_privileges(privileges: &str) -> bool {
    privileges.split(',').all(|p| {
        let p = p.trim().to_uppercase();
        let p = p.trim_end_matches(" WITH GRANT OPTION");
        matches!(p, "SELECT" | "USAGE" | "CONNECT" | "EXECUTE" | "REFERENCES")
    })
}

/// PostgreSQL's `quote_ident`: quotes unless the name is a plain lower-case
/// identifier and not a keyword PG reserves.
pub fn quote_ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain && !super::keywords::needs_quotes(name) {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// PostgreSQL's `parse_ident`: the parts of a qualified name, unquoted ones
/// folded to lower case, quoted ones as written with `""` read as `"`. When
/// `strict`, nothing may follow the last part.
pub fn parse_ident(name: &str, strict: bool) -> std::result::Result<Vec<String>, PgError> {
    let invalid = |detail: Option<&str>| {
        let error = PgError::new(
            sqlstate::INVALID_PARAMETER_VALUE,
            format!("string is not a valid identifier: \"{name}\""),
        );
        match detail {
            Some(detail) => error.with_detail(detail),
            None => error,
        }
    };
    let space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c');
    let start = |c: char| c.is_ascii_alphabetic() || c == '_' || !c.is_ascii();
    let more = |c: char| start(c) || c.is_ascii_digit() || c == '$';
    let mut parts = Vec::new();
    let mut rest = name.trim_start_matches(space);
    let mut after_dot = false;
    loop {
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut part = String::new();
            let mut chars = quoted.char_indices();
            let end = loop {
                match chars.next() {
                    None => return Err(invalid(Some("String has unclosed double quotes."))),
                    Some((i, '"')) if quoted[i + 1..].starts_with('"') => {
                        part.push('"');
                        chars.next();
                    }
                    Some((i, '"')) => break i + 1,
                    Some((_, c)) => part.push(c),
                }
            };
            if part.is_empty() {
                return Err(invalid(Some("Quoted identifier must not be empty.")));
            }
            parts.push(part);
            rest = &quoted[end..];
        } else if rest.starts_with(start) {
            let end = rest.find(|c| !more(c)).unwrap_or(rest.len());
            parts.push(rest[..end].to_ascii_lowercase());
            rest = &rest[end..];
        } else if rest.starts_with('.') {
            return Err(invalid(Some("No valid identifier before \".\".")));
        } else if after_dot {
            return Err(invalid(Some("No valid identifier after \".\".")));
        } else {
            return Err(invalid(None));
        }
        rest = rest.trim_start_matches(space);
        match rest.strip_prefix('.') {
            Some(next) => {
                after_dot = true;
                rest = next.trim_start_matches(space);
            }
            None if rest.is_empty() || !strict => return Ok(parts),
            None => return Err(invalid(None)),
        }
    }
}

/// `parse_ident(text [, strict bool])` as a text-array function.
fn parse_ident_function(session: &Arc<SessionInfo>) -> ScalarUDF {
    use DataType::{Boolean, Utf8};
    let item = Arc::new(Field::new("item", Utf8, true));
    function(
        session,
        "parse_ident",
        TypeSignature::OneOf(vec![
            TypeSignature::Exact(vec![Utf8]),
            TypeSignature::Exact(vec![Utf8, Boolean]),
        ]),
        DataType::List(item),
        Volatility::Immutable,
        |_, args, rows| {
            let scalar = args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
            let rows = if scalar { 1 } else { rows };
            let names = args[0].to_array(rows)?;
            let names = names.as_string::<i32>();
            let strict = args.get(1).map(|a| a.to_array(rows)).transpose()?;
            let mut out = ListBuilder::new(StringBuilder::new());
            for i in 0..rows {
                let strict = match &strict {
                    Some(s) => s.is_valid(i).then(|| s.as_boolean().value(i)),
                    None => Some(true),
                };
                match (names.is_valid(i).then(|| names.value(i)), strict) {
                    (Some(name), Some(strict)) => {
                        for part in parse_ident(name, strict).map_err(PgError::into_datafusion)? {
                            out.values().append_value(part);
                        }
                        out.append(true);
                    }
                    _ => out.append(false),
                }
            }
            scalar_or_array(Arc::new(out.finish()), scalar)
        },
    )
}

/// A function's result: its one value when every argument was a scalar.
fn scalar_or_array(result: ArrayRef, scalar: bool) -> Result<ColumnarValue> {
    if scalar {
        return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
            &result, 0,
        )?));
    }
    Ok(ColumnarValue::Array(result))
}

/// When the server started (`pg_postmaster_start_time()`).
fn start_time() -> i64 {
    static START: OnceLock<i64> = OnceLock::new();
    *START.get_or_init(|| chrono::Utc::now().timestamp_micros())
}

/// `array_lower(a, 1)` / `array_upper(a, 1)` of a one-dimensional array:
/// `bound(length)` for a non-empty array, NULL for an empty or NULL one.
fn array_bound(session: &Arc<SessionInfo>, name: &'static str, bound: fn(i64) -> i64) -> ScalarUDF {
    let any2 = TypeSignature::Any(2);
    // int8 rather than PG's int4: DataFusion's generate_series takes int8 bounds.
    function(
        session,
        name,
        any2,
        DataType::Int64,
        Volatility::Immutable,
        move |_, args, rows| {
            let scalar = args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
            let rows = if scalar { 1 } else { rows };
            let array = args[0].to_array(rows)?;
            let mut out = Int64Builder::new();
            match array.data_type() {
                DataType::List(_) => {
                    let list = array.as_list::<i32>();
                    for i in 0..rows {
                        let len = if list.is_valid(i) {
                            list.value(i).len() as i64
                        } else {
                            0
                        };
                        out.append_option((len > 0).then(|| bound(len)));
                    }
                }
                _ => (0..rows).for_each(|_| out.append_null()),
            }
            scalar_or_array(Arc::new(out.finish()), scalar)
        },
    )
}

/// `pg_expandarray(a)`: the (element `x`, 1-based index `n`) pairs of a
/// one-dimensional array, as a list of structs (what `information_schema._pg_expandarray`
/// returns as rows, once unnested).
#[derive(Debug, PartialEq, Eq, Hash)]
struct ExpandArray {
    signature: datafusion::logical_expr::Signature,
}

impl datafusion::logical_expr::ScalarUDFImpl for ExpandArray {
    fn name(&self) -> &str {
        "pg_expandarray"
    }
    fn signature(&self) -> &datafusion::logical_expr::Signature {
        &self.signature
    }
    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        let element = match &args[0] {
            DataType::List(f) => f.data_type().clone(),
            other => other.clone(),
        };
        Ok(expanded_type(element))
    }
    fn invoke_with_args(
        &self,
        args: datafusion::logical_expr::ScalarFunctionArgs,
    ) -> Result<ColumnarValue> {
        use datafusion::arrow::array::{Int32Array, ListArray, StructArray};
        use datafusion::arrow::datatypes::Fields;
        let rows = args.number_rows;
        let array = args.args[0].to_array(rows)?;
        let list = array.as_list::<i32>();
        let element = list.value_type();
        let mut n = Vec::with_capacity(list.values().len());
        for i in 0..list.len() {
            let len = list.value_length(i);
            n.extend(1..=len);
        }
        let values = list
            .values()
            .slice(list.value_offsets()[0] as usize, n.len());
        let fields = Fields::from(vec![
            Field::new("x", element, true),
            Field::new("n", DataType::Int32, false),
        ]);
        let structs = StructArray::try_new(
            fields.clone(),
            vec![values, Arc::new(Int32Array::from(n))],
            None,
        )?;
        let out = ListArray::try_new(
            Arc::new(Field::new("item", DataType::Struct(fields), true)),
            datafusion::arrow::buffer::OffsetBuffer::new(
                list.offsets()
                    .iter()
                    .map(|o| o - list.value_offsets()[0])
                    .collect::<Vec<_>>()
                    .into(),
            ),
            Arc::new(structs),
            list.nulls().cloned(),
        )?;
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

fn expanded_type(element: DataType) -> DataType {
    use datafusion::arrow::datatypes::Fields;
    let fields = Fields::from(vec![
        Field::new("x", element, true),
        Field::new("n", DataType::Int32, false),
    ]);
    DataType::List(Arc::new(Field::new("item", DataType::Struct(fields), true)))
}

/// A one-argument function from text (or a number) to a value of a UInt32
/// PG type, `pg_type` (`oid`, `xid`); NULL in, NULL out.
fn u32_function(
    session: &Arc<SessionInfo>,
    name: &'static str,
    pg_type: &'static str,
    lookup: impl Fn(&str) -> Result<Option<u32>> + Send + Sync + 'static,
) -> ScalarUDF {
    typed_function(
        session,
        name,
        TypeSignature::Any(1),
        pg_type,
        move |_, args, rows| {
            as_type(
                map_text_rows(args, rows, |v| match v[0] {
                    Some(value) => Ok(lookup(value)?.map(|oid| oid.to_string())),
                    None => Ok(None),
                }),
                &DataType::UInt32,
            )
        },
    )
}

/// The catalog functions of one session.
pub fn catalog_functions(session: &Arc<SessionInfo>, registry: &Arc<Registry>) -> Vec<ScalarUDF> {
    use DataType::{Boolean, Utf8};
    use Volatility::{Stable, Volatile};
    let any = |counts: &[usize]| {
        TypeSignature::OneOf(counts.iter().map(|n| TypeSignature::Any(*n)).collect())
    };
    // Functions describing objects DataPress does not have: NULL, as PG answers for none.
    let nothing = |name: &'static str, counts: &[usize]| {
        function(session, name, any(counts), Utf8, Stable, |_, args, rows| {
            map_text_rows(args, rows, |_| Ok(None))
        })
    };
    // A text about the built-in function whose OID is the first argument
    // (NULL for any other OID, as PG's for an unknown one).
    let of_function =
        |name: &'static str, counts: &[usize], text: fn(u32, &[Option<&str>]) -> Option<String>| {
            function(
                session,
                name,
                any(counts),
                Utf8,
                Stable,
                move |_, args, rows| {
                    map_text_rows(args, rows, |v| {
                        Ok(v[0]
                            .and_then(|oid| oid.parse::<u32>().ok())
                            .and_then(|oid| text(oid, v)))
                    })
                },
            )
        };
    let always_true = |name: &'static str, counts: &[usize]| {
        function(
            session,
            name,
            any(counts),
            Boolean,
            Stable,
            |_, args, rows| {
                as_type(
                    map_text_rows(args, rows, |v| Ok(v[0].map(|_| "true".into()))),
                    &Boolean,
                )
            },
        )
    };
    let privilege = |name: &'static str| {
        function(
            session,
            name,
            any(&[2, 3, 4]),
            Boolean,
            Stable,
            |_, args, rows| {
                as_type(
                    map_text_rows(args, rows, |v| {
                        Ok(v.last()
                            .copied()
                            .flatten()
                            .map(|p| read_privileges(p).to_string()))
                    }),
                    &Boolean,
                )
            },
        )
    };
    let types = Arc::clone(registry);
    let mut functions = vec![
        ScalarUDF::new_from_impl(ExpandArray {
            signature: datafusion::logical_expr::Signature::any(1, Volatility::Immutable),
        }),
        function(
            session,
            "format_type",
            any(&[2]),
            Utf8,
            Stable,
            move |_, args, rows| {
                let datasets = types.with_oids();
                map_text_rows(args, rows, |v| {
                    let Some(oid) = v[0].and_then(|o| o.parse::<u32>().ok()) else {
                        return Ok(None);
                    };
                    let typmod = v[1].and_then(|m| m.parse().ok()).unwrap_or(-1);
                    Ok(Some(
                        type_name(&datasets, oid, typmod).unwrap_or_else(|| "???".into()),
                    ))
                })
            },
        ),
        typed_function(
            session,
            "pg_get_userbyid",
            any(&[1]),
            "name",
            |s, args, rows| {
                map_text_rows(args, rows, |v| {
                    Ok(v[0].map(|oid| match oid.parse::<u32>() {
                        Ok(OWNER_OID) => s.user.clone(),
                        Ok(DATABASE_OWNER_OID) => "pg_database_owner".to_string(),
                        _ => format!("unknown (OID={oid})"),
                    }))
                })
            },
        ),
        typed_function(
            session,
            "pg_encoding_to_char",
            any(&[1]),
            "name",
            |_, args, rows| {
                map_text_rows(args, rows, |v| {
                    Ok(v[0].map(|e| match e {
                        "6" => "UTF8".to_string(),
                        "0" => "SQL_ASCII".to_string(),
                        _ => String::new(),
                    }))
                })
            },
        ),
        function(
            session,
            "quote_ident",
            any(&[1]),
            Utf8,
            Stable,
            |_, args, rows| map_text_rows(args, rows, |v| Ok(v[0].map(quote_ident))),
        ),
        function(
            session,
            "oidvectortypes",
            any(&[1]),
            Utf8,
            Stable,
            |_, args, rows| {
                map_text_rows(args, rows, |v| {
                    Ok(v[0].map(|list| {
                        list.trim_matches(['[', ']', '{', '}'])
                            .split([',', ' '])
                            .filter_map(|o| o.trim().parse::<u32>().ok())
                            .map(|o| format_type(o, -1).unwrap_or_else(|| "???".into()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }))
                })
            },
        ),
        function(
            session,
            "pg_tablespace_location",
            any(&[1]),
            Utf8,
            Stable,
            |_, args, rows| map_text_rows(args, rows, |v| Ok(v[0].map(|_| String::new()))),
        ),
        function(
            session,
            "pg_postmaster_start_time",
            TypeSignature::Exact(vec![]),
            DataType::Timestamp(
                datafusion::arrow::datatypes::TimeUnit::Microsecond,
                Some("UTC".into()),
            ),
            Stable,
            |_, _, _| {
                Ok(ColumnarValue::Scalar(ScalarValue::TimestampMicrosecond(
                    Some(start_time()),
                    Some("UTC".into()),
                )))
            },
        ),
        function(
            session,
            "txid_current",
            TypeSignature::Exact(vec![]),
            DataType::Int64,
            Volatile,
            |_, _, _| {
                static NEXT: AtomicI64 = AtomicI64::new(1000);
                Ok(ColumnarValue::Scalar(ScalarValue::Int64(Some(
                    NEXT.fetch_add(1, Ordering::Relaxed),
                ))))
            },
        ),
        // A session's temporary schema: none, as no session creates tables.
        function(
            session,
            "pg_my_temp_schema",
            TypeSignature::Exact(vec![]),
            DataType::UInt32,
            Stable,
            |_, _, _| Ok(ColumnarValue::Scalar(ScalarValue::UInt32(Some(0)))),
        ),
        array_bound(session, "array_lower", |_| 1),
        array_bound(session, "array_upper", |len| len),
        always_true("pg_table_is_visible", &[1]),
        always_true("pg_type_is_visible", &[1]),
        always_true("pg_function_is_visible", &[1]),
        always_true("pg_collation_is_visible", &[1]),
        function(
            session,
            "pg_relation_is_publishable",
            any(&[1]),
            Boolean,
            Stable,
            |_, args, rows| {
                as_type(
                    map_text_rows(args, rows, |v| Ok(v[0].map(|_| "false".into()))),
                    &Boolean,
                )
            },
        ),
        privilege("has_table_privilege"),
        privilege("has_schema_privilege"),
        privilege("has_database_privilege"),
        privilege("has_column_privilege"),
        privilege("has_any_column_privilege"),
        privilege("has_function_privilege"),
        privilege("has_sequence_privilege"),
        nothing("pg_get_expr", &[2, 3]),
        // Descriptions exist for the built-in functions only.
        of_function("obj_description", &[1, 2], |oid, args| {
            let of_proc = args.get(1).is_none_or(|c| *c == Some("pg_proc"));
            of_proc
                .then(|| super::builtin_procs::description(oid))
                .flatten()
                .map(str::to_string)
        }),
        nothing("col_description", &[2]),
        nothing("shobj_description", &[2]),
        nothing("pg_get_indexdef", &[1, 3]),
        nothing("pg_get_constraintdef", &[1, 2]),
        nothing("pg_get_viewdef", &[1, 2]),
        nothing("pg_get_triggerdef", &[1, 2]),
        nothing("pg_get_ruledef", &[1, 2]),
        of_function("pg_get_function_arguments", &[1], |oid, _| {
            rendered(oid)?.arguments.clone()
        }),
        of_function("pg_get_function_result", &[1], |oid, _| {
            rendered(oid)?.result.clone()
        }),
        of_function("pg_get_function_identity_arguments", &[1], |oid, _| {
            rendered(oid)?.identity_arguments.clone()
        }),
        of_function("pg_get_function_sqlbody", &[1], |oid, _| {
            rendered(oid)?.sql_body.clone()
        }),
        nothing("pg_get_serial_sequence", &[2]),
        nothing("pg_get_statisticsobjdef_columns", &[1]),
        nothing("pg_get_partkeydef", &[1]),
        function(
            session,
            "pg_get_functiondef",
            any(&[1]),
            Utf8,
            Stable,
            |_, args, rows| {
                map_text_rows(args, rows, |v| {
                    let oid = v[0].and_then(|oid| oid.parse::<u32>().ok());
                    oid.and_then(super::builtin_procs::function_definition)
                        .transpose()
                        .map_err(PgError::into_datafusion)
                })
            },
        ),
        // `age(xid)`: DataPress has no transactions, so every transaction id
        // is as recent as the current one.
        function(
            session,
            "age",
            TypeSignature::Exact(vec![DataType::UInt32]),
            DataType::Int32,
            Stable,
            |_, args, rows| {
                as_type(
                    map_text_rows(args, rows, |v| Ok(v[0].map(|_| "0".into()))),
                    &DataType::Int32,
                )
            },
        ),
        parse_ident_function(session),
    ];
    for reg in RegType::ALL {
        let r = Arc::clone(registry);
        functions.push(u32_function(
            session,
            reg.to_oid_function(),
            reg.tag(),
            move |value| resolve(reg, &r, value).map(Some),
        ));
        let r = Arc::clone(registry);
        functions.push(function(
            session,
            reg.to_name_function(),
            any(&[1]),
            Utf8,
            Stable,
            move |_, args, rows| {
                let datasets = r.with_oids();
                map_text_rows(args, rows, |v| {
                    v[0].map(|value| resolve(reg, &r, value).map(|oid| reg.name(&datasets, oid)))
                        .transpose()
                })
            },
        ));
    }
    let r = Arc::clone(registry);
    functions.push(u32_function(
        session,
        "to_regclass",
        "regclass",
        move |name| Ok(RegType::Class.lookup(&r, name)),
    ));
    functions.push(u32_function(session, "to_regtype", "regtype", |name| {
        Ok(type_oid_by_name(name))
    }));
    // `::varchar`: the text, sent as PG's varchar.
    functions.push(typed_function(
        session,
        "pg_varchar",
        TypeSignature::Exact(vec![DataType::Utf8]),
        "varchar",
        |_, args, _| Ok(args[0].clone()),
    ));
    // `::oid` and `::xid` casts.
    for (name, pg_type) in [("pg_oid", "oid"), ("pg_xid", "xid")] {
        functions.push(u32_function(session, name, pg_type, move |value| {
            value.trim().parse::<u32>().map(Some).map_err(|_| {
                PgError::new(
                    sqlstate::INVALID_TEXT_REPRESENTATION,
                    format!("invalid input syntax for type {pg_type}: \"{value}\""),
                )
                .into_datafusion()
            })
        }));
    }
    functions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_ident_quotes_only_when_needed() {
        assert_eq!(quote_ident("accidents"), "accidents");
        assert_eq!(quote_ident("Accidents"), "\"Accidents\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident("1x"), "\"1x\"");
    }

    #[test]
    fn parse_ident_follows_postgres() {
        let parts = |name: &str, strict: bool| parse_ident(name, strict).map_err(|e| e.message);
        assert_eq!(
            parts("public.accidents", true),
            Ok(vec!["public".into(), "accidents".into()])
        );
        assert_eq!(
            parts(" Public . \"My \"\"T\"\"\" ", true),
            Ok(vec!["public".into(), "My \"T\"".into()])
        );
        assert_eq!(parts("a.b junk", false), Ok(vec!["a".into(), "b".into()]));
        let invalid = Err("string is not a valid identifier: \"a.b junk\"".to_string());
        assert_eq!(parts("a.b junk", true), invalid);
        for bad in ["", ".a", "a.", "\"\"", "\"open", "1a"] {
            let error = parse_ident(bad, true).unwrap_err();
            assert_eq!(error.code, sqlstate::INVALID_PARAMETER_VALUE, "{bad}");
        }
    }

    #[test]
    fn only_read_privileges_are_granted() {
        assert!(read_privileges("SELECT"));
        assert!(read_privileges("usage, select"));
        assert!(!read_privileges("INSERT"));
        assert!(!read_privileges("SELECT, UPDATE"));
    }

    #[test]
    fn reg_lookups_cover_catalogs_types_and_schemas() {
        let registry = Registry::new();
        assert_eq!(RegType::Class.lookup(&registry, "pg_class"), Some(1259));
        assert_eq!(
            RegType::Class.lookup(&registry, "pg_catalog.pg_type"),
            Some(1247)
        );
        assert_eq!(RegType::Class.lookup(&registry, "nonesuch"), None);
        assert_eq!(RegType::Type.lookup(&registry, "integer"), Some(23));
        assert_eq!(RegType::Namespace.lookup(&registry, "public"), Some(2200));
        assert_eq!(RegType::Type.name(&registry.with_oids(), 1009), "text[]");
        assert_eq!(RegType::Class.name(&registry.with_oids(), 1259), "pg_class");
    }
}
