//! Runs the compatibility matrix and prints it (`--write FILE` also writes
//! COMPAT.md, `--json FILE` the JSON).

use datapress_compat::{matrix, report};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let rows = matrix::run().await?;
    let md = report::markdown(&rows);
    println!("{md}");
    if let Some(path) = arg("--write") {
        std::fs::write(path, &md)?;
    }
    if let Some(path) = arg("--json") {
        std::fs::write(path, report::json(&rows))?;
    }
    Ok(())
}
