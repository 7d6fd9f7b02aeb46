//! PostgreSQL's built-in types that DataPress knows, with their real OIDs
//! (from PG's `pg_type.dat`): the rows of `pg_type` and the names that
//! `format_type()` and `::regtype` print.

/// One built-in base type.
#[derive(Debug, Clone, Copy)]
pub struct BaseType {
    /// `pg_type.oid`
    pub oid: u32,
    /// `pg_type.typname`
    pub name: &'static str,
    /// What `format_type()` prints (`integer` for `int4`).
    pub sql_name: &'static str,
    /// `typlen`
    pub len: i16,
    /// `typbyval`
    pub byval: bool,
    /// `typcategory`
    pub category: &'static str,
    /// `typarray`, 0 if none
    pub array: u32,
}

const fn t(
    oid: u32,
    name: &'static str,
    sql_name: &'static str,
    len: i16,
    byval: bool,
    category: &'static str,
    array: u32,
) -> BaseType {
    BaseType {
        oid,
        name,
        sql_name,
        len,
        byval,
        category,
        array,
    }
}

/// The base types, by OID.
pub const BASE_TYPES: &[BaseType] = &[
    t(16, "bool", "boolean", 1, true, "B", 1000),
    t(17, "bytea", "bytea", -1, false, "U", 1001),
    t(18, "char", "\"char\"", 1, true, "Z", 1002),
    t(19, "name", "name", 64, false, "S", 1003),
    t(20, "int8", "bigint", 8, true, "N", 1016),
    t(21, "int2", "smallint", 2, true, "N", 1005),
    t(22, "int2vector", "int2vector", -1, false, "A", 1006),
    t(23, "int4", "integer", 4, true, "N", 1007),
    t(24, "regproc", "regproc", 4, true, "N", 1008),
    t(25, "text", "text", -1, false, "S", 1009),
    t(26, "oid", "oid", 4, true, "N", 1028),
    t(28, "xid", "xid", 4, true, "U", 1011),
    t(30, "oidvector", "oidvector", -1, false, "A", 1013),
    t(32, "pg_ddl_command", "pg_ddl_command", 8, true, "P", 0),
    t(114, "json", "json", -1, false, "U", 199),
    t(194, "pg_node_tree", "pg_node_tree", -1, false, "Z", 0),
    t(269, "table_am_handler", "table_am_handler", 4, true, "P", 0),
    t(325, "index_am_handler", "index_am_handler", 4, true, "P", 0),
    t(700, "float4", "real", 4, true, "N", 1021),
    t(701, "float8", "double precision", 8, true, "N", 1022),
    t(705, "unknown", "unknown", -2, false, "X", 0),
    t(1033, "aclitem", "aclitem", 12, false, "U", 1034),
    t(1042, "bpchar", "character", -1, false, "S", 1014),
    t(1043, "varchar", "character varying", -1, false, "S", 1015),
    t(1082, "date", "date", 4, true, "D", 1182),
    t(1083, "time", "time without time zone", 8, true, "D", 1183),
    t(
        1114,
        "timestamp",
        "timestamp without time zone",
        8,
        true,
        "D",
        1115,
    ),
    t(
        1184,
        "timestamptz",
        "timestamp with time zone",
        8,
        true,
        "D",
        1185,
    ),
    t(1186, "interval", "interval", 16, false, "T", 1187),
    t(1700, "numeric", "numeric", -1, false, "N", 1231),
    t(2205, "regclass", "regclass", 4, true, "N", 2210),
    t(2206, "regtype", "regtype", 4, true, "N", 2211),
    t(2249, "record", "record", -1, false, "P", 2287),
    t(2275, "cstring", "cstring", -2, false, "P", 1263),
    t(2276, "any", "\"any\"", 4, true, "P", 0),
    t(2277, "anyarray", "anyarray", -1, false, "P", 0),
    t(2278, "void", "void", 4, true, "P", 0),
    t(2279, "trigger", "trigger", 4, true, "P", 0),
    t(
        2280,
        "language_handler",
        "language_handler",
        4,
        true,
        "P",
        0,
    ),
    t(2281, "internal", "internal", 8, true, "P", 0),
    t(2283, "anyelement", "anyelement", 4, true, "P", 0),
    t(2776, "anynonarray", "anynonarray", 4, true, "P", 0),
    t(2950, "uuid", "uuid", 16, false, "U", 2951),
    t(3115, "fdw_handler", "fdw_handler", 4, true, "P", 0),
    t(3310, "tsm_handler", "tsm_handler", 4, true, "P", 0),
    t(3500, "anyenum", "anyenum", 4, true, "P", 0),
    t(3802, "jsonb", "jsonb", -1, false, "U", 3807),
    t(3831, "anyrange", "anyrange", -1, false, "P", 0),
    t(3838, "event_trigger", "event_trigger", 4, true, "P", 0),
    t(4089, "regnamespace", "regnamespace", 4, true, "N", 4090),
    t(4537, "anymultirange", "anymultirange", -1, false, "P", 0),
    t(
        4538,
        "anycompatiblemultirange",
        "anycompatiblemultirange",
        -1,
        false,
        "P",
        0,
    ),
    t(5077, "anycompatible", "anycompatible", 4, true, "P", 0),
    t(
        5078,
        "anycompatiblearray",
        "anycompatiblearray",
        -1,
        false,
        "P",
        0,
    ),
    t(
        5079,
        "anycompatiblenonarray",
        "anycompatiblenonarray",
        4,
        true,
        "P",
        0,
    ),
    t(
        5080,
        "anycompatiblerange",
        "anycompatiblerange",
        -1,
        false,
        "P",
        0,
    ),
];

/// A `pg_type` row: a base type or the array type of one.
#[derive(Debug, Clone)]
pub struct TypeRow {
    /// `oid`
    pub oid: u32,
    /// `typname`
    pub name: String,
    /// The base type (the element type, for an array).
    pub base: BaseType,
    /// Whether this is the array type of `base`.
    pub is_array: bool,
}

impl TypeRow {
    /// `typtype`: `b`ase or `p`seudo.
    pub fn typtype(&self) -> &'static str {
        // `_record` (2287) is a pseudo-type too, as PG lists it.
        if !self.is_array && self.base.category == "P" || self.base.oid == 705 || self.oid == 2287 {
            "p"
        } else {
            "b"
        }
    }

    /// The prefix of its I/O function names (`int4` → `int4in`, `date` → `date_in`).
    pub fn io_prefix(&self) -> String {
        if self.is_array {
            return "array_".into();
        }
        let underscore = self.base.category == "P"
            || matches!(
                self.base.name,
                "date"
                    | "time"
                    | "timestamp"
                    | "timestamptz"
                    | "interval"
                    | "numeric"
                    | "uuid"
                    | "json"
                    | "jsonb"
                    | "void"
                    | "record"
                    | "cstring"
                    | "any"
                    | "anyarray"
                    | "pg_node_tree"
                    | "internal"
            );
        if underscore {
            format!("{}_", self.base.name)
        } else {
            self.base.name.to_string()
        }
    }
}

/// Every `pg_type` row, ordered by OID.
pub fn type_rows() -> Vec<TypeRow> {
    let mut rows = Vec::new();
    for base in BASE_TYPES {
        rows.push(TypeRow {
            oid: base.oid,
            name: base.name.into(),
            base: *base,
            is_array: false,
        });
        if base.array != 0 {
            rows.push(TypeRow {
                oid: base.array,
                name: format!("_{}", base.name),
                base: *base,
                is_array: true,
            });
        }
    }
    rows.sort_by_key(|r| r.oid);
    rows
}

/// The `pg_type` row of `oid`.
pub fn type_by_oid(oid: u32) -> Option<TypeRow> {
    type_rows().into_iter().find(|r| r.oid == oid)
}

/// The OID of a type named as SQL or as `pg_type.typname` (`integer`, `int4`, `_int4`, `int4[]`).
pub fn type_oid_by_name(name: &str) -> Option<u32> {
    let name = name.trim().trim_start_matches("pg_catalog.").to_lowercase();
    let (element, array) = match name.strip_suffix("[]") {
        Some(e) => (e.trim().to_string(), true),
        None => (name.clone(), false),
    };
    let alias = match element.as_str() {
        "int" => "int4",
        "float" => "float8",
        "decimal" => "numeric",
        "timestamp with time zone" => "timestamptz",
        "character" | "char" => "bpchar",
        "\"char\"" => "char",
        other => other,
    };
    let rows = type_rows();
    let found = rows
        .iter()
        .find(|r| r.name == alias || (!r.is_array && r.base.sql_name == alias))?;
    if array {
        (!found.is_array && found.base.array != 0).then_some(found.base.array)
    } else {
        Some(found.oid)
    }
}

/// What `format_type(oid, typmod)` prints, or `None` for an unknown OID.
pub fn format_type(oid: u32, typmod: i32) -> Option<String> {
    let row = type_by_oid(oid)?;
    let mut name = row.base.sql_name.to_string();
    if row.base.oid == 1700 && typmod >= 4 && !row.is_array {
        let m = typmod - 4;
        name = format!("numeric({},{})", (m >> 16) & 0xffff, m & 0xffff);
    } else if matches!(row.base.oid, 1043 | 1042) && typmod >= 4 {
        name = format!("{name}({})", typmod - 4);
    }
    if row.is_array {
        name.push_str("[]");
    }
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_array_points_at_its_element() {
        let rows = type_rows();
        for r in rows.iter().filter(|r| r.is_array) {
            let elem = rows.iter().find(|e| e.oid == r.base.oid).expect("element");
            assert_eq!(elem.base.array, r.oid, "{}", r.name);
            assert_eq!(r.io_prefix(), "array_");
        }
    }

    #[test]
    fn format_type_prints_sql_names() {
        assert_eq!(format_type(23, -1).as_deref(), Some("integer"));
        assert_eq!(format_type(1007, -1).as_deref(), Some("integer[]"));
        assert_eq!(
            format_type(1700, (10 << 16 | 2) + 4).as_deref(),
            Some("numeric(10,2)")
        );
        assert_eq!(
            format_type(1114, -1).as_deref(),
            Some("timestamp without time zone")
        );
        assert_eq!(format_type(424242, -1), None);
    }

    #[test]
    fn type_names_resolve_to_oids() {
        assert_eq!(type_oid_by_name("integer"), Some(23));
        assert_eq!(type_oid_by_name("pg_catalog.int8"), Some(20));
        assert_eq!(type_oid_by_name("text[]"), Some(1009));
        assert_eq!(type_oid_by_name("_text"), Some(1009));
        assert_eq!(type_oid_by_name("nonesuch"), None);
    }
}
