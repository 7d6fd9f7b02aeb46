//! Out-of-process clients: a small program per language under
//! `compat/clients/<language>/` drives one real driver and speaks JSON lines on
//! stdin/stdout (`connect`, `query`, `metadata`, `reset`, `version`, `close`;
//! see `compat/clients/README.md`).

use std::path::PathBuf;
use std::process::Stdio;

use async_trait::async_trait;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use super::{Client, Conn, Outcome, Param, Step};
use crate::harness::Target;

/// Where the installers put interpreters and compiled programs.
pub fn install_root() -> PathBuf {
    std::env::var_os("COMPAT_INSTALL_ROOT")
        .map_or_else(|| PathBuf::from("/opt/datapress-compat"), PathBuf::from)
}

/// The repository's `compat/clients` directory.
pub fn sources() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("clients")
}

/// A client program started once per connection.
pub struct External {
    /// The name in the matrix.
    pub name: String,
    /// The command line.
    pub command: Vec<PathBuf>,
    /// Files that must exist for the client to run, with the installer to run if not.
    pub requires: Vec<PathBuf>,
    /// The installer that provides them.
    pub installer: &'static str,
    /// Whether the program runs in a Docker container.
    pub docker: bool,
}

impl External {
    /// A Python driver run by `compat/clients/python/client.py` in the compat venv.
    pub fn python(driver: &str) -> External {
        let python = install_root().join("venv/bin/python");
        External {
            name: format!("Python {driver}"),
            command: vec![
                python.clone(),
                sources().join("python/client.py"),
                PathBuf::from("--driver"),
                PathBuf::from(driver),
            ],
            requires: vec![python],
            installer: "compat/clients/install-python.sh",
            docker: false,
        }
    }

    /// psqlODBC (Debian's `odbc-postgresql`, its Unicode driver) through pyodbc,
    /// run by `compat/clients/python/client.py`: needs the driver library too.
    pub fn python_odbc() -> External {
        let mut client = External::python("odbc");
        client
            .requires
            .push(PathBuf::from("/usr/lib/x86_64-linux-gnu/odbc/psqlodbcw.so"));
        client
    }

    /// pgjdbc (Debian's jar) run by the compiled `compat/clients/java/JdbcClient.java`.
    pub fn jdbc() -> External {
        let classes = install_root().join("build/java");
        let jar = PathBuf::from("/usr/share/java/postgresql.jar");
        let classpath = format!("{}:{}", jar.display(), classes.display());
        External {
            name: "pgjdbc".into(),
            command: vec![
                PathBuf::from("java"),
                PathBuf::from("-cp"),
                PathBuf::from(classpath),
                PathBuf::from("JdbcClient"),
            ],
            requires: vec![jar, classes.join("JdbcClient.class")],
            installer: "compat/clients/install-jvm.sh",
            docker: false,
        }
    }

    /// A Node.js driver (`pg` or `postgres`) run by `compat/clients/node/client.js`.
    pub fn node(driver: &str) -> External {
        let dir = sources().join("node");
        External {
            name: format!("Node {driver}"),
            command: vec![
                PathBuf::from("node"),
                dir.join("client.js"),
                PathBuf::from("--driver"),
                PathBuf::from(driver),
            ],
            requires: vec![dir.join("node_modules").join(driver)],
            installer: "compat/clients/install-node.sh",
            docker: false,
        }
    }

    /// A Go driver (`pgx` for pgx v4, `lib/pq`) run by the `compat/clients/go` program,
    /// built from Debian's packages in GOPATH mode.
    pub fn go(driver: &str) -> External {
        let program = install_root().join("build/go/go-client");
        let label = if driver == "pgx" { "pgx v4" } else { driver };
        External {
            name: format!("Go {label}"),
            command: vec![
                program.clone(),
                PathBuf::from("--driver"),
                PathBuf::from(driver),
            ],
            requires: vec![program],
            installer: "compat/clients/install-go.sh",
            docker: false,
        }
    }

    /// Npgsql in the image built from `docker/compat/npgsql` with tag `tag`.
    pub fn npgsql(tag: &str) -> External {
        let image = format!("datapress-compat-npgsql:{tag}");
        External {
            name: format!("Npgsql {tag} (Docker)"),
            command: [
                "docker",
                "run",
                "-i",
                "--rm",
                "--network",
                "host",
                image.as_str(),
            ]
            .iter()
            .map(PathBuf::from)
            .collect(),
            requires: vec![],
            installer: "docker build (see docker/compat/npgsql/Dockerfile)",
            docker: true,
        }
    }

    /// A wire-level replay of Npgsql `version` ("4.0", the one Power BI embeds, or
    /// "current"): `compat/clients/npgsql/replay.py`, standard-library Python that sends
    /// what that Npgsql sends (startup, auth, type loading, commands, pool reset).
    pub fn npgsql_replay(version: &str) -> External {
        let python = install_root().join("venv/bin/python");
        External {
            name: format!("Npgsql {version} (wire replay)"),
            command: vec![
                python.clone(),
                sources().join("npgsql/replay.py"),
                PathBuf::from("--version"),
                PathBuf::from(version),
            ],
            requires: vec![python],
            installer: "compat/clients/install-python.sh",
            docker: false,
        }
    }

    /// Starts the program (one per connection).
    fn spawn(&self) -> Result<ExternalConn, Outcome> {
        let (program, args) = self
            .command
            .split_first()
            .ok_or_else(|| Outcome::Unsupported("no command".into()))?;
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                Outcome::HarnessFailure(format!("cannot start {}: {e}", program.display()))
            })?;
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| Outcome::Unsupported("no stdin".into()))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| Outcome::Unsupported("no stdout".into()))?;
        Ok(ExternalConn {
            _child: child,
            stdin,
            stdout: BufReader::new(stdout).lines(),
        })
    }
}

struct ExternalConn {
    _child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
}

impl ExternalConn {
    async fn call(&mut self, request: Value) -> Result<Value, String> {
        let mut line = request.to_string();
        line.push('\n');
        self.stdin
            .write_all(line.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        self.stdin.flush().await.map_err(|e| e.to_string())?;
        match self.stdout.next_line().await {
            Ok(Some(reply)) => {
                serde_json::from_str(&reply).map_err(|e| format!("bad reply {reply:?}: {e}"))
            }
            Ok(None) => Err("client program exited".into()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// A column's type as a program reports it: the PG type OID, or, from a
/// driver that hides OIDs, its own type name (`"odbc:int"`), which becomes a
/// stable code above every OID PostgreSQL assigns to built-in types (FNV-1a
/// with the top bit set), so both servers' answers still compare.
fn type_code(reported: &Value) -> u32 {
    match (reported.as_u64(), reported.as_str()) {
        (Some(oid), _) => u32::try_from(oid).unwrap_or(u32::MAX),
        (None, Some(name)) => {
            let hash = name.bytes().fold(0x811c_9dc5u32, |h, b| {
                (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
            });
            hash | 0x8000_0000
        }
        (None, None) => 0,
    }
}

/// Turns a reply into an outcome: rows with their type OIDs, or an error
/// with its SQLSTATE and the server's primary message (the programs report
/// only the server's `M` field, which embeds no host or port).
fn outcome(reply: Result<Value, String>) -> Outcome {
    let reply = match reply {
        Ok(r) => r,
        Err(e) => return Outcome::HarnessFailure(e),
    };
    if reply["ok"] == json!(true) {
        let columns: Vec<String> = reply["columns"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|c| c.as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default();
        if columns.is_empty() {
            return Outcome::Done;
        }
        let rows = reply["rows"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .map(|r| {
                        r.as_array()
                            .map(|cells| {
                                cells
                                    .iter()
                                    .map(|c| (!c.is_null()).then(|| c.to_string()))
                                    .collect()
                            })
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let types = reply["types"]
            .as_array()
            .map(|a| a.iter().map(type_code).collect())
            .unwrap_or_default();
        return Outcome::Rows {
            columns,
            types,
            rows,
        };
    }
    let error = &reply["error"];
    let message = error["message"].as_str().unwrap_or_default().to_string();
    match error["sqlstate"].as_str() {
        Some(code) => Outcome::Error {
            code: code.to_string(),
            message,
        },
        None if message.starts_with("not supported") => Outcome::Unsupported(message),
        None => Outcome::Error {
            code: "client".into(),
            message,
        },
    }
}

fn param(p: &Param) -> Value {
    match p {
        Param::Int8(v) => json!(v),
        Param::Int4(v) => json!(v),
        Param::Float8(v) => json!(v),
        Param::Text(v) => json!(v),
        Param::Bool(v) => json!(v),
    }
}

#[async_trait]
impl Client for External {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn needs_docker(&self) -> bool {
        self.docker
    }

    async fn version(&self) -> String {
        if self.docker || self.unavailable().is_some() {
            return "not installed".into();
        }
        let Ok(mut conn) = self.spawn() else {
            return "unknown (the program did not start)".into();
        };
        match conn.call(json!({"op": "version"})).await {
            Ok(reply) => {
                let driver = reply["driver"].as_str().unwrap_or_default();
                let version = reply["version"].as_str().unwrap_or("unknown");
                format!("{driver} {version}").trim().to_string()
            }
            Err(e) => format!("unknown ({e})"),
        }
    }

    fn unavailable(&self) -> Option<String> {
        let missing: Vec<String> = self
            .requires
            .iter()
            .filter(|p| !p.exists())
            .map(|p| p.display().to_string())
            .collect();
        (!missing.is_empty()).then(|| {
            format!(
                "not installed ({}); run {}",
                missing.join(", "),
                self.installer
            )
        })
    }

    async fn connect(&self, target: &Target) -> Result<Box<dyn Conn>, Outcome> {
        let mut conn = self.spawn()?;
        let sslmode = target.tls.sslmode();
        let reply = conn
            .call(json!({
                "op": "connect",
                "host": target.host,
                "port": target.port,
                "user": target.user,
                "password": target.password,
                "dbname": target.dbname,
                "sslmode": sslmode,
                "sslrootcert": target.ca_file,
            }))
            .await;
        match outcome(reply) {
            Outcome::Done | Outcome::Rows { .. } => Ok(Box::new(conn)),
            // libpq-based drivers report refused connections without a SQLSTATE,
            // in a message naming the port: compare the rest of it.
            Outcome::Error { code, message } => Err(Outcome::Error {
                code,
                message: message
                    .replace(&format!("port {}", target.port), "port <port>")
                    .replace(&format!(":{}", target.port), ":<port>"),
            }),
            other => Err(other),
        }
    }
}

#[async_trait]
impl Conn for ExternalConn {
    async fn run(&mut self, step: &Step) -> Outcome {
        match step {
            Step::Query { sql, params } => {
                let params: Vec<Value> = params.iter().map(param).collect();
                outcome(
                    self.call(json!({"op": "query", "sql": sql, "params": params}))
                        .await,
                )
            }
            Step::PoolReset => outcome(self.call(json!({"op": "reset"})).await),
            Step::Metadata { call, table } => outcome(
                self.call(json!({"op": "metadata", "call": call, "table": table}))
                    .await,
            ),
            Step::Script(_)
            | Step::Portal { .. }
            | Step::ExecuteAfterDiscard(_)
            | Step::Backslash(_)
            | Step::Cancel { .. }
            | Step::Bytes(_) => Outcome::Unsupported("not a driver operation".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::{Target, TlsMode};

    #[tokio::test]
    async fn a_client_program_that_dies_is_a_harness_failure_not_an_answer() {
        let crashing = External {
            name: "crashing".into(),
            command: ["sh", "-c", "exit 3"].iter().map(PathBuf::from).collect(),
            requires: vec![],
            installer: "none",
            docker: false,
        };
        let target = Target {
            host: "127.0.0.1".into(),
            port: 1,
            user: "u".into(),
            password: None,
            dbname: "d".into(),
            tls: TlsMode::Disable,
            ca_file: PathBuf::from("/nonexistent"),
            datasets: crate::harness::live::DatasetControl::None,
        };
        match crashing.connect(&target).await {
            Err(Outcome::HarnessFailure(_)) => {}
            Err(other) => panic!("expected a harness failure, got {other:?}"),
            Ok(_) => panic!("a dead program cannot connect"),
        }
    }
}
