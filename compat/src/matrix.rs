//! Running the matrix: every client through every scenario, against DataPress
//! and the PostgreSQL oracle, each answer compared.

use serde::Serialize;

use crate::clients::external::External;
use crate::clients::{
    cell_text, raw::RawProtocol, sqlx_pool::SqlxPool, tokio_pg, Client, Conn, Outcome, Step,
};
use crate::harness::data::Datasets;
use crate::harness::live::DatasetControl;
use crate::harness::oracle::Oracle;
use crate::harness::ours::{Ours, OursKind};
use crate::harness::tls::TlsMaterial;
use crate::harness::{Target, TlsMode, PASSWORD};
use crate::scenarios::{self, Case, Lookup, Setup};
use crate::triage::replay::{replay, Endpoint, Replayed};
use crate::triage::trace::Trace;

/// The cases of a cell that ran on both servers and were compared, and
/// those skipped because the client cannot do them (with the reason).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Counts {
    /// Cases whose answers were compared.
    pub compared: usize,
    /// Of those, the ones where both servers agreed.
    pub agreed: usize,
    /// "case: reason" for each case the client could not run.
    pub skipped: Vec<String>,
}

/// The result of one (client, scenario) cell.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "status", content = "detail", rename_all = "snake_case")]
pub enum Cell {
    /// Every compared case agreed with the oracle (at least one was compared).
    Pass(Counts),
    /// Some case disagreed or a client failed: the first such case, and the counts.
    Fail {
        /// The first difference or failure.
        first: String,
        /// How many cases were compared and agreed.
        counts: Counts,
    },
    /// Could not run (a program is missing), and why.
    NotRun(String),
    /// Cannot run on this machine at all (no Docker engine for a Docker-only client).
    Unavailable(String),
    /// The scenario does not apply to this client (e.g. parameters in the simple protocol).
    NotApplicable(String),
}

/// One row of the matrix.
#[derive(Debug, Clone, Serialize)]
pub struct ClientRow {
    /// The client's name.
    pub client: String,
    /// (scenario, cell) in scenario order.
    pub cells: Vec<(String, Cell)>,
    /// The client library's version.
    pub version: String,
}

/// One DataPress per password auth method, all bound alike.
struct ByMethod {
    cleartext: Ours,
    md5: Ours,
    scram: Ours,
}

impl ByMethod {
    async fn start(
        kind: fn(&'static str) -> OursKind,
        datasets: &Datasets,
        tls: &TlsMaterial,
        dir: &std::path::Path,
    ) -> anyhow::Result<ByMethod> {
        let start = |method| Ours::start(kind(method), datasets, tls, dir);
        Ok(ByMethod {
            cleartext: start("cleartext").await?,
            md5: start("md5").await?,
            scram: start("scram-sha-256").await?,
        })
    }

    /// The instance with auth `method`.
    fn get(&self, method: &str) -> &Ours {
        match method {
            "md5" => &self.md5,
            "scram-sha-256" => &self.scram,
            _ => &self.cleartext,
        }
    }
}

/// Both servers of a run and their DataPress variants.
pub struct World {
    tls: TlsMaterial,
    oracle: Oracle,
    trusted: Ours,
    loopback: ByMethod,
    public: ByMethod,
    /// The file datasets registered mid-case read (the `accidents` sample).
    live_source: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl World {
    /// Starts the oracle and every DataPress variant.
    pub async fn start() -> anyhow::Result<World> {
        let dir = tempfile::tempdir()?;
        let tls = TlsMaterial::generate(dir.path())?;
        let datasets = Datasets::create(dir.path())?;
        let oracle = Oracle::start(&datasets, &tls).await?;
        let live_source = datasets
            .files
            .iter()
            .find(|d| d.name == "accidents")
            .map(|d| d.path.clone())
            .ok_or_else(|| anyhow::anyhow!("no accidents dataset"))?;
        Ok(World {
            live_source,
            trusted: Ours::start(OursKind::LoopbackNoPassword, &datasets, &tls, dir.path()).await?,
            loopback: ByMethod::start(OursKind::Password, &datasets, &tls, dir.path()).await?,
            public: ByMethod::start(OursKind::Public, &datasets, &tls, dir.path()).await?,
            oracle,
            tls,
            _dir: dir,
        })
    }

    fn target(&self, port: u16, user: &str, password: Option<&str>, tls: TlsMode) -> Target {
        let datasets = if port == self.oracle.port {
            DatasetControl::PostgreSQL {
                admin: format!("host=127.0.0.1 port={port} user=postgres dbname=datapress"),
            }
        } else {
            let ours = [
                &self.trusted,
                &self.loopback.cleartext,
                &self.loopback.md5,
                &self.loopback.scram,
            ]
            .into_iter()
            .chain([&self.public.cleartext, &self.public.md5, &self.public.scram])
            .find(|o| o.port == port);
            match ours.and_then(|o| o.server.http_addr()) {
                Some(http) => DatasetControl::DataPress {
                    http,
                    source: self.live_source.clone(),
                },
                None => DatasetControl::None,
            }
        };
        Target {
            datasets,
            host: "127.0.0.1".into(),
            port,
            user: user.into(),
            password: password.map(str::to_string),
            dbname: "datapress".into(),
            tls,
            ca_file: self.tls.ca_cert.clone(),
        }
    }

    /// The loopback DataPress with password auth `method`.
    fn with_auth(&self, method: &str) -> &Ours {
        self.loopback.get(method)
    }

    /// (DataPress target, oracle target) for a setup.
    fn targets(&self, setup: Setup) -> (Target, Target) {
        let o = self.oracle.port;
        let (pw, plain) = (Some(PASSWORD), TlsMode::Disable);
        match setup {
            Setup::Trusted => (
                self.target(self.trusted.port, "datapress", None, plain),
                self.target(o, "postgres", None, plain),
            ),
            Setup::Password(method) => {
                let ours = self.with_auth(method);
                (
                    self.target(ours.port, "datapress", pw, plain),
                    self.target(o, "datapress", pw, plain),
                )
            }
            Setup::WrongPassword(method) => (
                self.target(
                    self.with_auth(method).port,
                    "datapress",
                    Some("wrong"),
                    plain,
                ),
                self.target(o, "datapress", Some("wrong"), plain),
            ),
            Setup::UnknownUser(method) => (
                self.target(self.with_auth(method).port, "nobody", pw, plain),
                self.target(o, "nobody", pw, plain),
            ),
            // Over TLS, clients that can negotiate SCRAM-SHA-256-PLUS (channel binding) do.
            Setup::Tls(mode, method) => {
                let ours = self.with_auth(method);
                (
                    self.target(ours.port, "datapress", pw, mode),
                    self.target(o, "datapress", pw, mode),
                )
            }
            Setup::TlsPublic(mode, method) => (
                self.target(self.public.get(method).port, "datapress", pw, mode),
                self.target(o, "tlsonly", pw, mode),
            ),
            Setup::PlaintextToTlsOnly => (
                self.target(
                    self.public.get("scram-sha-256").port,
                    "datapress",
                    pw,
                    plain,
                ),
                self.target(o, "tlsonly", pw, plain),
            ),
        }
    }
}

/// Cells known to fail, each with the open issue that covers it. They are
/// shown as failures in COMPAT.md but do not fail the test run; a listed cell
/// that starts passing does, so the list cannot go stale.
pub const KNOWN_GAPS: &[(&str, &str, &str)] = &[];

/// The known-gap reason of a cell, if it is listed.
pub fn known_gap(client: &str, scenario: &str) -> Option<&'static str> {
    KNOWN_GAPS
        .iter()
        .find(|(c, s, _)| *c == client && *s == scenario)
        .map(|(_, _, why)| *why)
}

/// The clients of the matrix.
pub fn clients() -> Vec<Box<dyn Client>> {
    vec![
        Box::new(tokio_pg::TokioPostgres(tokio_pg::Mode::Simple)),
        Box::new(tokio_pg::TokioPostgres(tokio_pg::Mode::Extended)),
        Box::new(tokio_pg::TokioPostgres(tokio_pg::Mode::NativeTls)),
        Box::new(SqlxPool),
        Box::new(RawProtocol),
        Box::new(crate::clients::psql::Psql),
        Box::new(External::jdbc()),
        Box::new(External::node("pg")),
        Box::new(External::node("postgres")),
        Box::new(External::python("psycopg2")),
        Box::new(External::python("psycopg")),
        Box::new(External::python("psycopg-binary")),
        Box::new(External::python("asyncpg")),
        Box::new(External::python("pg8000")),
        Box::new(External::python_odbc()),
        Box::new(External::python("sqlalchemy-psycopg2")),
        Box::new(External::python("sqlalchemy-psycopg")),
        Box::new(External::python("sqlalchemy-asyncpg")),
        Box::new(External::python("sqlalchemy-pg8000")),
        Box::new(External::python("pandas")),
        Box::new(External::python("adbc")),
        Box::new(External::python("connectorx-binary")),
        Box::new(External::python("connectorx-cursor")),
        Box::new(External::python("connectorx-simple")),
        Box::new(External::python("connectorx-csv")),
        Box::new(External::python("polars-connectorx")),
        Box::new(External::python("polars-adbc")),
        Box::new(External::go("pgx")),
        Box::new(External::go("lib/pq")),
        Box::new(External::npgsql("4.0")),
        Box::new(External::npgsql("current")),
        Box::new(External::npgsql_replay("4.0")),
        Box::new(External::npgsql_replay("current")),
    ]
}

/// What a case produced on one server: the connect outcome, then each step's,
/// each reduced to what the case compares.
async fn run_case(client: &dyn Client, target: &Target, case: &Case) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    match client.connect(target).await {
        Err(e) => outcomes.push(e),
        Ok(mut conn) => {
            outcomes.push(Outcome::Done);
            for (i, step) in case.steps.iter().enumerate() {
                let changed = change_before(target, case, i + 1).await;
                let outcome = match changed {
                    Err(failed) => failed,
                    Ok(()) => match resolve(conn.as_mut(), step, i + 1, &case.lookups).await {
                        Ok(step) => conn.run(&step).await,
                        Err(failed) => failed,
                    },
                };
                outcomes.push(outcome);
            }
        }
    }
    outcomes
        .into_iter()
        .enumerate()
        .map(|(i, o)| case.compare.project(i, o))
        .collect()
}

/// Applies the case's dataset changes due before step `number` on the
/// target's server; a change that fails is a harness failure.
async fn change_before(target: &Target, case: &Case, number: usize) -> Result<(), Outcome> {
    for change in case.changes.iter().filter(|c| c.before_step == number) {
        target
            .datasets
            .apply(change)
            .await
            .map_err(|why| Outcome::HarnessFailure(format!("changing the datasets: {why}")))?;
    }
    Ok(())
}

/// Step `number` with the parameters `lookups` give it, each looked up on
/// `conn`'s server; or, when a lookup yields no value, the outcome to record.
async fn resolve(
    conn: &mut dyn Conn,
    step: &Step,
    number: usize,
    lookups: &[Lookup],
) -> Result<Step, Outcome> {
    let mut step = step.clone();
    for lookup in lookups.iter().filter(|l| l.step == number) {
        let value = match conn.run(&Step::query(&lookup.sql)).await {
            Outcome::Rows { rows, .. } => rows
                .into_iter()
                .next()
                .and_then(|row| row.into_iter().next().flatten()),
            failed @ (Outcome::Error { .. } | Outcome::Unsupported(_)) => return Err(failed),
            _ => None,
        };
        if value
            .and_then(|cell| fill(&mut step, lookup.param, &cell))
            .is_none()
        {
            return Err(Outcome::HarnessFailure(format!(
                "lookup found no value for ${} from {}",
                lookup.param, lookup.sql
            )));
        }
    }
    Ok(step)
}

/// Sets parameter `$n` of a query step to the text of `cell`, typed like the
/// value it replaces.
fn fill(step: &mut Step, n: usize, cell: &str) -> Option<()> {
    let Step::Query { params, .. } = step else {
        return None;
    };
    let slot = params.get_mut(n.checked_sub(1)?)?;
    *slot = slot.retyped(&cell_text(cell))?;
    Some(())
}

/// Runs one client through one scenario.
pub async fn run_cell(world: &World, client: &dyn Client, scenario: &scenarios::Scenario) -> Cell {
    let name = client.name();
    let cases: Vec<&Case> = scenario
        .cases
        .iter()
        .filter(|case| case.applies_to(&name))
        .collect();
    if cases.is_empty() {
        let names: Vec<&str> = scenario.cases.iter().map(|c| c.name.as_str()).collect();
        return Cell::NotApplicable(format!(
            "every case is for other clients: {}",
            names.join(", ")
        ));
    }
    if let Some(reason) = client.unavailable() {
        return Cell::NotRun(reason);
    }
    if client.needs_docker() {
        if let Err(reason) = crate::harness::docker::engine().await {
            return Cell::Unavailable(reason);
        }
    }
    let mut counts = Counts::default();
    let mut first = None;
    for case in cases {
        let (ours_target, oracle_target) = world.targets(case.setup);
        let oracle = run_case(client, &oracle_target, case).await;
        if let Some(Outcome::Unsupported(why)) =
            oracle.iter().find(|o| matches!(o, Outcome::Unsupported(_)))
        {
            counts.skipped.push(format!("{}: {why}", case.name));
            continue;
        }
        let ours = run_case(client, &ours_target, case).await;
        if std::env::var("COMPAT_VERBOSE").is_ok_and(|v| v == "1") {
            eprintln!(
                "{} / {}:\n  DataPress  {}\n  PostgreSQL {}",
                name,
                case.name,
                short(&ours),
                short(&oracle)
            );
        }
        counts.compared += 1;
        match difference(&ours, &oracle) {
            None => counts.agreed += 1,
            Some(why) => {
                first.get_or_insert(format!("{}{why}", case.name));
            }
        }
    }
    verdict(first, counts, "the client can do none of its cases")
}

/// How one case's outcomes on DataPress (`ours`) and PostgreSQL differ, if
/// they do. A harness or client failure on either side is a difference: both
/// servers must have answered for a case to agree.
fn difference(ours: &[Outcome], oracle: &[Outcome]) -> Option<String> {
    let step = |i: usize| {
        if i == 0 {
            "connect".to_string()
        } else {
            format!("step {i}")
        }
    };
    for (i, (a, b)) in ours.iter().zip(oracle).enumerate() {
        for (side, outcome) in [("DataPress", a), ("PostgreSQL", b)] {
            if let Outcome::HarnessFailure(why) = outcome {
                return Some(format!(
                    " ({}): the client failed against {side}: {why}",
                    step(i)
                ));
            }
        }
        if a != b {
            return Some(format!(
                " ({}): DataPress {} but PostgreSQL {}",
                step(i),
                short(a),
                short(b)
            ));
        }
    }
    (ours.len() != oracle.len()).then(|| {
        format!(
            ": DataPress ran {} steps, PostgreSQL {}",
            ours.len(),
            oracle.len()
        )
    })
}

fn short(o: &impl Serialize) -> String {
    let text = serde_json::to_string(o).unwrap_or_default();
    if text.len() > 400 {
        format!("{}…", &text[..400])
    } else {
        text
    }
}

/// The matrix's column for the traces kept in `compat/traces/`.
pub const TRACES: &str = "recorded traces";

/// Replays the kept traces recorded from `client` against both servers:
/// each recorded connection is a case, compared once per server.
pub async fn traces_cell(world: &World, client: &str, traces: &[(String, Trace)]) -> Cell {
    let mine: Vec<_> = traces
        .iter()
        .filter(|(_, t)| t.header.client.as_deref() == Some(client))
        .collect();
    if mine.is_empty() {
        return Cell::NotApplicable("no trace recorded from this client in compat/traces".into());
    }
    let (ours, oracle) = world.targets(Setup::Password("scram-sha-256"));
    let mut counts = Counts::default();
    let mut first = None;
    for (name, trace) in mine {
        for (label, target) in [("DataPress", &ours), ("PostgreSQL", &oracle)] {
            let endpoint = Endpoint {
                label: label.into(),
                host: target.host.clone(),
                port: target.port,
                user: target.user.clone(),
                password: target.password.clone(),
                dbname: target.dbname.clone(),
            };
            for report in replay(trace, &endpoint).await {
                let case = format!("{name} connection {} on {label}", report.conn);
                match report.result {
                    Replayed::Same => {
                        counts.compared += 1;
                        counts.agreed += 1;
                    }
                    Replayed::NotReplayed(why) => counts.skipped.push(format!("{case}: {why}")),
                    Replayed::Diverged(d) => {
                        counts.compared += 1;
                        first.get_or_insert(format!("{case}: {d}"));
                    }
                    Replayed::Failed(why) => {
                        counts.compared += 1;
                        first.get_or_insert(format!("{case}: {why}"));
                    }
                }
            }
        }
    }
    verdict(first, counts, "no recorded connection can be replayed")
}

/// A cell from its first failure and counts: with nothing compared, not
/// applicable (`nothing_compared` and the reasons cases were skipped).
fn verdict(first: Option<String>, counts: Counts, nothing_compared: &str) -> Cell {
    match first {
        Some(first) => Cell::Fail { first, counts },
        None if counts.compared == 0 => {
            Cell::NotApplicable(format!("{nothing_compared}: {}", counts.skipped.join("; ")))
        }
        None => Cell::Pass(counts),
    }
}

/// Runs the whole matrix.
pub async fn run() -> anyhow::Result<Vec<ClientRow>> {
    // COMPAT_SCENARIO=catalog runs only the scenarios whose name contains that text.
    let scenario_filter = std::env::var("COMPAT_SCENARIO").ok();
    let scenarios: Vec<_> = scenarios::all()?
        .into_iter()
        .filter(|s| {
            scenario_filter
                .as_ref()
                .is_none_or(|f| s.name.contains(f.as_str()))
        })
        .collect();
    let with_traces = scenario_filter
        .as_ref()
        .is_none_or(|f| TRACES.contains(f.as_str()));
    let traces = crate::triage::kept_traces()?;
    let world = World::start().await?;
    let mut rows = Vec::new();
    // COMPAT_CLIENT=pgjdbc runs only the clients whose name contains that text.
    let only = std::env::var("COMPAT_CLIENT")
        .ok()
        .map(|s| s.to_lowercase());
    for client in clients() {
        if only
            .as_ref()
            .is_some_and(|o| !client.name().to_lowercase().contains(o))
        {
            continue;
        }
        let mut cells = Vec::new();
        for scenario in &scenarios {
            cells.push((
                scenario.name.to_string(),
                run_cell(&world, client.as_ref(), scenario).await,
            ));
        }
        if with_traces {
            let cell = traces_cell(&world, &client.name(), &traces).await;
            cells.push((TRACES.to_string(), cell));
        }
        rows.push(ClientRow {
            client: client.name(),
            cells,
            version: client.version().await,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(types: Vec<u32>, value: &str) -> Outcome {
        Outcome::Rows {
            columns: vec!["count".into()],
            types,
            rows: vec![vec![Some(value.into())]],
        }
    }

    #[test]
    fn a_client_that_fails_on_both_sides_is_a_difference() {
        let crash = Outcome::HarnessFailure("client program exited".into());
        let both = [Outcome::Done, crash.clone()];
        let found = difference(&both, &both).expect("a crash is never agreement");
        assert!(found.contains("client program exited"), "{found}");
    }

    #[test]
    fn differing_types_or_values_are_differences() {
        let pg = [Outcome::Done, rows(vec![20], "0")];
        assert!(difference(&pg, &pg).is_none());
        assert!(difference(&[Outcome::Done, rows(vec![23], "0")], &pg).is_some());
        // A wrong aggregate: NULL where PostgreSQL counts 0.
        let null = Outcome::Rows {
            columns: vec!["count".into()],
            types: vec![20],
            rows: vec![vec![None]],
        };
        assert!(difference(&[Outcome::Done, null], &pg).is_some());
        assert!(difference(&[Outcome::Done], &pg).is_some());
    }
}
