//! Authentication: each method accepted, and identical 28P01s for a wrong
//! password and an unknown user.

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
        Case::new("wrong password is 28P01", Setup::WrongPassword, probe()),
        Case::new(
            "unknown user is the same 28P01",
            Setup::UnknownUser,
            probe(),
        ),
    ]
}
