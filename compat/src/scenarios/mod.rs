//! The scenarios of the matrix. Each is a list of cases; a case says which
//! pair of servers to use (the [`Setup`]) and what the client does there.

pub mod auth;
pub mod catalog;
pub mod errors;
pub mod extended;
pub mod pooling;
pub mod tls;
pub mod types;

use crate::clients::Step;

/// Which DataPress instance and which oracle login a case uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setup {
    /// Password auth with this DataPress `auth_method` (oracle: SCRAM), TLS off.
    Password(&'static str),
    /// As `Password("cleartext")`, but with a wrong password.
    WrongPassword,
    /// As `Password("cleartext")`, but as a user that does not exist.
    UnknownUser,
    /// DataPress without a password on loopback; the oracle's trusted superuser.
    Trusted,
    /// Password auth over TLS in this mode, with this DataPress `auth_method`
    /// on loopback (oracle: SCRAM).
    Tls(crate::harness::TlsMode, &'static str),
    /// SCRAM over TLS to the `0.0.0.0` listener (connecting through 127.0.0.1).
    TlsPublic(crate::harness::TlsMode),
    /// A plaintext client against a listener that requires TLS.
    PlaintextToTlsOnly,
}

/// How two outcomes are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// Everything, error messages included.
    Exact,
    /// Errors by SQLSTATE only (DataFusion's wording may differ from PG's).
    CodeOnly,
}

/// One case of a scenario.
#[derive(Debug, Clone)]
pub struct Case {
    /// What it checks.
    pub name: &'static str,
    /// The servers and login.
    pub setup: Setup,
    /// What the client does after connecting.
    pub steps: Vec<Step>,
    /// How outcomes are compared.
    pub compare: Compare,
}

impl Case {
    /// A case with exact comparison.
    pub fn new(name: &'static str, setup: Setup, steps: Vec<Step>) -> Case {
        Case {
            name,
            setup,
            steps,
            compare: Compare::Exact,
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

/// Every scenario, in matrix order.
pub fn all() -> Vec<Scenario> {
    vec![
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
    ]
}
