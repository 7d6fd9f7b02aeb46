//! A build without the `pgwire` feature: `pgwire.enabled = true` only warns,
//! and the rest of the server starts.
#![cfg(not(feature = "pgwire"))]

use std::path::Path;

use datapress::config::{Config, Overrides};
use datapress::server::Server;

#[tokio::test]
async fn enabled_endpoint_without_the_feature_is_a_no_op() {
    let accidents = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/accidents.parquet");
    let toml = format!(
        "[server.http]\nlisten = \"127.0.0.1:0\"\n[server.pgwire]\nenabled = true\nport = 0\n[[datasets]]\nname = \"accidents\"\npath = {accidents:?}\n"
    );
    let config = Config::from_toml(&toml, Path::new("."), &Overrides::default()).unwrap();
    let server = Server::start(&config).await.unwrap();
    assert_eq!(server.pgwire_addr(), None);
    assert_eq!(server.engine().registry().list().len(), 1);
}
