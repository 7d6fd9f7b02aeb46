//! What a soak counted — operations, latencies, errors expected and not —
//! and the report it prints.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use super::{Operation, Options};

/// How an operation ended when nothing unexpected happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// It did what it was meant to.
    Done,
    /// It met the error it provokes (a cancel's or a timeout's 57014, a
    /// garbage connection's 08P01): that SQLSTATE.
    Expected(&'static str),
}

/// Counts and latencies, per client task and then merged.
#[derive(Debug, Default)]
pub struct Tally {
    /// Each operation's latencies, one per run.
    pub latencies: BTreeMap<Operation, Vec<Duration>>,
    /// Expected errors by SQLSTATE and operation.
    pub expected: BTreeMap<(Operation, &'static str), u64>,
    /// Unexpected errors by description (operation, SQLSTATE or I/O error).
    pub unexpected: BTreeMap<String, u64>,
}

impl Tally {
    /// Records one run of `op`.
    pub fn record(&mut self, op: Operation, took: Duration, ending: Result<Ending, String>) {
        self.latencies.entry(op).or_default().push(took);
        match ending {
            Ok(Ending::Done) => {}
            Ok(Ending::Expected(code)) => *self.expected.entry((op, code)).or_default() += 1,
            Err(what) => *self.unexpected.entry(what).or_default() += 1,
        }
    }

    /// Adds another task's tally to this one.
    pub fn merge(&mut self, other: Tally) {
        for (op, mut l) in other.latencies {
            self.latencies.entry(op).or_default().append(&mut l);
        }
        for (k, n) in other.expected {
            *self.expected.entry(k).or_default() += n;
        }
        for (k, n) in other.unexpected {
            *self.unexpected.entry(k).or_default() += n;
        }
    }

    /// How many times `op` ran.
    pub fn runs(&self, op: Operation) -> usize {
        self.latencies.get(&op).map_or(0, Vec::len)
    }

    /// The number of unexpected errors.
    pub fn unexpected_total(&self) -> u64 {
        self.unexpected.values().sum()
    }
}

/// A finished soak.
#[derive(Debug)]
pub struct Report {
    /// What was asked.
    pub options: Options,
    /// What ran.
    pub tally: Tally,
    /// Process RSS (KiB) once the server was up, before any load.
    pub rss_before: u64,
    /// The highest RSS (KiB) sampled every second during the load.
    pub rss_peak: u64,
    /// RSS (KiB) after the settle time.
    pub rss_after: u64,
}

/// The `q` quantile of `latencies` (sorted in place), in milliseconds.
fn quantile_ms(latencies: &mut [Duration], q: f64) -> f64 {
    if latencies.is_empty() {
        return 0.0;
    }
    latencies.sort_unstable();
    let i = ((latencies.len() - 1) as f64 * q).round() as usize;
    latencies[i].as_secs_f64() * 1000.0
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = &self.options;
        writeln!(
            f,
            "soak: {} clients for {} s, settle {} s",
            o.clients,
            o.load.as_secs(),
            o.settle.as_secs()
        )?;
        writeln!(
            f,
            "{:<22} {:>9} {:>10} {:>10}",
            "operation", "runs", "p50 ms", "p99 ms"
        )?;
        for (op, latencies) in &self.tally.latencies {
            let mut l = latencies.clone();
            writeln!(
                f,
                "{:<22} {:>9} {:>10.1} {:>10.1}",
                op.name(),
                l.len(),
                quantile_ms(&mut l, 0.5),
                quantile_ms(&mut l, 0.99)
            )?;
        }
        writeln!(f, "expected errors:")?;
        for ((op, code), n) in &self.tally.expected {
            writeln!(f, "  {code} from {:<18} {n:>9}", op.name())?;
        }
        match self.tally.unexpected_total() {
            0 => writeln!(f, "unexpected errors: none")?,
            total => {
                writeln!(f, "unexpected errors: {total}")?;
                for (what, n) in &self.tally.unexpected {
                    writeln!(f, "  {n:>9}  {what}")?;
                }
            }
        }
        let mib = |kib: u64| kib as f64 / 1024.0;
        let change = (self.rss_after as f64 / self.rss_before as f64 - 1.0) * 100.0;
        write!(
            f,
            "server RSS: before {:.1} MiB, peak {:.1} MiB, {} s after {:.1} MiB ({change:+.1}% of before)",
            mib(self.rss_before),
            mib(self.rss_peak),
            o.settle.as_secs(),
            mib(self.rss_after)
        )
    }
}
