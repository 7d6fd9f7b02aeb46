//! Hooks that let the tests provoke what must never happen, compiled only
//! with the `test-hooks` cargo feature: this crate's tests turn it on through
//! their dev-dependency on the crate itself; `cargo build` never does.

use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

/// `datapress_test_panic()`: panics when it runs, so that a test can check
/// that a panic ends its own connection only (XX000) and the server goes on.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct TestPanic {
    signature: Signature,
}

impl Default for TestPanic {
    fn default() -> Self {
        TestPanic {
            // Volatile: planning never evaluates it ahead of execution.
            signature: Signature::exact(Vec::new(), Volatility::Volatile),
        }
    }
}

impl ScalarUDFImpl for TestPanic {
    fn name(&self) -> &str {
        "datapress_test_panic"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }
    fn invoke_with_args(&self, _: ScalarFunctionArgs) -> Result<ColumnarValue> {
        panic!("datapress_test_panic() was called")
    }
}
