//! Datasets' UInt32 columns are read as Int64, the PG `int8` they are served
//! as (SPEC §5: UInt32 → int8).
//!
//! This keeps one invariant for the rest of the server: a UInt32 in a result
//! is a catalog OID, whatever expression it came through (`CASE`,
//! `array_agg`, a scalar subquery), so it is sent as PG's `oid`, as clients'
//! catalog queries expect. Parquet scans cast the file's values to the wider
//! table type themselves; Arrow IPC scans do not, so those tables are wrapped
//! in [`WidenedTable`], which casts after scanning.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::Session;
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::Result;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_expr::expressions::{CastExpr, Column};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::ExecutionPlan;

/// The type a column of `data_type` is served as, if it must be widened.
fn widened(data_type: &DataType) -> Option<DataType> {
    match data_type {
        DataType::UInt32 => Some(DataType::Int64),
        DataType::List(item) if item.data_type() == &DataType::UInt32 => Some(DataType::List(
            Arc::new(item.as_ref().clone().with_data_type(DataType::Int64)),
        )),
        _ => None,
    }
}

/// `schema` with its UInt32 columns (and lists of them) as Int64, or `None`
/// when it has none.
pub fn widen_schema(schema: &SchemaRef) -> Option<SchemaRef> {
    if !schema
        .fields()
        .iter()
        .any(|f| widened(f.data_type()).is_some())
    {
        return None;
    }
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match widened(f.data_type()) {
            Some(t) => f.as_ref().clone().with_data_type(t),
            None => f.as_ref().clone(),
        })
        .collect();
    Some(Arc::new(Schema::new_with_metadata(
        fields,
        schema.metadata().clone(),
    )))
}

/// A table whose scan is cast to its widened schema.
#[derive(Debug)]
pub struct WidenedTable {
    inner: Arc<dyn TableProvider>,
    schema: SchemaRef,
}

impl WidenedTable {
    /// `inner` served with `schema` (from [`widen_schema`] of its own).
    pub fn new(inner: Arc<dyn TableProvider>, schema: SchemaRef) -> WidenedTable {
        WidenedTable { inner, schema }
    }
}

#[async_trait]
impl TableProvider for WidenedTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        self.inner.table_type()
    }

    /// Filters name the widened types, which the inner scan does not have:
    /// they run above the cast instead.
    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        Ok(vec![
            TableProviderFilterPushDown::Unsupported;
            filters.len()
        ])
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let scan = self.inner.scan(state, projection, &[], limit).await?;
        let columns: Vec<usize> = match projection {
            Some(p) => p.clone(),
            None => (0..self.schema.fields().len()).collect(),
        };
        let exprs: Vec<(Arc<dyn PhysicalExpr>, String)> = columns
            .iter()
            .enumerate()
            .map(|(position, &index)| {
                let field = self.schema.field(index);
                let column: Arc<dyn PhysicalExpr> = Arc::new(Column::new(field.name(), position));
                let expr: Arc<dyn PhysicalExpr> =
                    if scan.schema().field(position).data_type() == field.data_type() {
                        column
                    } else {
                        Arc::new(CastExpr::new(column, field.data_type().clone(), None))
                    };
                (expr, field.name().clone())
            })
            .collect();
        Ok(Arc::new(ProjectionExec::try_new(exprs, scan)?))
    }
}
