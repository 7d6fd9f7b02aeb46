//! DataPress: datasets (Parquet, CSV, JSON, Arrow) queried through Apache
//! DataFusion and served over the PostgreSQL wire protocol.

pub mod catalog;
pub mod config;
pub mod datasets;
pub mod dialect;
pub mod encode;
pub mod engine;
pub mod errors;
pub mod http;
pub mod live;
pub mod metrics;
#[cfg(feature = "pgwire")]
pub mod pgwire;
pub mod server;
pub mod settings;
pub mod sql;
#[cfg(feature = "test-hooks")]
pub mod test_hooks;
pub mod tls;
