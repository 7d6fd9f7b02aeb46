//! The PostgreSQL wire-protocol endpoint (cargo feature `pgwire`): listener,
//! startup and authentication, sessions, statements and their execution.

mod auth;
mod cancel;
mod column_origin;
mod connection;
mod execute;
mod listener;
mod params;
mod reuse;
mod session;
mod settings_undo;
mod startup;
mod tls;

pub use listener::{ListenError, PgServer};
