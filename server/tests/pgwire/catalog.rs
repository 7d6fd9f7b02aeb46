//! Catalog emulation over the wire: what drivers read from `pg_catalog` and
//! `information_schema`, and the PG syntax their catalog queries use.

use crate::common::*;

#[tokio::test]
async fn pg_class_and_pg_attribute_describe_the_dataset() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    let row = c
        .query_one(
            "SELECT c.oid = 'accidents'::regclass, c.relkind, n.nspname \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'accidents'",
            &[],
        )
        .await
        .unwrap();
    assert!(row.get::<_, bool>(0));
    assert_eq!(row.get::<_, i8>(1), b'r' as i8);
    // A '\0' "char" goes out in binary as its one zero byte, as PG sends it.
    let generated = c
        .query_one(
            "SELECT attgenerated FROM pg_attribute WHERE attrelid = 'accidents'::regclass AND attnum = 1",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(generated.get::<_, i8>(0), 0);
    // A cast leaves the catalog type behind: oid::bigint is an int8.
    let cast = c
        .query_one(
            "SELECT oid::bigint, oid::varchar::bigint FROM pg_class LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        cast.columns()[0].type_(),
        &tokio_postgres::types::Type::INT8
    );
    assert_eq!(
        cast.columns()[1].type_(),
        &tokio_postgres::types::Type::INT8
    );
    let varchar = c
        .query_one(
            "SELECT relname::varchar, 'x'::varchar(3) AS x FROM pg_class LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        varchar.columns()[0].type_(),
        &tokio_postgres::types::Type::VARCHAR
    );
    assert_eq!(varchar.get::<_, String>(1), "x");
    assert_eq!(row.get::<_, String>(2), "public");
    let columns = c
        .query(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a \
             WHERE a.attrelid = 'public.accidents'::regclass AND a.attnum > 0 ORDER BY a.attnum",
            &[],
        )
        .await
        .unwrap();
    let first: Vec<(String, String)> = columns
        .iter()
        .take(2)
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        first,
        [
            ("id".to_string(), "bigint".to_string()),
            (
                "occurred_at".to_string(),
                "timestamp without time zone".to_string()
            )
        ]
    );
    // relname is sent as `name`, as PG does.
    let stmt = c.prepare("SELECT relname FROM pg_class").await.unwrap();
    assert_eq!(stmt.columns()[0].type_().oid(), 19);
}

#[tokio::test]
async fn unknown_relations_in_regclass_casts_are_42p01() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    let err = c
        .query("SELECT 'nonesuch'::regclass", &[])
        .await
        .unwrap_err();
    assert_eq!(err.as_db_error().unwrap().code().code(), "42P01");
    assert_alive(&c).await;
}

#[tokio::test]
async fn scalar_subqueries_follow_postgres_row_rules() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    // Correlated and not aggregated: planned, one value per outer row.
    let rows = c
        .query(
            "SELECT n.nspname, (SELECT c.relname FROM pg_class c WHERE c.relnamespace = n.oid AND c.relname = 'accidents') AS t \
             FROM pg_namespace n ORDER BY 1",
            &[],
        )
        .await
        .unwrap();
    let public = rows
        .iter()
        .find(|r| r.get::<_, String>(0) == "public")
        .unwrap();
    assert_eq!(
        public.get::<_, Option<String>>(1).as_deref(),
        Some("accidents")
    );
    // More than one row is PG's 21000.
    let err = c
        .query("SELECT (SELECT typname FROM pg_type) AS t", &[])
        .await
        .unwrap_err();
    assert_eq!(err.as_db_error().unwrap().code().code(), "21000");
    assert_alive(&c).await;
}

#[tokio::test]
async fn client_catalog_syntax_plans() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    // pgjdbc's key expansion: rows of (x, n), field access on the composite.
    let rows = c
        .query(
            "SELECT (information_schema._pg_expandarray(ARRAY[5,7])).n, (information_schema._pg_expandarray(ARRAY[5,7])).x",
            &[],
        )
        .await
        .unwrap();
    // ARRAY[5,7] is an int4[], as in PG, so x is an integer.
    let pairs: Vec<(i32, i32)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(pairs, [(1, 5), (2, 7)]);
    assert_eq!(rows[0].columns()[0].name(), "n");
    // psql's regex operator with a collation, an untyped boolean literal, ARRAY(subquery).
    let row = c
        .query_one(
            "SELECT count(*) FROM pg_class c WHERE c.relname OPERATOR(pg_catalog.~) '^(acc.*)$' COLLATE pg_catalog.default \
             AND c.relhasindex = 'f' AND pg_catalog.pg_table_is_visible(c.oid)",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 1);
    let row = c
        .query_one(
            "SELECT array_to_string(ARRAY(SELECT nspname FROM pg_namespace ORDER BY 1), ',')",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        row.get::<_, String>(0),
        "information_schema,pg_catalog,public"
    );
    // SQLAlchemy's schema filter with an escape character other than backslash.
    let rows = c
        .query(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg/_' || '%' ESCAPE '/' ORDER BY 1",
            &[],
        )
        .await
        .unwrap();
    let names: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(names, ["information_schema", "public"]);
}

#[tokio::test]
async fn information_schema_columns_use_sql_type_names() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    let row = c
        .query_one(
            "SELECT data_type, udt_name, is_nullable FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = 'accidents' AND column_name = 'lat'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "double precision");
    assert_eq!(row.get::<_, String>(1), "float8");
    assert_eq!(row.get::<_, String>(2), "NO");
}

/// RowDescription names the table and column a plain column comes from, as
/// pg_class and pg_attribute know them; computed columns name none.
#[tokio::test]
async fn row_description_carries_table_oid_and_column_number() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    let attnum = |name: &'static str| {
        let c = &c;
        async move {
            let row = c
                .query_one(
                    "SELECT attrelid, attnum FROM pg_attribute \
                     WHERE attrelid = 'accidents'::regclass AND attname = $1",
                    &[&name],
                )
                .await
                .unwrap();
            (row.get::<_, u32>(0), row.get::<_, i16>(1))
        }
    };
    let (id, city) = (attnum("id").await, attnum("city").await);
    assert!(id.0 >= 16_384 && id.1 == 1, "{id:?}");
    for sql in [
        "SELECT id, city, id + 1 AS next, 'x' AS lit FROM accidents",
        "SELECT a.id, a.city AS town, a.id * 2, 'x' FROM accidents a WHERE a.vehicles > 1 ORDER BY 1 LIMIT 5",
        "SELECT id, city, count(*) OVER (), 'x' FROM (SELECT * FROM accidents) s",
    ] {
        let stmt = c.prepare(sql).await.unwrap();
        let origins: Vec<(u32, i16)> = stmt
            .columns()
            .iter()
            .map(|col| (col.table_oid().unwrap_or(0), col.column_id().unwrap_or(0)))
            .collect();
        assert_eq!(origins, vec![id, city, (0, 0), (0, 0)], "{sql}");
    }
    let stmt = c
        .prepare("SELECT city, count(*) FROM accidents GROUP BY city")
        .await
        .unwrap();
    assert_eq!(stmt.columns()[0].table_oid(), Some(city.0));
    assert_eq!(stmt.columns()[0].column_id(), Some(city.1));
    assert_eq!(stmt.columns()[1].table_oid(), None);
}

/// asyncpg's type introspection binds `$1::oid[]` and reads OIDs that went
/// through CASE, array_agg and scalar subqueries: they stay `oid`, and
/// regtype prints names (`-` for none), as in PostgreSQL.
#[tokio::test]
async fn oids_stay_oids_through_expressions_and_oid_array_parameters() {
    use tokio_postgres::types::Type;
    let s = TestServer::start("").await;
    let c = s.connect().await;
    let stmt = c
        .prepare("SELECT typname FROM pg_type WHERE oid = ANY($1::oid[]) ORDER BY 1")
        .await
        .unwrap();
    assert_eq!(stmt.params(), [Type::OID_ARRAY]);
    let rows = c.query(&stmt, &[&vec![23u32, 25]]).await.unwrap();
    let names: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(names, ["int4", "text"]);
    let rows = c
        .simple_query("SELECT typname FROM pg_type WHERE oid = ANY('{16,17}'::oid[]) ORDER BY 1")
        .await
        .unwrap();
    assert_eq!(rows.len(), 4, "RowDescription, two rows, CommandComplete");
    let stmt = c
        .prepare(
            "SELECT CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE NULL END, \
             (SELECT array_agg(a.atttypid) FROM pg_attribute a WHERE a.attrelid = 'accidents'::regclass), \
             t.typelem::regtype, 0::regtype, pg_typeof(t.typlen) \
             FROM pg_type t WHERE t.typname = '_int8'",
        )
        .await
        .unwrap();
    let types: Vec<Type> = stmt.columns().iter().map(|c| c.type_().clone()).collect();
    assert_eq!(
        types,
        [
            Type::OID,
            Type::OID_ARRAY,
            Type::REGTYPE,
            Type::REGTYPE,
            Type::REGTYPE
        ]
    );
    let rows = c
        .simple_query(
            "SELECT t.typelem::regtype, 0::regtype, pg_typeof(t.typlen), \
             pg_typeof(t.typname), pg_typeof(t.oid), pg_typeof(t.typtype) \
             FROM pg_type t WHERE t.typname = '_int8'",
        )
        .await
        .unwrap();
    let row = data_rows(&rows)[0];
    // PostgreSQL 15: bigint | - | smallint | name | oid | "char"
    assert_eq!(
        (0..6).map(|i| row.get(i)).collect::<Vec<_>>(),
        [
            Some("bigint"),
            Some("-"),
            Some("smallint"),
            Some("name"),
            Some("oid"),
            Some("\"char\"")
        ]
    );
}

#[tokio::test]
async fn reg_values_go_out_typed_and_named() {
    use tokio_postgres::types::Type;
    let s = TestServer::start("").await;
    let c = s.connect().await;
    let sql = "SELECT 'accidents'::regclass, 'pg_class'::regclass, \
               'information_schema.tables'::regclass, 'public'::regnamespace, \
               'int4in'::regproc, 'int4'::regtype, 0::regclass, to_regclass('accidents')";
    let stmt = c.prepare(sql).await.unwrap();
    let types: Vec<Type> = stmt.columns().iter().map(|c| c.type_().clone()).collect();
    assert_eq!(
        types,
        [
            Type::REGCLASS,
            Type::REGCLASS,
            Type::REGCLASS,
            Type::REGNAMESPACE,
            Type::REGPROC,
            Type::REGTYPE,
            Type::REGCLASS,
            Type::REGCLASS
        ]
    );
    let rows = c.simple_query(sql).await.unwrap();
    let row = data_rows(&rows)[0];
    // PostgreSQL 15 prints the same names for its own catalogs.
    assert_eq!(
        (0..8).map(|i| row.get(i)).collect::<Vec<_>>(),
        [
            Some("accidents"),
            Some("pg_class"),
            Some("information_schema.tables"),
            Some("public"),
            Some("int4in"),
            Some("integer"),
            Some("-"),
            Some("accidents")
        ]
    );
    // In binary a reg value is its OID.
    let row = c
        .query_one(
            "SELECT 'pg_class'::regclass, 'pg_catalog'::regnamespace",
            &[],
        )
        .await
        .unwrap();
    let oid = |i| {
        let raw: WireBytes = row.get(i);
        u32::from_be_bytes(raw.0.try_into().unwrap())
    };
    assert_eq!((oid(0), oid(1)), (1259, 11));
}

#[tokio::test]
async fn catalog_tables_have_columns_and_datasets_have_row_types() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    // PostgreSQL 15: oid oid | nspname name | nspowner oid | nspacl aclitem[]
    let rows = c
        .simple_query(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a \
             WHERE a.attrelid = 'pg_namespace'::regclass AND a.attnum > 0 ORDER BY a.attnum",
        )
        .await
        .unwrap();
    let columns: Vec<_> = data_rows(&rows)
        .iter()
        .map(|r| (r.get(0).unwrap(), r.get(1).unwrap()))
        .collect();
    assert_eq!(
        columns,
        [
            ("oid", "oid"),
            ("nspname", "name"),
            ("nspowner", "oid"),
            ("nspacl", "aclitem[]")
        ]
    );
    let rows = c
        .simple_query(
            "SELECT count(*) FROM pg_attribute WHERE attrelid = 'pg_type'::regclass AND attnum > 0",
        )
        .await
        .unwrap();
    assert_eq!(data_rows(&rows)[0].get(0), Some("32"));
    // PostgreSQL 15, for a table of the same name:
    // accidents | c | t | C | _accidents | record_in | record_recv | d | x
    let rows = c
        .simple_query(
            "SELECT t.typname, t.typtype, t.typrelid = c.oid, t.typcategory, \
             (SELECT typname FROM pg_type WHERE oid = t.typarray), t.typinput, t.typreceive, \
             t.typalign, t.typstorage \
             FROM pg_type t JOIN pg_class c ON c.reltype = t.oid WHERE c.relname = 'accidents'",
        )
        .await
        .unwrap();
    let row = data_rows(&rows)[0];
    assert_eq!(
        (0..9).map(|i| row.get(i).unwrap()).collect::<Vec<_>>(),
        [
            "accidents",
            "c",
            "t",
            "C",
            "_accidents",
            "record_in",
            "record_recv",
            "d",
            "x"
        ]
    );
    // _accidents | b | A | array_in
    let rows = c
        .simple_query(
            "SELECT typname, typtype, typcategory, typinput FROM pg_type WHERE typname = '_accidents'",
        )
        .await
        .unwrap();
    let row = data_rows(&rows)[0];
    assert_eq!(
        (0..4).map(|i| row.get(i).unwrap()).collect::<Vec<_>>(),
        ["_accidents", "b", "A", "array_in"]
    );
    // PostgreSQL 15: accidents | accidents[] | t
    let rows = c
        .simple_query(
            "SELECT t.typelem::regtype, format_type(t.oid, -1), \
             'accidents'::regtype = t.typelem FROM pg_type t WHERE t.typname = '_accidents'",
        )
        .await
        .unwrap();
    let row = data_rows(&rows)[0];
    assert_eq!(
        (0..3).map(|i| row.get(i).unwrap()).collect::<Vec<_>>(),
        ["accidents", "accidents[]", "t"]
    );
}

#[tokio::test]
async fn sizes_come_from_the_dataset_files_and_roles_are_the_session_user() {
    let s = TestServer::start("").await;
    let c = s.connect().await;
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/accidents.parquet");
    let bytes = std::fs::metadata(file).unwrap().len() as i64;
    let row = c
        .query_one(
            "SELECT pg_relation_size('accidents'), pg_total_relation_size('accidents'::regclass), \
             pg_relation_size('accidents', 'fsm'), pg_indexes_size('accidents'), \
             pg_relation_size('pg_class'), pg_database_size(current_database()) >= pg_relation_size('accidents'), \
             pg_size_pretty(1234567::bigint), pg_has_role(current_user, 'USAGE'), pg_has_role('pg_monitor', 'MEMBER')",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), bytes);
    assert_eq!(row.get::<_, i64>(1), bytes);
    assert_eq!(row.get::<_, i64>(2), 0);
    assert_eq!(row.get::<_, i64>(3), 0);
    assert_eq!(row.get::<_, i64>(4), 0);
    assert!(row.get::<_, bool>(5));
    assert_eq!(row.get::<_, String>(6), "1206 kB");
    assert!(row.get::<_, bool>(7));
    assert!(!row.get::<_, bool>(8));
    let unknown = c
        .query_one("SELECT pg_has_role('nobody', 'MEMBER')", &[])
        .await
        .unwrap_err();
    assert_eq!(unknown.code().unwrap().code(), "42704");
    // SET ROLE to the session's own role works; to another it does not.
    c.batch_execute("SET ROLE datapress; SET ROLE NONE; RESET ROLE")
        .await
        .unwrap();
    let other = c.batch_execute("SET ROLE nobody").await.unwrap_err();
    assert_eq!(other.code().unwrap().code(), "42704");
    assert_alive(&c).await;
}
