//! BI tool profiles: the statements each BI or database GUI tool sends on
//! connect and while browsing (`compat/profiles/<tool>.jsonl`, read at run
//! time), replayed in order through the matrix client of the driver that tool
//! uses. Their answers are full of server-specific values, so they are compared
//! by shape; a line with `"compare": "columns"` (and its `"why"`) leaves out the
//! row count. Every line is one query call of the driver, which picks the
//! protocol as it does for the tool: psycopg 3 sends a statement without
//! parameters as one simple-protocol Query, so pgAdmin's multi-statement startup
//! batch goes out as pgAdmin sends it.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::Deserialize;
use serde_json::Value;

use super::{Case, Compare, Lookup, Setup};
use crate::clients::external::External;
use crate::clients::{Param, Step};

/// One line of a profile; the fields that document it are not read here.
#[derive(Deserialize)]
struct Line {
    tool: String,
    driver: String,
    sql: String,
    #[serde(default)]
    params: Vec<Value>,
    #[serde(default)]
    params_from: Vec<Option<String>>,
    compare: Option<LineCompare>,
    why: Option<String>,
}

/// A line's `compare` field.
#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum LineCompare {
    /// Column names and types only: the row count legitimately differs.
    Columns,
}

/// One case per profile, in file name order.
pub fn cases() -> anyhow::Result<Vec<Case>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|path| path.extension().is_some_and(|ext| ext == "jsonl"));
    files.sort();
    files
        .iter()
        .map(|path| case(path).with_context(|| format!("profile {}", path.display())))
        .collect()
}

/// The case of one profile: its statements in order, for its driver's clients.
fn case(path: &Path) -> anyhow::Result<Case> {
    let text = std::fs::read_to_string(path)?;
    let lines: Vec<Line> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| serde_json::from_str(line).with_context(|| format!("line {}", i + 1)))
        .collect::<anyhow::Result<_>>()?;
    let Some(first) = lines.first() else {
        bail!("no statements");
    };
    let (tool, driver) = (first.tool.clone(), first.driver.clone());
    let mut steps = Vec::new();
    let mut lookups = Vec::new();
    let mut uncounted = Vec::new();
    for (i, line) in lines.into_iter().enumerate() {
        let number = i + 1;
        if (&line.tool, &line.driver) != (&tool, &driver) {
            bail!("statement {number}: not for {tool} ({driver}) like the first");
        }
        if matches!(line.compare, Some(LineCompare::Columns)) {
            if line.why.is_none() {
                bail!("statement {number}: \"compare\" needs a \"why\"");
            }
            uncounted.push(number);
        }
        if line.params_from.len() > line.params.len() {
            bail!("statement {number}: more params_from than params");
        }
        for (p, given) in line.params.iter().enumerate() {
            match line.params_from.get(p).cloned().flatten() {
                Some(sql) => lookups.push(Lookup {
                    step: number,
                    param: p + 1,
                    sql,
                }),
                None if given.is_null() => {
                    bail!(
                        "statement {number}: ${} is null and has no params_from",
                        p + 1
                    )
                }
                None => {}
            }
        }
        let params: Vec<Param> = line
            .params
            .iter()
            .map(param)
            .collect::<anyhow::Result<_>>()?;
        steps.push(Step::Query {
            sql: line.sql,
            params,
        });
    }
    Ok(Case {
        compare: Compare::Shape { uncounted },
        clients: Some(clients_of(&driver)?),
        lookups,
        ..Case::new(
            &format!("{tool} ({driver})"),
            Setup::Password("cleartext"),
            steps,
        )
    })
}

/// A given parameter: a string is sent as text and an integer as int8, as
/// pgjdbc's `setString` and `setLong` send them (PostgreSQL takes an int8 where
/// an `oid` is wanted); `null` stands for a looked-up OID, an int8 too.
fn param(value: &Value) -> anyhow::Result<Param> {
    match value {
        Value::String(text) => Ok(Param::Text(text.clone())),
        Value::Number(n) => n
            .as_i64()
            .map(Param::Int8)
            .with_context(|| format!("parameter {n} is not an integer")),
        Value::Null => Ok(Param::Int8(0)),
        other => bail!("parameter {other} is neither a string nor an integer"),
    }
}

/// The matrix clients that replay a profile's `driver`.
fn clients_of(driver: &str) -> anyhow::Result<Vec<String>> {
    Ok(match driver {
        "pgjdbc" => vec![External::jdbc().name],
        "sqlalchemy-psycopg2" | "psycopg" => vec![External::python(driver).name],
        "lib/pq" | "pgx" => vec![External::go(driver).name],
        "npgsql" => ["4.0", "current"]
            .into_iter()
            .map(|version| External::npgsql_replay(version).name)
            .collect(),
        other => bail!("no matrix client for driver {other:?}"),
    })
}
