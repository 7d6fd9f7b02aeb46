//! psql 15 (libpq), run once per step with unaligned output and verbose errors
//! (`ERROR:  42P01: …`), so results and SQLSTATEs can be compared.

use std::process::Stdio;

use async_trait::async_trait;
use tokio::process::Command;

use super::{Client, Conn, Outcome, Step};
use crate::harness::Target;

/// psql from PostgreSQL 15.
pub struct Psql;

const PSQL: &str = "/usr/lib/postgresql/15/bin/psql";
/// Field separator for unaligned output (ASCII unit separator).
const SEP: &str = "\u{1f}";

struct PsqlConn {
    dsn: String,
}

impl PsqlConn {
    async fn run_sql(&self, sql: &str) -> Outcome {
        let out = Command::new(PSQL)
            .args([
                "-X",
                "-A",
                "-q",
                "-F",
                SEP,
                "-v",
                "ON_ERROR_STOP=1",
                "-v",
                "VERBOSITY=verbose",
                "-d",
                &self.dsn,
                "-c",
                sql,
            ])
            .stdin(Stdio::null())
            .output()
            .await;
        let out = match out {
            Ok(o) => o,
            Err(e) => return Outcome::HarnessFailure(format!("cannot run psql: {e}")),
        };
        let stderr = String::from_utf8_lossy(&out.stderr);
        if let Some(code) = sqlstate(&stderr) {
            return Outcome::Error {
                code,
                message: String::new(),
            };
        }
        if !out.status.success() {
            return Outcome::Error {
                code: "client".into(),
                message: stderr.into_owned(),
            };
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let mut lines = stdout.lines();
        let Some(header) = lines.next() else {
            return Outcome::Done;
        };
        let columns = header.split(SEP).map(str::to_string).collect();
        // The last line is the "(n rows)" footer, kept: it is part of what psql shows.
        let rows = lines
            .map(|l| l.split(SEP).map(|v| Some(v.to_string())).collect())
            .collect();
        Outcome::Rows {
            columns,
            types: vec![],
            rows,
        }
    }
}

/// The SQLSTATE in psql's verbose error line (`ERROR:  42P01: relation …`).
fn sqlstate(stderr: &str) -> Option<String> {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("ERROR:") || l.starts_with("FATAL:") || l.contains("FATAL:"))?;
    let after = line.split_once(":  ")?.1;
    let code = after.get(..5)?;
    code.chars()
        .all(|c| c.is_ascii_alphanumeric())
        .then(|| code.to_string())
}

fn dsn(target: &Target) -> String {
    let sslmode = target.tls.sslmode();
    format!(
        "host={} port={} user={} dbname={} password={} sslmode={sslmode} sslrootcert={}",
        target.host,
        target.port,
        target.user,
        target.dbname,
        target.password.as_deref().unwrap_or(""),
        target.ca_file.display()
    )
}

#[async_trait]
impl Client for Psql {
    fn name(&self) -> String {
        "psql 15 (libpq)".into()
    }

    async fn version(&self) -> String {
        match Command::new(PSQL).arg("--version").output().await {
            Ok(out) => String::from_utf8_lossy(&out.stdout).trim().to_string(),
            Err(e) => format!("unknown ({e})"),
        }
    }

    fn unavailable(&self) -> Option<String> {
        (!std::path::Path::new(PSQL).exists())
            .then(|| format!("{PSQL} not installed (apt-get install postgresql-client-15)"))
    }

    async fn connect(&self, target: &Target) -> Result<Box<dyn Conn>, Outcome> {
        let conn = PsqlConn { dsn: dsn(target) };
        match conn.run_sql("SELECT 1").await {
            Outcome::Error { code, message } => Err(Outcome::Error { code, message }),
            _ => Ok(Box::new(conn)),
        }
    }
}

#[async_trait]
impl Conn for PsqlConn {
    async fn run(&mut self, step: &Step) -> Outcome {
        match step {
            Step::Query { sql, params } if params.is_empty() => self.run_sql(sql).await,
            Step::Query { .. } => Outcome::Unsupported("psql sends no parameters".into()),
            Step::Backslash(command) => self.run_sql(command).await,
            _ => Outcome::Unsupported("not a psql operation".into()),
        }
    }
}
