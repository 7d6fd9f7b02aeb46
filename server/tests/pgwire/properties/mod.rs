//! Property tests (proptest) over a real socket: generated values read back
//! equal through both result formats (`values`), and generated message
//! sequences never leave a session anywhere but ReadyForQuery or a FATAL
//! close (`messages`). Each property starts one server for all its cases.

mod messages;
mod values;

/// The runtime a property's server and cases run on: proptest's runner is
/// synchronous, so each case blocks on it.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}
