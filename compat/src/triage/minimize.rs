//! Minimising a trace: of its first connection that diverges, drop
//! exchanges (what the client sent before waiting, with the recorded answer)
//! while the same divergence persists, halving the chunks dropped at a time
//! (delta debugging), and keep the startup.

use super::compare::Divergence;
use super::replay::{replay, replay_connection, Endpoint, Replayed};
use super::session::RecordedConnection;
use super::trace::Trace;

/// A minimised trace and the divergence it still shows.
#[derive(Debug, Clone)]
pub struct Minimized {
    /// The smaller trace: one connection.
    pub trace: Trace,
    /// Its divergence (line numbers refer to the smaller trace).
    pub divergence: Divergence,
    /// How many replays it took.
    pub replays: usize,
}

/// Minimises `trace` against `endpoint`; an error when no connection diverges.
pub async fn minimize(trace: &Trace, endpoint: &Endpoint) -> anyhow::Result<Minimized> {
    let reports = replay(trace, endpoint).await;
    let (conn, first) = reports
        .iter()
        .find_map(|r| match &r.result {
            Replayed::Diverged(d) => Some((r.conn, d.clone())),
            _ => None,
        })
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no connection of the trace diverges against {}",
                endpoint.label
            )
        })?;
    let recorded = RecordedConnection::cut(trace, conn).map_err(anyhow::Error::msg)?;
    let signature = first.signature();
    let mut kept: Vec<usize> = (0..recorded.exchanges.len()).collect();
    let mut replays = 1;
    let mut chunks = 2;
    while kept.len() > 1 {
        let size = kept.len().div_ceil(chunks);
        let mut removed_one = false;
        for start in (0..kept.len()).step_by(size) {
            let candidate: Vec<usize> = kept
                .iter()
                .enumerate()
                .filter(|(i, _)| *i < start || *i >= start + size)
                .map(|(_, e)| *e)
                .collect();
            replays += 1;
            if diverges_alike(&recorded, &candidate, endpoint, &signature).await {
                kept = candidate;
                chunks = (chunks - 1).max(2);
                removed_one = true;
                break;
            }
        }
        if !removed_one {
            if size == 1 {
                break;
            }
            chunks = (chunks * 2).min(kept.len());
        }
    }
    let smaller = subset(trace, &recorded, &kept);
    let again = RecordedConnection::cut(&smaller, conn).map_err(anyhow::Error::msg)?;
    match replay_connection(&again, endpoint).await {
        Replayed::Diverged(divergence) => Ok(Minimized {
            trace: smaller,
            divergence,
            replays: replays + 1,
        }),
        other => anyhow::bail!("the minimised trace no longer diverges: {other:?}"),
    }
}

/// Whether the connection with only the exchanges `kept` diverges with
/// `signature`.
async fn diverges_alike(
    recorded: &RecordedConnection,
    kept: &[usize],
    endpoint: &Endpoint,
    signature: &str,
) -> bool {
    let mut candidate = recorded.clone();
    candidate.exchanges = kept
        .iter()
        .map(|&i| recorded.exchanges[i].clone())
        .collect();
    matches!(
        replay_connection(&candidate, endpoint).await,
        Replayed::Diverged(d) if d.signature() == signature
    )
}

/// The trace with only the connection's startup and exchanges `kept`.
fn subset(trace: &Trace, recorded: &RecordedConnection, kept: &[usize]) -> Trace {
    let mut indices = recorded.startup_events.clone();
    for &i in kept {
        let exchange = &recorded.exchanges[i];
        indices.extend(
            exchange
                .sent
                .iter()
                .chain(&exchange.answer)
                .map(|l| l.index),
        );
    }
    indices.sort_unstable();
    Trace {
        header: trace.header.clone(),
        events: indices
            .into_iter()
            .map(|i| trace.events[i].clone())
            .collect(),
    }
}
