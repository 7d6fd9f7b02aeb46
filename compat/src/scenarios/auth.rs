//! Authentication: each method accepted, identical 28P01s for a wrong
//! password and an unknown user, and CancelRequest with the right and a
//! wrong secret.

use super::{Case, Setup};
use crate::clients::Step;

/// The cases.
pub fn cases() -> Vec<Case> {
    let probe = || vec![Step::query("SELECT 1::int4 AS one")];
    vec![
        Case::new("loopback without password", Setup::Trusted, probe()),
        Case::new("cleartext password", Setup::Password("cleartext"), probe()),
        Case::new("md5 password", Setup::Password("md5"), probe()),
        Case::new(
            "scram-sha-256 password",
            Setup::Password("scram-sha-256"),
            probe(),
        ),
        // Runs until cancelled (5,000³ rows) on both servers: 57014.
        Case::new(
            "cancel with the right secret is 57014",
            Setup::Trusted,
            vec![Step::Cancel {
                sql: "SELECT sum(a.id * b.id + c.id) FROM accidents a, accidents b, accidents c",
                right_secret: true,
            }],
        ),
        // Runs for a while (5,000² rows) and is not cancelled.
        Case::new(
            "cancel with a wrong secret does nothing",
            Setup::Trusted,
            vec![Step::Cancel {
                sql: "SELECT sum(a.id * b.id) FROM accidents a, accidents b",
                right_secret: false,
            }],
        ),
    ]
    .into_iter()
    .chain(
        ["cleartext", "md5", "scram-sha-256"]
            .into_iter()
            .flat_map(|method| {
                [
                    Case::new(
                        &format!("wrong password is 28P01 ({method})"),
                        Setup::WrongPassword(method),
                        probe(),
                    ),
                    Case::new(
                        &format!("unknown user is the same 28P01 ({method})"),
                        Setup::UnknownUser(method),
                        probe(),
                    ),
                ]
            }),
    )
    .collect()
}
