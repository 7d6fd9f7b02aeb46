//! The bounded soak of issue 21: DataPress in-process on loopback, `clients`
//! concurrent tasks for `seconds` seconds, each cycling through every kind of
//! work and misbehaviour a BI deployment meets (`operations`), then a report
//! of what ran, what failed and how the server's memory moved (`report`).
//! `datapress-compat soak --clients 200 --seconds 300 [--settle 30]`.

mod operations;
mod report;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use operations::Operation;
pub use report::{Ending, Report, Tally};

use crate::harness::data::Datasets;
use crate::harness::ours::{Ours, OursKind};
use crate::harness::tls::TlsMaterial;

/// How long and how hard to soak.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Concurrent client tasks.
    pub clients: usize,
    /// How long the load lasts.
    pub load: Duration,
    /// How long to wait after the load before the last memory reading.
    pub settle: Duration,
}

/// An operation that has not finished by then is a hang, reported as an
/// unexpected error (every operation is bounded far below this).
const HANG: Duration = Duration::from_secs(60);

/// Starts DataPress, runs the load, waits `settle`, and reports.
pub async fn run(options: Options) -> anyhow::Result<Report> {
    let dir = tempfile::tempdir()?;
    let datasets = Datasets::create(dir.path())?;
    let tls = TlsMaterial::generate(dir.path())?;
    // Room for every client's own connection plus its raw side connections.
    let limits = format!("max_connections = {}\n", options.clients * 3 + 16);
    let ours = Ours::start_with(
        OursKind::LoopbackNoPassword,
        &datasets,
        &tls,
        dir.path(),
        &limits,
    )
    .await?;
    let port = ours.port;
    let rss_before = rss_kib()?;

    let peak = Arc::new(AtomicU64::new(rss_before));
    let sampler = tokio::spawn({
        let peak = Arc::clone(&peak);
        async move {
            let mut every = tokio::time::interval(Duration::from_secs(1));
            loop {
                every.tick().await;
                if let Ok(now) = rss_kib() {
                    peak.fetch_max(now, Ordering::Relaxed);
                }
            }
        }
    });

    let deadline = Instant::now() + options.load;
    let tasks: Vec<_> = (0..options.clients)
        .map(|id| tokio::spawn(client_task(port, id, deadline)))
        .collect();
    let mut tally = Tally::default();
    for task in tasks {
        tally.merge(task.await?);
    }
    sampler.abort();
    let rss_peak = peak.load(Ordering::Relaxed).max(rss_kib()?);

    tokio::time::sleep(options.settle).await;
    // The server must still serve a new client after all of it.
    let start = Instant::now();
    let after = match operations::connect(port).await {
        Ok(client) => operations::simple_query(&client).await,
        Err(e) => Err(format!("connect after the load: {e}")),
    };
    tally.record(Operation::SimpleQuery, start.elapsed(), after);
    let rss_after = rss_kib()?;
    ours.server.shutdown(Duration::from_secs(5)).await;
    Ok(Report {
        options,
        tally,
        rss_before,
        rss_peak,
        rss_after,
    })
}

/// One client: its own tokio-postgres session (reopened if it is lost) and
/// the operations in turn, starting at a different one per client.
async fn client_task(port: u16, id: usize, deadline: Instant) -> Tally {
    let mut tally = Tally::default();
    let mut state = operations::ClientState::new(port, id as u64);
    let mut turn = id;
    while Instant::now() < deadline {
        let op = Operation::ALL[turn % Operation::ALL.len()];
        turn += 1;
        let start = Instant::now();
        let ending = match tokio::time::timeout(HANG, state.run(op)).await {
            Ok(ending) => ending,
            Err(_) => Err(format!("{}: no answer within {HANG:?}", op.name())),
        };
        tally.record(op, start.elapsed(), ending);
    }
    tally
}

/// This process's resident set size in KiB (`VmRSS` of `/proc/self/status`):
/// the server runs in-process.
fn rss_kib() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no VmRSS in /proc/self/status"))
}
