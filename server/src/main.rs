//! The `datapress` command line: `serve` and `check-config`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use datapress::config::{Config, Overrides};
use datapress::server::Server;

#[derive(Parser)]
#[command(
    name = "datapress",
    version,
    about = "Datasets over the PostgreSQL wire protocol"
)]
struct Cli {
    /// How log lines are written (to stderr); `RUST_LOG` filters them.
    #[arg(long, value_enum, default_value = "text", global = true)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        #[command(flatten)]
        args: ConfigArgs,
    },
    /// Validate the configuration and exit.
    CheckConfig {
        #[command(flatten)]
        args: ConfigArgs,
    },
}

#[derive(clap::Args)]
struct ConfigArgs {
    /// The TOML configuration file.
    #[arg(long, short, env = "DATAPRESS_CONFIG")]
    config: PathBuf,
    /// Overrides server.pgwire.listen.
    #[arg(long)]
    pgwire_listen: Option<String>,
    /// Overrides server.pgwire.port.
    #[arg(long)]
    pgwire_port: Option<u16>,
    /// Overrides server.http.listen.
    #[arg(long)]
    http_listen: Option<String>,
}

impl ConfigArgs {
    fn load(&self) -> Result<Config, datapress::config::ConfigError> {
        let overrides = Overrides {
            pgwire_listen: self.pgwire_listen.clone(),
            pgwire_port: self.pgwire_port,
            http_listen: self.http_listen.clone(),
        };
        Config::load(&self.config, &overrides)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
    let (args, serve) = match &cli.command {
        Command::Serve { args } => (args, true),
        Command::CheckConfig { args } => (args, false),
    };
    let config = match args.load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        if !serve {
            // Loading the datasets and TLS files is part of the check.
            // Bound on free ports, so a check beside a running server works.
            let mut config = config;
            config.pgwire.port = 0;
            config.http.listen.set_port(0);
            return match Server::start(&config).await {
                Ok(server) => {
                    server.shutdown(Duration::ZERO).await;
                    println!("configuration OK");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            };
        }
        tracing::info!(version = env!("CARGO_PKG_VERSION"), "DataPress starting");
        let server = match Server::start(&config).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        wait_for_signal().await;
        let grace = config.shutdown_grace;
        tracing::info!(
            "shutting down: no new connections; running statements get {grace:?} to finish"
        );
        server.shutdown(grace).await;
        tracing::info!("stopped");
        ExitCode::SUCCESS
    })
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
