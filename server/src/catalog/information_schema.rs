//! The `information_schema` views with PostgreSQL's columns, generated from
//! the dataset registry: `tables`, `columns` and `schemata` describe the
//! datasets, `character_sets` the database encoding; views of objects
//! DataPress does not have (constraints, views, routines, …) have their
//! columns and no rows.

use std::sync::Arc;

use datafusion::catalog::{MemorySchemaProvider, SchemaProvider};
use datafusion::error::Result;

use super::builtin_types::format_type;
use super::table::{CatalogTable, Cell, Context, Kind, TableDef};
use crate::datasets::Registry;
use crate::encode::types::{pg_type_of, PgType};

use Kind::{Int4, Name, Varchar};

fn catalog_name(ctx: &Context<'_>) -> String {
    ctx.session
        .as_ref()
        .map_or_else(|| "datapress".to_string(), |s| s.database.clone())
}

fn yes_no(b: bool) -> Cell {
    (if b { "YES" } else { "NO" }).into()
}

fn tables(ctx: &Context<'_>) -> Vec<Vec<Cell>> {
    ctx.registry
        .list()
        .into_iter()
        .map(|d| {
            let mut row: Vec<Cell> = vec![
                catalog_name(ctx).into(),
                "public".into(),
                d.config.name.into(),
                "BASE TABLE".into(),
            ];
            row.extend(std::iter::repeat_n(Cell::Null, 5));
            row.extend([yes_no(false), yes_no(false), Cell::Null]);
            row
        })
        .collect()
}

fn schemata(ctx: &Context<'_>) -> Vec<Vec<Cell>> {
    ["pg_catalog", "public", "information_schema"]
        .into_iter()
        .map(|schema| {
            vec![
                catalog_name(ctx).into(),
                schema.into(),
                "datapress".into(),
                Cell::Null,
                Cell::Null,
                Cell::Null,
                Cell::Null,
            ]
        })
        .collect()
}

/// (numeric_precision, radix, scale) as PG reports them for a type.
fn numeric_facts(oid: u32, typmod: i32) -> (Cell, Cell, Cell) {
    let (p, s) = match oid {
        21 => (16, Some(0)),
        23 => (32, Some(0)),
        20 => (64, Some(0)),
        700 => (24, None),
        701 => (53, None),
        1700 if typmod >= 4 => {
            let m = typmod - 4;
            return ((m >> 16).into(), 10i32.into(), (m & 0xffff).into());
        }
        _ => return (Cell::Null, Cell::Null, Cell::Null),
    };
    let radix: i32 = if oid == 1700 { 10 } else { 2 };
    (p.into(), radix.into(), s.map_or(Cell::Null, Cell::from))
}

fn columns(ctx: &Context<'_>) -> Vec<Vec<Cell>> {
    let mut out = Vec::new();
    for d in ctx.registry.list() {
        for (i, field) in d.table.schema().fields().iter().enumerate() {
            let (pg_type, typmod) = pg_type_of(field);
            let oid = pg_type.oid();
            let data_type = match pg_type {
                PgType::Array(_) => "ARRAY".to_string(),
                PgType::Scalar(_) => format_type(oid, -1).unwrap_or_else(|| "USER-DEFINED".into()),
            };
            let udt = super::builtin_types::type_by_oid(oid).map_or_else(String::new, |t| t.name);
            let (precision, radix, scale) = numeric_facts(oid, typmod);
            let datetime_precision: Cell = match oid {
                1082 => 0i32.into(),
                1083 | 1114 | 1184 | 1186 => 6i32.into(),
                _ => Cell::Null,
            };
            let octet_length: Cell = if oid == 25 {
                1_073_741_824i32.into()
            } else {
                Cell::Null
            };
            let mut row: Vec<Cell> = vec![
                catalog_name(ctx).into(),
                "public".into(),
                d.config.name.clone().into(),
                field.name().clone().into(),
                ((i + 1) as i32).into(),
                Cell::Null,
                yes_no(field.is_nullable()),
                data_type.into(),
                Cell::Null,
                octet_length,
                precision,
                radix,
                scale,
                datetime_precision,
                Cell::Null,
                Cell::Null,
            ];
            // character_set_* and collation_* (6), domain_* (3)
            row.extend(std::iter::repeat_n(Cell::Null, 9));
            row.extend([
                catalog_name(ctx).into(),
                "pg_catalog".into(),
                udt.into(),
                Cell::Null,
                Cell::Null,
                Cell::Null,
                Cell::Null,
                ((i + 1) as i32).to_string().into(),
                yes_no(false),
                yes_no(false),
            ]);
            // identity_* (6)
            row.extend(std::iter::repeat_n(Cell::Null, 6));
            row.extend(["NEVER".into(), Cell::Null, yes_no(false)]);
            out.push(row);
        }
    }
    out
}

/// `character_sets`: the database encoding, UTF8. PG's view takes the default
/// collation from the `pg_collation` row whose locale is the database's; none
/// of ours is `C.UTF-8` (`pg_database.datcollate`), so those columns are NULL.
fn character_sets(ctx: &Context<'_>) -> Vec<Vec<Cell>> {
    vec![vec![
        Cell::Null,
        Cell::Null,
        "UTF8".into(),
        "UCS".into(),
        "UTF8".into(),
        catalog_name(ctx).into(),
        Cell::Null,
        Cell::Null,
    ]]
}

fn no_rows(_: &Context<'_>) -> Vec<Vec<Cell>> {
    Vec::new()
}

fn names(list: &[&'static str]) -> Vec<(&'static str, Kind)> {
    list.iter().map(|n| (*n, Name)).collect()
}

/// Every view: name, columns (PG 15's, in order) and rows.
/// Every view of the schema: name, columns and rows.
pub(super) fn views() -> Vec<TableDef> {
    let constraint_keys = ["constraint_catalog", "constraint_schema", "constraint_name"];
    vec![
        (
            "tables",
            vec![
                ("table_catalog", Name),
                ("table_schema", Name),
                ("table_name", Name),
                ("table_type", Varchar),
                ("self_referencing_column_name", Name),
                ("reference_generation", Varchar),
                ("user_defined_type_catalog", Name),
                ("user_defined_type_schema", Name),
                ("user_defined_type_name", Name),
                ("is_insertable_into", Varchar),
                ("is_typed", Varchar),
                ("commit_action", Varchar),
            ],
            tables,
        ),
        (
            "schemata",
            vec![
                ("catalog_name", Name),
                ("schema_name", Name),
                ("schema_owner", Name),
                ("default_character_set_catalog", Name),
                ("default_character_set_schema", Name),
                ("default_character_set_name", Name),
                ("sql_path", Varchar),
            ],
            schemata,
        ),
        (
            "columns",
            vec![
                ("table_catalog", Name),
                ("table_schema", Name),
                ("table_name", Name),
                ("column_name", Name),
                ("ordinal_position", Int4),
                ("column_default", Varchar),
                ("is_nullable", Varchar),
                ("data_type", Varchar),
                ("character_maximum_length", Int4),
                ("character_octet_length", Int4),
                ("numeric_precision", Int4),
                ("numeric_precision_radix", Int4),
                ("numeric_scale", Int4),
                ("datetime_precision", Int4),
                ("interval_type", Varchar),
                ("interval_precision", Int4),
                ("character_set_catalog", Name),
                ("character_set_schema", Name),
                ("character_set_name", Name),
                ("collation_catalog", Name),
                ("collation_schema", Name),
                ("collation_name", Name),
                ("domain_catalog", Name),
                ("domain_schema", Name),
                ("domain_name", Name),
                ("udt_catalog", Name),
                ("udt_schema", Name),
                ("udt_name", Name),
                ("scope_catalog", Name),
                ("scope_schema", Name),
                ("scope_name", Name),
                ("maximum_cardinality", Int4),
                ("dtd_identifier", Name),
                ("is_self_referencing", Varchar),
                ("is_identity", Varchar),
                ("identity_generation", Varchar),
                ("identity_start", Varchar),
                ("identity_increment", Varchar),
                ("identity_maximum", Varchar),
                ("identity_minimum", Varchar),
                ("identity_cycle", Varchar),
                ("is_generated", Varchar),
                ("generation_expression", Varchar),
                ("is_updatable", Varchar),
            ],
            columns,
        ),
        (
            "character_sets",
            names(&[
                "character_set_catalog",
                "character_set_schema",
                "character_set_name",
                "character_repertoire",
                "form_of_use",
                "default_collate_catalog",
                "default_collate_schema",
                "default_collate_name",
            ]),
            character_sets,
        ),
        (
            "views",
            vec![
                ("table_catalog", Name),
                ("table_schema", Name),
                ("table_name", Name),
                ("view_definition", Varchar),
                ("check_option", Varchar),
                ("is_updatable", Varchar),
                ("is_insertable_into", Varchar),
                ("is_trigger_updatable", Varchar),
                ("is_trigger_deletable", Varchar),
                ("is_trigger_insertable_into", Varchar),
            ],
            no_rows,
        ),
        (
            "table_constraints",
            [
                names(&constraint_keys),
                names(&["table_catalog", "table_schema", "table_name"]),
                vec![
                    ("constraint_type", Varchar),
                    ("is_deferrable", Varchar),
                    ("initially_deferred", Varchar),
                    ("enforced", Varchar),
                    ("nulls_distinct", Varchar),
                ],
            ]
            .concat(),
            no_rows,
        ),
        (
            "key_column_usage",
            [
                names(&constraint_keys),
                names(&["table_catalog", "table_schema", "table_name", "column_name"]),
                vec![
                    ("ordinal_position", Int4),
                    ("position_in_unique_constraint", Int4),
                ],
            ]
            .concat(),
            no_rows,
        ),
        (
            "referential_constraints",
            [
                names(&constraint_keys),
                names(&[
                    "unique_constraint_catalog",
                    "unique_constraint_schema",
                    "unique_constraint_name",
                ]),
                vec![
                    ("match_option", Varchar),
                    ("update_rule", Varchar),
                    ("delete_rule", Varchar),
                ],
            ]
            .concat(),
            no_rows,
        ),
        (
            "routines",
            [
                names(&["specific_catalog", "specific_schema", "specific_name"]),
                names(&["routine_catalog", "routine_schema", "routine_name"]),
                vec![("routine_type", Varchar), ("data_type", Varchar)],
            ]
            .concat(),
            no_rows,
        ),
    ]
}

/// The `information_schema` schema provider over `registry`.
pub fn schema(registry: &Arc<Registry>) -> Result<Arc<dyn SchemaProvider>> {
    let schema = MemorySchemaProvider::new();
    for (name, columns, rows) in views() {
        schema.register_table(name.into(), CatalogTable::new(registry, &columns, rows))?;
    }
    Ok(Arc::new(schema))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn character_sets_is_the_utf8_database_encoding() {
        let registry = Registry::new();
        let ctx = Context {
            registry: &registry,
            session: None,
        };
        let rows = character_sets(&ctx);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0][2], Cell::from("UTF8"));
        assert_eq!(rows[0][3], Cell::from("UCS"));
        assert_eq!(rows[0][5], Cell::from("datapress"));
        let (_, columns, _) = views()
            .into_iter()
            .find(|(name, _, _)| *name == "character_sets")
            .unwrap();
        assert_eq!(columns.len(), rows[0].len());
    }
}
