//! A throwaway PostgreSQL 15 (the oracle): initdb as user `postgres` into a
//! temporary directory, listening on 127.0.0.1 and a free port, TLS with the
//! run's certificate, SCRAM passwords, loaded with the run's datasets and
//! read-only for the test role. Stopped when dropped.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::data::Datasets;
use super::tls::TlsMaterial;
use super::PASSWORD;

/// Where PostgreSQL 15's programs are.
const BIN: &str = "/usr/lib/postgresql/15/bin";

/// A running PostgreSQL.
pub struct Oracle {
    /// Its port on 127.0.0.1.
    pub port: u16,
    data_dir: PathBuf,
    _dir: tempfile::TempDir,
}

/// Runs a program as user `postgres` (initdb refuses to run as root).
fn as_postgres(program: &str, args: &[&str]) -> anyhow::Result<()> {
    let path = format!("{BIN}/{program}");
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false);
    let output = if is_root {
        Command::new("runuser")
            .args(["-u", "postgres", "--", &path])
            .args(args)
            .output()?
    } else {
        Command::new(&path).args(args).output()?
    };
    if !output.status.success() {
        anyhow::bail!(
            "{program} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// Whether PostgreSQL 15 is installed here.
pub fn available() -> bool {
    Path::new(BIN).join("initdb").exists()
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl Oracle {
    /// Creates, configures, starts and loads a PostgreSQL.
    pub async fn start(datasets: &Datasets, tls: &TlsMaterial) -> anyhow::Result<Oracle> {
        if !available() {
            anyhow::bail!("PostgreSQL 15 is not installed ({BIN}/initdb missing)");
        }
        let dir = tempfile::Builder::new()
            .prefix("datapress-oracle")
            .tempdir_in("/tmp")?;
        let data_dir = dir.path().join("data");
        let root = dir.path().to_string_lossy().to_string();
        Command::new("chown")
            .args(["-R", "postgres:postgres", &root])
            .status()?;
        Command::new("chmod").args(["755", &root]).status()?;
        let data = data_dir.to_string_lossy().to_string();
        as_postgres(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
        )?;
        for (src, name) in [
            (&tls.server_cert, "server.crt"),
            (&tls.server_key, "server.key"),
            (&tls.ca_cert, "ca.pem"),
        ] {
            std::fs::copy(src, data_dir.join(name))?;
        }
        let port = free_port()?;
        let conf = format!(
            "port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{root}'\n\
             ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n\
             password_encryption = 'scram-sha-256'\nfsync = off\nsynchronous_commit = off\n\
             timezone = 'UTC'\nlog_timezone = 'UTC'\ndatestyle = 'iso, mdy'\nmax_connections = 50\n"
        );
        append(&data_dir.join("postgresql.conf"), &conf)?;
        std::fs::write(
            data_dir.join("pg_hba.conf"),
            "local all postgres trust\n\
             host all postgres 127.0.0.1/32 trust\n\
             hostnossl all tlsonly 127.0.0.1/32 reject\n\
             host all all 127.0.0.1/32 scram-sha-256\n",
        )?;
        Command::new("chown")
            .args(["-R", "postgres:postgres", &root])
            .status()?;
        Command::new("chmod")
            .args(["600", &data_dir.join("server.key").to_string_lossy()])
            .status()?;
        let log = dir
            .path()
            .join("postgres.log")
            .to_string_lossy()
            .to_string();
        as_postgres("pg_ctl", &["-D", &data, "-l", &log, "-w", "start"])?;
        let oracle = Oracle {
            port,
            data_dir,
            _dir: dir,
        };
        oracle.load(datasets).await?;
        Ok(oracle)
    }

    async fn load(&self, datasets: &Datasets) -> anyhow::Result<()> {
        let admin = self.admin("postgres").await?;
        admin
            .batch_execute(&format!(
                "CREATE ROLE datapress LOGIN PASSWORD '{PASSWORD}';\
                 CREATE ROLE tlsonly LOGIN PASSWORD '{PASSWORD}';"
            ))
            .await?;
        admin.batch_execute("CREATE DATABASE datapress").await?;
        let db = self.admin("datapress").await?;
        for (ddl, csv) in datasets.for_postgres().await? {
            db.batch_execute(&ddl).await?;
            let table = ddl.split('"').nth(1).unwrap_or_default().to_string();
            let sink = db
                .copy_in(&format!("COPY \"{table}\" FROM STDIN (FORMAT csv)"))
                .await?;
            use futures::SinkExt;
            let mut sink = Box::pin(sink);
            sink.send(bytes::Bytes::from(csv)).await?;
            sink.as_mut().finish().await?;
            // DataPress shows its datasets as owned by the connecting user.
            db.batch_execute(&format!("ALTER TABLE \"{table}\" OWNER TO datapress"))
                .await?;
        }
        db.batch_execute(
            "GRANT SELECT ON ALL TABLES IN SCHEMA public TO datapress, tlsonly;\
             ALTER ROLE datapress SET default_transaction_read_only = on;\
             ALTER ROLE tlsonly SET default_transaction_read_only = on;",
        )
        .await?;
        Ok(())
    }

    async fn admin(&self, dbname: &str) -> anyhow::Result<tokio_postgres::Client> {
        let dsn = format!(
            "host=127.0.0.1 port={} user=postgres dbname={dbname}",
            self.port
        );
        let (client, conn) = tokio_postgres::connect(&dsn, tokio_postgres::NoTls).await?;
        tokio::spawn(conn);
        Ok(client)
    }
}

fn append(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(path)?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let data = self.data_dir.to_string_lossy().to_string();
        let _ = as_postgres("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }
}
