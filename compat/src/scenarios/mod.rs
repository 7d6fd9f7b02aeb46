//! The scenarios of the matrix. Each is a list of cases; a case says which
//! pair of servers to use (the [`Setup`]) and what the client does there.

pub mod analysis;
pub mod auth;
pub mod bi_profiles;
pub mod catalog;
pub mod errors;
pub mod extended;
pub mod live_datasets;
pub mod pooling;
pub mod tls;
pub mod types;

use crate::clients::{Outcome, Step};

/// Which DataPress instance and which oracle login a case uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setup {
    /// Password auth with this DataPress `auth_method` (oracle: SCRAM), TLS off.
    Password(&'static str),
    /// As `Password(method)`, but with a wrong password.
    WrongPassword(&'static str),
    /// As `Password(method)`, but as a user that does not exist.
    UnknownUser(&'static str),
    /// DataPress without a password on loopback; the oracle's trusted superuser.
    Trusted,
    /// Password auth over TLS in this mode, with this DataPress `auth_method`
    /// on loopback (oracle: SCRAM).
    Tls(crate::harness::TlsMode, &'static str),
    /// Password auth over TLS to a `0.0.0.0` listener with this DataPress
    /// `auth_method` (connecting through 127.0.0.1; oracle: SCRAM, TLS only).
    TlsPublic(crate::harness::TlsMode, &'static str),
    /// A plaintext client against a listener that requires TLS.
    PlaintextToTlsOnly,
}

/// How two outcomes are compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compare {
    /// Everything, error messages included.
    Exact,
    /// Errors by SQLSTATE only (DataFusion's wording may differ from PG's).
    CodeOnly,
    /// The shape only, for answers full of server-specific values (OIDs, pids,
    /// versions, settings): errors by SQLSTATE, result sets by column names,
    /// type OIDs and row count.
    Shape {
        /// Steps (numbered from 1, as in failure messages) whose row count
        /// legitimately differs and is not compared.
        uncounted: Vec<usize>,
    },
}

impl Compare {
    /// What is compared of outcome `i` of a case (0 is the connect, then one per step).
    pub fn project(&self, i: usize, outcome: Outcome) -> Outcome {
        match self {
            Compare::Exact => outcome,
            Compare::CodeOnly => outcome.without_message(),
            Compare::Shape { uncounted } => outcome.shape(!uncounted.contains(&i)),
        }
    }
}

/// A parameter worked out on the server in use (catalog OIDs differ between
/// DataPress and PostgreSQL): just before its step runs, `sql` runs on the same
/// connection and its first value replaces the parameter, typed like the value
/// it replaces.
#[derive(Debug, Clone)]
pub struct Lookup {
    /// The step, numbered from 1.
    pub step: usize,
    /// The parameter, numbered from 1 (`$1`).
    pub param: usize,
    /// The query whose first value it is.
    pub sql: String,
}

/// One case of a scenario.
#[derive(Debug, Clone)]
pub struct Case {
    /// What it checks.
    pub name: String,
    /// The servers and login.
    pub setup: Setup,
    /// What the client does after connecting.
    pub steps: Vec<Step>,
    /// How outcomes are compared.
    pub compare: Compare,
    /// The only clients (by matrix name) it applies to; `None`: every client.
    pub clients: Option<Vec<String>>,
    /// Step parameters looked up on the server in use.
    pub lookups: Vec<Lookup>,
    /// What the harness changes on the server in use between steps.
    pub changes: Vec<Change>,
}

/// A dataset made to appear or vanish by the harness, not the client, just
/// before a step: over DataPress's HTTP API, and on PostgreSQL as another
/// session's `CREATE TABLE` (a copy of `accidents`) or `DROP TABLE`.
#[derive(Debug, Clone)]
pub struct Change {
    /// The step it comes before, numbered from 1.
    pub before_step: usize,
    /// The table.
    pub table: &'static str,
    /// Whether it appears (or vanishes).
    pub present: bool,
}

impl Case {
    /// A case for every client, with exact comparison and no lookups.
    pub fn new(name: &str, setup: Setup, steps: Vec<Step>) -> Case {
        Case {
            name: name.to_string(),
            setup,
            steps,
            compare: Compare::Exact,
            clients: None,
            lookups: Vec::new(),
            changes: Vec::new(),
        }
    }

    /// Whether it applies to the client named `client`.
    pub fn applies_to(&self, client: &str) -> bool {
        match &self.clients {
            None => true,
            Some(names) => names.iter().any(|n| n == client),
        }
    }
}

/// A named scenario.
pub struct Scenario {
    /// Its name in the matrix.
    pub name: &'static str,
    /// Its cases.
    pub cases: Vec<Case>,
}

/// Every scenario, in matrix order (`bi-profiles` reads `compat/profiles`).
pub fn all() -> anyhow::Result<Vec<Scenario>> {
    Ok(vec![
        Scenario {
            name: "auth",
            cases: auth::cases(),
        },
        Scenario {
            name: "tls",
            cases: tls::cases(),
        },
        Scenario {
            name: "extended",
            cases: extended::cases(),
        },
        Scenario {
            name: "pooling",
            cases: pooling::cases(),
        },
        Scenario {
            name: "types",
            cases: types::cases(),
        },
        Scenario {
            name: "errors",
            cases: errors::cases(),
        },
        Scenario {
            name: "catalog",
            cases: catalog::cases(),
        },
        Scenario {
            name: "analysis",
            cases: analysis::cases(),
        },
        Scenario {
            name: "live datasets",
            cases: live_datasets::cases(),
        },
        Scenario {
            name: "bi-profiles",
            cases: bi_profiles::cases()?,
        },
    ])
}
