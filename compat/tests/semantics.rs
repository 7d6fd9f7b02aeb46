//! The differential SQL suite as a test: the regressions file, then
//! `COMPAT_SEMANTICS_QUERIES` (default 5,000: about 7 minutes with the debug
//! build on two cores) queries generated from
//! `COMPAT_SEMANTICS_SEED` (default 1); any mismatch fails, printed shrunk.

use datapress_compat::{report, semantics};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_queries_answer_as_postgres_does() {
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let queries = env("COMPAT_SEMANTICS_QUERIES", 5_000) as usize;
    let seed = env("COMPAT_SEMANTICS_SEED", 1);
    let mut servers = semantics::Servers::start()
        .await
        .expect("the harness starts DataPress and PostgreSQL");
    let found = servers.run(queries, seed).await.expect("the suite runs");
    let text = report::semantics(&found, seed);
    println!("{text}");
    assert!(found.regressions > 0, "the regressions file is replayed");
    assert!(found.agreed > 0, "queries are compared");
    assert!(found.mismatches.is_empty(), "{text}");
}
