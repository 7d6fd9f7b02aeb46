//! A catalog table: PostgreSQL's column names and types plus a row generator
//! that runs at every scan, so what a client sees follows the live dataset
//! registry and its own session.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Decimal128Builder, Float32Builder, Float64Builder, Int16Builder,
    Int32Builder, Int64Builder, IntervalMonthDayNanoBuilder, ListBuilder, StringBuilder,
    TimestampMicrosecondBuilder, UInt32Builder,
};
use datafusion::arrow::datatypes::{
    DataType, Field, IntervalMonthDayNano, IntervalUnit, Schema, SchemaRef, TimeUnit,
};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::Session;
use datafusion::datasource::{MemTable, TableProvider, TableType};
use datafusion::error::Result;
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::ExecutionPlan;

use super::functions::SessionInfo;
use crate::datasets::Registry;
use crate::encode::types::PG_TYPE_METADATA;

/// The PostgreSQL type of a catalog column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `oid`
    Oid,
    /// `xid`: a transaction id (a UInt32 sent as PG's `xid`)
    Xid,
    /// `name`
    Name,
    /// `regproc`: a function's OID, shown as its name
    Regproc,
    /// `text`
    Text,
    /// `varchar` (information_schema's `character_data` and `yes_or_no`)
    Varchar,
    /// `"char"`
    Char,
    /// `aclitem`: one access privilege, as its text form
    Aclitem,
    /// `pg_node_tree`: a stored expression (DataPress stores none)
    NodeTree,
    /// `anyarray`: an array of any type (DataPress stores none)
    AnyArray,
    /// `bool`
    Bool,
    /// `int2`
    Int2,
    /// `int4`
    Int4,
    /// `int8`
    Int8,
    /// `float4`
    Float4,
    /// `float8`
    Float8,
    /// `numeric` without a type modifier (an integer value)
    Numeric,
    /// `timestamptz` (microseconds since the epoch)
    Timestamptz,
    /// `interval` (microseconds)
    Interval,
    /// `text[]` (also `name[]`)
    TextArray,
    /// `aclitem[]` (the `*acl` columns)
    AclitemArray,
    /// `oid[]` (also `oidvector`)
    OidArray,
    /// `int2[]` (also `int2vector`)
    Int2Array,
}

/// The Arrow type of [`Kind::Numeric`] columns.
const NUMERIC: DataType = DataType::Decimal128(38, 0);

impl Kind {
    /// The Arrow field of a column `name` of this kind, tagged with its PG type.
    pub fn field(self, name: &str) -> Field {
        let tagged = |data_type: DataType, pg: &str| {
            Field::new(name, data_type, true).with_metadata(HashMap::from([(
                PG_TYPE_METADATA.to_string(),
                pg.to_string(),
            )]))
        };
        match self {
            Kind::Oid => tagged(DataType::UInt32, "oid"),
            Kind::Xid => tagged(DataType::UInt32, "xid"),
            Kind::Regproc => tagged(DataType::UInt32, "regproc"),
            Kind::Name => tagged(DataType::Utf8, "name"),
            Kind::Char => tagged(DataType::Utf8, "char"),
            Kind::Varchar => tagged(DataType::Utf8, "varchar"),
            Kind::Aclitem => tagged(DataType::Utf8, "aclitem"),
            Kind::NodeTree => tagged(DataType::Utf8, "pg_node_tree"),
            Kind::AnyArray => tagged(DataType::Utf8, "anyarray"),
            Kind::Text => Field::new(name, DataType::Utf8, true),
            Kind::Bool => Field::new(name, DataType::Boolean, true),
            Kind::Int2 => Field::new(name, DataType::Int16, true),
            Kind::Int4 => Field::new(name, DataType::Int32, true),
            Kind::Int8 => Field::new(name, DataType::Int64, true),
            Kind::Float4 => Field::new(name, DataType::Float32, true),
            Kind::Float8 => Field::new(name, DataType::Float64, true),
            Kind::Numeric => tagged(NUMERIC, "numeric"),
            Kind::Timestamptz => Field::new(
                name,
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                true,
            ),
            Kind::Interval => {
                Field::new(name, DataType::Interval(IntervalUnit::MonthDayNano), true)
            }
            Kind::TextArray => {
                Field::new_list(name, Field::new("item", DataType::Utf8, true), true)
            }
            Kind::OidArray => Field::new_list(name, Kind::Oid.field("item"), true),
            Kind::AclitemArray => Field::new_list(name, Kind::Aclitem.field("item"), true),
            Kind::Int2Array => {
                Field::new_list(name, Field::new("item", DataType::Int16, true), true)
            }
        }
    }
}

/// One value of a catalog row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// SQL NULL.
    Null,
    /// An integer of any width (OIDs included).
    Int(i64),
    /// A float.
    Float(f64),
    /// Text of any kind (`name`, `text`, `"char"`).
    Text(String),
    /// A boolean.
    Bool(bool),
    /// An array.
    List(Vec<Cell>),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}
impl From<bool> for Cell {
    fn from(b: bool) -> Cell {
        Cell::Bool(b)
    }
}
impl From<u32> for Cell {
    fn from(v: u32) -> Cell {
        Cell::Int(i64::from(v))
    }
}
impl From<i32> for Cell {
    fn from(v: i32) -> Cell {
        Cell::Int(i64::from(v))
    }
}
impl From<i16> for Cell {
    fn from(v: i16) -> Cell {
        Cell::Int(i64::from(v))
    }
}
impl From<i64> for Cell {
    fn from(v: i64) -> Cell {
        Cell::Int(v)
    }
}
impl From<f64> for Cell {
    fn from(v: f64) -> Cell {
        Cell::Float(v)
    }
}
impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Cell {
        v.map_or(Cell::Null, Into::into)
    }
}

/// What a row generator can see: the registry and the scanning session.
pub struct Context<'a> {
    /// The dataset registry.
    pub registry: &'a Registry,
    /// The session that scans, when it is a client connection.
    pub session: Option<Arc<SessionInfo>>,
}

/// Produces the rows of a table, one `Vec<Cell>` per row in column order.
pub type Rows = fn(&Context<'_>) -> Vec<Vec<Cell>>;

/// A table's definition: its name, its (column, type) pairs and its rows.
pub type TableDef = (&'static str, Vec<(&'static str, Kind)>, Rows);

/// A catalog table whose rows are generated at scan time.
pub struct CatalogTable {
    schema: SchemaRef,
    kinds: Vec<Kind>,
    rows: Rows,
    registry: Arc<Registry>,
}

impl std::fmt::Debug for CatalogTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CatalogTable({:?})", self.schema)
    }
}

impl CatalogTable {
    /// A table with these (name, type) columns whose rows come from `rows`.
    pub fn new(registry: &Arc<Registry>, columns: &[(&str, Kind)], rows: Rows) -> Arc<Self> {
        let schema = Schema::new(
            columns
                .iter()
                .map(|(name, kind)| kind.field(name))
                .collect::<Vec<_>>(),
        );
        Arc::new(CatalogTable {
            schema: Arc::new(schema),
            kinds: columns.iter().map(|(_, k)| *k).collect(),
            rows,
            registry: Arc::clone(registry),
        })
    }

    /// The table's rows now, as one batch.
    pub fn batch(&self, session: Option<Arc<SessionInfo>>) -> Result<RecordBatch> {
        let context = Context {
            registry: &self.registry,
            session,
        };
        let rows = (self.rows)(&context);
        let columns = self
            .kinds
            .iter()
            .enumerate()
            .map(|(i, kind)| build_column(*kind, rows.iter().map(|r| &r[i])))
            .collect::<Vec<_>>();
        Ok(RecordBatch::try_new(Arc::clone(&self.schema), columns)?)
    }
}

fn int(cell: &Cell) -> Option<i64> {
    match cell {
        Cell::Int(v) => Some(*v),
        Cell::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

fn text(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Text(s) => Some(s.clone()),
        Cell::Int(v) => Some(v.to_string()),
        _ => None,
    }
}

fn build_column<'a>(kind: Kind, cells: impl Iterator<Item = &'a Cell>) -> ArrayRef {
    macro_rules! build {
        ($builder:expr, $get:expr) => {{
            let mut b = $builder;
            for c in cells {
                b.append_option($get(c));
            }
            Arc::new(b.finish())
        }};
    }
    macro_rules! list {
        ($builder:expr, $get:expr) => {{
            let mut b = $builder;
            for c in cells {
                match c {
                    Cell::List(items) => {
                        for item in items {
                            b.values().append_option($get(item));
                        }
                        b.append(true);
                    }
                    _ => b.append(false),
                }
            }
            Arc::new(b.finish())
        }};
    }
    match kind {
        Kind::Oid | Kind::Xid | Kind::Regproc => {
            build!(UInt32Builder::new(), |c| int(c).map(|v| v as u32))
        }
        Kind::Name
        | Kind::Text
        | Kind::Char
        | Kind::Varchar
        | Kind::Aclitem
        | Kind::NodeTree
        | Kind::AnyArray => {
            build!(StringBuilder::new(), text)
        }
        Kind::Bool => build!(BooleanBuilder::new(), |c: &Cell| match c {
            Cell::Bool(b) => Some(*b),
            _ => None,
        }),
        Kind::Int2 => build!(Int16Builder::new(), |c| int(c).map(|v| v as i16)),
        Kind::Int4 => build!(Int32Builder::new(), |c| int(c).map(|v| v as i32)),
        Kind::Int8 => build!(Int64Builder::new(), int),
        Kind::Float4 => build!(Float32Builder::new(), |c: &Cell| match c {
            Cell::Float(v) => Some(*v as f32),
            _ => None,
        }),
        Kind::Float8 => build!(Float64Builder::new(), |c: &Cell| match c {
            Cell::Float(v) => Some(*v),
            _ => None,
        }),
        Kind::Numeric => build!(Decimal128Builder::new().with_data_type(NUMERIC), |c| int(c)
            .map(i128::from)),
        Kind::Timestamptz => build!(TimestampMicrosecondBuilder::new().with_timezone("UTC"), int),
        Kind::Interval => build!(IntervalMonthDayNanoBuilder::new(), |c| int(c)
            .map(|micros| IntervalMonthDayNano::new(0, 0, micros * 1_000))),
        Kind::TextArray => list!(ListBuilder::new(StringBuilder::new()), text),
        Kind::AclitemArray => list!(
            ListBuilder::new(StringBuilder::new())
                .with_field(Arc::new(Kind::Aclitem.field("item"))),
            text
        ),
        Kind::OidArray => list!(
            ListBuilder::new(UInt32Builder::new()).with_field(Arc::new(Kind::Oid.field("item"))),
            |c| int(c).map(|v| v as u32)
        ),
        Kind::Int2Array => list!(ListBuilder::new(Int16Builder::new()), |c| int(c)
            .map(|v| v as i16)),
    }
}

#[async_trait]
impl TableProvider for CatalogTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::View
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let batch = self.batch(state.config().get_extension::<SessionInfo>())?;
        MemTable::try_new(Arc::clone(&self.schema), vec![vec![batch]])?
            .scan(state, projection, filters, limit)
            .await
    }
}
