//! PostgreSQL catalog emulation: the `pg_catalog` and `information_schema`
//! schemas generated from the dataset registry, and the functions clients call on
//! connect and while browsing.

pub mod admin_functions;
pub mod builtin_data;
pub mod builtin_procs;
pub mod builtin_types;
pub mod catalog_functions;
pub mod functions;
pub mod information_schema;
pub mod keywords;
pub mod pg_catalog;
pub mod table;
pub mod timezones;
