//! PostgreSQL's `format(formatstr, args...)`: `%s` (text, NULL as empty),
//! `%I` (an identifier, quoted where needed), `%L` (a literal, NULL as
//! `NULL`), `%%`; each with an optional argument position (`%2$s`), `-`
//! flag and width (digits, `*` or `*n$`). Arguments arrive as text as PG
//! prints them (the analyzer's casts to text), so `true` is `t`.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::catalog::catalog_functions::quote_ident;
use crate::errors::{sqlstate, PgError};

/// `format`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Format {
    signature: Signature,
}

/// The function.
pub fn format_function() -> ScalarUDF {
    ScalarUDF::new_from_impl(Format {
        signature: Signature::user_defined(Volatility::Stable),
    })
}

fn invalid(message: impl Into<String>) -> PgError {
    PgError::new(sqlstate::INVALID_PARAMETER_VALUE, message)
}

/// PG's `quote_literal`: quotes doubled; with a backslash, an `E''` string.
fn quote_literal(text: &str) -> String {
    let quoted = text.replace('\'', "''");
    if text.contains('\\') {
        format!("E'{}'", quoted.replace('\\', "\\\\"))
    } else {
        format!("'{quoted}'")
    }
}

/// Reads digits at `chars[*i..]` as a number, if there are any.
fn number(chars: &[char], i: &mut usize) -> Option<usize> {
    let start = *i;
    while chars.get(*i).is_some_and(char::is_ascii_digit) {
        *i += 1;
    }
    let digits: String = chars[start..*i].iter().collect();
    digits.parse().ok()
}

/// `template` with its conversions applied to `args` (`None` is NULL).
pub fn format(template: &str, args: &[Option<&str>]) -> Result<String, PgError> {
    let chars: Vec<char> = template.chars().collect();
    let mut out = String::new();
    let mut next = 0;
    let mut take = |position: Option<usize>| -> Result<Option<&str>, PgError> {
        let index = match position {
            Some(0) => {
                return Err(invalid(
                    "format specifies argument 0, but arguments are numbered from 1",
                ))
            }
            Some(n) => n - 1,
            None => next,
        };
        next = index + 1;
        args.get(index)
            .copied()
            .ok_or_else(|| invalid("too few arguments for format()"))
    };
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        i += 1;
        if chars.get(i) == Some(&'%') {
            out.push('%');
            i += 1;
            continue;
        }
        // %[position$][-][width]type
        let mut position = None;
        let save = i;
        if let Some(n) = number(&chars, &mut i) {
            if chars.get(i) == Some(&'$') {
                position = Some(n);
                i += 1;
            } else {
                i = save;
            }
        }
        let left = chars.get(i) == Some(&'-');
        if left {
            i += 1;
        }
        let mut width: i64 = 0;
        let mut left = left;
        if chars.get(i) == Some(&'*') {
            i += 1;
            let save = i;
            let star_position = match number(&chars, &mut i) {
                Some(n) if chars.get(i) == Some(&'$') => {
                    i += 1;
                    Some(n)
                }
                _ => {
                    i = save;
                    None
                }
            };
            let value = take(star_position)?;
            width = match value {
                None => 0,
                Some(v) => v.trim().parse().map_err(|_| {
                    invalid(format!("invalid input syntax for type integer: \"{v}\""))
                })?,
            };
            if width < 0 {
                left = true;
                width = -width;
            }
        } else if let Some(n) = number(&chars, &mut i) {
            width = n as i64;
        }
        let Some(&kind) = chars.get(i) else {
            return Err(invalid("unterminated format() type specifier"));
        };
        i += 1;
        let value = take(position)?;
        let text = match kind {
            's' => value.unwrap_or("").to_string(),
            'I' => match value {
                Some(v) => quote_ident(v),
                None => {
                    return Err(PgError::new(
                        sqlstate::NULL_VALUE_NOT_ALLOWED,
                        "null values cannot be formatted as an SQL identifier",
                    ))
                }
            },
            'L' => value.map_or_else(|| "NULL".to_string(), quote_literal),
            other => {
                return Err(invalid(format!(
                    "unrecognized format() type specifier \"{other}\""
                )))
            }
        };
        let pad = (width as usize).saturating_sub(text.chars().count());
        if left {
            out.push_str(&text);
            out.extend(std::iter::repeat_n(' ', pad));
        } else {
            out.extend(std::iter::repeat_n(' ', pad));
            out.push_str(&text);
        }
    }
    Ok(out)
}

impl ScalarUDFImpl for Format {
    fn name(&self) -> &str {
        "format"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        if args.is_empty() {
            return Err(super::no_such_function("format", args).into_datafusion());
        }
        Ok(vec![DataType::Utf8; args.len()])
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let all_scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let columns: Vec<ArrayRef> = ColumnarValue::values_to_arrays(&args.args)?;
        let texts: Vec<_> = columns.iter().map(|c| c.as_string::<i32>()).collect();
        let mut out = StringBuilder::new();
        for row in 0..args.number_rows {
            let values: Vec<Option<&str>> = texts
                .iter()
                .map(|t| (!t.is_null(row)).then(|| t.value(row)))
                .collect();
            match values[0] {
                // A NULL format string is a NULL result.
                None => out.append_null(),
                Some(template) => out.append_value(
                    format(template, &values[1..]).map_err(PgError::into_datafusion)?,
                ),
            }
        }
        super::shaped_like_arguments(all_scalar, Arc::new(out.finish()))
    }
}

#[cfg(test)]
mod tests {
    use super::format;

    #[test]
    fn conversions_follow_postgres() {
        // PG 15's answers.
        let f = |t: &str, a: &[Option<&str>]| format(t, a).map_err(|e| e.message);
        assert_eq!(
            f("%s-%I-%L", &[Some("a"), Some("B c"), Some("it's")]).unwrap(),
            "a-\"B c\"-'it''s'"
        );
        assert_eq!(f("%s|%L|%%", &[None, None]).unwrap(), "|NULL|%");
        assert_eq!(f("%2$s %1$s %s", &[Some("a"), Some("b")]).unwrap(), "b a b");
        assert_eq!(
            f("[%5s][%-5s]", &[Some("ab"), Some("cd")]).unwrap(),
            "[   ab][cd   ]"
        );
        assert_eq!(f("[%*s]", &[Some("-4"), Some("x")]).unwrap(), "[x   ]");
        assert_eq!(f("%L", &[Some("a\\b")]).unwrap(), "E'a\\\\b'");
        assert_eq!(
            f("%s %s", &[Some("a")]).unwrap_err(),
            "too few arguments for format()"
        );
        assert_eq!(
            f("%x", &[Some("a")]).unwrap_err(),
            "unrecognized format() type specifier \"x\""
        );
    }
}
