//! Ranking window functions with PostgreSQL's result types.
//!
//! DataFusion's `row_number`, `rank`, `dense_rank` and `ntile` return
//! UInt64, which is PG's numeric on the wire (SPEC §5); PG's are `bigint`
//! (`ntile`: `integer`). Each wrapper keeps DataFusion's evaluator and casts
//! what it yields.

use std::ops::Range;
use std::sync::Arc;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::function::{
    ExpressionArgs, PartitionEvaluatorArgs, WindowUDFFieldArgs,
};
use datafusion::logical_expr::window_state::WindowAggState;
use datafusion::logical_expr::{
    PartitionEvaluator, ReversedUDWF, Signature, WindowUDF, WindowUDFImpl,
};
use datafusion::physical_expr::PhysicalExpr;

/// A DataFusion window function whose results are cast to `result`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Retyped {
    inner: Arc<WindowUDF>,
    result: DataType,
}

/// The ranking functions, replacing DataFusion's own.
pub fn ranking_functions() -> Vec<WindowUDF> {
    use datafusion::functions_window::{ntile, rank, row_number};
    [
        (row_number::row_number_udwf(), DataType::Int64),
        (rank::rank_udwf(), DataType::Int64),
        (rank::dense_rank_udwf(), DataType::Int64),
        (ntile::ntile_udwf(), DataType::Int32),
    ]
    .into_iter()
    .map(|(inner, result)| WindowUDF::new_from_impl(Retyped { inner, result }))
    .collect()
}

impl WindowUDFImpl for Retyped {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }

    fn signature(&self) -> &Signature {
        self.inner.signature()
    }

    fn expressions(&self, expr_args: ExpressionArgs) -> Vec<Arc<dyn PhysicalExpr>> {
        self.inner.expressions(expr_args)
    }

    fn partition_evaluator(
        &self,
        args: PartitionEvaluatorArgs,
    ) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(RetypedEvaluator {
            inner: self.inner.partition_evaluator_factory(args)?,
            result: self.result.clone(),
        }))
    }

    fn field(&self, field_args: WindowUDFFieldArgs) -> Result<FieldRef> {
        let inner = self.inner.field(field_args)?;
        Ok(Arc::new(Field::new(
            inner.name(),
            self.result.clone(),
            inner.is_nullable(),
        )))
    }

    fn sort_options(&self) -> Option<datafusion::arrow::compute::SortOptions> {
        self.inner.sort_options()
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        self.inner.coerce_types(arg_types)
    }

    fn reverse_expr(&self) -> ReversedUDWF {
        ReversedUDWF::NotSupported
    }
}

/// DataFusion's evaluator, its output cast.
#[derive(Debug)]
struct RetypedEvaluator {
    inner: Box<dyn PartitionEvaluator>,
    result: DataType,
}

impl PartitionEvaluator for RetypedEvaluator {
    fn memoize(&mut self, state: &mut WindowAggState) -> Result<()> {
        self.inner.memoize(state)
    }

    fn get_range(&self, idx: usize, n_rows: usize) -> Result<Range<usize>> {
        self.inner.get_range(idx, n_rows)
    }

    fn is_causal(&self) -> bool {
        self.inner.is_causal()
    }

    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        Ok(cast(
            &self.inner.evaluate_all(values, num_rows)?,
            &self.result,
        )?)
    }

    fn evaluate(&mut self, values: &[ArrayRef], range: &Range<usize>) -> Result<ScalarValue> {
        self.inner.evaluate(values, range)?.cast_to(&self.result)
    }

    fn evaluate_all_with_rank(
        &self,
        num_rows: usize,
        ranks_in_partition: &[Range<usize>],
    ) -> Result<ArrayRef> {
        Ok(cast(
            &self
                .inner
                .evaluate_all_with_rank(num_rows, ranks_in_partition)?,
            &self.result,
        )?)
    }

    fn supports_bounded_execution(&self) -> bool {
        self.inner.supports_bounded_execution()
    }

    fn uses_window_frame(&self) -> bool {
        self.inner.uses_window_frame()
    }

    fn include_rank(&self) -> bool {
        self.inner.include_rank()
    }
}
