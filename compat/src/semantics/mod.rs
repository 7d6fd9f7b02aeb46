//! The differential SQL suite: generated queries ([`grammar`]) run on
//! DataPress and on the PostgreSQL oracle, their answers compared exactly
//! (values as PostgreSQL's text, column names, type OIDs; rows in order where
//! the query orders them totally, as multisets otherwise). A query only one
//! server rejects, or that the two reject with different SQLSTATEs, is a
//! mismatch; one both reject alike is a shared error, counted apart from
//! agreements. A mismatch is shrunk to a minimal query, which
//! `datapress-compat semantics` appends to `compat/semantics/regressions.sql`;
//! every run replays that file first.

pub mod grammar;

use std::path::PathBuf;
use std::time::Duration;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

use crate::harness::data::Datasets;
use crate::harness::oracle::Oracle;
use crate::harness::ours::{Ours, OursKind};
use crate::harness::tls::TlsMaterial;

/// How long one statement may run on one server before it counts as a failure.
const STATEMENT_DEADLINE: Duration = Duration::from_secs(10);
/// How many simplifications a mismatch's shrinking may try.
const SHRINK_STEPS: usize = 40;

/// The file of shrunk mismatches every run replays.
pub fn regressions_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("semantics/regressions.sql")
}

/// What one server answered to one query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A result: column names, type OIDs, and rows as PG text (`None` is NULL).
    Rows {
        /// Column names.
        columns: Vec<String>,
        /// Column type OIDs.
        types: Vec<u32>,
        /// The rows.
        rows: Vec<Vec<Option<String>>>,
    },
    /// An error with this SQLSTATE.
    Error(String),
    /// No answer: the connection failed or the statement ran past the deadline.
    NoAnswer(String),
}

/// A query on which the two servers disagreed.
#[derive(Debug, Clone)]
pub struct Mismatch {
    /// The smallest query found that still disagrees.
    pub query: String,
    /// DataPress's answer to it.
    pub ours: Answer,
    /// PostgreSQL's answer to it.
    pub oracle: Answer,
}

/// The figures of one run.
#[derive(Debug, Default)]
pub struct Report {
    /// Queries run (regressions included).
    pub queries: usize,
    /// Queries both answered with the same result.
    pub agreed: usize,
    /// Queries both rejected with the same SQLSTATE.
    pub shared_errors: usize,
    /// Distinct shrunk mismatches.
    pub mismatches: Vec<Mismatch>,
    /// Of the queries, how many came from the regressions file.
    pub regressions: usize,
}

/// One connection per server.
struct Side {
    port: u16,
    user: &'static str,
    client: Option<Client>,
}

impl Side {
    async fn connect(&mut self) -> Result<&Client, String> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            let config = format!(
                "host=127.0.0.1 port={} user={} dbname=datapress",
                self.port, self.user
            );
            let (client, connection) = tokio_postgres::connect(&config, NoTls)
                .await
                .map_err(|e| e.to_string())?;
            tokio::spawn(connection);
            self.client = Some(client);
        }
        self.client
            .as_ref()
            .ok_or_else(|| "no connection".to_string())
    }

    async fn answer(&mut self, sql: &str) -> Answer {
        let result = match self.connect().await {
            Ok(client) => tokio::time::timeout(STATEMENT_DEADLINE, run(client, sql)).await,
            Err(e) => return Answer::NoAnswer(e),
        };
        match result {
            Ok(answer) => answer,
            Err(_) => {
                // The connection is busy with the statement: start afresh.
                self.client = None;
                Answer::NoAnswer(format!("no answer within {STATEMENT_DEADLINE:?}"))
            }
        }
    }
}

fn error_answer(e: &tokio_postgres::Error) -> Answer {
    match e.code() {
        Some(code) => Answer::Error(code.code().to_string()),
        None => Answer::NoAnswer(e.to_string()),
    }
}

/// Types from Describe (extended protocol), values as text (simple protocol).
async fn run(client: &Client, sql: &str) -> Answer {
    let statement = match client.prepare(sql).await {
        Ok(s) => s,
        Err(e) => return error_answer(&e),
    };
    let columns = statement
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let types = statement
        .columns()
        .iter()
        .map(|c| c.type_().oid())
        .collect();
    let messages = match client.simple_query(sql).await {
        Ok(m) => m,
        Err(e) => return error_answer(&e),
    };
    let rows = messages
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|i| row.get(i).map(str::to_string))
                    .collect(),
            ),
            _ => None,
        })
        .collect();
    Answer::Rows {
        columns,
        types,
        rows,
    }
}

/// Whether `sql` ends with an ORDER BY of its own (outside parentheses and
/// quotes), which the generator only writes when the order is total.
fn is_ordered(sql: &str) -> bool {
    let (mut depth, mut quoted, mut last) = (0i32, false, None);
    for (i, c) in sql.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            'O' if !quoted && depth == 0 && sql[i..].starts_with("ORDER BY") => last = Some(i),
            _ => {}
        }
    }
    last.is_some()
}

/// `answer` with its rows sorted, when their order is not defined.
fn canonical(answer: Answer, ordered: bool) -> Answer {
    match answer {
        Answer::Rows {
            columns,
            types,
            mut rows,
        } if !ordered => {
            rows.sort();
            Answer::Rows {
                columns,
                types,
                rows,
            }
        }
        other => other,
    }
}

/// How two answers relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Agreed,
    SharedError,
    Mismatch,
}

fn verdict(ours: &Answer, oracle: &Answer) -> Verdict {
    match (ours, oracle) {
        (Answer::NoAnswer(_), _) | (_, Answer::NoAnswer(_)) => Verdict::Mismatch,
        (Answer::Error(a), Answer::Error(b)) if a == b => Verdict::SharedError,
        (a, b) if a == b => Verdict::Agreed,
        _ => Verdict::Mismatch,
    }
}

/// DataPress and the oracle, loaded with the compat datasets.
pub struct Servers {
    ours: Side,
    oracle: Side,
    _servers: (Ours, Oracle),
    _dir: tempfile::TempDir,
}

impl Servers {
    /// Starts both servers (DataPress on loopback without a password, the
    /// oracle's trusted superuser).
    pub async fn start() -> anyhow::Result<Servers> {
        let dir = tempfile::tempdir()?;
        let tls = TlsMaterial::generate(dir.path())?;
        let datasets = Datasets::create(dir.path())?;
        let oracle = Oracle::start(&datasets, &tls).await?;
        let ours = Ours::start(OursKind::LoopbackNoPassword, &datasets, &tls, dir.path()).await?;
        Ok(Servers {
            ours: Side {
                port: ours.port,
                user: "datapress",
                client: None,
            },
            oracle: Side {
                port: oracle.port,
                user: "postgres",
                client: None,
            },
            _servers: (ours, oracle),
            _dir: dir,
        })
    }

    /// Runs `sql` on both; the canonical answers and their verdict.
    async fn compare(&mut self, sql: &str) -> (Answer, Answer, Verdict) {
        let ordered = is_ordered(sql);
        let started = std::time::Instant::now();
        let ours = canonical(self.ours.answer(sql).await, ordered);
        let ours_took = started.elapsed();
        let oracle = canonical(self.oracle.answer(sql).await, ordered);
        let v = verdict(&ours, &oracle);
        if std::env::var("COMPAT_VERBOSE").is_ok_and(|v| v == "1") {
            eprintln!(
                "{v:?} DataPress {ours_took:?} PostgreSQL {:?}: {sql}",
                started.elapsed() - ours_took
            );
        }
        (ours, oracle, v)
    }

    /// Replays the regressions file, then runs `queries` generated queries
    /// from `seed`, shrinking each mismatch.
    pub async fn run(&mut self, queries: usize, seed: u64) -> anyhow::Result<Report> {
        let mut report = Report::default();
        let regressions = std::fs::read_to_string(regressions_file()).unwrap_or_default();
        for sql in regressions
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("--"))
        {
            report.regressions += 1;
            self.count(sql.to_string(), &mut report).await;
        }
        let mut seed_bytes = [0u8; 32];
        for chunk in seed_bytes.chunks_mut(8) {
            chunk.copy_from_slice(&seed.to_le_bytes());
        }
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes);
        let mut runner = TestRunner::new_with_rng(Config::default(), rng);
        let strategy = grammar::query();
        for _ in 0..queries {
            let mut tree = strategy
                .new_tree(&mut runner)
                .map_err(|e| anyhow::anyhow!("generating a query: {e}"))?;
            let sql = tree.current();
            let (ours, oracle, v) = self.compare(&sql).await;
            report.queries += 1;
            match v {
                Verdict::Agreed => report.agreed += 1,
                Verdict::SharedError => report.shared_errors += 1,
                Verdict::Mismatch => {
                    let found = self.shrink(&mut tree, sql, ours, oracle).await;
                    if !report.mismatches.iter().any(|m| m.query == found.query) {
                        report.mismatches.push(found);
                    }
                }
            }
        }
        Ok(report)
    }

    async fn count(&mut self, sql: String, report: &mut Report) {
        let (ours, oracle, v) = self.compare(&sql).await;
        report.queries += 1;
        match v {
            Verdict::Agreed => report.agreed += 1,
            Verdict::SharedError => report.shared_errors += 1,
            Verdict::Mismatch => report.mismatches.push(Mismatch {
                query: sql,
                ours,
                oracle,
            }),
        }
    }

    /// proptest's shrinking protocol: simplify while the mismatch persists,
    /// step back when it disappears.
    async fn shrink(
        &mut self,
        tree: &mut impl ValueTree<Value = String>,
        sql: String,
        ours: Answer,
        oracle: Answer,
    ) -> Mismatch {
        let mut smallest = Mismatch {
            query: sql,
            ours,
            oracle,
        };
        let mut steps = 0;
        let mut more = tree.simplify();
        while more && steps < SHRINK_STEPS {
            steps += 1;
            let candidate = tree.current();
            let (ours, oracle, v) = self.compare(&candidate).await;
            more = if v == Verdict::Mismatch {
                smallest = Mismatch {
                    query: candidate,
                    ours,
                    oracle,
                };
                tree.simplify()
            } else {
                tree.complicate()
            };
        }
        smallest
    }
}

/// Appends mismatches to the regressions file, each after a comment saying
/// what each server answered.
pub fn record(mismatches: &[Mismatch], seed: u64) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(regressions_file())?;
    for m in mismatches {
        writeln!(
            file,
            "-- seed {seed}: DataPress {} / PostgreSQL {}",
            summary(&m.ours),
            summary(&m.oracle)
        )?;
        writeln!(file, "{}", m.query)?;
    }
    Ok(())
}

/// A one-line description of an answer.
pub fn summary(answer: &Answer) -> String {
    let text = match answer {
        Answer::Rows {
            columns,
            types,
            rows,
        } => format!(
            "{} rows, columns {columns:?}, types {types:?}, first {:?}",
            rows.len(),
            rows.first()
        ),
        Answer::Error(code) => format!("ERROR {code}"),
        Answer::NoAnswer(why) => format!("no answer ({why})"),
    };
    text.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_trailing_order_by_of_the_query_orders_it() {
        assert!(is_ordered("SELECT a AS c1 FROM t ORDER BY 1 LIMIT 3"));
        assert!(!is_ordered("SELECT string_agg(a, ',' ORDER BY a) FROM t"));
        assert!(!is_ordered("SELECT row_number() OVER (ORDER BY id) FROM t"));
        assert!(!is_ordered("SELECT 'ORDER BY' FROM t"));
    }

    #[test]
    fn errors_agree_only_on_the_same_sqlstate_and_no_answer_never_agrees() {
        let e = |c: &str| Answer::Error(c.into());
        assert_eq!(verdict(&e("22012"), &e("22012")), Verdict::SharedError);
        assert_eq!(verdict(&e("22012"), &e("22003")), Verdict::Mismatch);
        let none = Answer::NoAnswer("timeout".into());
        assert_eq!(verdict(&none, &none), Verdict::Mismatch);
    }
}
