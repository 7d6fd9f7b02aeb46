//! The extended protocol: parameters of several types, `LIMIT $n`, Describe
//! shapes, row-limited Execute with PortalSuspended, errors at Parse.

use super::{Case, Compare, Setup};
use crate::clients::{Param, Step};

fn q(sql: &str, params: Vec<Param>) -> Step {
    Step::Query {
        sql: sql.into(),
        params,
    }
}

/// The cases.
pub fn cases() -> Vec<Case> {
    let setup = Setup::Password("cleartext");
    vec![
        Case::new(
            "parameters",
            setup,
            vec![
                q(
                    "SELECT id, city, lat, occurred_at FROM accidents WHERE id = $1",
                    vec![Param::Int8(42)],
                ),
                q(
                    "SELECT count(*) FROM accidents WHERE injuries > $1",
                    vec![Param::Int4(2)],
                ),
                q(
                    "SELECT $1::text AS a, $2::int4 AS b, $3::float8 AS c, $4::bool AS d",
                    vec![
                        Param::Text("x".into()),
                        Param::Int4(7),
                        Param::Float8(2.5),
                        Param::Bool(true),
                    ],
                ),
            ],
        ),
        Case::new(
            "LIMIT $n",
            setup,
            vec![q(
                "SELECT id FROM accidents WHERE city = $1 ORDER BY id LIMIT $2",
                vec![Param::Text("Lyon".into()), Param::Int8(5)],
            )],
        ),
        Case::new(
            "row-limited Execute",
            setup,
            vec![Step::Portal {
                sql: "SELECT id, severity FROM accidents ORDER BY id LIMIT 7".into(),
                rows: 3,
            }],
        ),
        Case {
            compare: Compare::CodeOnly,
            ..Case::new(
                "error at Parse",
                setup,
                vec![q("SELECT * FROM nope WHERE id = $1", vec![Param::Int8(1)])],
            )
        },
    ]
}
