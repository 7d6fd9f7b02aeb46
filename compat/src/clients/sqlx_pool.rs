//! sqlx's `PgPool` with one connection, so every step reuses a pooled
//! connection (its statement cache, its release path), with binary results.

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow, PgSslMode};
use sqlx::{Column, Row, TypeInfo, ValueRef};

use super::{hex, Client, Conn, Outcome, Param, Step};
use crate::harness::{Target, TlsMode};

/// sqlx through a one-connection pool.
pub struct SqlxPool;

struct SqlxConn {
    pool: sqlx::PgPool,
}

fn error_outcome(e: &sqlx::Error) -> Outcome {
    match e.as_database_error() {
        Some(db) => Outcome::Error {
            code: db.code().map(|c| c.to_string()).unwrap_or_default(),
            message: db.message().to_string(),
        },
        None => Outcome::Error {
            code: "client".into(),
            message: e.to_string(),
        },
    }
}

#[async_trait]
impl Client for SqlxPool {
    fn name(&self) -> String {
        "sqlx (PgPool)".into()
    }

    async fn version(&self) -> String {
        format!("sqlx {}", env!("COMPAT_SQLX_VERSION"))
    }

    async fn connect(&self, target: &Target) -> Result<Box<dyn Conn>, Outcome> {
        if target.tls != TlsMode::Disable {
            return Err(Outcome::Unsupported(
                "built without sqlx's TLS feature".into(),
            ));
        }
        let mut options = PgConnectOptions::new()
            .host(&target.host)
            .port(target.port)
            .username(&target.user)
            .database(&target.dbname)
            .ssl_mode(PgSslMode::Disable);
        if let Some(p) = &target.password {
            options = options.password(p);
        }
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(|e| error_outcome(&e))?;
        Ok(Box::new(SqlxConn { pool }))
    }
}

fn rows_outcome(rows: &[PgRow]) -> Outcome {
    let Some(first) = rows.first() else {
        return Outcome::Rows {
            columns: vec![],
            types: vec![],
            rows: vec![],
        };
    };
    let columns = first
        .columns()
        .iter()
        .map(|c| format!("{}:{}", c.name(), c.type_info().name()))
        .collect();
    let values = rows
        .iter()
        .map(|r| {
            (0..r.len())
                .map(|i| {
                    let v = r.try_get_raw(i).ok()?;
                    if v.is_null() {
                        None
                    } else {
                        v.as_bytes().ok().map(hex)
                    }
                })
                .collect()
        })
        .collect();
    Outcome::Rows {
        columns,
        types: vec![],
        rows: values,
    }
}

#[async_trait]
impl Conn for SqlxConn {
    async fn run(&mut self, step: &Step) -> Outcome {
        match step {
            Step::Query { sql, params } => {
                let mut q = sqlx::query(sql);
                for p in params {
                    q = match p {
                        Param::Int8(v) => q.bind(*v),
                        Param::Int4(v) => q.bind(*v),
                        Param::Float8(v) => q.bind(*v),
                        Param::Text(v) => q.bind(v.clone()),
                        Param::Bool(v) => q.bind(*v),
                    };
                }
                match q.fetch_all(&self.pool).await {
                    Ok(rows) => rows_outcome(&rows),
                    Err(e) => error_outcome(&e),
                }
            }
            Step::PoolReset => {
                // A transaction dropped without commit: the pool rolls it back on release.
                match self.pool.begin().await {
                    Ok(tx) => drop(tx),
                    Err(e) => return error_outcome(&e),
                }
                match sqlx::query("SELECT 1::int4 AS one")
                    .fetch_all(&self.pool)
                    .await
                {
                    Ok(rows) => rows_outcome(&rows),
                    Err(e) => error_outcome(&e),
                }
            }
            Step::Script(_)
            | Step::Portal { .. }
            | Step::ExecuteAfterDiscard(_)
            | Step::Metadata { .. }
            | Step::Backslash(_)
            | Step::Cancel { .. }
            | Step::Bytes(_) => Outcome::Unsupported("not a sqlx operation".into()),
        }
    }
}
