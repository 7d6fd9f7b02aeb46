//! TLS: sslmode require and verify-full, and plaintext refused by a listener
//! that requires TLS (SQLSTATE 28000 before any password is asked).

use super::{Case, Compare, Setup};
use crate::clients::Step;
use crate::harness::TlsMode;

/// The cases.
pub fn cases() -> Vec<Case> {
    let probe = || vec![Step::query("SELECT 1::int4 AS one")];
    vec![
        Case::new(
            "sslmode=require, SCRAM",
            Setup::Tls(TlsMode::Require, "scram-sha-256"),
            probe(),
        ),
        Case::new(
            "sslmode=verify-full, SCRAM",
            Setup::Tls(TlsMode::VerifyFull, "scram-sha-256"),
            probe(),
        ),
        Case::new(
            "sslmode=verify-full, cleartext password",
            Setup::Tls(TlsMode::VerifyFull, "cleartext"),
            probe(),
        ),
        Case::new(
            "sslmode=verify-full, md5",
            Setup::Tls(TlsMode::VerifyFull, "md5"),
            probe(),
        ),
    ]
    .into_iter()
    .chain(
        ["scram-sha-256", "md5", "cleartext"]
            .into_iter()
            .flat_map(|method| {
                [TlsMode::Require, TlsMode::VerifyFull].map(|mode| {
                    Case::new(
                        &format!("0.0.0.0 listener, {}, {method}", mode.sslmode()),
                        Setup::TlsPublic(mode, method),
                        probe(),
                    )
                })
            }),
    )
    .chain([Case {
        compare: Compare::CodeOnly,
        ..Case::new("plaintext refused", Setup::PlaintextToTlsOnly, probe())
    }])
    .collect()
}
