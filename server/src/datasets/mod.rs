//! The dataset registry: name → files → DataFusion table. It is the `public`
//! schema every session plans against, so a change is visible to all at once.

pub mod roots;
pub mod unsigned_widening;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use datafusion::catalog::{SchemaProvider, Session};
use datafusion::datasource::file_format::arrow::ArrowFormat;
use datafusion::datasource::file_format::csv::CsvFormat;
use datafusion::datasource::file_format::json::JsonFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::datasource::TableProvider;
use datafusion::error::DataFusionError;
use futures::TryStreamExt;

use crate::config::{DatasetConfig, DatasetFormat};
use unsigned_widening::{widen_schema, WidenedTable};

/// A dataset that could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("dataset {name:?} ({path}): {message}")]
pub struct DatasetError {
    /// The dataset's name.
    pub name: String,
    /// Its configured path.
    pub path: String,
    /// Why it failed.
    pub message: String,
}

/// Who registered a dataset: a reload replaces the configuration's datasets
/// and keeps those registered over the HTTP API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A `[[datasets]]` entry of the configuration file.
    Config,
    /// `POST /api/datasets`.
    Api,
}

impl Origin {
    /// The lowercase name shown by the HTTP API.
    pub fn name(self) -> &'static str {
        match self {
            Origin::Config => "config",
            Origin::Api => "api",
        }
    }
}

/// A registered dataset.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// How it was configured.
    pub config: DatasetConfig,
    /// Who registered it.
    pub origin: Origin,
    /// The table DataFusion scans.
    pub table: Arc<dyn TableProvider>,
    /// How many files it read when it was loaded.
    pub files: usize,
    /// Their size in bytes then (`pg_relation_size`).
    pub bytes: u64,
}

impl Dataset {
    /// Reads the schema behind `config` (listing its files); nothing is registered.
    pub async fn load(
        state: &dyn Session,
        config: DatasetConfig,
        origin: Origin,
    ) -> Result<Dataset, DatasetError> {
        let (table, files, bytes) = load_table(state, &config).await.map_err(|e| DatasetError {
            name: config.name.clone(),
            path: config.path.display().to_string(),
            message: e,
        })?;
        Ok(Dataset {
            config,
            origin,
            table,
            files,
            bytes,
        })
    }
}

#[derive(Debug, Default)]
struct Datasets {
    by_name: BTreeMap<String, Dataset>,
    /// Every name's table OID, kept after removal so a name never changes OID.
    oids: HashMap<String, u32>,
}

impl Datasets {
    fn insert(&mut self, dataset: Dataset) -> bool {
        let name = dataset.config.name.clone();
        if !self.oids.contains_key(&name) {
            let taken: HashSet<u32> = self.oids.values().copied().collect();
            let mut oid = preferred_oid(&name);
            while taken.contains(&oid) {
                oid = oid.wrapping_add(4).max(FIRST_USER_OID);
            }
            self.oids.insert(name.clone(), oid);
        }
        self.by_name.insert(name, dataset).is_some()
    }
}

/// The registered datasets, served as the tables of schema `public`.
#[derive(Debug, Default)]
pub struct Registry {
    datasets: RwLock<Datasets>,
    generation: AtomicU64,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Arc<Registry> {
        Arc::new(Registry::default())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Datasets> {
        self.datasets.write().unwrap_or_else(|e| e.into_inner())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Datasets> {
        self.datasets.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Loads a dataset's schema from its files and registers it (replacing one of
    /// the same name). On error nothing changes.
    pub async fn register(
        &self,
        state: &dyn Session,
        config: DatasetConfig,
        origin: Origin,
    ) -> Result<(), DatasetError> {
        let dataset = Dataset::load(state, config, origin).await?;
        self.insert(dataset);
        Ok(())
    }

    /// Registers a loaded dataset; returns whether it replaced one.
    pub fn insert(&self, dataset: Dataset) -> bool {
        let mut guard = self.write();
        let replaced = guard.insert(dataset);
        self.changed(&guard);
        replaced
    }

    /// Marks a change: plans made before are out of date; the metrics count.
    fn changed(&self, datasets: &Datasets) {
        self.generation.fetch_add(1, Ordering::Relaxed);
        crate::metrics::datasets_registered(datasets.by_name.len());
    }

    /// Replaces every dataset at once with `datasets`: statements see the old
    /// set or the new one, never a mix.
    pub fn replace_all(&self, datasets: Vec<Dataset>) {
        let mut guard = self.write();
        guard.by_name.clear();
        for d in datasets {
            guard.insert(d);
        }
        self.changed(&guard);
    }

    /// Removes a dataset; returns whether it existed.
    pub fn unregister(&self, name: &str) -> bool {
        let mut guard = self.write();
        let removed = guard.by_name.remove(name).is_some();
        self.changed(&guard);
        removed
    }

    /// A number that changes whenever a dataset is registered or removed, so
    /// that plans made before can tell they are out of date.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    /// A snapshot of the registered datasets, ordered by name.
    pub fn list(&self) -> Vec<Dataset> {
        self.read().by_name.values().cloned().collect()
    }

    /// One dataset with its table OID.
    pub fn dataset(&self, name: &str) -> Option<(u32, Dataset)> {
        let guard = self.read();
        let d = guard.by_name.get(name)?;
        Some((guard.oids[name], d.clone()))
    }

    /// Every dataset with its table OID, ordered by name.
    pub fn with_oids(&self) -> Vec<(u32, Dataset)> {
        let guard = self.read();
        guard
            .by_name
            .values()
            .map(|d| (guard.oids[&d.config.name], d.clone()))
            .collect()
    }

    fn get(&self, name: &str) -> Option<Arc<dyn TableProvider>> {
        self.read().by_name.get(name).map(|d| Arc::clone(&d.table))
    }
}

/// The first OID PostgreSQL gives user objects.
const FIRST_USER_OID: u32 = 16_384;

/// The preferred OID of a dataset's table, derived from its name (FNV-1a), in
/// the range PG uses for user objects, so it survives restarts and reloads. A
/// name whose preferred OID another name holds takes the next free slot.
fn preferred_oid(name: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for b in name.bytes() {
        hash ^= u32::from(b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    // Four apart: room for the table, its row type and its row array type.
    FIRST_USER_OID + (hash % 1_000_000) * 4
}

/// The table behind `config`, and the number and total size of the files it
/// lists now.
async fn load_table(
    state: &dyn Session,
    config: &DatasetConfig,
) -> Result<(Arc<dyn TableProvider>, usize, u64), String> {
    let path = config.path.to_string_lossy().to_string();
    let is_glob = path.contains(['*', '?', '[']);
    if !is_glob && !config.path.exists() {
        return Err("no such file or directory".into());
    }
    let (format, extension): (Arc<dyn FileFormat>, &str) = match config.format {
        DatasetFormat::Parquet => (Arc::new(ParquetFormat::default()), ".parquet"),
        DatasetFormat::Csv => (
            Arc::new(
                CsvFormat::default()
                    .with_has_header(config.csv_header)
                    .with_delimiter(config.csv_delimiter),
            ),
            ".csv",
        ),
        DatasetFormat::Json => (Arc::new(JsonFormat::default()), ".json"),
        DatasetFormat::Arrow => (Arc::new(ArrowFormat), ".arrow"),
    };
    // A single file is read whatever its extension; directories only hold matching files.
    let extension = if config.path.is_file() || is_glob {
        ""
    } else {
        extension
    };
    let url_text = if config.path.is_dir() && !path.ends_with('/') {
        format!("{path}/")
    } else {
        path.clone()
    };
    let url = ListingTableUrl::parse(&url_text).map_err(|e| e.to_string())?;
    let store = state
        .runtime_env()
        .object_store(&url)
        .map_err(|e| describe(&e))?;
    let listed: Vec<_> = url
        .list_all_files(state, store.as_ref(), extension)
        .await
        .map_err(|e| describe(&e))?
        .try_collect()
        .await
        .map_err(|e| describe(&e))?;
    let files = listed.len();
    let bytes = listed.iter().map(|file| file.size).sum();
    let options = ListingOptions::new(format).with_file_extension(extension);
    let schema = options
        .infer_schema(state, &url)
        .await
        .map_err(|e| describe(&e))?;
    if schema.fields().is_empty() {
        return Err("no files found, or the files have no columns".into());
    }
    let widened = widen_schema(&schema);
    // Parquet scans cast to the table's types; Arrow IPC scans need a wrapper.
    let cast_while_scanning = !matches!(config.format, DatasetFormat::Arrow);
    let schema = match &widened {
        Some(w) if cast_while_scanning => Arc::clone(w),
        _ => schema,
    };
    let table_config = ListingTableConfig::new(url)
        .with_listing_options(options)
        .with_schema(schema);
    let table = ListingTable::try_new(table_config).map_err(|e| describe(&e))?;
    let table: Arc<dyn TableProvider> = match widened {
        Some(w) if !cast_while_scanning => Arc::new(WidenedTable::new(Arc::new(table), w)),
        _ => Arc::new(table),
    };
    Ok((table, files, bytes))
}

fn describe(e: &DataFusionError) -> String {
    e.to_string()
}

/// The `public` schema: exactly the registered datasets.
#[derive(Debug)]
pub struct DatasetSchema {
    registry: Arc<Registry>,
}

impl DatasetSchema {
    /// The schema view of `registry`.
    pub fn new(registry: Arc<Registry>) -> Self {
        DatasetSchema { registry }
    }
}

#[async_trait]
impl SchemaProvider for DatasetSchema {
    fn table_names(&self) -> Vec<String> {
        self.registry
            .list()
            .into_iter()
            .map(|d| d.config.name)
            .collect()
    }

    async fn table(&self, name: &str) -> datafusion::error::Result<Option<Arc<dyn TableProvider>>> {
        Ok(self.registry.get(name))
    }

    fn table_exist(&self, name: &str) -> bool {
        self.registry.get(name).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_generation_changes_with_every_register_and_unregister() {
        let state = datafusion::prelude::SessionContext::new().state();
        let registry = Registry::new();
        let config = DatasetConfig {
            name: "a".into(),
            path: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/accidents.parquet"),
            format: DatasetFormat::Parquet,
            csv_header: true,
            csv_delimiter: b',',
        };
        let start = registry.generation();
        registry
            .register(&state, config.clone(), Origin::Api)
            .await
            .unwrap();
        let registered = registry.generation();
        assert_ne!(registered, start);
        let (oid, _) = registry.dataset("a").unwrap();
        assert!(registry.unregister("a"));
        assert_ne!(registry.generation(), registered);
        registry
            .register(&state, config, Origin::Config)
            .await
            .unwrap();
        assert_eq!(
            registry.dataset("a").unwrap().0,
            oid,
            "a name keeps its OID"
        );
    }
}
