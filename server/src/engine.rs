//! The DataFusion engine: one template session state that every connection
//! clones, planning against the dataset registry with no other file access.

use std::sync::Arc;

use datafusion::catalog::{CatalogProvider, MemoryCatalogProvider, MemoryCatalogProviderList};
use datafusion::execution::context::SessionState;
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::{FairSpillPool, TrackConsumersPool};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::execution::SessionStateDefaults;
use datafusion::logical_expr::ScalarUDF;
use datafusion::prelude::SessionConfig;
use std::num::NonZeroUsize;

use crate::catalog::catalog_functions::catalog_functions;
use crate::catalog::functions::{session_functions, SessionInfo};
use crate::config::{DatasetConfig, MemoryConfig};
use crate::datasets::{DatasetError, DatasetSchema, Origin, Registry};
use crate::dialect::analyzer::session_zone::CastsInSessionZone;
use crate::dialect::analyzer::text_cast::CastsToPgText;
use crate::dialect::functions::date_part::DatePart;
use crate::dialect::functions::json_build::JsonBuildObject;

/// DataFusion's optimizer rules but common subexpression elimination: in
/// DataFusion 55 it moves a `CASE` whose nullability DataFusion infers
/// differently for the logical and the physical plan into a projection of
/// its own, and the query fails with an internal error (found by the
/// differential suite: `string_agg(CASE WHEN a >= b THEN a ELSE 'x' END, ','
/// ORDER BY …)`). A wrong refusal costs more than a repeated expression.
fn optimizer_rules() -> Vec<Arc<dyn datafusion::optimizer::OptimizerRule + Send + Sync>> {
    datafusion::optimizer::Optimizer::new()
        .rules
        .into_iter()
        .filter(|rule| rule.name() != "common_sub_expression_eliminate")
        .collect()
}

/// The catalog name DataFusion plans against (clients see their own dbname).
pub const CATALOG: &str = "datapress";

/// The query engine shared by all connections.
#[derive(Debug)]
pub struct Engine {
    registry: Arc<Registry>,
    template: SessionState,
}

impl Engine {
    /// An engine over `registry`; `memory` bounds what running queries hold
    /// together (a fair share each for sorts, joins and aggregates, which
    /// spill beyond it).
    pub fn new(
        registry: Arc<Registry>,
        memory: &MemoryConfig,
    ) -> datafusion::error::Result<Engine> {
        let mut config = SessionConfig::new()
            .with_default_catalog_and_schema(CATALOG, "public")
            .with_create_default_catalog_and_schema(false)
            .with_information_schema(false)
            .with_batch_size(8192);
        config.options_mut().sql_parser.dialect = datafusion::config::Dialect::PostgreSQL;
        // `now()` is a timestamptz in PG: an instant, shown in the session's TimeZone.
        config.options_mut().execution.time_zone = Some("+00:00".into());
        let pool = TrackConsumersPool::new(
            FairSpillPool::new(memory.limit),
            NonZeroUsize::new(3).expect("non-zero"),
        );
        let mut spill = DiskManagerBuilder::default();
        if let Some(dir) = &memory.spill_dir {
            spill = spill.with_mode(DiskManagerMode::Directories(vec![dir.clone()]));
        }
        if let Some(max) = memory.max_spill {
            spill = spill.with_max_temp_directory_size(max);
        }
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_pool(Arc::new(pool))
            .with_disk_manager_builder(spill);
        let catalog = MemoryCatalogProvider::new();
        catalog.register_schema(
            "public",
            Arc::new(DatasetSchema::new(Arc::clone(&registry))),
        )?;
        catalog.register_schema("pg_catalog", crate::catalog::pg_catalog::schema(&registry)?)?;
        catalog.register_schema(
            "information_schema",
            crate::catalog::information_schema::schema(&registry)?,
        )?;
        let catalogs = MemoryCatalogProviderList::new();
        datafusion::catalog::CatalogProviderList::register_catalog(
            &catalogs,
            CATALOG.into(),
            Arc::new(catalog),
        );
        let mut template = SessionStateBuilder::new()
            .with_config(config)
            .with_runtime_env(Arc::new(runtime.build()?))
            .with_catalog_list(Arc::new(catalogs))
            .with_default_features()
            .with_analyzer_rules(crate::dialect::analyzer::rules())
            .with_optimizer_rules(optimizer_rules())
            .with_scalar_functions(SessionStateDefaults::default_scalar_functions())
            .build();
        // PG's round, trunc, ceil, floor, array_remove and array_replace replace
        // DataFusion's; PG's format and regexp_split_to_array.
        for function in crate::dialect::functions::rounding::rounding_functions()
            .into_iter()
            .chain(crate::dialect::functions::arrays::array_functions())
            .chain([
                crate::dialect::functions::format::format_function(),
                crate::dialect::functions::regexp_split::regexp_split_function(),
            ])
        {
            datafusion::execution::FunctionRegistry::register_udf(
                &mut template,
                Arc::new(function),
            )?;
        }
        datafusion::execution::FunctionRegistry::register_udf(
            &mut template,
            Arc::new(datafusion::logical_expr::ScalarUDF::new_from_impl(
                crate::dialect::functions::pg_typeof::PgTypeof::default(),
            )),
        )?;
        datafusion::execution::FunctionRegistry::register_udf(
            &mut template,
            Arc::clone(&crate::dialect::analyzer::branch_types::PG_TYPED),
        )?;
        datafusion::execution::FunctionRegistry::register_udf(
            &mut template,
            Arc::clone(&crate::dialect::analyzer::array_operands::UNKNOWN_ARRAY),
        )?;
        for ranking in crate::dialect::functions::window_types::ranking_functions() {
            datafusion::execution::FunctionRegistry::register_udwf(
                &mut template,
                Arc::new(ranking),
            )?;
        }
        datafusion::execution::FunctionRegistry::register_udaf(
            &mut template,
            Arc::new(crate::dialect::functions::single_value::single_value()),
        )?;
        #[cfg(feature = "test-hooks")]
        datafusion::execution::FunctionRegistry::register_udf(
            &mut template,
            Arc::new(datafusion::logical_expr::ScalarUDF::new_from_impl(
                crate::test_hooks::TestPanic::default(),
            )),
        )?;
        for (name, function) in crate::catalog::pg_catalog::table_functions(&registry) {
            template.register_udtf(name, function);
        }
        Ok(Engine { registry, template })
    }

    /// The dataset registry.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// Registers each dataset; the first failure names its dataset.
    pub async fn load_datasets(&self, datasets: &[DatasetConfig]) -> Result<(), DatasetError> {
        for d in datasets {
            self.registry
                .register(&self.template, d.clone(), Origin::Config)
                .await?;
        }
        Ok(())
    }

    /// The template session state (for loading datasets; queries use [`Engine::session_state`]).
    pub fn template(&self) -> &SessionState {
        &self.template
    }

    /// A fresh session state for one connection, with its session functions.
    pub fn session_state(&self, info: &Arc<SessionInfo>) -> SessionState {
        let mut state = self.template.clone();
        state.config_mut().set_extension(Arc::clone(info));
        state.add_analyzer_rule(Arc::new(CastsInSessionZone::new(Arc::clone(info))));
        state.add_analyzer_rule(Arc::new(CastsToPgText::new(Arc::clone(info))));
        let functions = session_functions(info)
            .into_iter()
            .chain(catalog_functions(info, &self.registry))
            .chain(crate::catalog::admin_functions::admin_functions(
                info,
                &self.registry,
            ))
            .chain(crate::dialect::functions::formatting::formatting_functions(
                info,
            ))
            .chain([
                ScalarUDF::new_from_impl(JsonBuildObject::new(Arc::clone(info))),
                ScalarUDF::new_from_impl(crate::dialect::functions::date_trunc::PgDateTrunc::new(
                    Arc::clone(info),
                )),
                ScalarUDF::new_from_impl(
                    crate::dialect::functions::current_date::PgCurrentDate::new(Arc::clone(info)),
                ),
                // PG's float8 `date_part` replaces DataFusion's; EXTRACT is its numeric twin.
                ScalarUDF::new_from_impl(DatePart::float8(Arc::clone(info))),
                ScalarUDF::new_from_impl(DatePart::numeric(Arc::clone(info))),
            ]);
        for f in functions {
            let _ = datafusion::execution::FunctionRegistry::register_udf(&mut state, Arc::new(f));
        }
        state
    }
}
