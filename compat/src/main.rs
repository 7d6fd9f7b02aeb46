//! Runs the compatibility matrix and prints it (`--write FILE` also writes
//! COMPAT.md, with the differential suite's figures, `--json FILE` the JSON); `semantics [--queries N] [--seed S]`
//! runs the differential SQL suite alone and appends what it finds to
//! `compat/semantics/regressions.sql`; `record`, `replay` and `minimize`
//! triage a failing client's session (see README, "When a client fails");
//! `soak [--clients N] [--seconds S] [--settle S]` runs the bounded soak of
//! RELIABILITY.md and fails on any unexpected error.

use datapress_compat::{matrix, report, semantics, soak};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    if let Some(name) = args
        .get(1)
        .filter(|a| ["record", "replay", "minimize"].contains(&a.as_str()))
    {
        let code = datapress_compat::triage::command(name, &args[2..]).await?;
        std::process::exit(code);
    }
    if args.get(1).is_some_and(|a| a == "soak") {
        let seconds = |flag: &str, default: u64| -> anyhow::Result<std::time::Duration> {
            let n = arg(flag).map_or(Ok(default), |n| n.parse())?;
            Ok(std::time::Duration::from_secs(n))
        };
        let options = soak::Options {
            clients: arg("--clients").map_or(Ok(200), |n| n.parse())?,
            load: seconds("--seconds", 300)?,
            settle: seconds("--settle", 30)?,
        };
        let report = soak::run(options).await?;
        println!("{report}");
        std::process::exit(i32::from(report.tally.unexpected_total() > 0));
    }
    if args.get(1).is_some_and(|a| a == "semantics") {
        let queries = arg("--queries").map_or(Ok(1000), |n| n.parse())?;
        let seed = arg("--seed").map_or(Ok(1), |s| s.parse())?;
        let mut servers = semantics::Servers::start().await?;
        let found = servers.run(queries, seed).await?;
        println!("{}", report::semantics(&found, seed));
        semantics::record(&found.mismatches, seed)?;
        anyhow::ensure!(
            found.mismatches.is_empty(),
            "{} mismatches",
            found.mismatches.len()
        );
        return Ok(());
    }
    let rows = matrix::run().await?;
    let mut md = report::markdown(&rows);
    if arg("--write").is_some() {
        // COMPAT.md also carries the differential suite's latest figures.
        let queries = std::env::var("COMPAT_SEMANTICS_QUERIES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(1000);
        let mut servers = semantics::Servers::start().await?;
        let found = servers.run(queries, 1).await?;
        md.push('\n');
        md.push_str(&report::semantics(&found, 1));
    }
    println!("{md}");
    if let Some(path) = arg("--write") {
        std::fs::write(path, &md)?;
    }
    if let Some(path) = arg("--json") {
        std::fs::write(path, report::json(&rows))?;
    }
    Ok(())
}
