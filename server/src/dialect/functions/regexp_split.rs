//! `regexp_split_to_array(text, pattern [, flags])`, PostgreSQL's (DataFusion
//! has none); the AST pass writes `regexp_split_to_table` as its `unnest`.
//! As in PG, a zero-length match at the start or the end of the text, or
//! right after the previous match, does not split (`''` splits into
//! characters). Flags: `i` (case-insensitive), `c` (case-sensitive), `x`
//! (expanded), `s`, `n`, `p`, `w`; `g` is refused, as PG refuses it.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, ListBuilder, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use regex::{Regex, RegexBuilder};

use crate::errors::{sqlstate, PgError};

/// `regexp_split_to_array`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct RegexpSplit {
    signature: Signature,
}

/// The function.
pub fn regexp_split_function() -> ScalarUDF {
    ScalarUDF::new_from_impl(RegexpSplit {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

fn invalid(message: String) -> PgError {
    PgError::new(sqlstate::INVALID_PARAMETER_VALUE, message)
}

/// `pattern` compiled with PG's `flags`.
fn compile(pattern: &str, flags: &str) -> Result<Regex, PgError> {
    let mut builder = RegexBuilder::new(pattern);
    for flag in flags.chars() {
        match flag {
            'i' => builder.case_insensitive(true),
            'c' => builder.case_insensitive(false),
            'x' => builder.ignore_whitespace(true),
            // Newline-sensitive matching: `.` stops at newlines, `^`/`$` at lines.
            'n' | 'w' => builder.dot_matches_new_line(false).multi_line(true),
            'p' => builder.dot_matches_new_line(false),
            's' => builder.dot_matches_new_line(true),
            'g' => {
                return Err(invalid(
                    "regexp_split_to_array() does not support the \"global\" option".into(),
                ))
            }
            other => {
                return Err(invalid(format!(
                    "invalid regular expression option: \"{other}\""
                )))
            }
        };
    }
    // Without `n`, `.` matches a newline in PG.
    if !flags.contains(['n', 'w', 'p']) {
        builder.dot_matches_new_line(true);
    }
    builder.build().map_err(|e| {
        PgError::new(
            sqlstate::INVALID_REGULAR_EXPRESSION,
            format!("invalid regular expression: {e}"),
        )
    })
}

/// `text` split at the matches of `regex`, as PG splits it.
pub fn split<'t>(regex: &Regex, text: &'t str) -> Vec<&'t str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut last_end = None;
    for m in regex.find_iter(text) {
        let ignored = m.is_empty()
            && (m.start() == 0 || m.start() == text.len() || Some(m.start()) == last_end);
        if ignored {
            continue;
        }
        parts.push(&text[start..m.start()]);
        start = m.end();
        last_end = Some(m.end());
    }
    parts.push(&text[start..]);
    parts
}

impl ScalarUDFImpl for RegexpSplit {
    fn name(&self) -> &str {
        "regexp_split_to_array"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        if !(2..=3).contains(&args.len()) {
            return Err(super::no_such_function("regexp_split_to_array", args).into_datafusion());
        }
        Ok(vec![DataType::Utf8; args.len()])
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(Arc::new(Field::new_list_field(
            DataType::Utf8,
            true,
        ))))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let all_scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let columns: Vec<ArrayRef> = ColumnarValue::values_to_arrays(&args.args)?;
        let texts: Vec<_> = columns.iter().map(|c| c.as_string::<i32>()).collect();
        let mut out = ListBuilder::new(StringBuilder::new());
        let mut compiled: Option<(String, String, Regex)> = None;
        for row in 0..args.number_rows {
            let value = |i: usize| {
                texts
                    .get(i)
                    .map(|t| (!t.is_null(row)).then(|| t.value(row)))
            };
            let (Some(Some(text)), Some(Some(pattern)), flags) = (value(0), value(1), value(2))
            else {
                out.append_null();
                continue;
            };
            let Some(flags) = flags.unwrap_or(Some("")) else {
                out.append_null();
                continue;
            };
            let reusable = compiled
                .as_ref()
                .is_some_and(|(p, f, _)| p == pattern && f == flags);
            if !reusable {
                let regex = compile(pattern, flags).map_err(PgError::into_datafusion)?;
                compiled = Some((pattern.to_string(), flags.to_string(), regex));
            }
            let (_, _, regex) = compiled.as_ref().expect("compiled above");
            for part in split(regex, text) {
                out.values().append_value(part);
            }
            out.append(true);
        }
        super::shaped_like_arguments(all_scalar, Arc::new(out.finish()))
    }
}

#[cfg(test)]
mod tests {
    use super::{compile, split};

    #[test]
    fn splits_as_postgres_splits() {
        // PG 15's answers.
        let s = |text: &str, pattern: &str| split(&compile(pattern, "").unwrap(), text).join("|");
        assert_eq!(s("a1b22c", "[0-9]+"), "a|b|c");
        assert_eq!(s("abc", ""), "a|b|c");
        assert_eq!(s("1a2", "[0-9]"), "|a|");
        assert_eq!(s("a b  c", "\\s*"), "a|b|c");
        assert_eq!(s("", ","), "");
        let i = compile("X", "i").unwrap();
        assert_eq!(split(&i, "axbXc").join("|"), "a|b|c");
        assert!(compile("x", "g").is_err());
    }
}
