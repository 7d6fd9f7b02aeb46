//! Number literals beyond double precision's range.
//!
//! DataFusion reads a literal such as `1e400` as a float8 and gets infinity.
//! PostgreSQL reads it as a numeric, which cannot become a float8: 22003.
//! DataPress has no numeric that wide, so such a literal is refused before
//! planning, with PG's message, rather than computed with as infinity.

use std::ops::ControlFlow;

use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{visit_expressions, Expr, Value};

use crate::errors::{sqlstate, PgError};

/// Refuses `statement` if one of its number literals overflows float8.
pub fn check(statement: &DfStatement) -> Result<(), PgError> {
    let statement = match statement {
        DfStatement::Statement(s) => s,
        DfStatement::Explain(explain) => return check(&explain.statement),
        _ => return Ok(()),
    };
    let found = visit_expressions(statement.as_ref(), |e| match e {
        Expr::Value(v) => match &v.value {
            Value::Number(text, _) if text.parse::<f64>().is_ok_and(f64::is_infinite) => {
                ControlFlow::Break(text.clone())
            }
            _ => ControlFlow::Continue(()),
        },
        _ => ControlFlow::Continue(()),
    });
    match found {
        ControlFlow::Break(text) => Err(PgError::new(
            sqlstate::NUMERIC_VALUE_OUT_OF_RANGE,
            format!("\"{text}\" is out of range for type double precision"),
        )),
        ControlFlow::Continue(()) => Ok(()),
    }
}
