//! The DataPress compatibility harness: real PostgreSQL clients run the same
//! scenarios against DataPress and against a real PostgreSQL 15 (the oracle),
//! and every answer is compared. The result is the matrix in COMPAT.md.

pub mod clients;
pub mod harness;
pub mod matrix;
pub mod report;
pub mod scenarios;
pub mod semantics;
pub mod soak;
pub mod triage;
