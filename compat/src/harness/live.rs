//! Datasets that appear and vanish mid-case (the `live datasets` scenario):
//! on DataPress through its HTTP API, on PostgreSQL through another session's
//! DDL, the moment PostgreSQL's catalog changes the same way.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::scenarios::Change;

/// How the harness changes one server's datasets.
#[derive(Debug, Clone)]
pub enum DatasetControl {
    /// It cannot (a target outside a matrix run).
    None,
    /// DataPress: `POST`/`DELETE /api/datasets` on its HTTP API.
    DataPress {
        /// The HTTP API's address.
        http: SocketAddr,
        /// The file a new dataset reads (the `accidents` sample).
        source: PathBuf,
    },
    /// PostgreSQL: DDL as the superuser, in a session of its own.
    PostgreSQL {
        /// The superuser's connection string.
        admin: String,
    },
}

impl DatasetControl {
    /// Makes `change.table` appear or vanish; `Err` says why it could not.
    pub async fn apply(&self, change: &Change) -> Result<(), String> {
        let table = change.table;
        match self {
            DatasetControl::None => Err("this target cannot change its datasets".into()),
            DatasetControl::DataPress { http, source } => {
                let client = reqwest::Client::new();
                let request = if change.present {
                    let body = serde_json::json!({"name": table, "path": source});
                    client
                        .post(format!("http://{http}/api/datasets"))
                        .json(&body)
                } else {
                    client.delete(format!("http://{http}/api/datasets/{table}"))
                };
                let response = request.send().await.map_err(|e| e.to_string())?;
                if response.status().is_success() {
                    Ok(())
                } else {
                    Err(format!(
                        "HTTP {}: {}",
                        response.status(),
                        response.text().await.unwrap_or_default()
                    ))
                }
            }
            DatasetControl::PostgreSQL { admin } => {
                let (client, conn) = tokio_postgres::connect(admin, tokio_postgres::NoTls)
                    .await
                    .map_err(|e| e.to_string())?;
                tokio::spawn(conn);
                // Owned by the client's role and readable as the loaded datasets are.
                let sql = if change.present {
                    format!(
                        "CREATE TABLE \"{table}\" (LIKE accidents INCLUDING ALL);\
                         INSERT INTO \"{table}\" SELECT * FROM accidents;\
                         ALTER TABLE \"{table}\" OWNER TO datapress;\
                         GRANT SELECT ON \"{table}\" TO datapress, tlsonly;"
                    )
                } else {
                    format!("DROP TABLE \"{table}\"")
                };
                client.batch_execute(&sql).await.map_err(|e| e.to_string())
            }
        }
    }
}
