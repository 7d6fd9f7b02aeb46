//! Triage of "client X fails" reports: `record` a client's session through a
//! proxy, `replay` it against DataPress and PostgreSQL and name the first
//! divergence, `minimize` it to the smallest failing sequence. Traces kept in
//! `compat/traces/` are replayed by the matrix as regression cases.

pub mod compare;
pub mod minimize;
pub mod record;
pub mod replay;
pub mod session;
pub mod targets;
pub mod trace;
pub mod wire;

use std::path::PathBuf;

use replay::Replayed;
use trace::Trace;

/// The traces kept in the repository, `(file name, trace)`, by name.
pub fn kept_traces() -> anyhow::Result<Vec<(String, Trace)>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("traces");
    let mut traces = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "jsonl") {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            traces.push((name, Trace::read(&path)?));
        }
    }
    traces.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(traces)
}

/// Command-line flags: `--name value` pairs and positional arguments.
struct Flags {
    args: Vec<String>,
}

impl Flags {
    fn value(&self, flag: &str) -> Option<String> {
        let i = self.args.iter().position(|a| a == flag)?;
        self.args.get(i + 1).cloned()
    }

    fn required(&self, flag: &str) -> anyhow::Result<String> {
        self.value(flag)
            .ok_or_else(|| anyhow::anyhow!("{flag} is required"))
    }

    fn has(&self, flag: &str) -> bool {
        self.args.iter().any(|a| a == flag)
    }

    /// The first argument that is neither a flag nor a flag's value.
    fn positional(&self) -> anyhow::Result<PathBuf> {
        let mut skip = false;
        for a in &self.args {
            if std::mem::take(&mut skip) {
                continue;
            }
            if a.starts_with("--") {
                skip = a != "--upstream-tls";
                continue;
            }
            return Ok(PathBuf::from(a));
        }
        anyhow::bail!("a trace file is required")
    }

    fn login(&self) -> targets::Login {
        targets::Login {
            user: self.value("--user").unwrap_or_else(|| "datapress".into()),
            password: self
                .value("--password")
                .or_else(|| std::env::var("PGPASSWORD").ok()),
            dbname: self.value("--dbname").unwrap_or_else(|| "datapress".into()),
        }
    }
}

/// Runs `record`, `replay` or `minimize` with `args` (after the command's
/// name); the process's exit code.
pub async fn command(name: &str, args: &[String]) -> anyhow::Result<i32> {
    let flags = Flags {
        args: args.to_vec(),
    };
    match name {
        "record" => {
            let tls_identity = match (flags.value("--tls-cert"), flags.value("--tls-key")) {
                (Some(cert), Some(key)) => Some((cert.into(), key.into())),
                _ => None,
            };
            record::run_until_interrupted(record::RecordOptions {
                listen: flags.required("--listen")?.parse()?,
                upstream: flags.required("--upstream")?,
                upstream_tls: flags.has("--upstream-tls"),
                out: flags.required("--out")?.into(),
                client: flags.value("--client"),
                tls_identity,
            })
            .await?;
            Ok(0)
        }
        "replay" => {
            let trace = Trace::read(&flags.positional()?)?;
            let against = flags.value("--against").unwrap_or_else(|| "both".into());
            let datasets = flags.value("--datasets").map(PathBuf::from);
            let targets =
                targets::Targets::start(&against, datasets.as_deref(), flags.login()).await?;
            let mut failed = false;
            for endpoint in &targets.endpoints {
                for report in replay::replay(&trace, endpoint).await {
                    let (mark, detail) = match report.result {
                        Replayed::Same => ("same", String::new()),
                        Replayed::Diverged(d) => ("DIVERGES", format!(": {d}")),
                        Replayed::Failed(why) => ("FAILED", format!(": {why}")),
                        Replayed::NotReplayed(why) => ("not replayed", format!(": {why}")),
                    };
                    failed |= mark == "DIVERGES" || mark == "FAILED";
                    println!(
                        "{}: connection {}: {mark}{detail}",
                        endpoint.label, report.conn
                    );
                }
            }
            Ok(i32::from(failed))
        }
        "minimize" => {
            let path = flags.positional()?;
            let trace = Trace::read(&path)?;
            let against = flags
                .value("--against")
                .unwrap_or_else(|| "datapress".into());
            anyhow::ensure!(against != "both", "minimize runs against one server");
            let datasets = flags.value("--datasets").map(PathBuf::from);
            let targets =
                targets::Targets::start(&against, datasets.as_deref(), flags.login()).await?;
            let endpoint = &targets.endpoints[0];
            let found = minimize::minimize(&trace, endpoint).await?;
            let out = flags
                .value("--out")
                .map_or_else(|| path.with_extension("min.jsonl"), PathBuf::from);
            std::fs::write(&out, found.trace.to_jsonl())?;
            println!(
                "{} messages (from {}) after {} replays, written to {}\n{}: {}",
                found.trace.events.len(),
                trace.events.len(),
                found.replays,
                out.display(),
                endpoint.label,
                found.divergence
            );
            Ok(0)
        }
        other => anyhow::bail!("unknown command {other}"),
    }
}
