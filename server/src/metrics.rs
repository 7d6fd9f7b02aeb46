//! The server's Prometheus metrics (`GET /metrics`): every metric is named and
//! described here once; the endpoints call these functions as things happen.
//! The recorder is process-wide, so several servers in one process (tests)
//! add up into the same counters.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// An endpoint, the `protocol` label.
#[derive(Debug, Clone, Copy)]
pub enum Protocol {
    /// The PostgreSQL wire protocol.
    Pgwire,
    /// The HTTP API.
    Http,
}

impl Protocol {
    fn label(self) -> &'static str {
        match self {
            Protocol::Pgwire => "pgwire",
            Protocol::Http => "http",
        }
    }
}

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the recorder (once per process) and returns its handle.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let buckets = [
            0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
        ];
        let recorder = PrometheusBuilder::new()
            .set_buckets(&buckets)
            .expect("bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder installed first (an embedding program's) wins; ours
        // then renders nothing, which is the embedder's choice.
        let _ = metrics::set_global_recorder(recorder);
        describe();
        handle
    })
}

fn describe() {
    metrics::describe_gauge!("datapress_connections_open", "Open client connections");
    metrics::describe_counter!(
        "datapress_connections_total",
        "Client connections by how startup and authentication ended"
    );
    metrics::describe_counter!(
        "datapress_statements_total",
        "Statements run, by kind and outcome"
    );
    metrics::describe_counter!("datapress_errors_total", "Errors sent, by SQLSTATE");
    metrics::describe_counter!("datapress_rows_sent_total", "Result rows sent");
    metrics::describe_counter!("datapress_bytes_sent_total", "Bytes written to clients");
    metrics::describe_histogram!(
        "datapress_statement_duration_seconds",
        metrics::Unit::Seconds,
        "Time from a statement's start to its last row"
    );
    metrics::describe_gauge!("datapress_datasets_registered", "Datasets registered");
    metrics::describe_counter!("datapress_reloads_total", "Dataset reloads by outcome");
}

/// The metrics in Prometheus's text format.
pub fn render() -> String {
    install().render()
}

/// A connection ended its startup with `outcome` (`authorized`, `refused`, `timeout`…).
pub fn connection_started(protocol: Protocol, outcome: &'static str) {
    counter!("datapress_connections_total", "protocol" => protocol.label(), "outcome" => outcome)
        .increment(1);
}

/// An authorized connection opened (`+1`) or closed (`-1`).
pub fn connection_open(protocol: Protocol, delta: f64) {
    gauge!("datapress_connections_open", "protocol" => protocol.label()).increment(delta);
}

/// A statement of `kind` ended, after `elapsed`; `sqlstate` is its error, if any.
pub fn statement_ended(
    protocol: Protocol,
    kind: &'static str,
    elapsed: Duration,
    sqlstate: Option<&str>,
) {
    let outcome = if sqlstate.is_some() { "error" } else { "ok" };
    counter!("datapress_statements_total", "protocol" => protocol.label(), "kind" => kind, "outcome" => outcome)
        .increment(1);
    histogram!("datapress_statement_duration_seconds", "protocol" => protocol.label())
        .record(elapsed.as_secs_f64());
}

/// An error with `sqlstate` was sent to a client.
pub fn error_sent(protocol: Protocol, sqlstate: &str) {
    counter!("datapress_errors_total", "protocol" => protocol.label(), "sqlstate" => sqlstate.to_string())
        .increment(1);
}

/// `rows` result rows were sent.
pub fn rows_sent(protocol: Protocol, rows: u64) {
    counter!("datapress_rows_sent_total", "protocol" => protocol.label()).increment(rows);
}

/// `bytes` were written to a client.
pub fn bytes_sent(protocol: Protocol, bytes: u64) {
    counter!("datapress_bytes_sent_total", "protocol" => protocol.label()).increment(bytes);
}

/// The registry now holds `count` datasets.
pub fn datasets_registered(count: usize) {
    gauge!("datapress_datasets_registered").set(count as f64);
}

/// A reload ended with `outcome` (`ok` or `failed`).
pub fn reload(outcome: &'static str) {
    counter!("datapress_reloads_total", "outcome" => outcome).increment(1);
}
