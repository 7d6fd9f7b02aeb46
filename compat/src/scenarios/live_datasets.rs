//! Live datasets: a dataset registered while a client's session is open is
//! seen at its next statement — in a query, in `information_schema`, in the
//! driver's own metadata calls and psql's `\dt` — and one removed is gone
//! (42P01). PostgreSQL's same moment is another session's `CREATE TABLE` /
//! `DROP TABLE`.

use super::{Case, Change, Setup};
use crate::clients::Step;

/// The table that comes and goes.
const TABLE: &str = "live_accidents";

fn appears_then_vanishes(before: usize, after: usize) -> Vec<Change> {
    vec![
        Change {
            before_step: before,
            table: TABLE,
            present: true,
        },
        Change {
            before_step: after,
            table: TABLE,
            present: false,
        },
    ]
}

/// The cases.
pub fn cases() -> Vec<Case> {
    let setup = Setup::Password("cleartext");
    let count = Step::query("SELECT count(*), min(id), max(city) FROM live_accidents");
    let listed = Step::query(
        "SELECT table_name, table_type FROM information_schema.tables \
         WHERE table_schema = 'public' ORDER BY table_name",
    );
    vec![
        Case {
            changes: appears_then_vanishes(2, 4),
            ..Case::new(
                "queries and information_schema see it come and go",
                setup,
                vec![listed.clone(), count.clone(), listed.clone(), count, listed],
            )
        },
        Case {
            changes: appears_then_vanishes(2, 4),
            ..Case::new(
                "the driver's metadata calls see it come and go",
                setup,
                vec![
                    Step::Metadata {
                        call: "tables",
                        table: None,
                    },
                    Step::Metadata {
                        call: "tables",
                        table: None,
                    },
                    Step::Metadata {
                        call: "columns",
                        table: Some(TABLE),
                    },
                    Step::Metadata {
                        call: "tables",
                        table: None,
                    },
                ],
            )
        },
        Case {
            changes: appears_then_vanishes(2, 4),
            ..Case::new(
                "psql's \\dt and \\d see it come and go",
                setup,
                vec![
                    Step::Backslash("\\dt"),
                    Step::Backslash("\\dt"),
                    Step::Backslash("\\d live_accidents"),
                    Step::Backslash("\\dt"),
                ],
            )
        },
    ]
}
