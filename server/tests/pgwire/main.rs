//! Integration tests of the PostgreSQL endpoint over a real socket, with
//! tokio-postgres and a raw protocol client.
#![cfg(feature = "pgwire")]

mod catalog;
mod common;
mod plan_reuse;
mod protocol;
mod session;
mod subqueries;
mod types;
