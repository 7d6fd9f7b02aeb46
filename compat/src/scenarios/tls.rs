//! TLS: sslmode require and verify-full, and plaintext refused by a listener
//! that requires TLS (SQLSTATE 28000 before any password is asked).

use super::{Case, Compare, Setup};
use crate::clients::Step;
use crate::harness::TlsMode;

/// The cases.
pub fn cases() -> Vec<Case> {
    let probe = || vec![Step::query("SELECT 1::int4 AS one")];
    vec![
        Case::new("sslmode=require", Setup::Tls(TlsMode::Require), probe()),
        Case::new(
            "sslmode=verify-full",
            Setup::Tls(TlsMode::VerifyFull),
            probe(),
        ),
        Case {
            compare: Compare::CodeOnly,
            ..Case::new("plaintext refused", Setup::PlaintextToTlsOnly, probe())
        },
    ]
}
