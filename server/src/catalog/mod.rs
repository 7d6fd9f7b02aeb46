//! PostgreSQL catalog emulation: the `pg_catalog` and `information_schema`
//! schemas generated from the dataset registry, the functions clients call on
//! connect and while browsing, and the pre-pass that maps PG-only syntax
//! (`::regclass`, `OPERATOR(pg_catalog.~)`, …) onto what DataFusion plans.

pub mod builtin_procs;
pub mod builtin_types;
pub mod catalog_functions;
pub mod functions;
pub mod information_schema;
pub mod literal_types;
pub mod pg_catalog;
pub mod pg_typeof;
pub mod rewrite;
pub mod single_value;
pub mod table;
pub mod timezones;
