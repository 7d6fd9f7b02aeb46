//! Integration tests of the PostgreSQL endpoint over a real socket, with
//! tokio-postgres and a raw protocol client.
#![cfg(feature = "pgwire")]

mod catalog;
mod common;
mod datasets;
mod framing;
mod http_api;
mod plan_reuse;
mod properties;
mod protocol;
mod reliability;
mod security;
mod session;
mod set_operations;
mod subqueries;
mod types;
