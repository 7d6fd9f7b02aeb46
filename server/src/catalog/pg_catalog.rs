//! The `pg_catalog` schema: PostgreSQL's system catalogs and views with PG 15's
//! columns and types, generated at every scan from the dataset registry (each
//! dataset is a table of `public`) and the scanning session. Catalogs that
//! describe things DataPress does not have (indexes, constraints, enums,
//! ranges, locks, …) are present with their columns and no rows, as PG shows
//! them for a database without such objects. `pg_show_all_settings()`, the
//! function behind `pg_settings`, is a table function with the view's rows.

use std::sync::Arc;

use datafusion::catalog::{
    MemorySchemaProvider, SchemaProvider, TableFunctionArgs, TableFunctionImpl, TableProvider,
};
use datafusion::error::Result;

use super::builtin_procs::proc_oid;
use super::builtin_types::{type_rows, TypeRow};
use super::table::{CatalogTable, Cell, Context, Kind, TableDef};
use crate::datasets::{Dataset, Registry};
use crate::encode::types::{pg_type_of, PgType};
use crate::errors::{sqlstate, PgError};

use Kind::*;

/// OID of the `pg_catalog` namespace.
pub const PG_CATALOG_OID: u32 = 11;
/// OID of the `public` namespace.
pub const PUBLIC_OID: u32 = 2200;
/// OID of the `information_schema` namespace.
pub const INFORMATION_SCHEMA_OID: u32 = 13_000;
/// OID of the bootstrap superuser, the owner of everything.
pub const OWNER_OID: u32 = 10;
/// OID of `pg_database_owner`, the owner of schema `public` (PG 15).
pub const DATABASE_OWNER_OID: u32 = 6171;
/// OID of the one database.
pub const DATABASE_OID: u32 = 16_383;
/// The core catalogs that have PostgreSQL's own OIDs (clients name them as
/// `'pg_class'::regclass`), and columns in PostgreSQL's order.
pub const CATALOG_TABLE_OIDS: &[(&str, u32)] = &[
    ("pg_type", 1247),
    ("pg_attribute", 1249),
    ("pg_proc", 1255),
    ("pg_language", 2612),
    ("pg_aggregate", 2600),
    ("pg_class", 1259),
    ("pg_namespace", 2615),
    ("pg_constraint", 2606),
    ("pg_database", 1262),
    ("pg_description", 2609),
    ("pg_shdescription", 2396),
    ("pg_am", 2601),
    ("pg_index", 2610),
    ("pg_attrdef", 2604),
    ("pg_inherits", 2611),
    ("pg_collation", 3456),
    ("pg_policy", 3256),
    ("pg_statistic_ext", 3381),
    ("pg_publication", 6104),
];

/// The user clients see (the configured one, when a session scans).
fn user(ctx: &Context<'_>) -> String {
    ctx.session
        .as_ref()
        .map_or_else(|| "datapress".to_string(), |s| s.user.clone())
}

fn database(ctx: &Context<'_>) -> String {
    ctx.session
        .as_ref()
        .map_or_else(|| "datapress".to_string(), |s| s.database.clone())
}

/// Each dataset column: (table oid, dataset, attnum, field).
fn dataset_columns(
    ctx: &Context<'_>,
) -> Vec<(u32, Dataset, i16, datafusion::arrow::datatypes::FieldRef)> {
    let mut out = Vec::new();
    for (oid, d) in ctx.registry.with_oids() {
        let schema = d.table.schema();
        for (i, f) in schema.fields().iter().enumerate() {
            out.push((oid, d.clone(), (i + 1) as i16, Arc::clone(f)));
        }
    }
    out
}

fn pg_namespace(_: &Context<'_>) -> Vec<Vec<Cell>> {
    [
        (PG_CATALOG_OID, "pg_catalog"),
        (PUBLIC_OID, "public"),
        (INFORMATION_SCHEMA_OID, "information_schema"),
    ]
    .into_iter()
    .map(|(oid, name)| {
        let owner = if oid == PUBLIC_OID {
            DATABASE_OWNER_OID
        } else {
            OWNER_OID
        };
        vec![oid.into(), name.into(), owner.into(), Cell::Null]
    })
    .collect()
}

fn pg_type(ctx: &Context<'_>) -> Vec<Vec<Cell>> {
    let builtin = type_rows();
    let row_types = ctx
        .registry
        .with_oids()
        .into_iter()
        .flat_map(|(oid, d)| row_types(oid, &d.config.name));
    builtin
        .iter()
        .map(builtin_type)
        .chain(row_types)
        .map(|t| type_cells(&t))
        .collect()
}

/// What varies from one `pg_type` row to another.
struct TypeEntry {
    oid: u32,
    name: String,
    namespace: u32,
    len: i16,
    byval: bool,
    typtype: &'static str,
    category: &'static str,
    preferred: bool,
    relid: u32,
    elem: u32,
    array: u32,
    /// The prefix of the I/O function names (`int4`, `array_`, `record_`).
    io: String,
    collation: u32,
}

fn builtin_type(r: &TypeRow) -> TypeEntry {
    let b = &r.base;
    let (len, byval, category) = if r.is_array {
        (-1, false, "A")
    } else {
        (b.len, b.byval, b.category)
    };
    TypeEntry {
        oid: r.oid,
        name: r.name.clone(),
        namespace: PG_CATALOG_OID,
        len,
        byval,
        typtype: r.typtype(),
        category,
        preferred: !r.is_array && matches!(b.oid, 16 | 25 | 701 | 1184 | 1186 | 26),
        relid: 0,
        elem: elem_of(r),
        array: if r.is_array { 0 } else { b.array },
        io: r.io_prefix(),
        collation: match (r.is_array, b.oid) {
            (false, 25 | 1043 | 1042) => 100,
            (false, 19) => 950,
            _ => 0,
        },
    }
}

/// A dataset's row type (the composite type PG makes for every table, at
/// the table's OID + 1) and its array type (+ 2).
fn row_types(table_oid: u32, table: &str) -> [TypeEntry; 2] {
    let row = TypeEntry {
        oid: table_oid + 1,
        name: table.to_string(),
        namespace: PUBLIC_OID,
        len: -1,
        byval: false,
        typtype: "c",
        category: "C",
        preferred: false,
        relid: table_oid,
        elem: 0,
        array: table_oid + 2,
        io: "record_".into(),
        collation: 0,
    };
    let array = TypeEntry {
        oid: table_oid + 2,
        name: format!("_{table}"),
        typtype: "b",
        category: "A",
        relid: 0,
        elem: table_oid + 1,
        array: 0,
        io: "array_".into(),
        ..row
    };
    [row, array]
}

fn type_cells(t: &TypeEntry) -> Vec<Cell> {
    let io = &t.io;
    let align = match t.len {
        1 | -2 => "c",
        2 => "s",
        8 | 16 => "d",
        _ if t.typtype == "c" => "d",
        _ => "i",
    };
    vec![
        t.oid.into(),
        t.name.clone().into(),
        t.namespace.into(),
        OWNER_OID.into(),
        t.len.into(),
        t.byval.into(),
        t.typtype.into(),
        t.category.into(),
        t.preferred.into(),
        true.into(),
        ",".into(),
        t.relid.into(),
        // typsubscript: DataPress's pg_proc has no subscript handlers.
        0u32.into(),
        t.elem.into(),
        t.array.into(),
        proc_oid(&format!("{io}in")).into(),
        proc_oid(&format!("{io}out")).into(),
        proc_oid(&format!("{io}recv")).into(),
        proc_oid(&format!("{io}send")).into(),
        0u32.into(),
        0u32.into(),
        0u32.into(),
        align.into(),
        (if t.len == -1 { "x" } else { "p" }).into(),
        false.into(),
        0u32.into(),
        (-1i32).into(),
        0i32.into(),
        t.collation.into(),
        Cell::Null,
        Cell::Null,
        Cell::Null,
    ]
}

/// `typelem`: an array's element; `int2vector` and `oidvector` are arrays too.
fn elem_of(r: &TypeRow) -> u32 {
    match (r.is_array, r.base.oid) {
        (true, base) => base,
        (false, 22) => 21,
        (false, 30) => 26,
        _ => 0,
    }
}

/// A relation of the emulated catalogs themselves, as `pg_class` lists it.
pub struct CatalogRelation {
    /// `relname`
    pub name: &'static str,
    /// `oid`: PG's own for the core catalogs, a fixed one below 16384 otherwise.
    pub oid: u32,
    /// `relnamespace`: `pg_catalog` or `information_schema`.
    pub namespace: u32,
    /// `relkind`: `r` for catalog tables, `v` for information_schema views.
    pub kind: &'static str,
    /// Its columns, in order.
    pub columns: Vec<(&'static str, Kind)>,
}

/// Every table of `pg_catalog` and view of `information_schema`, in a fixed
/// order (built once: regclass lookups consult it for every value).
pub fn catalog_relations() -> &'static [CatalogRelation] {
    static RELATIONS: std::sync::OnceLock<Vec<CatalogRelation>> = std::sync::OnceLock::new();
    RELATIONS.get_or_init(build_catalog_relations)
}

fn build_catalog_relations() -> Vec<CatalogRelation> {
    let tables = tables()
        .into_iter()
        .enumerate()
        .map(|(i, (name, columns, _))| {
            let oid = CATALOG_TABLE_OIDS
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(12_000 + i as u32, |(_, oid)| *oid);
            CatalogRelation {
                name,
                oid,
                namespace: PG_CATALOG_OID,
                kind: "r",
                columns,
            }
        });
    let views = super::information_schema::views()
        .into_iter()
        .enumerate()
        .map(|(i, (name, columns, _))| CatalogRelation {
            name,
            oid: INFORMATION_SCHEMA_OID + 100 + i as u32,
            namespace: INFORMATION_SCHEMA_OID,
            kind: "v",
            columns,
        });
    tables.chain(views).collect()
}

/// One `pg_class` row.
fn class_row(oid: u32, name: &str, namespace: u32, kind: &str, columns: usize) -> Vec<Cell> {
    let table = kind == "r";
    vec![
        oid.into(),
        name.to_string().into(),
        namespace.into(),
        (if namespace == PUBLIC_OID { oid + 1 } else { 0 }).into(),
        0u32.into(),
        OWNER_OID.into(),
        (if table { 2u32 } else { 0 }).into(),
        (if table { oid } else { 0 }).into(),
        0u32.into(),
        0i32.into(),
        (-1.0f64).into(),
        0i32.into(),
        0u32.into(),
        false.into(),
        false.into(),
        "p".into(),
        kind.into(),
        (columns as i16).into(),
        0i16.into(),
        false.into(),
        false.into(),
        false.into(),
        false.into(),
        false.into(),
        true.into(),
        (if table { "d" } else { "n" }).into(),
        false.into(),
        0u32.into(),
        0u32.into(),
        0u32.into(),
        Cell::Null,
        Cell::Null,
        Cell::Null,
    ]
}

fn pg_class(ctx: &Context<'_>) -> Vec<Vec<Cell>> {
    let datasets = ctx.registry.with_oids().into_iter().map(|(oid, d)| {
        let columns = d.table.schema().fields().len();
        class_row(oid, &d.config.name, PUBLIC_OID, "r", columns)
    });
    let catalogs = catalog_relations()
        .iter()
        .map(|r| class_row(r.oid, r.name, r.namespace, r.kind, r.columns.len()));
    datasets.chain(catalogs).collect()
}

fn pg_attribute(ctx: &Context<'_>) -> Vec<Vec<Cell>> {
    let datasets = dataset_columns(ctx)
        .into_iter()
        .map(|(oid, _, attnum, field)| (oid, attnum, field));
    let datasets = datasets.map(|(relid, attnum, field)| {
        let not_null = !field.is_nullable();
        attribute_row(relid, attnum, &field, not_null)
    });
    let catalogs = catalog_relations().iter().flat_map(|r| {
        // PG's bootstrap marks a catalog column NOT NULL when it and every
        // column before it are fixed-width, or when forced; views never.
        let mut leading_fixed = r.kind == "r";
        r.columns
            .iter()
            .zip(1..)
            .map(move |((name, kind), attnum)| {
                let field = kind.field(name);
                leading_fixed &= pg_type_of(&field).0.typlen() > 0;
                let forced = r.kind == "r" && FORCED_NOT_NULL.contains(&(r.name, *name));
                attribute_row(r.oid, attnum, &field, leading_fixed || forced)
            })
    });
    datasets.chain(catalogs).collect()
}

/// Variable-width catalog columns PG declares `BKI_FORCE_NOT_NULL`.
const FORCED_NOT_NULL: &[(&str, &str)] = &[
    ("pg_description", "description"),
    ("pg_shdescription", "description"),
    ("pg_attrdef", "adbin"),
    ("pg_proc", "prosrc"),
    ("pg_rewrite", "ev_qual"),
    ("pg_rewrite", "ev_action"),
];

/// One `pg_attribute` row: column `attnum` of relation `relid`.
fn attribute_row(
    relid: u32,
    attnum: i16,
    field: &datafusion::arrow::datatypes::Field,
    not_null: bool,
) -> Vec<Cell> {
    let (pg_type, typmod) = pg_type_of(field);
    let collation: u32 = if pg_type.oid() == 25 { 100 } else { 0 };
    let dims = i32::from(matches!(pg_type, PgType::Array(_)));
    vec![
        relid.into(),
        field.name().clone().into(),
        pg_type.oid().into(),
        (-1i32).into(),
        pg_type.typlen().into(),
        attnum.into(),
        dims.into(),
        (-1i32).into(),
        typmod.into(),
        (pg_type.typlen() > 0 && pg_type.typlen() <= 8).into(),
        "i".into(),
        (if pg_type.typlen() == -1 { "x" } else { "p" }).into(),
        "".into(),
        not_null.into(),
        false.into(),
        false.into(),
        "".into(),
        "".into(),
        false.into(),
        true.into(),
        0i32.into(),
        collation.into(),
        Cell::Null,
        Cell::Null,
        Cell::Null,
        Cell::Null,
    ]
}

fn pg_database(ctx: &Context<'_>) -> Vec<Vec<Cell>> {
    vec![vec![
        DATABASE_OID.into(),
        database(ctx).into(),
        OWNER_OID.into(),
        6i32.into(),
        "c".into(),
        false.into(),
        true.into(),
        (-1i32).into(),
        0u32.into(),
        0u32.into(),
        1663u32.into(),
        "C.UTF-8".into(),
        "C.UTF-8".into(),
        Cell::Null,
        Cell::Null,
        Cell::Null,
    ]]
}

fn pg_roles(ctx: &Context<'_>) -> Vec<Vec<Cell>> {
    vec![vec![
        user(ctx).into(),
        false.into(),
        true.into(),
        false.into(),
        false.into(),
        true.into(),
        false.into(),
        (-1i32).into(),
        "********".into(),
        Cell::Null,
        false.into(),
        Cell::Null,
        OWNER_OID.into(),
    ]]
}

fn pg_user(ctx: &Context<'_>) -> Vec<Vec<Cell>> {
    vec![vec![
        user(ctx).into(),
        OWNER_OID.into(),
        false.into(),
        false.into(),
        false.into(),
        false.into(),
        "********".into(),
        Cell::Null,
        Cell::Null,
    ]]
}

fn pg_settings(ctx: &Context<'_>) -> Vec<Vec<Cell>> {
    let Some(session) = &ctx.session else {
        return Vec::new();
    };
    let settings = session.settings.lock().unwrap_or_else(|e| e.into_inner());
    settings
        .all()
        .into_iter()
        .map(|(name, setting, description)| {
            vec![
                name.into(),
                setting.clone().into(),
                Cell::Null,
                "Ungrouped".into(),
                description.into(),
                Cell::Null,
                "user".into(),
                "string".into(),
                "session".into(),
                Cell::Null,
                Cell::Null,
                Cell::Null,
                setting.clone().into(),
                setting.into(),
                Cell::Null,
                Cell::Null,
                false.into(),
            ]
        })
        .collect()
}

fn pg_tables(ctx: &Context<'_>) -> Vec<Vec<Cell>> {
    ctx.registry
        .list()
        .into_iter()
        .map(|d| {
            vec![
                "public".into(),
                d.config.name.into(),
                user(ctx).into(),
                Cell::Null,
                false.into(),
                false.into(),
                false.into(),
                false.into(),
            ]
        })
        .collect()
}

fn pg_am(_: &Context<'_>) -> Vec<Vec<Cell>> {
    [(2u32, "heap", "t"), (403, "btree", "i"), (405, "hash", "i")]
        .into_iter()
        .map(|(oid, name, kind)| vec![oid.into(), name.into(), 0u32.into(), kind.into()])
        .collect()
}

fn pg_collation(_: &Context<'_>) -> Vec<Vec<Cell>> {
    [
        (100u32, "default", "d"),
        (950, "C", "c"),
        (951, "POSIX", "c"),
    ]
    .into_iter()
    .map(|(oid, name, provider)| {
        vec![
            oid.into(),
            name.into(),
            PG_CATALOG_OID.into(),
            OWNER_OID.into(),
            provider.into(),
            true.into(),
            (-1i32).into(),
            Cell::Null,
            Cell::Null,
            Cell::Null,
            Cell::Null,
        ]
    })
    .collect()
}

fn pg_tablespace(_: &Context<'_>) -> Vec<Vec<Cell>> {
    [(1663u32, "pg_default"), (1664, "pg_global")]
        .into_iter()
        .map(|(oid, name)| {
            vec![
                oid.into(),
                name.into(),
                OWNER_OID.into(),
                Cell::Null,
                Cell::Null,
            ]
        })
        .collect()
}

fn pg_stat_activity(ctx: &Context<'_>) -> Vec<Vec<Cell>> {
    let Some(session) = &ctx.session else {
        return Vec::new();
    };
    let application = session
        .settings
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get("application_name")
        .unwrap_or_default();
    vec![vec![
        DATABASE_OID.into(),
        session.database.clone().into(),
        session.pid.into(),
        Cell::Null,
        OWNER_OID.into(),
        session.user.clone().into(),
        application.into(),
        Cell::Null,
        Cell::Null,
        Cell::Null,
        Cell::Null,
        Cell::Null,
        Cell::Null,
        Cell::Null,
        Cell::Null,
        Cell::Null,
        "active".into(),
        Cell::Null,
        Cell::Null,
        Cell::Null,
        Cell::Null,
        "client backend".into(),
    ]]
}

/// `pg_stat_ssl`: the scanning session's connection. Which protocol version
/// and cipher TLS negotiated is not recorded, so those columns are NULL.
fn pg_stat_ssl(ctx: &Context<'_>) -> Vec<Vec<Cell>> {
    ctx.session
        .iter()
        .map(|s| {
            let mut row: Vec<Cell> = vec![s.pid.into(), s.tls.into()];
            row.extend(std::iter::repeat_n(Cell::Null, 6));
            row
        })
        .collect()
}

/// `pg_stat_gssapi`: the scanning session, which never uses GSSAPI.
fn pg_stat_gssapi(ctx: &Context<'_>) -> Vec<Vec<Cell>> {
    ctx.session
        .iter()
        .map(|s| vec![s.pid.into(), false.into(), Cell::Null, false.into()])
        .collect()
}

/// `pg_stat_user_tables` (and `pg_stat_all_tables`, as `pg_class` holds only
/// the datasets): one row per dataset with its `pg_class` OID. DataPress keeps
/// no access statistics and knows no row count without reading the data, so
/// the counters are 0; `idx_*` are NULL as PG shows them for a table without
/// indexes.
fn pg_stat_tables(ctx: &Context<'_>) -> Vec<Vec<Cell>> {
    ctx.registry
        .with_oids()
        .into_iter()
        .map(|(oid, d)| {
            let mut row: Vec<Cell> = vec![
                oid.into(),
                "public".into(),
                d.config.name.into(),
                0i64.into(),
                0i64.into(),
                Cell::Null,
                Cell::Null,
            ];
            // n_tup_ins … n_ins_since_vacuum
            row.extend(std::iter::repeat_n(Cell::Int(0), 8));
            // last_vacuum … last_autoanalyze
            row.extend(std::iter::repeat_n(Cell::Null, 4));
            // vacuum_count … autoanalyze_count
            row.extend(std::iter::repeat_n(Cell::Int(0), 4));
            row
        })
        .collect()
}

fn no_rows(_: &Context<'_>) -> Vec<Vec<Cell>> {
    Vec::new()
}

/// The columns of `pg_settings` and of `pg_show_all_settings()`.
fn pg_settings_columns() -> Vec<(&'static str, Kind)> {
    vec![
        ("name", Text),
        ("setting", Text),
        ("unit", Text),
        ("category", Text),
        ("short_desc", Text),
        ("extra_desc", Text),
        ("context", Text),
        ("vartype", Text),
        ("source", Text),
        ("min_val", Text),
        ("max_val", Text),
        ("enumvals", TextArray),
        ("boot_val", Text),
        ("reset_val", Text),
        ("sourcefile", Text),
        ("sourceline", Int4),
        ("pending_restart", Bool),
    ]
}

/// The columns of `pg_stat_user_tables` and `pg_stat_all_tables`.
fn pg_stat_tables_columns() -> Vec<(&'static str, Kind)> {
    vec![
        ("relid", Oid),
        ("schemaname", Name),
        ("relname", Name),
        ("seq_scan", Int8),
        ("seq_tup_read", Int8),
        ("idx_scan", Int8),
        ("idx_tup_fetch", Int8),
        ("n_tup_ins", Int8),
        ("n_tup_upd", Int8),
        ("n_tup_del", Int8),
        ("n_tup_hot_upd", Int8),
        ("n_live_tup", Int8),
        ("n_dead_tup", Int8),
        ("n_mod_since_analyze", Int8),
        ("n_ins_since_vacuum", Int8),
        ("last_vacuum", Timestamptz),
        ("last_autovacuum", Timestamptz),
        ("last_analyze", Timestamptz),
        ("last_autoanalyze", Timestamptz),
        ("vacuum_count", Int8),
        ("autovacuum_count", Int8),
        ("analyze_count", Int8),
        ("autoanalyze_count", Int8),
    ]
}

/// Every table of the schema: name, columns (PG 15's, in order) and rows.
fn tables() -> Vec<TableDef> {
    vec![
        (
            "pg_namespace",
            vec![
                ("oid", Oid),
                ("nspname", Name),
                ("nspowner", Oid),
                ("nspacl", AclitemArray),
            ],
            pg_namespace,
        ),
        (
            "pg_type",
            vec![
                ("oid", Oid),
                ("typname", Name),
                ("typnamespace", Oid),
                ("typowner", Oid),
                ("typlen", Int2),
                ("typbyval", Bool),
                ("typtype", Char),
                ("typcategory", Char),
                ("typispreferred", Bool),
                ("typisdefined", Bool),
                ("typdelim", Char),
                ("typrelid", Oid),
                ("typsubscript", Regproc),
                ("typelem", Oid),
                ("typarray", Oid),
                ("typinput", Regproc),
                ("typoutput", Regproc),
                ("typreceive", Regproc),
                ("typsend", Regproc),
                ("typmodin", Regproc),
                ("typmodout", Regproc),
                ("typanalyze", Regproc),
                ("typalign", Char),
                ("typstorage", Char),
                ("typnotnull", Bool),
                ("typbasetype", Oid),
                ("typtypmod", Int4),
                ("typndims", Int4),
                ("typcollation", Oid),
                ("typdefaultbin", NodeTree),
                ("typdefault", Text),
                ("typacl", AclitemArray),
            ],
            pg_type,
        ),
        (
            "pg_class",
            vec![
                ("oid", Oid),
                ("relname", Name),
                ("relnamespace", Oid),
                ("reltype", Oid),
                ("reloftype", Oid),
                ("relowner", Oid),
                ("relam", Oid),
                ("relfilenode", Oid),
                ("reltablespace", Oid),
                ("relpages", Int4),
                ("reltuples", Float4),
                ("relallvisible", Int4),
                ("reltoastrelid", Oid),
                ("relhasindex", Bool),
                ("relisshared", Bool),
                ("relpersistence", Char),
                ("relkind", Char),
                ("relnatts", Int2),
                ("relchecks", Int2),
                ("relhasrules", Bool),
                ("relhastriggers", Bool),
                ("relhassubclass", Bool),
                ("relrowsecurity", Bool),
                ("relforcerowsecurity", Bool),
                ("relispopulated", Bool),
                ("relreplident", Char),
                ("relispartition", Bool),
                ("relrewrite", Oid),
                ("relfrozenxid", Xid),
                ("relminmxid", Xid),
                ("relacl", AclitemArray),
                ("reloptions", TextArray),
                ("relpartbound", NodeTree),
            ],
            pg_class,
        ),
        (
            "pg_attribute",
            vec![
                ("attrelid", Oid),
                ("attname", Name),
                ("atttypid", Oid),
                ("attstattarget", Int4),
                ("attlen", Int2),
                ("attnum", Int2),
                ("attndims", Int4),
                ("attcacheoff", Int4),
                ("atttypmod", Int4),
                ("attbyval", Bool),
                ("attalign", Char),
                ("attstorage", Char),
                ("attcompression", Char),
                ("attnotnull", Bool),
                ("atthasdef", Bool),
                ("atthasmissing", Bool),
                ("attidentity", Char),
                ("attgenerated", Char),
                ("attisdropped", Bool),
                ("attislocal", Bool),
                ("attinhcount", Int4),
                ("attcollation", Oid),
                ("attacl", AclitemArray),
                ("attoptions", TextArray),
                ("attfdwoptions", TextArray),
                ("attmissingval", AnyArray),
            ],
            pg_attribute,
        ),
        (
            "pg_proc",
            super::builtin_procs::PG_PROC_COLUMNS.to_vec(),
            super::builtin_procs::pg_proc,
        ),
        (
            "pg_language",
            super::builtin_procs::PG_LANGUAGE_COLUMNS.to_vec(),
            super::builtin_procs::pg_language,
        ),
        (
            "pg_aggregate",
            super::builtin_procs::PG_AGGREGATE_COLUMNS.to_vec(),
            super::builtin_procs::pg_aggregate,
        ),
        (
            "pg_database",
            vec![
                ("oid", Oid),
                ("datname", Name),
                ("datdba", Oid),
                ("encoding", Int4),
                ("datlocprovider", Char),
                ("datistemplate", Bool),
                ("datallowconn", Bool),
                ("datconnlimit", Int4),
                ("datfrozenxid", Xid),
                ("datminmxid", Xid),
                ("dattablespace", Oid),
                ("datcollate", Text),
                ("datctype", Text),
                ("daticulocale", Text),
                ("datcollversion", Text),
                ("datacl", AclitemArray),
            ],
            pg_database,
        ),
        (
            "pg_roles",
            vec![
                ("rolname", Name),
                ("rolsuper", Bool),
                ("rolinherit", Bool),
                ("rolcreaterole", Bool),
                ("rolcreatedb", Bool),
                ("rolcanlogin", Bool),
                ("rolreplication", Bool),
                ("rolconnlimit", Int4),
                ("rolpassword", Text),
                ("rolvaliduntil", Timestamptz),
                ("rolbypassrls", Bool),
                ("rolconfig", TextArray),
                ("oid", Oid),
            ],
            pg_roles,
        ),
        (
            "pg_user",
            vec![
                ("usename", Name),
                ("usesysid", Oid),
                ("usecreatedb", Bool),
                ("usesuper", Bool),
                ("userepl", Bool),
                ("usebypassrls", Bool),
                ("passwd", Text),
                ("valuntil", Timestamptz),
                ("useconfig", TextArray),
            ],
            pg_user,
        ),
        ("pg_settings", pg_settings_columns(), pg_settings),
        (
            "pg_tables",
            vec![
                ("schemaname", Name),
                ("tablename", Name),
                ("tableowner", Name),
                ("tablespace", Name),
                ("hasindexes", Bool),
                ("hasrules", Bool),
                ("hastriggers", Bool),
                ("rowsecurity", Bool),
            ],
            pg_tables,
        ),
        (
            "pg_views",
            vec![
                ("schemaname", Name),
                ("viewname", Name),
                ("viewowner", Name),
                ("definition", Text),
            ],
            no_rows,
        ),
        (
            "pg_matviews",
            vec![
                ("schemaname", Name),
                ("matviewname", Name),
                ("matviewowner", Name),
                ("tablespace", Name),
                ("hasindexes", Bool),
                ("ispopulated", Bool),
                ("definition", Text),
            ],
            no_rows,
        ),
        (
            "pg_range",
            vec![
                ("rngtypid", Oid),
                ("rngsubtype", Oid),
                ("rngmultitypid", Oid),
                ("rngcollation", Oid),
                ("rngsubopc", Oid),
                ("rngcanonical", Name),
                ("rngsubdiff", Name),
            ],
            no_rows,
        ),
        (
            "pg_enum",
            vec![
                ("oid", Oid),
                ("enumtypid", Oid),
                ("enumsortorder", Float4),
                ("enumlabel", Name),
            ],
            no_rows,
        ),
        (
            "pg_index",
            vec![
                ("indexrelid", Oid),
                ("indrelid", Oid),
                ("indnatts", Int2),
                ("indnkeyatts", Int2),
                ("indisunique", Bool),
                ("indnullsnotdistinct", Bool),
                ("indisprimary", Bool),
                ("indisexclusion", Bool),
                ("indimmediate", Bool),
                ("indisclustered", Bool),
                ("indisvalid", Bool),
                ("indcheckxmin", Bool),
                ("indisready", Bool),
                ("indislive", Bool),
                ("indisreplident", Bool),
                ("indkey", Int2Array),
                ("indcollation", OidArray),
                ("indclass", OidArray),
                ("indoption", Int2Array),
                ("indexprs", NodeTree),
                ("indpred", NodeTree),
            ],
            no_rows,
        ),
        (
            "pg_constraint",
            vec![
                ("oid", Oid),
                ("conname", Name),
                ("connamespace", Oid),
                ("contype", Char),
                ("condeferrable", Bool),
                ("condeferred", Bool),
                ("convalidated", Bool),
                ("conrelid", Oid),
                ("contypid", Oid),
                ("conindid", Oid),
                ("conparentid", Oid),
                ("confrelid", Oid),
                ("confupdtype", Char),
                ("confdeltype", Char),
                ("confmatchtype", Char),
                ("conislocal", Bool),
                ("coninhcount", Int4),
                ("connoinherit", Bool),
                ("conkey", Int2Array),
                ("confkey", Int2Array),
                ("conpfeqop", OidArray),
                ("conppeqop", OidArray),
                ("conffeqop", OidArray),
                ("confdelsetcols", Int2Array),
                ("conexclop", OidArray),
                ("conbin", NodeTree),
            ],
            no_rows,
        ),
        (
            "pg_attrdef",
            vec![
                ("oid", Oid),
                ("adrelid", Oid),
                ("adnum", Int2),
                ("adbin", NodeTree),
            ],
            no_rows,
        ),
        (
            "pg_description",
            vec![
                ("objoid", Oid),
                ("classoid", Oid),
                ("objsubid", Int4),
                ("description", Text),
            ],
            super::builtin_procs::pg_description,
        ),
        (
            "pg_shdescription",
            vec![("objoid", Oid), ("classoid", Oid), ("description", Text)],
            no_rows,
        ),
        (
            "pg_inherits",
            vec![
                ("inhrelid", Oid),
                ("inhparent", Oid),
                ("inhseqno", Int4),
                ("inhdetachpending", Bool),
            ],
            no_rows,
        ),
        (
            "pg_am",
            vec![
                ("oid", Oid),
                ("amname", Name),
                ("amhandler", Oid),
                ("amtype", Char),
            ],
            pg_am,
        ),
        (
            "pg_collation",
            vec![
                ("oid", Oid),
                ("collname", Name),
                ("collnamespace", Oid),
                ("collowner", Oid),
                ("collprovider", Char),
                ("collisdeterministic", Bool),
                ("collencoding", Int4),
                ("collcollate", Text),
                ("collctype", Text),
                ("colliculocale", Text),
                ("collversion", Text),
            ],
            pg_collation,
        ),
        (
            "pg_extension",
            vec![
                ("oid", Oid),
                ("extname", Name),
                ("extowner", Oid),
                ("extnamespace", Oid),
                ("extrelocatable", Bool),
                ("extversion", Text),
                ("extconfig", OidArray),
                ("extcondition", TextArray),
            ],
            no_rows,
        ),
        (
            "pg_tablespace",
            vec![
                ("oid", Oid),
                ("spcname", Name),
                ("spcowner", Oid),
                ("spcacl", AclitemArray),
                ("spcoptions", TextArray),
            ],
            pg_tablespace,
        ),
        (
            "pg_sequence",
            vec![
                ("seqrelid", Oid),
                ("seqtypid", Oid),
                ("seqstart", Int8),
                ("seqincrement", Int8),
                ("seqmax", Int8),
                ("seqmin", Int8),
                ("seqcache", Int8),
                ("seqcycle", Bool),
            ],
            no_rows,
        ),
        (
            "pg_trigger",
            vec![
                ("oid", Oid),
                ("tgrelid", Oid),
                ("tgparentid", Oid),
                ("tgname", Name),
                ("tgfoid", Oid),
                ("tgtype", Int2),
                ("tgenabled", Char),
                ("tgisinternal", Bool),
                ("tgconstrrelid", Oid),
                ("tgconstrindid", Oid),
                ("tgconstraint", Oid),
                ("tgdeferrable", Bool),
                ("tginitdeferred", Bool),
                ("tgnargs", Int2),
                ("tgattr", Int2Array),
                ("tgargs", Text),
                ("tgqual", Text),
                ("tgoldtable", Name),
                ("tgnewtable", Name),
            ],
            no_rows,
        ),
        (
            "pg_rewrite",
            vec![
                ("oid", Oid),
                ("rulename", Name),
                ("ev_class", Oid),
                ("ev_type", Char),
                ("ev_enabled", Char),
                ("is_instead", Bool),
                ("ev_qual", Text),
                ("ev_action", Text),
            ],
            no_rows,
        ),
        (
            "pg_depend",
            vec![
                ("classid", Oid),
                ("objid", Oid),
                ("objsubid", Int4),
                ("refclassid", Oid),
                ("refobjid", Oid),
                ("refobjsubid", Int4),
                ("deptype", Char),
            ],
            no_rows,
        ),
        (
            "pg_foreign_table",
            vec![
                ("ftrelid", Oid),
                ("ftserver", Oid),
                ("ftoptions", TextArray),
            ],
            no_rows,
        ),
        (
            "pg_partitioned_table",
            vec![
                ("partrelid", Oid),
                ("partstrat", Char),
                ("partnatts", Int2),
                ("partdefid", Oid),
                ("partattrs", Int2Array),
                ("partclass", OidArray),
                ("partcollation", OidArray),
                ("partexprs", Text),
            ],
            no_rows,
        ),
        (
            "pg_opclass",
            vec![
                ("oid", Oid),
                ("opcmethod", Oid),
                ("opcname", Name),
                ("opcnamespace", Oid),
                ("opcowner", Oid),
                ("opcfamily", Oid),
                ("opcintype", Oid),
                ("opcdefault", Bool),
                ("opckeytype", Oid),
            ],
            no_rows,
        ),
        (
            "pg_policy",
            vec![
                ("oid", Oid),
                ("polname", Name),
                ("polrelid", Oid),
                ("polcmd", Char),
                ("polpermissive", Bool),
                ("polroles", OidArray),
                ("polqual", NodeTree),
                ("polwithcheck", NodeTree),
            ],
            no_rows,
        ),
        (
            "pg_statistic_ext",
            vec![
                ("oid", Oid),
                ("stxrelid", Oid),
                ("stxname", Name),
                ("stxnamespace", Oid),
                ("stxowner", Oid),
                ("stxstattarget", Int4),
                ("stxkeys", Int2Array),
                ("stxkind", TextArray),
                ("stxexprs", Text),
            ],
            no_rows,
        ),
        (
            "pg_publication",
            vec![
                ("oid", Oid),
                ("pubname", Name),
                ("pubowner", Oid),
                ("puballtables", Bool),
                ("pubinsert", Bool),
                ("pubupdate", Bool),
                ("pubdelete", Bool),
                ("pubtruncate", Bool),
                ("pubviaroot", Bool),
            ],
            no_rows,
        ),
        (
            "pg_publication_namespace",
            vec![("oid", Oid), ("pnpubid", Oid), ("pnnspid", Oid)],
            no_rows,
        ),
        (
            "pg_publication_rel",
            vec![
                ("oid", Oid),
                ("prpubid", Oid),
                ("prrelid", Oid),
                ("prqual", NodeTree),
                ("prattrs", Int2Array),
            ],
            no_rows,
        ),
        (
            "pg_auth_members",
            vec![
                ("roleid", Oid),
                ("member", Oid),
                ("grantor", Oid),
                ("admin_option", Bool),
            ],
            no_rows,
        ),
        (
            "pg_stat_activity",
            vec![
                ("datid", Oid),
                ("datname", Name),
                ("pid", Int4),
                ("leader_pid", Int4),
                ("usesysid", Oid),
                ("usename", Name),
                ("application_name", Text),
                ("client_addr", Text),
                ("client_hostname", Text),
                ("client_port", Int4),
                ("backend_start", Timestamptz),
                ("xact_start", Timestamptz),
                ("query_start", Timestamptz),
                ("state_change", Timestamptz),
                ("wait_event_type", Text),
                ("wait_event", Text),
                ("state", Text),
                ("backend_xid", Xid),
                ("backend_xmin", Xid),
                ("query_id", Int8),
                ("query", Text),
                ("backend_type", Text),
            ],
            pg_stat_activity,
        ),
        (
            "pg_locks",
            vec![
                ("locktype", Text),
                ("database", Oid),
                ("relation", Oid),
                ("page", Int4),
                ("tuple", Int2),
                ("virtualxid", Text),
                ("transactionid", Xid),
                ("classid", Oid),
                ("objid", Oid),
                ("objsubid", Int2),
                ("virtualtransaction", Text),
                ("pid", Int4),
                ("mode", Text),
                ("granted", Bool),
                ("fastpath", Bool),
                ("waitstart", Timestamptz),
            ],
            // DataPress takes no locks: its data is read-only and its
            // transactions are not real ones.
            no_rows,
        ),
        (
            "pg_timezone_names",
            vec![
                ("name", Text),
                ("abbrev", Text),
                ("utc_offset", Interval),
                ("is_dst", Bool),
            ],
            super::timezones::names,
        ),
        (
            "pg_timezone_abbrevs",
            vec![("abbrev", Text), ("utc_offset", Interval), ("is_dst", Bool)],
            super::timezones::abbrevs,
        ),
        (
            "pg_stat_ssl",
            vec![
                ("pid", Int4),
                ("ssl", Bool),
                ("version", Text),
                ("cipher", Text),
                ("bits", Int4),
                ("client_dn", Text),
                ("client_serial", Numeric),
                ("issuer_dn", Text),
            ],
            pg_stat_ssl,
        ),
        (
            "pg_stat_gssapi",
            vec![
                ("pid", Int4),
                ("gss_authenticated", Bool),
                ("principal", Text),
                ("encrypted", Bool),
            ],
            pg_stat_gssapi,
        ),
        (
            "pg_stat_user_tables",
            pg_stat_tables_columns(),
            pg_stat_tables,
        ),
        (
            "pg_stat_all_tables",
            pg_stat_tables_columns(),
            pg_stat_tables,
        ),
    ]
}

/// The relations above that are views in PostgreSQL: views have no system
/// columns.
const VIEWS: &[&str] = &[
    "pg_roles",
    "pg_user",
    "pg_settings",
    "pg_tables",
    "pg_views",
    "pg_matviews",
    "pg_stat_activity",
    "pg_locks",
    "pg_timezone_names",
    "pg_timezone_abbrevs",
    "pg_stat_ssl",
    "pg_stat_gssapi",
    "pg_stat_user_tables",
    "pg_stat_all_tables",
];

/// Whether `table` is a `pg_catalog` table (not a view) whose rows have PG's
/// system column `column` (`xmin`, …) besides its own: it has none of that name.
pub fn has_system_column(table: &str, column: &str) -> bool {
    !VIEWS.contains(&table)
        && tables()
            .iter()
            .any(|(name, columns, _)| *name == table && columns.iter().all(|(c, _)| *c != column))
}

/// The name of `pg_show_all_settings()`, the function behind `pg_settings`.
pub const SHOW_ALL_SETTINGS: &str = "pg_show_all_settings";

/// The table functions without arguments whose rows are a catalog table's.
pub const TABLE_FUNCTIONS: &[&str] = &[SHOW_ALL_SETTINGS, "pg_get_keywords"];

/// A table function in FROM whose rows are a catalog table's.
#[derive(Debug)]
struct CatalogRows {
    name: &'static str,
    table: Arc<CatalogTable>,
}

impl TableFunctionImpl for CatalogRows {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        if !args.exprs().is_empty() {
            return Err(PgError::new(
                sqlstate::UNDEFINED_FUNCTION,
                format!("function {} takes no arguments", self.name),
            )
            .into_datafusion());
        }
        let table: Arc<dyn TableProvider> = self.table.clone();
        Ok(table)
    }
}

/// The [`TABLE_FUNCTIONS`] over `registry`: `pg_show_all_settings()` (the
/// rows of `pg_settings`) and `pg_get_keywords()`.
pub fn table_functions(
    registry: &Arc<Registry>,
) -> Vec<(&'static str, Arc<dyn TableFunctionImpl>)> {
    let settings = CatalogTable::new(registry, &pg_settings_columns(), pg_settings);
    let keywords = CatalogTable::new(
        registry,
        super::keywords::KEYWORD_COLUMNS,
        super::keywords::pg_get_keywords,
    );
    [(SHOW_ALL_SETTINGS, settings), ("pg_get_keywords", keywords)]
        .into_iter()
        .map(|(name, table)| {
            let function: Arc<dyn TableFunctionImpl> = Arc::new(CatalogRows { name, table });
            (name, function)
        })
        .collect()
}

/// The names of every `pg_catalog` table (for resolving unqualified names).
pub fn table_names() -> Vec<&'static str> {
    tables().into_iter().map(|(name, _, _)| name).collect()
}

/// The `pg_catalog` schema provider over `registry`.
pub fn schema(registry: &Arc<Registry>) -> Result<Arc<dyn SchemaProvider>> {
    let schema = MemorySchemaProvider::new();
    for (name, columns, rows) in tables() {
        schema.register_table(name.into(), CatalogTable::new(registry, &columns, rows))?;
    }
    Ok(Arc::new(schema))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::functions::SessionInfo;
    use crate::config::{DatasetConfig, DatasetFormat};

    fn accidents(name: &str) -> DatasetConfig {
        DatasetConfig {
            name: name.into(),
            path: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/accidents.parquet"),
            format: DatasetFormat::Parquet,
            csv_header: true,
            csv_delimiter: b',',
        }
    }

    fn names_and_oids(registry: &Registry) -> Vec<(String, i64)> {
        let ctx = Context {
            registry,
            session: None,
        };
        pg_class(&ctx)
            .into_iter()
            .filter(|row| matches!(row[2], Cell::Int(n) if n == i64::from(PUBLIC_OID)))
            .map(|row| match (&row[1], &row[0]) {
                (Cell::Text(name), Cell::Int(oid)) => (name.clone(), *oid),
                other => panic!("unexpected row {other:?}"),
            })
            .collect()
    }

    #[tokio::test]
    async fn pg_class_follows_the_registry_with_stable_oids() {
        let state = datafusion::prelude::SessionContext::new().state();
        let registry = Registry::new();
        registry
            .register(&state, accidents("a"), crate::datasets::Origin::Config)
            .await
            .unwrap();
        registry
            .register(&state, accidents("b"), crate::datasets::Origin::Config)
            .await
            .unwrap();
        let before = names_and_oids(&registry);
        assert_eq!(before.len(), 2);
        assert!(before.iter().all(|(_, oid)| *oid >= 16_384));
        assert!(registry.unregister("a"));
        let after = names_and_oids(&registry);
        assert_eq!(after.len(), 1);
        assert_eq!(after[0], before[1], "b keeps its OID when a goes away");
        registry
            .register(&state, accidents("a"), crate::datasets::Origin::Config)
            .await
            .unwrap();
        assert_eq!(
            names_and_oids(&registry),
            before,
            "re-registering restores a's OID"
        );
        let ctx = Context {
            registry: &registry,
            session: None,
        };
        // The catalogs list themselves too, each once, below the user OID range.
        let relations = catalog_relations();
        let catalog_columns: usize = relations.iter().map(|r| r.columns.len()).sum();
        let columns = pg_attribute(&ctx);
        assert_eq!(
            columns.len(),
            2 * accidents_columns(&registry) + catalog_columns
        );
        // Each dataset has a row type and its array, after the built-in types.
        let types = pg_type(&ctx);
        let row_types = |oid| types.iter().filter(|t| t[0] == Cell::Int(oid)).count();
        for (_, oid) in &before {
            assert_eq!((row_types(oid + 1), row_types(oid + 2)), (1, 1));
        }
        let mut oids: Vec<u32> = relations.iter().map(|r| r.oid).collect();
        oids.sort_unstable();
        oids.dedup();
        assert_eq!(oids.len(), relations.len());
        assert!(oids.iter().all(|oid| *oid < 16_384));
        let pg_type = relations.iter().find(|r| r.name == "pg_type").unwrap();
        assert_eq!((pg_type.oid, pg_type.namespace), (1247, PG_CATALOG_OID));
        assert_eq!(pg_class(&ctx).len(), 2 + relations.len());
    }

    fn accidents_columns(registry: &Registry) -> usize {
        registry.list()[0].table.schema().fields().len()
    }

    fn session(tls: bool) -> Arc<SessionInfo> {
        Arc::new(SessionInfo {
            user: "u".into(),
            database: "d".into(),
            pid: 7,
            tls,
            settings: std::sync::Mutex::new(
                crate::settings::Settings::new("u", &[], Default::default()).unwrap(),
            ),
        })
    }

    #[tokio::test]
    async fn every_row_has_a_cell_per_column() {
        let state = datafusion::prelude::SessionContext::new().state();
        let registry = Registry::new();
        registry
            .register(&state, accidents("a"), crate::datasets::Origin::Config)
            .await
            .unwrap();
        let ctx = Context {
            registry: &registry,
            session: Some(session(false)),
        };
        for (name, columns, rows) in tables() {
            for row in rows(&ctx) {
                assert_eq!(row.len(), columns.len(), "{name}");
            }
        }
    }

    #[tokio::test]
    async fn table_statistics_describe_the_datasets_of_pg_class() {
        let state = datafusion::prelude::SessionContext::new().state();
        let registry = Registry::new();
        registry
            .register(&state, accidents("a"), crate::datasets::Origin::Config)
            .await
            .unwrap();
        let ctx = Context {
            registry: &registry,
            session: None,
        };
        let stats = pg_stat_tables(&ctx);
        assert_eq!(stats.len(), 1);
        assert_eq!(stats[0][0], pg_class(&ctx)[0][0]);
        assert_eq!(stats[0][2], Cell::from("a"));
    }

    #[test]
    fn connection_views_show_the_scanning_session() {
        let registry = Registry::new();
        let ctx = Context {
            registry: &registry,
            session: Some(session(true)),
        };
        assert_eq!(pg_stat_ssl(&ctx)[0][..2], [Cell::Int(7), Cell::Bool(true)]);
        assert_eq!(
            pg_stat_gssapi(&ctx),
            [vec![
                Cell::Int(7),
                Cell::Bool(false),
                Cell::Null,
                Cell::Bool(false)
            ]]
        );
        let no_session = Context {
            registry: &registry,
            session: None,
        };
        assert!(pg_stat_ssl(&no_session).is_empty());
    }

    #[test]
    fn only_catalog_tables_have_system_columns() {
        assert!(has_system_column("pg_class", "xmin"));
        assert!(has_system_column("pg_attribute", "xmin"));
        assert!(!has_system_column("pg_roles", "xmin"), "a view");
        assert!(!has_system_column("pg_class", "relname"), "a real column");
        assert!(!has_system_column("accidents", "xmin"));
    }
}
