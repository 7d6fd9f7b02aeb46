//! Catalog: what clients learn about the datasets from `pg_catalog` and
//! `information_schema` — psql's backslash commands, each driver's own
//! metadata calls, and catalog SQL of the kind tools send — compared with
//! PostgreSQL serving the same tables.

use super::{Case, Setup};
use crate::clients::Step;

fn metadata(call: &'static str, table: Option<&'static str>) -> Step {
    Step::Metadata { call, table }
}

/// The cases.
pub fn cases() -> Vec<Case> {
    let setup = Setup::Password("cleartext");
    vec![
        Case::new(
            "psql describe commands",
            setup,
            [
                "\\dt",
                "\\dn",
                "\\d accidents",
                "\\d types",
                "\\df",
                "\\dv",
                "\\df lower",
                "\\df count",
                "\\da count",
            ]
                .into_iter()
                .map(Step::Backslash)
                .collect(),
        ),
        Case::new(
            "driver metadata calls",
            setup,
            vec![
                metadata("schemas", None),
                metadata("tables", None),
                metadata("columns", Some("accidents")),
                metadata("columns", Some("types")),
                metadata("primary_keys", Some("accidents")),
                metadata("indexes", Some("accidents")),
            ],
        ),
        // The Npgsql replays: the type list loaded at connect covers every
        // type the datasets' columns have (Power BI can't read a column otherwise).
        Case::new(
            "every dataset type is loaded",
            setup,
            vec![metadata("dataset_types", None)],
        ),
        Case::new(
            "catalog tables describe the datasets",
            setup,
            vec![
                Step::query(
                    "SELECT c.relname, c.relkind, c.relnatts, pg_get_userbyid(c.relowner) AS owner \
                     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname = 'public' ORDER BY 1",
                ),
                Step::query(
                    "SELECT a.attnum, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, \
                     t.typname, a.attlen, a.attndims \
                     FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
                     WHERE a.attrelid = 'types'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                ),
                Step::query(
                    "SELECT 'accidents'::regclass::text AS rel, 'pg_catalog.int4'::regtype::text AS typ, \
                     'public'::regnamespace::text AS nsp, 'accidents'::regclass = c.oid AS same \
                     FROM pg_class c WHERE c.relname = 'accidents'",
                ),
                Step::query(
                    "SELECT n.nspname FROM pg_catalog.pg_namespace n \
                     WHERE n.nspname OPERATOR(pg_catalog.!~) '^pg_' AND n.nspname <> 'information_schema' ORDER BY 1",
                ),
                Step::query(
                    "SELECT typname, typlen, typtype, typcategory, typelem <> 0 AS has_elem \
                     FROM pg_type WHERE oid = ANY(ARRAY[16, 20, 21, 23, 25, 700, 701, 1007, 1009, 1082, 1114, 1184, 1700, 2950]) ORDER BY oid",
                ),
                Step::query(
                    "SELECT i.indexrelid, c.conname FROM pg_index i, pg_constraint c, pg_class t \
                     WHERE i.indrelid = t.oid AND c.conrelid = t.oid AND t.relname = 'accidents'",
                ),
                Step::query("SELECT current_database(), current_schema(), current_user"),
            ],
        ),
        // PG 15's built-in functions, as tools list and describe them.
        Case::new(
            "pg_proc lists the built-in functions",
            setup,
            vec![
                Step::query(
                    "SELECT p.oid, p.proname, pg_get_function_arguments(p.oid) AS args, \
                     pg_get_function_identity_arguments(p.oid) AS identity, pg_get_function_result(p.oid) AS result, \
                     p.prokind, p.provolatile, p.proisstrict, p.proretset, l.lanname, obj_description(p.oid, 'pg_proc') AS description \
                     FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang \
                     WHERE p.proname IN ('round', 'json_build_object', 'generate_series', 'substring', 'date_part', 'now', 'count') ORDER BY p.oid",
                ),
                Step::query(
                    "SELECT t.typname, t.typinput, t.typoutput, t.typreceive, t.typsend \
                     FROM pg_type t WHERE t.oid IN (16, 20, 23, 25, 700, 701, 1007, 1009, 1082, 1114, 1184, 1700) ORDER BY t.oid",
                ),
                Step::query("SELECT 'now'::regproc::oid AS now, 'lower(text)'::regprocedure::oid AS lower, 1299::regproc AS name"),
                Step::query("SELECT 'count'::regproc"),
                Step::query("SELECT count(*) > 3000 AS many, count(DISTINCT prokind) AS kinds FROM pg_proc"),
                Step::query("SELECT pg_get_functiondef('lower(text)'::regprocedure) AS def"),
                // Every definition at once (one digest, so a difference shows as one).
                Step::query(
                    "SELECT count(*) AS n, md5(string_agg(pg_get_functiondef(p.oid), '' ORDER BY p.oid)) AS digest \
                     FROM pg_proc p WHERE p.prokind <> 'a'",
                ),
                Step::query("SELECT pg_get_functiondef('count(\"any\")'::regprocedure)"),
                Step::query(
                    "SELECT count(*) AS n, md5(string_agg(word || catcode::text || barelabel::text || catdesc, ',' ORDER BY word)) AS digest \
                     FROM pg_get_keywords()",
                ),
                Step::query("SELECT quote_ident('select') AS a, quote_ident('name') AS b, quote_ident('user') AS c"),
                // DBeaver's, pgAdmin's and DataGrip's aggregate lists read pg_aggregate.
                Step::query(
                    "SELECT p.proname, a.aggfnoid, a.aggkind, a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggtranstype, a.agginitval \
                     FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_aggregate a ON p.oid = a.aggfnoid \
                     WHERE p.proname IN ('avg', 'count', 'max', 'string_agg', 'percentile_cont') ORDER BY a.aggfnoid",
                ),
                Step::query("SELECT 870::regproc AS lower, 1299::regproc AS now"),
            ],
        ),
        Case::new(
            "information_schema describes the datasets",
            setup,
            vec![
                Step::query(
                    "SELECT table_catalog, table_schema, table_name, table_type \
                     FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
                ),
                Step::query(
                    "SELECT table_name, column_name, ordinal_position, data_type, udt_name, is_nullable, \
                     numeric_precision, numeric_scale, datetime_precision \
                     FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
                ),
                Step::query(
                    "SELECT schema_name FROM information_schema.schemata ORDER BY schema_name",
                ),
            ],
        ),
    ]
}
