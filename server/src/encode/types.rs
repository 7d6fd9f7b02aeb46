//! The Arrow → PostgreSQL type mapping: which PG type (OID, length, typmod)
//! a user sees for each Arrow field.

use datafusion::arrow::datatypes::{DataType, Field};

/// Field metadata key naming an Arrow extension type (`arrow.uuid`, `arrow.json`).
pub const EXTENSION_NAME: &str = "ARROW:extension:name";

/// PostgreSQL type OIDs used on the wire (values from PG's `pg_type.dat`).
pub mod oid {
    #![allow(missing_docs)]
    pub const BOOL: u32 = 16;
    pub const BYTEA: u32 = 17;
    pub const CHAR: u32 = 18;
    pub const NAME: u32 = 19;
    pub const INT8: u32 = 20;
    pub const INT2: u32 = 21;
    pub const INT4: u32 = 23;
    pub const TEXT: u32 = 25;
    pub const OID: u32 = 26;
    pub const XID: u32 = 28;
    pub const JSON: u32 = 114;
    pub const FLOAT4: u32 = 700;
    pub const FLOAT8: u32 = 701;
    pub const UNKNOWN: u32 = 705;
    pub const VARCHAR: u32 = 1043;
    pub const DATE: u32 = 1082;
    pub const TIME: u32 = 1083;
    pub const TIMESTAMP: u32 = 1114;
    pub const TIMESTAMPTZ: u32 = 1184;
    pub const INTERVAL: u32 = 1186;
    pub const NUMERIC: u32 = 1700;
    pub const VOID: u32 = 2278;
    pub const UUID: u32 = 2950;
    pub const JSONB: u32 = 3802;
}

/// The scalar PostgreSQL types DataPress sends. Arrays are [`PgType::Array`] of one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PgScalar {
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
    /// `numeric`
    Numeric,
    /// `text`
    Text,
    /// `bytea`
    Bytea,
    /// `date`
    Date,
    /// `time` (without time zone)
    Time,
    /// `timestamp` (without time zone)
    Timestamp,
    /// `timestamptz`
    Timestamptz,
    /// `interval`
    Interval,
    /// `uuid`
    Uuid,
    /// `json`
    Json,
    /// `jsonb` (text columns tagged with [`PG_TYPE_METADATA`] = `jsonb`)
    Jsonb,
    /// `oid` (catalog columns; tagged with [`PG_TYPE_METADATA`] = `oid`)
    Oid,
    /// `xid`: a transaction id (catalog columns; tagged `xid`)
    Xid,
    /// `aclitem`: one access privilege, as text (catalog columns; tagged `aclitem`)
    Aclitem,
    /// `pg_node_tree`: a stored expression, as text (catalog columns; tagged `pg_node_tree`)
    PgNodeTree,
    /// `anyarray` (`pg_attribute.attmissingval`; always NULL here; tagged `anyarray`)
    Anyarray,
    /// `"char"` (catalog columns; tagged with [`PG_TYPE_METADATA`] = `char`)
    Char,
    /// `name` (catalog columns; tagged with [`PG_TYPE_METADATA`] = `name`)
    Name,
    /// `regproc`: a function's OID shown as its name (tagged `regproc`)
    Regproc,
    /// `regtype`: a type's OID shown as its name (tagged `regtype`)
    Regtype,
    /// `regclass`: a relation's OID shown as its name (tagged `regclass`)
    Regclass,
    /// `regnamespace`: a schema's OID shown as its name (tagged `regnamespace`)
    Regnamespace,
    /// `varchar` (catalog columns; tagged `varchar`)
    Varchar,
}

/// Field metadata key naming the PG type of a catalog column whose Arrow type
/// alone is ambiguous (`oid` is a UInt32, `"char"` a one-character string).
pub const PG_TYPE_METADATA: &str = "datapress.pg_type";

impl PgScalar {
    /// The type's OID.
    pub fn oid(self) -> u32 {
        match self {
            PgScalar::Bool => oid::BOOL,
            PgScalar::Int2 => oid::INT2,
            PgScalar::Int4 => oid::INT4,
            PgScalar::Int8 => oid::INT8,
            PgScalar::Float4 => oid::FLOAT4,
            PgScalar::Float8 => oid::FLOAT8,
            PgScalar::Numeric => oid::NUMERIC,
            PgScalar::Text => oid::TEXT,
            PgScalar::Bytea => oid::BYTEA,
            PgScalar::Date => oid::DATE,
            PgScalar::Time => oid::TIME,
            PgScalar::Timestamp => oid::TIMESTAMP,
            PgScalar::Timestamptz => oid::TIMESTAMPTZ,
            PgScalar::Interval => oid::INTERVAL,
            PgScalar::Uuid => oid::UUID,
            PgScalar::Json => oid::JSON,
            PgScalar::Jsonb => oid::JSONB,
            PgScalar::Oid => oid::OID,
            PgScalar::Xid => oid::XID,
            PgScalar::Aclitem => 1033,
            PgScalar::PgNodeTree => 194,
            PgScalar::Anyarray => 2277,
            PgScalar::Char => oid::CHAR,
            PgScalar::Name => oid::NAME,
            PgScalar::Regproc => 24,
            PgScalar::Regtype => 2206,
            PgScalar::Regclass => 2205,
            PgScalar::Regnamespace => 4089,
            PgScalar::Varchar => oid::VARCHAR,
        }
    }

    /// The OID of the one-dimensional array of this type.
    pub fn array_oid(self) -> u32 {
        match self {
            PgScalar::Bool => 1000,
            PgScalar::Int2 => 1005,
            PgScalar::Int4 => 1007,
            PgScalar::Int8 => 1016,
            PgScalar::Float4 => 1021,
            PgScalar::Float8 => 1022,
            PgScalar::Numeric => 1231,
            PgScalar::Text => 1009,
            PgScalar::Bytea => 1001,
            PgScalar::Date => 1182,
            PgScalar::Time => 1183,
            PgScalar::Timestamp => 1115,
            PgScalar::Timestamptz => 1185,
            PgScalar::Interval => 1187,
            PgScalar::Uuid => 2951,
            PgScalar::Json => 199,
            PgScalar::Jsonb => 3807,
            PgScalar::Oid => 1028,
            PgScalar::Xid => 1011,
            PgScalar::Aclitem => 1034,
            // PG has no pg_node_tree[]; a text[] stands in.
            PgScalar::PgNodeTree | PgScalar::Anyarray => 1009,
            PgScalar::Char => 1002,
            PgScalar::Name => 1003,
            PgScalar::Regproc => 1008,
            PgScalar::Regtype => 2211,
            PgScalar::Regclass => 2210,
            PgScalar::Regnamespace => 4090,
            PgScalar::Varchar => 1015,
        }
    }

    /// Whether this is a reg type: an object's OID written as the object's name.
    pub fn is_reg(self) -> bool {
        matches!(
            self,
            PgScalar::Regproc | PgScalar::Regtype | PgScalar::Regclass | PgScalar::Regnamespace
        )
    }

    /// `pg_type.typlen`: the fixed size in bytes, or -1 for variable length.
    pub fn typlen(self) -> i16 {
        match self {
            PgScalar::Bool | PgScalar::Char => 1,
            PgScalar::Int2 => 2,
            PgScalar::Int4
            | PgScalar::Float4
            | PgScalar::Date
            | PgScalar::Oid
            | PgScalar::Xid
            | PgScalar::Regproc
            | PgScalar::Regtype
            | PgScalar::Regclass
            | PgScalar::Regnamespace => 4,
            PgScalar::Aclitem => 12,
            PgScalar::Int8
            | PgScalar::Float8
            | PgScalar::Time
            | PgScalar::Timestamp
            | PgScalar::Timestamptz => 8,
            PgScalar::Interval | PgScalar::Uuid => 16,
            PgScalar::Name => 64,
            PgScalar::Numeric
            | PgScalar::Text
            | PgScalar::Varchar
            | PgScalar::PgNodeTree
            | PgScalar::Anyarray
            | PgScalar::Bytea
            | PgScalar::Json
            | PgScalar::Jsonb => -1,
        }
    }
}

/// The PostgreSQL type of one result column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PgType {
    /// A scalar value.
    Scalar(PgScalar),
    /// A one-dimensional array of scalars.
    Array(PgScalar),
}

impl PgType {
    /// The type's OID.
    pub fn oid(self) -> u32 {
        match self {
            PgType::Scalar(s) => s.oid(),
            PgType::Array(s) => s.array_oid(),
        }
    }

    /// `pg_type.typlen`.
    pub fn typlen(self) -> i16 {
        match self {
            PgType::Scalar(s) => s.typlen(),
            PgType::Array(_) => -1,
        }
    }
}

/// The PG type and type modifier a field is sent as.
pub fn pg_type_of(field: &Field) -> (PgType, i32) {
    if let Some(ext) = field.metadata().get(EXTENSION_NAME) {
        match ext.as_str() {
            "arrow.uuid" => return (PgType::Scalar(PgScalar::Uuid), -1),
            "arrow.json" => return (PgType::Scalar(PgScalar::Json), -1),
            _ => {}
        }
    }
    // A tag holds while the Arrow type is still the one it was put on: a
    // cast (`oid::bigint`) keeps the field's metadata but not its type.
    let number = matches!(field.data_type(), DataType::UInt32);
    let text = matches!(
        field.data_type(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    );
    let decimal = matches!(field.data_type(), DataType::Decimal128(..));
    match field.metadata().get(PG_TYPE_METADATA).map(String::as_str) {
        Some("oid") if number => return (PgType::Scalar(PgScalar::Oid), -1),
        Some("xid") if number => return (PgType::Scalar(PgScalar::Xid), -1),
        Some("regproc") if number => return (PgType::Scalar(PgScalar::Regproc), -1),
        Some("regtype") if number => return (PgType::Scalar(PgScalar::Regtype), -1),
        Some("regclass") if number => return (PgType::Scalar(PgScalar::Regclass), -1),
        Some("regnamespace") if number => return (PgType::Scalar(PgScalar::Regnamespace), -1),
        // A numeric without a type modifier, whatever the Arrow decimal's precision.
        Some("numeric") if decimal => return (PgType::Scalar(PgScalar::Numeric), -1),
        Some("char") if text => return (PgType::Scalar(PgScalar::Char), -1),
        Some("name") if text => return (PgType::Scalar(PgScalar::Name), -1),
        Some("varchar") if text => return (PgType::Scalar(PgScalar::Varchar), -1),
        Some("jsonb") if text => return (PgType::Scalar(PgScalar::Jsonb), -1),
        Some("aclitem") if text => return (PgType::Scalar(PgScalar::Aclitem), -1),
        Some("pg_node_tree") if text => return (PgType::Scalar(PgScalar::PgNodeTree), -1),
        Some("anyarray") if text => return (PgType::Scalar(PgScalar::Anyarray), -1),
        _ => {}
    }
    pg_type_of_data_type(field.data_type())
}

/// The PG type and type modifier of an Arrow data type (no extension metadata).
pub fn pg_type_of_data_type(data_type: &DataType) -> (PgType, i32) {
    use DataType::*;
    let scalar = |s| (PgType::Scalar(s), -1);
    match data_type {
        Boolean => scalar(PgScalar::Bool),
        Int8 | Int16 | UInt8 => scalar(PgScalar::Int2),
        Int32 | UInt16 => scalar(PgScalar::Int4),
        Int64 => scalar(PgScalar::Int8),
        // Datasets' UInt32 columns are read as Int64 (`datasets`), so a UInt32
        // is a catalog OID, whatever expression it came through.
        UInt32 => scalar(PgScalar::Oid),
        UInt64 => scalar(PgScalar::Numeric),
        Float16 | Float32 => scalar(PgScalar::Float4),
        Float64 => scalar(PgScalar::Float8),
        Decimal32(p, s) | Decimal64(p, s) | Decimal128(p, s) | Decimal256(p, s) => {
            let typmod = if *s >= 0 {
                ((i32::from(*p) << 16) | i32::from(*s as u8)) + 4
            } else {
                -1
            };
            (PgType::Scalar(PgScalar::Numeric), typmod)
        }
        Utf8 | LargeUtf8 | Utf8View | Null => scalar(PgScalar::Text),
        Binary | LargeBinary | BinaryView | FixedSizeBinary(_) => scalar(PgScalar::Bytea),
        Date32 | Date64 => scalar(PgScalar::Date),
        Time32(_) | Time64(_) => scalar(PgScalar::Time),
        Timestamp(_, None) => scalar(PgScalar::Timestamp),
        Timestamp(_, Some(_)) => scalar(PgScalar::Timestamptz),
        Interval(_) | Duration(_) => scalar(PgScalar::Interval),
        Dictionary(_, value) => pg_type_of_data_type(value),
        List(f) | LargeList(f) | FixedSizeList(f, _) | ListView(f) | LargeListView(f) => {
            match pg_type_of(f) {
                (PgType::Scalar(s), _) => (PgType::Array(s), -1),
                // Nested arrays have no one-dimensional PG equivalent: send JSON.
                (PgType::Array(_), _) => scalar(PgScalar::Json),
            }
        }
        _ => scalar(PgScalar::Json),
    }
}
