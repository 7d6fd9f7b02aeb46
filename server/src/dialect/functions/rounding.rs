//! `round`, `trunc`, `ceil` (`ceiling`) and `floor` as PostgreSQL defines
//! them, replacing DataFusion's same-named functions, whose numeric results
//! keep the input's scale (PG: `ceil(2.5)` is `3`, `round(1.2345, 2)` is
//! `1.23`) and whose `round(int, n)` stays an integer (PG: the numeric `5.00`).
//!
//! - One argument: an integer or a float is computed as float8 (PG resolves an
//!   integer argument to the float8 variant too); a numeric gives a numeric of
//!   scale 0.
//! - `round(x, n)` and `trunc(x, n)`: `x` as a numeric, rounded half away
//!   from zero or truncated to `n` decimals, shown with `max(n, 0)` of them. `n`
//!   must be a constant: a numeric column here has one scale for every row.
//! - `ceil`/`floor` with two arguments do not exist (42883), as in PostgreSQL.
//!
//! Where a float8 here stands for PostgreSQL's numeric (a decimal literal is
//! float8 here, and so is `avg` of integers), PG rounds as numerics do: a
//! float8 `round(x, n)` is computed as `round(x::numeric, n)` (PG has no float8
//! variant) and a float8 `round(x)` rounds ties away from zero, as numeric's
//! does; PG's own float8 `round(x)` rounds ties to even (`rint`), a difference
//! left until decimal literals are numeric (docs/FUNCTIONS.md).

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Decimal128Array, Float64Array};
use datafusion::arrow::datatypes::{DataType, Decimal128Type, Field, FieldRef, Float64Type};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use super::pg_type_name;
use crate::encode::types::PG_TYPE_METADATA;
use crate::errors::{sqlstate, PgError};

/// The widest numeric here: Arrow's Decimal128.
const MAX_DIGITS: u8 = 38;

/// A float8 rounded to a number of decimals is first this numeric: float8
/// holds about 16 significant digits, so 12 decimals keep every digit of a
/// value below 10^4 and numbers up to 10^26 fit.
const FLOAT_AS_NUMERIC: DataType = DataType::Decimal128(MAX_DIGITS, 12);

/// How a value loses its digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Mode {
    /// To the nearest, ties away from zero.
    Round,
    /// Toward zero.
    Trunc,
    /// Toward positive infinity.
    Ceil,
    /// Toward negative infinity.
    Floor,
}

/// One of the four functions.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PgRounding {
    mode: Mode,
    name: &'static str,
    aliases: Vec<String>,
    signature: Signature,
}

/// `round`, `trunc`, `ceil` (also `ceiling`) and `floor`.
pub fn rounding_functions() -> Vec<ScalarUDF> {
    [
        (Mode::Round, "round", &[][..]),
        (Mode::Trunc, "trunc", &[]),
        (Mode::Ceil, "ceil", &["ceiling"]),
        (Mode::Floor, "floor", &[]),
    ]
    .into_iter()
    .map(|(mode, name, aliases)| {
        ScalarUDF::new_from_impl(PgRounding {
            mode,
            name,
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            signature: Signature::user_defined(Volatility::Immutable),
        })
    })
    .collect()
}

/// An integer scalar's value (`None` for NULL).
fn integer(value: &ScalarValue) -> Result<Option<i64>> {
    match value.cast_to(&DataType::Int64)? {
        ScalarValue::Int64(n) => Ok(n),
        _ => Ok(None),
    }
}

/// 10 to the power `digits` (at most 38, which i128 holds).
fn power_of_ten(digits: u32) -> i128 {
    10i128.pow(digits)
}

impl PgRounding {
    fn takes_a_scale(&self) -> bool {
        matches!(self.mode, Mode::Round | Mode::Trunc)
    }

    fn no_such_function(&self, args: &[DataType]) -> PgError {
        super::no_such_function(self.name, args)
    }

    /// The decimals a numeric result is shown with, from the scale argument.
    fn result_scale(&self, args: &ReturnFieldArgs) -> Result<i8> {
        let Some(scale) = args.arg_fields.get(1) else {
            return Ok(0);
        };
        let constant = args.scalar_arguments.get(1).copied().flatten();
        let Some(constant) = constant else {
            return Err(PgError::unsupported(format!(
                "{}(numeric, {}) with a scale that is not a constant",
                self.name,
                pg_type_name(scale.data_type())
            ))
            .into_datafusion());
        };
        // A NULL scale gives NULL, which any scale shows.
        Ok(integer(constant)?.map_or(0, |n| n.clamp(0, i64::from(MAX_DIGITS)) as i8))
    }

    /// `v` (a numeric of scale `scale`) to `n` decimals, as an integer at
    /// scale `shown`.
    fn numeric(&self, v: i128, scale: i8, n: i64, shown: i8) -> Result<i128, PgError> {
        let overflow = || {
            PgError::new(
                sqlstate::NUMERIC_VALUE_OUT_OF_RANGE,
                "numeric field overflow",
            )
        };
        let scale = i64::from(scale);
        if n >= scale {
            // No digit is lost: only decimals are added.
            return v
                .checked_mul(power_of_ten((i64::from(shown) - scale) as u32))
                .ok_or_else(overflow);
        }
        let dropped = scale - n;
        if dropped > i64::from(MAX_DIGITS) {
            // |v| < 10^38: every digit is dropped, and half of 10^39 is out of reach.
            return Ok(0);
        }
        let unit = power_of_ten(dropped as u32);
        let (q, r) = (v / unit, v % unit);
        let kept = match self.mode {
            Mode::Trunc => q,
            Mode::Round if r.abs() >= unit - r.abs() => q + v.signum(),
            Mode::Round => q,
            Mode::Ceil if r > 0 => q + 1,
            Mode::Floor if r < 0 => q - 1,
            Mode::Ceil | Mode::Floor => q,
        };
        // A negative `n` shows the dropped integer digits as zeros.
        kept.checked_mul(power_of_ten((i64::from(shown) - n) as u32))
            .ok_or_else(overflow)
    }

    fn float(&self, v: f64) -> f64 {
        match self.mode {
            Mode::Round => v.round(),
            Mode::Trunc => v.trunc(),
            Mode::Ceil => v.ceil(),
            Mode::Floor => v.floor(),
        }
    }
}

impl ScalarUDFImpl for PgRounding {
    fn name(&self) -> &str {
        self.name
    }
    fn aliases(&self) -> &[String] {
        &self.aliases
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        let with_scale = match args.len() {
            1 => false,
            2 if self.takes_a_scale() => true,
            _ => return Err(self.no_such_function(args).into_datafusion()),
        };
        let value = match &args[0] {
            t if t.is_integer() || t == &DataType::Null => {
                if with_scale {
                    DataType::Decimal128(20, 0)
                } else {
                    DataType::Float64
                }
            }
            DataType::Float16 | DataType::Float32 | DataType::Float64 if !with_scale => {
                DataType::Float64
            }
            DataType::Float16 | DataType::Float32 | DataType::Float64 => FLOAT_AS_NUMERIC,
            DataType::Decimal128(p, s) => DataType::Decimal128(*p, *s),
            DataType::Decimal256(_, s) => {
                DataType::Decimal128(MAX_DIGITS, (*s).min(MAX_DIGITS as i8))
            }
            _ => return Err(self.no_such_function(args).into_datafusion()),
        };
        if !with_scale {
            return Ok(vec![value]);
        }
        if !(args[1].is_integer() || args[1] == DataType::Null) {
            return Err(self.no_such_function(args).into_datafusion());
        }
        // The scale keeps its type (NULL's too): a cast would hide the constant.
        Ok(vec![value, args[1].clone()])
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        unreachable!("return_field_from_args is implemented")
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let nullable = args.arg_fields.iter().any(|f| f.is_nullable());
        let field = match args.arg_fields[0].data_type() {
            DataType::Decimal128(..) => {
                let scale = self.result_scale(&args)?;
                Field::new(self.name, DataType::Decimal128(MAX_DIGITS, scale), nullable)
                    .with_metadata(HashMap::from([(
                        PG_TYPE_METADATA.to_string(),
                        "numeric".to_string(),
                    )]))
            }
            _ => Field::new(self.name, DataType::Float64, nullable),
        };
        Ok(Arc::new(field))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let all_scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let result: ArrayRef = match (arrays[0].data_type(), args.return_field.data_type()) {
            (DataType::Decimal128(_, scale), DataType::Decimal128(precision, shown)) => {
                let n = match args.args.get(1) {
                    None => Some(0),
                    Some(ColumnarValue::Scalar(n)) => integer(n)?,
                    Some(_) => {
                        return Err(PgError::unsupported(format!(
                            "{}(numeric, integer) with a scale that is not a constant",
                            self.name
                        ))
                        .into_datafusion())
                    }
                };
                let values = arrays[0].as_primitive::<Decimal128Type>();
                let rounded: Decimal128Array = match n {
                    None => Decimal128Array::new_null(values.len()),
                    Some(n) => values.try_unary(|v| {
                        self.numeric(v, *scale, n, *shown).map_err(|e| {
                            datafusion::arrow::error::ArrowError::ExternalError(Box::new(e))
                        })
                    })?,
                };
                Arc::new(rounded.with_precision_and_scale(*precision, *shown)?)
            }
            _ => {
                let values = arrays[0].as_primitive::<Float64Type>();
                let rounded: Float64Array = values.unary(|v| self.float(v));
                Arc::new(rounded)
            }
        };
        crate::dialect::functions::shaped_like_arguments(all_scalar, result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(mode: Mode) -> PgRounding {
        PgRounding {
            mode,
            name: "f",
            aliases: vec![],
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }

    #[test]
    fn numerics_round_half_away_from_zero_to_the_asked_decimals() {
        let round = function(Mode::Round);
        // round(1.235, 2) = 1.24; round(-1.235, 2) = -1.24
        assert_eq!(round.numeric(1235, 3, 2, 2).unwrap(), 124);
        assert_eq!(round.numeric(-1235, 3, 2, 2).unwrap(), -124);
        // round(1234.5, -2) = 1200; round(99.995, 2) = 100.00
        assert_eq!(round.numeric(12345, 1, -2, 0).unwrap(), 1200);
        assert_eq!(round.numeric(99995, 3, 2, 2).unwrap(), 10000);
        // round(5, 2) = 5.00
        assert_eq!(round.numeric(5, 0, 2, 2).unwrap(), 500);
        // Far more dropped digits than the value has.
        assert_eq!(round.numeric(i128::MAX / 2, 0, -60, 0).unwrap(), 0);
    }

    #[test]
    fn numerics_truncate_ceil_and_floor_by_sign() {
        let (trunc, ceil, floor) = (
            function(Mode::Trunc),
            function(Mode::Ceil),
            function(Mode::Floor),
        );
        assert_eq!(trunc.numeric(-27, 1, 0, 0).unwrap(), -2);
        assert_eq!(ceil.numeric(-5, 1, 0, 0).unwrap(), 0);
        assert_eq!(ceil.numeric(1_000_001, 6, 0, 0).unwrap(), 2);
        assert_eq!(floor.numeric(-5, 1, 0, 0).unwrap(), -1);
        assert_eq!(floor.numeric(1999, 3, 0, 0).unwrap(), 1);
    }

    #[test]
    fn floats_round_ties_away_from_zero_as_numerics_do() {
        let round = function(Mode::Round);
        assert_eq!(round.float(0.5), 1.0);
        assert_eq!(round.float(2.5), 3.0);
        assert_eq!(round.float(-2.5), -3.0);
        assert_eq!(function(Mode::Floor).float(-0.5), -1.0);
    }
}
