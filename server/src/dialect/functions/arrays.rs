//! `array_remove` and `array_replace` as PostgreSQL's: every element equal to
//! the value is removed or replaced, where DataFusion's same-named functions
//! stop at the first (`array_remove(ARRAY[1,2,1,3], 1)` is `{2,3}`, not
//! `{2,1,3}`). They are DataFusion's `array_remove_all` and
//! `array_replace_all` under PG's names.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::error::Result;
use datafusion::functions_nested::{remove::array_remove_all_udf, replace::array_replace_all_udf};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
};

/// A DataFusion function under the PostgreSQL name whose meaning it has.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PgNamed {
    name: &'static str,
    inner: Arc<ScalarUDF>,
}

/// `array_remove` and `array_replace`.
pub fn array_functions() -> Vec<ScalarUDF> {
    [
        ("array_remove", array_remove_all_udf()),
        ("array_replace", array_replace_all_udf()),
    ]
    .into_iter()
    .map(|(name, inner)| ScalarUDF::new_from_impl(PgNamed { name, inner }))
    .collect()
}

impl ScalarUDFImpl for PgNamed {
    fn name(&self) -> &str {
        self.name
    }
    fn signature(&self) -> &Signature {
        self.inner.signature()
    }
    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        self.inner.coerce_types(args)
    }
    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        self.inner.return_type(args)
    }
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        self.inner.return_field_from_args(args)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        self.inner.invoke_with_args(args)
    }
}
