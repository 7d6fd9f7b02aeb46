//! tokio-postgres in three ways: the simple protocol (text), the extended
//! protocol (binary results, compared byte for byte), and over
//! postgres-native-tls (TLS require / verify-full).

use async_trait::async_trait;
use tokio_postgres::types::{FromSql, ToSql, Type};
use tokio_postgres::{Client as PgClient, SimpleQueryMessage};

use super::{hex, Client, Conn, Outcome, Param, Step};
use crate::harness::{Target, TlsMode};

/// How tokio-postgres talks to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `simple_query`: text results.
    Simple,
    /// Prepared statements: binary results.
    Extended,
    /// Prepared statements over postgres-native-tls.
    NativeTls,
}

/// tokio-postgres in one [`Mode`].
pub struct TokioPostgres(pub Mode);

fn error_outcome(e: &tokio_postgres::Error) -> Outcome {
    match e.as_db_error() {
        Some(db) => Outcome::Error {
            code: db.code().code().to_string(),
            message: db.message().to_string(),
        },
        None => Outcome::Error {
            code: "client".into(),
            message: e.to_string(),
        },
    }
}

#[async_trait]
impl Client for TokioPostgres {
    async fn version(&self) -> String {
        match self.0 {
            Mode::NativeTls => format!(
                "tokio-postgres {}, postgres-native-tls {}",
                env!("COMPAT_TOKIO_POSTGRES_VERSION"),
                env!("COMPAT_POSTGRES_NATIVE_TLS_VERSION")
            ),
            _ => format!("tokio-postgres {}", env!("COMPAT_TOKIO_POSTGRES_VERSION")),
        }
    }

    fn name(&self) -> String {
        match self.0 {
            Mode::Simple => "tokio-postgres (simple)".into(),
            Mode::Extended => "tokio-postgres (extended, binary)".into(),
            Mode::NativeTls => "postgres-native-tls".into(),
        }
    }

    async fn connect(&self, target: &Target) -> Result<Box<dyn Conn>, Outcome> {
        let mut config = tokio_postgres::Config::new();
        config
            .host(&target.host)
            .port(target.port)
            .user(&target.user)
            .dbname(&target.dbname);
        if let Some(p) = &target.password {
            config.password(p);
        }
        if self.0 != Mode::NativeTls && target.tls != TlsMode::Disable {
            return Err(Outcome::Unsupported(
                "TLS is covered by postgres-native-tls".into(),
            ));
        }
        let tls = target.tls;
        let client = match tls {
            TlsMode::Disable => {
                config.ssl_mode(tokio_postgres::config::SslMode::Disable);
                let (client, conn) = config
                    .connect(tokio_postgres::NoTls)
                    .await
                    .map_err(|e| error_outcome(&e))?;
                tokio::spawn(conn);
                client
            }
            TlsMode::Require | TlsMode::VerifyFull => {
                config.ssl_mode(tokio_postgres::config::SslMode::Require);
                let mut builder = native_tls::TlsConnector::builder();
                if tls == TlsMode::Require {
                    builder
                        .danger_accept_invalid_certs(true)
                        .danger_accept_invalid_hostnames(true);
                } else {
                    let pem = std::fs::read(&target.ca_file)
                        .map_err(|e| Outcome::Unsupported(e.to_string()))?;
                    let ca = native_tls::Certificate::from_pem(&pem)
                        .map_err(|e| Outcome::Unsupported(e.to_string()))?;
                    builder.add_root_certificate(ca);
                }
                let connector = builder
                    .build()
                    .map_err(|e| Outcome::Unsupported(e.to_string()))?;
                let connector = postgres_native_tls::MakeTlsConnector::new(connector);
                let (client, conn) = config
                    .connect(connector)
                    .await
                    .map_err(|e| error_outcome(&e))?;
                tokio::spawn(conn);
                client
            }
        };
        Ok(Box::new(TokioConn {
            client,
            mode: self.0,
        }))
    }
}

struct TokioConn {
    client: PgClient,
    mode: Mode,
}

/// Any value as its raw wire bytes.
struct RawValue(Vec<u8>);

impl<'a> FromSql<'a> for RawValue {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(RawValue(raw.to_vec()))
    }
    fn accepts(_: &Type) -> bool {
        true
    }
}

fn to_sql(p: &Param) -> Box<dyn ToSql + Sync + Send> {
    match p {
        Param::Int8(v) => Box::new(*v),
        Param::Int4(v) => Box::new(*v),
        Param::Float8(v) => Box::new(*v),
        Param::Text(v) => Box::new(v.clone()),
        Param::Bool(v) => Box::new(*v),
    }
}

impl TokioConn {
    async fn simple(&self, sql: &str) -> Outcome {
        match self.client.simple_query(sql).await {
            Ok(messages) => {
                let mut columns = Vec::new();
                let mut rows = Vec::new();
                for m in messages {
                    match m {
                        SimpleQueryMessage::RowDescription(cols) => {
                            columns = cols.iter().map(|c| c.name().to_string()).collect();
                        }
                        SimpleQueryMessage::Row(r) => {
                            rows.push((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect());
                        }
                        _ => {}
                    }
                }
                if columns.is_empty() {
                    Outcome::Done
                } else {
                    Outcome::Rows {
                        columns,
                        types: vec![],
                        rows,
                    }
                }
            }
            Err(e) => error_outcome(&e),
        }
    }

    async fn extended(&self, sql: &str, params: &[Param]) -> Outcome {
        let statement = match self.client.prepare(sql).await {
            Ok(s) => s,
            Err(e) => return error_outcome(&e),
        };
        let boxed: Vec<Box<dyn ToSql + Sync + Send>> = params.iter().map(to_sql).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = boxed
            .iter()
            .map(|b| b.as_ref() as &(dyn ToSql + Sync))
            .collect();
        match self.client.query(&statement, &refs).await {
            Ok(rows) => rows_outcome(&statement, &rows),
            Err(e) => error_outcome(&e),
        }
    }

    async fn portal(&mut self, sql: &str, per_execute: i32) -> Outcome {
        let tx = match self.client.transaction().await {
            Ok(t) => t,
            Err(e) => return error_outcome(&e),
        };
        let statement = match tx.prepare(sql).await {
            Ok(s) => s,
            Err(e) => return error_outcome(&e),
        };
        let portal = match tx.bind(&statement, &[]).await {
            Ok(p) => p,
            Err(e) => return error_outcome(&e),
        };
        let mut all = Vec::new();
        let mut batches = Vec::new();
        loop {
            match tx.query_portal(&portal, per_execute).await {
                Ok(rows) if rows.is_empty() => break,
                Ok(rows) => {
                    batches.push(Some(rows.len().to_string()));
                    all.extend(rows);
                }
                Err(e) => return error_outcome(&e),
            }
        }
        let _ = tx.commit().await;
        match rows_outcome(&statement, &all) {
            Outcome::Rows {
                columns,
                types,
                mut rows,
            } => {
                rows.push(batches);
                Outcome::Rows {
                    columns,
                    types,
                    rows,
                }
            }
            other => other,
        }
    }
}

fn rows_outcome(statement: &tokio_postgres::Statement, rows: &[tokio_postgres::Row]) -> Outcome {
    let columns = statement.columns();
    if columns.is_empty() {
        return Outcome::Done;
    }
    Outcome::Rows {
        columns: columns.iter().map(|c| c.name().to_string()).collect(),
        types: columns.iter().map(|c| c.type_().oid()).collect(),
        rows: rows
            .iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| r.get::<_, Option<RawValue>>(i).map(|v| hex(&v.0)))
                    .collect()
            })
            .collect(),
    }
}

#[async_trait]
impl Conn for TokioConn {
    async fn run(&mut self, step: &Step) -> Outcome {
        match (step, self.mode) {
            (Step::Query { sql, params }, Mode::Simple) if params.is_empty() => {
                self.simple(sql).await
            }
            (Step::Query { .. }, Mode::Simple) => {
                Outcome::Unsupported("simple protocol has no parameters".into())
            }
            (Step::Query { sql, params }, _) => self.extended(sql, params).await,
            (Step::Portal { sql, rows }, Mode::Extended | Mode::NativeTls) => {
                self.portal(sql, *rows).await
            }
            (Step::Portal { .. }, Mode::Simple) => {
                Outcome::Unsupported("no portals in the simple protocol".into())
            }
            (Step::Script(sql), _) => self.simple(sql).await,
            (Step::ExecuteAfterDiscard(sql), Mode::Extended | Mode::NativeTls) => {
                let statement = match self.client.prepare(sql).await {
                    Ok(s) => s,
                    Err(e) => return error_outcome(&e),
                };
                if let Err(e) = self.client.batch_execute("DISCARD ALL").await {
                    return error_outcome(&e);
                }
                match self.client.query(&statement, &[]).await {
                    Ok(rows) => rows_outcome(&statement, &rows),
                    Err(e) => error_outcome(&e),
                }
            }
            (Step::ExecuteAfterDiscard(_), Mode::Simple) => {
                Outcome::Unsupported("no prepared statements in the simple protocol".into())
            }
            (Step::PoolReset, _) => Outcome::Unsupported("tokio-postgres has no pool".into()),
            (
                Step::Metadata { .. } | Step::Backslash(_) | Step::Cancel { .. } | Step::Bytes(_),
                _,
            ) => Outcome::Unsupported("tokio-postgres has no metadata API".into()),
        }
    }
}
