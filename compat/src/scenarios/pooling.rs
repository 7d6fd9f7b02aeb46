//! Pool resets and transactions: the session statements pooling drivers send
//! (Npgsql's and asyncpg's reset strings from CLIENTS.md), with their command
//! tags, notices and the ReadyForQuery status byte; and how settings follow
//! transaction blocks (SET, SET LOCAL, ROLLBACK, savepoints, search_path).

use super::{Case, Compare, Setup};
use crate::clients::Step;

/// The cases.
pub fn cases() -> Vec<Case> {
    let script = |sql: &str| Step::Script(sql.to_string());
    vec![
        Case::new(
            "Npgsql reset",
            Setup::Trusted,
            vec![script(
                "SET SESSION AUTHORIZATION DEFAULT;RESET ALL;CLOSE ALL;UNLISTEN *;SELECT pg_advisory_unlock_all();DISCARD SEQUENCES;DISCARD TEMP",
            )],
        ),
        Case::new(
            "asyncpg reset",
            Setup::Trusted,
            vec![script("SELECT pg_advisory_unlock_all();\nCLOSE ALL;\nUNLISTEN *;\nRESET ALL;")],
        ),
        Case::new(
            "session maintenance statements",
            Setup::Trusted,
            vec![
                script("DISCARD ALL"),
                script("DISCARD PLANS"),
                script("DEALLOCATE ALL"),
                script("LISTEN chan; UNLISTEN chan"),
                script("RESET SESSION AUTHORIZATION"),
                script("SET application_name = 'pool'; RESET application_name"),
            ],
        ),
        Case::new(
            "transactions and status bytes",
            Setup::Trusted,
            vec![
                script("BEGIN; SELECT 1; COMMIT"),
                script("BEGIN"),
                script("BEGIN"),
                script("SELECT * FROM nope"),
                script("SELECT 1"),
                script("ROLLBACK"),
                script("COMMIT"),
                script("START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY; SAVEPOINT s; ROLLBACK TO s; RELEASE SAVEPOINT s; END"),
                script("SAVEPOINT s"),
                script("DISCARD ALL"),
            ],
        ),
        Case::new(
            "prepared statements gone after DISCARD ALL",
            Setup::Trusted,
            vec![
                script("DEALLOCATE nope"),
                script("BEGIN; DISCARD ALL"),
                script("ROLLBACK"),
            ],
        ),
        // By SQLSTATE: the driver numbers its statements per client, so the names differ.
        Case {
            compare: Compare::CodeOnly,
            ..Case::new(
                "prepared statement executed after DISCARD ALL",
                Setup::Password("cleartext"),
                vec![Step::ExecuteAfterDiscard("SELECT id FROM accidents WHERE id = 1".into())],
            )
        },
        Case::new("driver pool reset", Setup::Password("cleartext"), vec![Step::PoolReset]),
        Case::new(
            "settings follow the transaction block",
            Setup::Trusted,
            [
                "SET statement_timeout = '5s'",
                // COMMIT keeps a SET, ends a SET LOCAL.
                "BEGIN",
                "SET statement_timeout = '7s'",
                "SET LOCAL statement_timeout = '9s'",
                "SHOW statement_timeout",
                "COMMIT",
                "SHOW statement_timeout",
                // ROLLBACK undoes a SET and a RESET.
                "BEGIN",
                "SET statement_timeout = '11s'",
                "RESET statement_timeout",
                "ROLLBACK",
                "SHOW statement_timeout",
                // ROLLBACK TO returns to the savepoint; unknown savepoints are 3B001.
                "BEGIN",
                "SAVEPOINT a",
                "SET statement_timeout = '13s'",
                "ROLLBACK TO SAVEPOINT a",
                "SHOW statement_timeout",
                "RELEASE SAVEPOINT nope",
                "ROLLBACK TO SAVEPOINT a",
                "RELEASE SAVEPOINT a",
                "ROLLBACK TO SAVEPOINT a",
                "ROLLBACK",
                // Outside a block SET LOCAL only warns.
                "SET LOCAL statement_timeout = '15s'",
                "SHOW statement_timeout",
                // current_schema() follows search_path.
                "SET search_path = information_schema, \"$user\", public",
                "SELECT current_schema(), current_schemas(false), current_schemas(true)",
                "RESET search_path",
                "SELECT current_schema(), current_schemas(true)",
                "RESET statement_timeout",
            ]
            .iter()
            .map(|s| Step::query(s))
            .collect(),
        ),
    ]
}
