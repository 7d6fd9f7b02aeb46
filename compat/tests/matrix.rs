//! `cargo test` runs the whole matrix: any failing cell fails the run, and so
//! does any cell that could not run when `COMPAT_REQUIRE_ALL=1` (set by CI
//! after installing every client).

use datapress_compat::matrix::{self, known_gap, Cell};
use datapress_compat::report;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_agrees_with_postgres_in_every_scenario() {
    let rows = matrix::run()
        .await
        .expect("the harness starts DataPress and PostgreSQL");
    println!("{}", report::markdown(&rows));
    let require_all = std::env::var("COMPAT_REQUIRE_ALL").is_ok_and(|v| v == "1");
    let mut problems = Vec::new();
    for row in &rows {
        for (scenario, cell) in &row.cells {
            match cell {
                // Environment limits (no Docker engine) cannot be installed away.
                Cell::Pass(_) if known_gap(&row.client, scenario).is_some() => {
                    problems.push(format!(
                        "{} / {scenario} passes now: remove it from matrix::KNOWN_GAPS",
                        row.client
                    ))
                }
                Cell::Pass(_) | Cell::NotApplicable(_) | Cell::Unavailable(_) => {}
                Cell::Fail { .. } if known_gap(&row.client, scenario).is_some() => {}
                Cell::Fail { first, .. } => {
                    problems.push(format!("{} / {scenario}: {first}", row.client))
                }
                Cell::NotRun(why) if require_all => {
                    problems.push(format!("{} / {scenario}: not run: {why}", row.client))
                }
                Cell::NotRun(_) => {}
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
