//! Analyzer rules over DataFusion's logical plan that give it PostgreSQL's
//! type rules, in the order [`rules`] lists them.

use std::sync::Arc;

use datafusion::optimizer::AnalyzerRule;

pub mod aggregate_types;
pub mod any_nulls;
pub mod array_operands;
pub mod branch_types;
pub mod bytea_length;
pub mod checked_arithmetic;
pub mod comparison_types;
pub mod correlated_recursion;
pub mod expr_walk;
pub mod integer_literals;
pub mod literal_types;
pub mod session_zone;
pub mod sort_subqueries;
pub mod text_cast;

/// DataFusion's analyzer rules between ours: correlated recursive CTEs are
/// kept from decorrelation, integer constants are int4 where they fit, an
/// untyped ANY/ALL operand takes the other side's array type, `x = ANY(a)`
/// is NULL where PG's is, untyped literals take the type
/// of what they are compared with, text/number comparisons are refused,
/// subqueries leave sort keys and the length of a bytea counts its bytes
/// before DataFusion's type coercion runs; `sum(bigint)`
/// becomes numeric, CASE/COALESCE/NULLIF keep their branches' PG type and
/// integer arithmetic is overflow-checked after it. Each session adds, last,
/// the rules that read its settings: casts between timestamptz and local
/// time in its TimeZone ([`session_zone`]) and casts to text PG-printed
/// ([`text_cast`]).
pub fn rules() -> Vec<Arc<dyn AnalyzerRule + Send + Sync>> {
    let mut rules: Vec<Arc<dyn AnalyzerRule + Send + Sync>> = vec![
        Arc::new(correlated_recursion::MarkCorrelatedRecursion),
        Arc::new(integer_literals::IntegerConstantsAsInt4),
        Arc::new(array_operands::UntypedArrayOperands),
        Arc::new(any_nulls::AnyWithNulls),
        Arc::new(literal_types::LiteralTypes),
        Arc::new(comparison_types::RefuseTextNumberComparisons),
        Arc::new(sort_subqueries::SubqueriesInSortKeys),
        Arc::new(bytea_length::ByteaLength),
    ];
    rules.extend(datafusion::optimizer::Analyzer::new().rules);
    rules.push(Arc::new(aggregate_types::PgAggregateTypes));
    rules.push(Arc::new(branch_types::PgBranchTypes));
    rules.push(Arc::new(checked_arithmetic::CheckIntegerOverflow));
    rules
}
