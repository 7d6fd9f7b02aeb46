//! Changing the served datasets while the server runs — register, replace,
//! remove, reload — one change at a time, each all or nothing: datasets are
//! loaded first and swapped in after, so a failure changes nothing. The HTTP
//! API and the Python binding both go through here.

use std::path::PathBuf;
use std::sync::Arc;

use crate::config::{Config, DatasetConfig, DatasetSpec, Overrides};
use crate::datasets::roots::OutsideRoots;
use crate::datasets::{Dataset, DatasetError, Origin};
use crate::engine::Engine;

/// Why a change was refused; nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// The dataset's settings are invalid (name, format, options), or the
    /// configuration file cannot be read again.
    #[error(transparent)]
    Invalid(#[from] crate::config::ConfigError),
    /// The path lies outside `data_roots`.
    #[error(transparent)]
    OutsideRoots(#[from] OutsideRoots),
    /// These datasets could not be loaded.
    #[error("{}", describe(.0))]
    Load(Vec<DatasetError>),
    /// No dataset has this name.
    #[error("dataset \"{0}\" is not registered")]
    NotFound(String),
}

fn describe(failures: &[DatasetError]) -> String {
    match failures {
        [one] => format!("cannot load {one}"),
        many => format!(
            "{} datasets could not be loaded, nothing changed: {}",
            many.len(),
            many.iter()
                .map(|f| f.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

/// The datasets of a running server, as its API changes them.
#[derive(Debug)]
pub struct LiveDatasets {
    engine: Arc<Engine>,
    base: PathBuf,
    data_roots: Vec<PathBuf>,
    source: Option<PathBuf>,
    configured: Vec<DatasetConfig>,
    changes: tokio::sync::Mutex<()>,
}

impl LiveDatasets {
    /// The datasets of `engine`, changed under `config`'s rules.
    pub fn new(engine: Arc<Engine>, config: &Config) -> LiveDatasets {
        LiveDatasets {
            engine,
            base: config.base.clone(),
            data_roots: config.data_roots.clone(),
            source: config.source.clone(),
            configured: config.datasets.clone(),
            changes: tokio::sync::Mutex::new(()),
        }
    }

    /// The engine whose registry this changes.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// Registers `spec` (relative paths from the configuration's directory),
    /// replacing a dataset of the same name; returns whether it replaced one.
    pub async fn register(&self, spec: DatasetSpec) -> Result<bool, ChangeError> {
        let config = spec.validate(&self.base)?;
        crate::datasets::roots::check(&config.path, &self.data_roots)?;
        let _one_at_a_time = self.changes.lock().await;
        let dataset = Dataset::load(self.engine.template(), config, Origin::Api)
            .await
            .map_err(|e| ChangeError::Load(vec![e]))?;
        let name = dataset.config.name.clone();
        let replaced = self.engine.registry().insert(dataset);
        tracing::info!(dataset = %name, replaced, "dataset registered");
        Ok(replaced)
    }

    /// Removes a dataset.
    pub async fn remove(&self, name: &str) -> Result<(), ChangeError> {
        let _one_at_a_time = self.changes.lock().await;
        if self.engine.registry().unregister(name) {
            tracing::info!(dataset = %name, "dataset removed");
            Ok(())
        } else {
            Err(ChangeError::NotFound(name.to_string()))
        }
    }

    /// Re-reads the configuration file's datasets (the initial ones without a
    /// file) and the files behind every dataset; datasets registered over the
    /// API stay. Returns the names now served.
    pub async fn reload(&self) -> Result<Vec<String>, ChangeError> {
        let result = self.reload_all().await;
        crate::metrics::reload(if result.is_ok() { "ok" } else { "failed" });
        result
    }

    async fn reload_all(&self) -> Result<Vec<String>, ChangeError> {
        let _one_at_a_time = self.changes.lock().await;
        let configured = match &self.source {
            Some(path) => Config::load(path, &Overrides::default())?.datasets,
            None => self.configured.clone(),
        };
        let registry = self.engine.registry();
        let kept: Vec<DatasetConfig> = registry
            .list()
            .into_iter()
            .filter(|d| {
                d.origin == Origin::Api && !configured.iter().any(|c| c.name == d.config.name)
            })
            .map(|d| d.config)
            .collect();
        let wanted = configured
            .into_iter()
            .map(|c| (c, Origin::Config))
            .chain(kept.into_iter().map(|c| (c, Origin::Api)));
        let mut loaded = Vec::new();
        let mut failures = Vec::new();
        for (config, origin) in wanted {
            match Dataset::load(self.engine.template(), config, origin).await {
                Ok(d) => loaded.push(d),
                Err(e) => failures.push(e),
            }
        }
        if !failures.is_empty() {
            let names: Vec<&str> = failures.iter().map(|f| f.name.as_str()).collect();
            tracing::warn!(failed = ?names, "reload failed; the previous datasets stay served");
            return Err(ChangeError::Load(failures));
        }
        let names = loaded.iter().map(|d| d.config.name.clone()).collect();
        registry.replace_all(loaded);
        tracing::info!("datasets reloaded");
        Ok(names)
    }
}
