//! The soak, for real and briefly: 8 clients for 5 seconds must meet no
//! unexpected error and run every kind of operation.

use std::time::Duration;

use datapress_compat::soak::{self, Operation};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_soak_runs_every_operation_without_unexpected_errors() {
    let report = soak::run(soak::Options {
        clients: 8,
        load: Duration::from_secs(5),
        settle: Duration::from_secs(1),
    })
    .await
    .expect("the soak starts DataPress and runs");
    println!("{report}");
    assert_eq!(report.tally.unexpected_total(), 0, "{report}");
    for op in Operation::ALL {
        assert!(report.tally.runs(op) > 0, "{} never ran", op.name());
    }
}
