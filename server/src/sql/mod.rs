//! PostgreSQL's SQL as both endpoints accept it: a query string split into
//! statements and classified (queries, session statements, refusals), and
//! read-only queries planned with PostgreSQL's column names and types.

pub mod column_names;
pub mod plan;
pub mod statements;
