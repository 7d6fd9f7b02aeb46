//! `pg_typeof(x)`: the PG type `x` is sent as, a `regtype`. It reads the
//! argument's field, so a tagged column (`name`, `oid`, `jsonb`) reports its
//! PG type rather than the Arrow type it is stored in.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use crate::encode::types::{pg_type_of, PG_TYPE_METADATA};

/// The `pg_typeof` function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PgTypeof {
    signature: Signature,
}

impl Default for PgTypeof {
    fn default() -> Self {
        PgTypeof {
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for PgTypeof {
    fn name(&self) -> &str {
        "pg_typeof"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::UInt32)
    }
    fn return_field_from_args(&self, _: ReturnFieldArgs) -> Result<FieldRef> {
        let tag = HashMap::from([(PG_TYPE_METADATA.to_string(), "regtype".to_string())]);
        Ok(Arc::new(
            Field::new(self.name(), DataType::UInt32, false).with_metadata(tag),
        ))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (pg_type, _) = pg_type_of(&args.arg_fields[0]);
        Ok(ColumnarValue::Scalar(ScalarValue::UInt32(Some(
            pg_type.oid(),
        ))))
    }
}
