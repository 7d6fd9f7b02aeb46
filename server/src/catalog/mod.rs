//! PostgreSQL catalog emulation: the functions (and, as it grows, the
//! `pg_catalog` / `information_schema` tables) that clients query on connect.

pub mod functions;
pub mod pg_catalog;
