//! Where each result column comes from: the table OID and column number that
//! RowDescription carries for a plain column of a dataset or of a core
//! catalog (PG's `resorigtbl` and `resorigcol`), zero for anything computed. pgjdbc
//! (`ResultSetMetaData.getTableName`, `isAutoIncrement`), psqlODBC and sqlx
//! look them up in pg_class and pg_attribute.

use datafusion::common::TableReference;
use datafusion::logical_expr::{Distinct, Expr, JoinType, LogicalPlan};

use crate::catalog::pg_catalog::{catalog_relations, CATALOG_TABLE_OIDS};
use crate::datasets::Registry;
use crate::encode::rows::ColumnOrigin;
use crate::engine::CATALOG;

/// The origin of every output column of `plan`.
pub fn column_origins(plan: &LogicalPlan, registry: &Registry) -> Vec<ColumnOrigin> {
    let width = plan.schema().fields().len();
    let sources: Vec<_> = (0..width).map(|i| source(plan, i)).collect();
    if sources.iter().all(Option::is_none) {
        return vec![ColumnOrigin::default(); width];
    }
    let datasets = registry.with_oids();
    sources
        .into_iter()
        .map(|s| {
            let (table, column) = s?;
            let (table_oid, position) = if is_public(&table) {
                let (oid, dataset) = datasets
                    .iter()
                    .find(|(_, d)| d.config.name == table.table())?;
                (*oid, dataset.table.schema().index_of(&column).ok()?)
            } else {
                catalog_column(&table, &column)?
            };
            Some(ColumnOrigin {
                table_oid,
                attnum: i16::try_from(position + 1).ok()?,
            })
        })
        .map(Option::unwrap_or_default)
        .collect()
}

/// The OID and column index of a column of one of the core catalogs that
/// have PostgreSQL's own OIDs (`pg_class`, `pg_namespace`, …), whose columns
/// stand in PostgreSQL's order.
fn catalog_column(table: &TableReference, column: &str) -> Option<(u32, usize)> {
    if table.schema() != Some("pg_catalog") {
        return None;
    }
    let (_, oid) = CATALOG_TABLE_OIDS
        .iter()
        .find(|(name, _)| *name == table.table())?;
    let relation = catalog_relations().iter().find(|r| r.oid == *oid)?;
    let position = relation.columns.iter().position(|(c, _)| *c == column)?;
    Some((*oid, position))
}

/// Whether `table` names a dataset (schema `public` of our catalog).
fn is_public(table: &TableReference) -> bool {
    table.schema().is_none_or(|s| s == "public") && table.catalog().is_none_or(|c| c == CATALOG)
}

/// The table and column that output column `index` of `plan` passes through
/// unchanged, if it is a plain column reference all the way down.
fn source(plan: &LogicalPlan, index: usize) -> Option<(TableReference, String)> {
    // Output column `index` is the plain column `expr` of `input`.
    let through = |expr: &Expr, input: &LogicalPlan| {
        let Expr::Column(column) = expr.clone().unalias_nested().data else {
            return None;
        };
        source(input, input.schema().index_of_column(&column).ok()?)
    };
    match plan {
        LogicalPlan::Projection(p) => through(p.expr.get(index)?, &p.input),
        // Grouping columns come first, then the aggregates.
        LogicalPlan::Aggregate(a) => through(a.group_expr.get(index)?, &a.input),
        // The input's columns come first, then the window functions.
        LogicalPlan::Window(w) if index < w.input.schema().fields().len() => {
            source(&w.input, index)
        }
        LogicalPlan::Filter(f) => source(&f.input, index),
        LogicalPlan::Sort(s) => source(&s.input, index),
        LogicalPlan::Limit(l) => source(&l.input, index),
        LogicalPlan::SubqueryAlias(a) => source(&a.input, index),
        LogicalPlan::Distinct(Distinct::All(input)) => source(input, index),
        LogicalPlan::Join(j)
            if matches!(
                j.join_type,
                JoinType::Inner | JoinType::Left | JoinType::Right | JoinType::Full
            ) =>
        {
            let left_width = j.left.schema().fields().len();
            if index < left_width {
                source(&j.left, index)
            } else {
                source(&j.right, index - left_width)
            }
        }
        LogicalPlan::TableScan(t) => {
            let field = t.projected_schema.fields().get(index)?;
            Some((t.table_name.clone(), field.name().clone()))
        }
        _ => None,
    }
}
