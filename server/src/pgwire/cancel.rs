//! Query cancellation: the BackendKeyData registry that CancelRequests are
//! checked against, and the guard that stops a running query on cancel or on
//! statement timeout (57014).

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;
use tokio::time::Instant;

use crate::errors::{sqlstate, PgError};

/// Live connections by process id, with their secret keys.
#[derive(Debug)]
pub struct CancelRegistry {
    next_pid: AtomicI32,
    connections: Mutex<HashMap<i32, (i32, watch::Sender<u64>)>>,
}

impl Default for CancelRegistry {
    fn default() -> Self {
        CancelRegistry {
            next_pid: AtomicI32::new(1000 + (rand::random::<u16>() as i32)),
            connections: Mutex::new(HashMap::new()),
        }
    }
}

impl CancelRegistry {
    /// Registers a new connection with a random secret.
    pub fn register(self: &Arc<Self>) -> CancelKey {
        let pid = self.next_pid.fetch_add(1, Ordering::Relaxed);
        let secret: i32 = rand::random();
        let (tx, rx) = watch::channel(0u64);
        self.lock().insert(pid, (secret, tx));
        CancelKey {
            pid,
            secret,
            requests: rx,
            registry: Arc::clone(self),
        }
    }

    /// Handles a CancelRequest: cancels the query of `pid` if `secret` matches.
    /// Returns whether it did.
    pub fn cancel(&self, pid: i32, secret: i32) -> bool {
        let map = self.lock();
        match map.get(&pid) {
            Some((expected, tx))
                if constant_time_eq(&expected.to_be_bytes(), &secret.to_be_bytes()) =>
            {
                tx.send_modify(|n| *n += 1);
                true
            }
            _ => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i32, (i32, watch::Sender<u64>)>> {
        self.connections.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// One connection's BackendKeyData; unregisters itself when dropped.
#[derive(Debug)]
pub struct CancelKey {
    /// The process id sent in BackendKeyData.
    pub pid: i32,
    /// The secret sent in BackendKeyData.
    pub secret: i32,
    requests: watch::Receiver<u64>,
    registry: Arc<CancelRegistry>,
}

impl Drop for CancelKey {
    fn drop(&mut self) {
        self.registry.lock().remove(&self.pid);
    }
}

impl CancelKey {
    /// A guard for one statement: cancel requests from now on, and the deadline.
    pub fn statement_guard(&mut self, timeout_ms: u64) -> StatementGuard {
        self.requests.borrow_and_update();
        StatementGuard {
            requests: self.requests.clone(),
            deadline: (timeout_ms > 0)
                .then(|| Instant::now() + std::time::Duration::from_millis(timeout_ms)),
        }
    }
}

/// Stops a statement's work when it is canceled or runs out of time.
#[derive(Debug)]
pub struct StatementGuard {
    requests: watch::Receiver<u64>,
    deadline: Option<Instant>,
}

impl StatementGuard {
    /// Runs `work` unless a cancel request or the deadline comes first (57014).
    pub async fn run<F: Future>(&mut self, work: F) -> Result<F::Output, PgError> {
        let deadline = async {
            match self.deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            out = work => Ok(out),
            _ = self.requests.changed() => Err(PgError::new(
                sqlstate::QUERY_CANCELED,
                "canceling statement due to user request",
            )),
            _ = deadline => Err(PgError::new(
                sqlstate::QUERY_CANCELED,
                "canceling statement due to statement timeout",
            )),
        }
    }
}
