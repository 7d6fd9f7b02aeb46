//! Errors: the SQLSTATE of each class of mistake, and read-only refusals.

use super::{Case, Compare, Setup};
use crate::clients::Step;

/// The cases.
pub fn cases() -> Vec<Case> {
    let setup = Setup::Password("cleartext");
    let code_only = |name, sqls: &[&str]| Case {
        compare: Compare::CodeOnly,
        ..Case::new(name, setup, sqls.iter().map(|s| Step::query(s)).collect())
    };
    vec![
        code_only(
            "user mistakes",
            &[
                "SELECT * FROM nope",
                "SELECT nope FROM accidents",
                "SELEC 1",
                "SELECT 1/0",
                "SELECT no_such_function(1)",
                "SELECT 'abc'::int",
            ],
        ),
        Case::new(
            "writes are read-only errors",
            setup,
            [
                "INSERT INTO accidents (id) VALUES (1)",
                "DELETE FROM accidents",
                "CREATE TABLE t (a int)",
                "DROP TABLE accidents",
            ]
            .iter()
            .map(|s| Step::query(s))
            .collect(),
        ),
    ]
}
