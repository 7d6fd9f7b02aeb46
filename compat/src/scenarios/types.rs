//! Types: every column type of the `types` dataset and computed values, in
//! text (simple protocol) and binary (extended protocol), byte for byte.

use super::{Case, Setup};
use crate::clients::Step;

/// The cases.
pub fn cases() -> Vec<Case> {
    let setup = Setup::Password("cleartext");
    vec![
        Case::new("every column type", setup, vec![Step::query("SELECT * FROM types ORDER BY id")]),
        Case::new(
            "sample dataset",
            setup,
            vec![
                Step::query("SELECT * FROM accidents ORDER BY id LIMIT 50"),
                Step::query("SELECT severity, count(*) FROM accidents GROUP BY severity ORDER BY 2 DESC"),
                Step::query("SELECT min(lat), max(lon), sum(injuries), count(weather) FROM accidents"),
            ],
        ),
        Case {
            clients: Some(vec!["raw protocol".to_string()]),
            // The raw client authenticates with trust or cleartext only.
            ..Case::new(
                "COPY framing",
                Setup::Trusted,
                ["binary", "text", "csv, HEADER"]
                    .iter()
                    .flat_map(|format| {
                        [
                            "SELECT id, severity, weather FROM accidents WHERE id <= 3 ORDER BY id",
                            "SELECT id FROM accidents WHERE id < 0",
                        ]
                        .map(|q| Step::Script(format!("COPY ({q}) TO STDOUT (FORMAT {format})")))
                    })
                    .collect(),
            )
        },
        Case {
            clients: Some(
                ["binary", "cursor", "simple", "csv"]
                    .map(|protocol| format!("Python connectorx-{protocol}"))
                    .to_vec(),
            ),
            // ConnectorX's partitioned read: min/max of the column, then one
            // range query per partition, each over its own connection.
            ..Case::new(
                "a table read in partitions",
                setup,
                vec![Step::Metadata {
                    call: "partitioned",
                    table: Some("accidents"),
                }],
            )
        },
        Case::new(
            "computed values",
            setup,
            vec![Step::query(
                "SELECT 0.1::float8 + 0.2::float8 AS f, 1e20::float8 AS g, 1.5::float4 AS h, 2::int2 AS i, 'x' || 'y' AS s, true AS b",
            )],
        ),
    ]
}
