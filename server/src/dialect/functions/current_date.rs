//! `current_date` as PostgreSQL's: today's date where the session is, in its
//! TimeZone. DataFusion's is the date in the zone it plans in (UTC here), so
//! east or west of UTC it names another day for hours around midnight, and
//! "the last 7 days" filters that BI tools write with it move by a day.
//! Like DataFusion's, it is fixed for the statement when the statement is
//! planned (from the query's start time).

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use crate::catalog::functions::SessionInfo;
use crate::errors::{sqlstate, PgError};

/// Seconds in a day.
const DAY_SECONDS: i64 = 86_400;

/// `current_date` for one session.
#[derive(Debug)]
pub struct PgCurrentDate {
    signature: Signature,
    session: Arc<SessionInfo>,
}

impl PgCurrentDate {
    /// The function for `session`, whose TimeZone decides the day.
    pub fn new(session: Arc<SessionInfo>) -> PgCurrentDate {
        PgCurrentDate {
            signature: Signature::nullary(Volatility::Stable),
            session,
        }
    }
}

impl PartialEq for PgCurrentDate {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.session, &other.session)
    }
}
impl Eq for PgCurrentDate {}
impl Hash for PgCurrentDate {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name().hash(state);
    }
}

impl ScalarUDFImpl for PgCurrentDate {
    fn name(&self) -> &str {
        "current_date"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Date32)
    }
    fn invoke_with_args(&self, _: ScalarFunctionArgs) -> Result<ColumnarValue> {
        Err(PgError::new(
            sqlstate::INTERNAL_ERROR,
            "internal error: current_date is replaced by its value when planned",
        )
        .into_datafusion())
    }
    fn simplify(&self, args: Vec<Expr>, info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        let Some(now) = info.query_execution_start_time() else {
            return Ok(ExprSimplifyResult::Original(args));
        };
        let offset = self.session.time_zone().offset_at(now.timestamp_micros());
        let local_seconds = now.timestamp() + i64::from(offset);
        let days = local_seconds.div_euclid(DAY_SECONDS) as i32;
        Ok(ExprSimplifyResult::Simplified(Expr::Literal(
            ScalarValue::Date32(Some(days)),
            None,
        )))
    }
}
