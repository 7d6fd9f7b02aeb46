//! The `pg_catalog` schema: PostgreSQL's built-in types (`pg_type`) and
//! namespaces (`pg_namespace`) with PG's columns, OIDs and types, so drivers
//! that load type information on connect (pgjdbc's TypeInfoCache, postgres.js,
//! asyncpg) find the types DataPress sends. Tables describing the datasets
//! (`pg_class`, `pg_attribute`, …) are not here yet.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Int16Array, Int32Array, StringArray, UInt32Array,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{MemorySchemaProvider, SchemaProvider};
use datafusion::datasource::MemTable;
use datafusion::error::Result;

use crate::encode::types::PG_TYPE_METADATA;

/// OID of the `pg_catalog` namespace.
pub const PG_CATALOG_OID: u32 = 11;
/// OID of the `public` namespace.
pub const PUBLIC_OID: u32 = 2200;

/// One built-in base type: (oid, name, typlen, typbyval, typcategory, array oid).
const BASE_TYPES: &[(u32, &str, i16, bool, &str, u32)] = &[
    (16, "bool", 1, true, "B", 1000),
    (17, "bytea", -1, false, "U", 1001),
    (18, "char", 1, true, "Z", 1002),
    (19, "name", 64, false, "S", 1003),
    (20, "int8", 8, true, "N", 1016),
    (21, "int2", 2, true, "N", 1005),
    (23, "int4", 4, true, "N", 1007),
    (25, "text", -1, false, "S", 1009),
    (26, "oid", 4, true, "N", 1028),
    (114, "json", -1, false, "U", 199),
    (700, "float4", 4, true, "N", 1021),
    (701, "float8", 8, true, "N", 1022),
    (705, "unknown", -2, false, "X", 0),
    (1043, "varchar", -1, false, "S", 1015),
    (1082, "date", 4, true, "D", 1182),
    (1083, "time", 8, true, "D", 1183),
    (1114, "timestamp", 8, true, "D", 1115),
    (1184, "timestamptz", 8, true, "D", 1185),
    (1186, "interval", 16, false, "T", 1187),
    (1700, "numeric", -1, false, "N", 1231),
    (2278, "void", 4, true, "P", 0),
    (2950, "uuid", 16, false, "U", 2951),
    (3802, "jsonb", -1, false, "U", 3807),
];

/// Types whose I/O functions PG names `x_in` rather than `xin`.
const UNDERSCORE_IO: &[&str] = &[
    "date",
    "time",
    "timestamp",
    "timestamptz",
    "interval",
    "numeric",
    "uuid",
    "json",
    "jsonb",
    "void",
];

fn oid_field(name: &str) -> Field {
    let meta = HashMap::from([(PG_TYPE_METADATA.to_string(), "oid".to_string())]);
    Field::new(name, DataType::UInt32, false).with_metadata(meta)
}

fn char_field(name: &str) -> Field {
    let meta = HashMap::from([(PG_TYPE_METADATA.to_string(), "char".to_string())]);
    Field::new(name, DataType::Utf8, false).with_metadata(meta)
}

/// One `pg_type` row.
struct TypeRow {
    oid: u32,
    name: String,
    len: i16,
    byval: bool,
    category: &'static str,
    elem: u32,
    array: u32,
    io: String,
}

fn type_rows() -> Vec<TypeRow> {
    let mut rows = Vec::new();
    for &(oid, name, len, byval, category, array) in BASE_TYPES {
        let io = if UNDERSCORE_IO.contains(&name) {
            format!("{name}_")
        } else {
            name.to_string()
        };
        rows.push(TypeRow {
            oid,
            name: name.into(),
            len,
            byval,
            category,
            elem: 0,
            array,
            io,
        });
        if array != 0 {
            rows.push(TypeRow {
                oid: array,
                name: format!("_{name}"),
                len: -1,
                byval: false,
                category: "A",
                elem: oid,
                array: 0,
                io: "array_".into(),
            });
        }
    }
    rows.sort_by_key(|r| r.oid);
    rows
}

fn pg_type() -> Result<MemTable> {
    let rows = type_rows();
    let schema = Arc::new(Schema::new(vec![
        oid_field("oid"),
        Field::new("typname", DataType::Utf8, false),
        oid_field("typnamespace"),
        oid_field("typowner"),
        Field::new("typlen", DataType::Int16, false),
        Field::new("typbyval", DataType::Boolean, false),
        char_field("typtype"),
        char_field("typcategory"),
        Field::new("typispreferred", DataType::Boolean, false),
        Field::new("typisdefined", DataType::Boolean, false),
        char_field("typdelim"),
        oid_field("typrelid"),
        oid_field("typelem"),
        oid_field("typarray"),
        Field::new("typinput", DataType::Utf8, false),
        Field::new("typoutput", DataType::Utf8, false),
        Field::new("typreceive", DataType::Utf8, false),
        Field::new("typsend", DataType::Utf8, false),
        char_field("typalign"),
        char_field("typstorage"),
        Field::new("typnotnull", DataType::Boolean, false),
        oid_field("typbasetype"),
        Field::new("typtypmod", DataType::Int32, false),
        Field::new("typndims", DataType::Int32, false),
        oid_field("typcollation"),
    ]));
    let oids = |f: &dyn Fn(&TypeRow) -> u32| -> ArrayRef {
        Arc::new(UInt32Array::from_iter_values(rows.iter().map(f)))
    };
    let texts = |f: &dyn Fn(&TypeRow) -> String| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(rows.iter().map(f)))
    };
    let bools = |f: &dyn Fn(&TypeRow) -> bool| -> ArrayRef {
        Arc::new(BooleanArray::from_iter(rows.iter().map(|r| Some(f(r)))))
    };
    let int4 = |v: i32| -> ArrayRef { Arc::new(Int32Array::from_value(v, rows.len())) };
    let columns = vec![
        oids(&|r| r.oid),
        texts(&|r| r.name.clone()),
        oids(&|_| PG_CATALOG_OID),
        oids(&|_| 10),
        Arc::new(Int16Array::from_iter_values(rows.iter().map(|r| r.len))) as ArrayRef,
        bools(&|r| r.byval),
        texts(&|r| {
            if r.oid == 2278 || r.oid == 705 {
                "p".into()
            } else {
                "b".into()
            }
        }),
        texts(&|r| r.category.into()),
        bools(&|r| matches!(r.oid, 16 | 25 | 701 | 1184 | 1186 | 26)),
        bools(&|_| true),
        texts(&|_| ",".into()),
        oids(&|_| 0),
        oids(&|r| r.elem),
        oids(&|r| r.array),
        texts(&|r| format!("{}in", r.io)),
        texts(&|r| format!("{}out", r.io)),
        texts(&|r| format!("{}recv", r.io)),
        texts(&|r| format!("{}send", r.io)),
        texts(&|r| match r.len {
            1 => "c".into(),
            2 => "s".into(),
            8 | 16 => "d".into(),
            _ => "i".into(),
        }),
        texts(&|r| if r.len == -1 { "x".into() } else { "p".into() }),
        bools(&|_| false),
        oids(&|_| 0),
        int4(-1),
        int4(0),
        oids(&|r| {
            if matches!(r.oid, 25 | 1043) {
                100
            } else if r.oid == 19 {
                950
            } else {
                0
            }
        }),
    ];
    MemTable::try_new(
        Arc::clone(&schema),
        vec![vec![RecordBatch::try_new(schema, columns)?]],
    )
}

fn pg_namespace() -> Result<MemTable> {
    let schema = Arc::new(Schema::new(vec![
        oid_field("oid"),
        Field::new("nspname", DataType::Utf8, false),
        oid_field("nspowner"),
        Field::new("nspacl", DataType::Utf8, true),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(UInt32Array::from(vec![PG_CATALOG_OID, PUBLIC_OID])),
        Arc::new(StringArray::from(vec!["pg_catalog", "public"])),
        Arc::new(UInt32Array::from(vec![10, 10])),
        Arc::new(StringArray::from(vec![None::<&str>, None])),
    ];
    MemTable::try_new(
        Arc::clone(&schema),
        vec![vec![RecordBatch::try_new(schema, columns)?]],
    )
}

/// The `pg_catalog` schema provider.
pub fn schema() -> Result<Arc<dyn SchemaProvider>> {
    let schema = MemorySchemaProvider::new();
    schema.register_table("pg_type".into(), Arc::new(pg_type()?))?;
    schema.register_table("pg_namespace".into(), Arc::new(pg_namespace()?))?;
    Ok(Arc::new(schema))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_array_points_at_its_element_and_back() {
        let rows = type_rows();
        for r in rows.iter().filter(|r| r.category == "A") {
            let elem = rows.iter().find(|e| e.oid == r.elem).expect("element type");
            assert_eq!(elem.array, r.oid, "{}", r.name);
            assert_eq!(r.io, "array_");
        }
        assert!(rows.iter().any(|r| r.name == "date" && r.io == "date_"));
    }
}
