//! Bind parameters: PG text or binary values → DataFusion scalars of the type
//! the plan expects, and the PG type OID we report for each parameter.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, TimeUnit};
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Expr, LogicalPlan};

use crate::encode::binary::{PG_EPOCH_DAYS, PG_EPOCH_MICROS};
use crate::encode::types::{oid, pg_type_of, pg_type_of_data_type};
use crate::encode::Format;
use crate::errors::{sqlstate, PgError};

/// The Arrow type a declared PG parameter type stands for.
pub fn data_type_of_oid(type_oid: u32) -> Option<DataType> {
    if let Some(element) = element_oid(type_oid) {
        let item = data_type_of_oid(element)?;
        return Some(DataType::List(Arc::new(Field::new_list_field(item, true))));
    }
    Some(match type_oid {
        oid::BOOL => DataType::Boolean,
        oid::INT2 => DataType::Int16,
        oid::INT4 => DataType::Int32,
        oid::OID => DataType::UInt32,
        oid::INT8 => DataType::Int64,
        oid::FLOAT4 => DataType::Float32,
        oid::FLOAT8 => DataType::Float64,
        oid::TEXT
        | oid::VARCHAR
        | oid::NAME
        | oid::CHAR
        | oid::JSON
        | oid::JSONB
        | oid::UUID
        | 1042 => DataType::Utf8,
        oid::BYTEA => DataType::Binary,
        oid::DATE => DataType::Date32,
        oid::TIME => DataType::Time64(TimeUnit::Microsecond),
        oid::TIMESTAMP => DataType::Timestamp(TimeUnit::Microsecond, None),
        oid::TIMESTAMPTZ => DataType::Timestamp(TimeUnit::Microsecond, Some("+00:00".into())),
        oid::NUMERIC => DataType::Decimal128(38, 10),
        _ => return None,
    })
}

/// The element type of a one-dimensional array type we accept as a parameter.
fn element_oid(array_oid: u32) -> Option<u32> {
    Some(match array_oid {
        1000 => oid::BOOL,
        1005 => oid::INT2,
        1007 => oid::INT4,
        1016 => oid::INT8,
        1021 => oid::FLOAT4,
        1022 => oid::FLOAT8,
        1009 => oid::TEXT,
        1015 => oid::VARCHAR,
        1028 => oid::OID,
        1182 => oid::DATE,
        1115 => oid::TIMESTAMP,
        1185 => oid::TIMESTAMPTZ,
        1231 => oid::NUMERIC,
        _ => return None,
    })
}

/// Parameter types PostgreSQL infers from context where the engine leaves them
/// open or guesses text:
/// `$1::int8` takes the cast's type, `LIMIT $1` / `OFFSET $1` are bigint.
pub fn infer_from_context(plan: &LogicalPlan) -> HashMap<String, DataType> {
    let mut found = HashMap::new();
    let mut note = |e: &Expr, t: &DataType| {
        if let Expr::Placeholder(p) = e {
            found.entry(p.id.clone()).or_insert_with(|| t.clone());
        }
    };
    let _ = plan.apply_with_subqueries(|node| {
        if let LogicalPlan::Limit(limit) = node {
            for e in limit.skip.iter().chain(limit.fetch.iter()) {
                note(e, &DataType::Int64);
            }
        }
        node.apply_expressions(|e| {
            e.apply(|e| {
                if let Expr::Cast(c) = e {
                    note(&c.expr, c.field.data_type());
                }
                if let Expr::TryCast(c) = e {
                    note(&c.expr, c.field.data_type());
                }
                Ok(TreeNodeRecursion::Continue)
            })
        })?;
        Ok(TreeNodeRecursion::Continue)
    });
    found
}

/// The OID reported in ParameterDescription: the declared type, else the
/// engine's field for the placeholder (whose metadata may name a catalog type
/// such as `oid`), else the inferred type, else text (as PG resolves an
/// unknown-typed parameter).
pub fn reported_oid(declared: u32, field: Option<&Field>, inferred: Option<&DataType>) -> u32 {
    if declared != 0 {
        return declared;
    }
    if let Some(field) = field.filter(|f| !f.metadata().is_empty()) {
        return pg_type_of(field).0.oid();
    }
    match inferred {
        Some(DataType::Null) | None => oid::TEXT,
        Some(t) => pg_type_of_data_type(t).0.oid(),
    }
}

/// A text-format parameter's bytes as UTF-8 (the only client encoding served).
fn utf8(bytes: &[u8]) -> Result<&str, PgError> {
    std::str::from_utf8(bytes).map_err(|_| {
        PgError::new(
            sqlstate::CHARACTER_NOT_IN_REPERTOIRE,
            "invalid byte sequence for encoding \"UTF8\"",
        )
    })
}

fn invalid_input(type_name: &str, value: &str) -> PgError {
    PgError::new(
        sqlstate::INVALID_TEXT_REPRESENTATION,
        format!("invalid input syntax for type {type_name}: \"{value}\""),
    )
}

fn pg_name(t: &DataType) -> &'static str {
    match t {
        DataType::Boolean => "boolean",
        DataType::Int8 | DataType::Int16 => "smallint",
        DataType::Int32 => "integer",
        DataType::Int64 => "bigint",
        DataType::Float32 => "real",
        DataType::Float64 => "double precision",
        DataType::Decimal128(..) | DataType::Decimal256(..) => "numeric",
        DataType::Date32 => "date",
        DataType::Timestamp(_, None) => "timestamp",
        DataType::Timestamp(_, Some(_)) => "timestamp with time zone",
        DataType::Time64(_) => "time",
        _ => "text",
    }
}

/// Decodes one parameter. `declared` is the OID from Parse (0 = none), `target`
/// the type the plan inferred for the placeholder.
pub fn decode(
    value: Option<&[u8]>,
    format: Format,
    declared: u32,
    target: Option<&DataType>,
) -> Result<ScalarValue, PgError> {
    let target = target.filter(|t| **t != DataType::Null);
    let Some(bytes) = value else {
        let t = target
            .cloned()
            .or_else(|| data_type_of_oid(declared))
            .unwrap_or(DataType::Utf8);
        return ScalarValue::try_from(&t).map_err(PgError::from);
    };
    if let Some(DataType::List(item) | DataType::LargeList(item)) = target {
        return decode_array(bytes, format, item.data_type());
    }
    let natural = match format {
        Format::Text => {
            let text = utf8(bytes)?;
            let as_declared = data_type_of_oid(declared);
            let want = target.cloned().or(as_declared).unwrap_or(DataType::Utf8);
            return cast_text(text, &want);
        }
        Format::Binary => {
            let type_oid = if declared != 0 {
                declared
            } else {
                target.map_or(oid::TEXT, |t| pg_type_of_data_type(t).0.oid())
            };
            decode_binary(bytes, type_oid)?
        }
    };
    match target {
        Some(t) if &natural.data_type() != t => natural
            .cast_to(t)
            .map_err(|_| invalid_input(pg_name(t), &natural.to_string())),
        _ => Ok(natural),
    }
}

/// An array parameter (text `{1,NULL,"a b"}` or PG's binary array format)
/// as a list of `item` values. Only one-dimensional arrays exist here.
fn decode_array(bytes: &[u8], format: Format, item: &DataType) -> Result<ScalarValue, PgError> {
    let values = match format {
        Format::Text => {
            let text = utf8(bytes)?;
            crate::dialect::array_literal::elements(text)
                .ok_or_else(|| malformed_array(text))?
                .into_iter()
                .map(|e| match e {
                    None => ScalarValue::try_from(item).map_err(PgError::from),
                    Some(v) => cast_text(&v, item),
                })
                .collect::<Result<Vec<_>, _>>()?
        }
        Format::Binary => {
            let array = binary_array_elements(bytes)?;
            array
                .elements
                .into_iter()
                .map(|e| decode(e, Format::Binary, array.element_oid, Some(item)))
                .collect::<Result<Vec<_>, _>>()?
        }
    };
    Ok(ScalarValue::List(ScalarValue::new_list(
        &values, item, true,
    )))
}

fn malformed_array(text: &str) -> PgError {
    PgError::new(
        sqlstate::INVALID_TEXT_REPRESENTATION,
        format!("malformed array literal: \"{text}\""),
    )
}

/// A one-dimensional array in PG's binary format: its element type and the
/// elements' bytes (`None` is NULL).
struct BinaryArray<'a> {
    element_oid: u32,
    elements: Vec<Option<&'a [u8]>>,
}

fn binary_array_elements(bytes: &[u8]) -> Result<BinaryArray<'_>, PgError> {
    let bad = || {
        PgError::new(
            sqlstate::INVALID_BINARY_REPRESENTATION,
            "incorrect binary data format in bind parameter (array)",
        )
    };
    let mut rest = bytes;
    let mut int = || -> Result<i32, PgError> {
        let (head, tail) = rest.split_first_chunk::<4>().ok_or_else(bad)?;
        rest = tail;
        Ok(i32::from_be_bytes(*head))
    };
    let (dimensions, _has_nulls, element_oid) = (int()?, int()?, int()? as u32);
    let count = match dimensions {
        0 => 0,
        1 => {
            let (length, _lower_bound) = (int()?, int()?);
            usize::try_from(length).map_err(|_| bad())?
        }
        _ => {
            return Err(PgError::unsupported(
                "multidimensional array parameters are not supported",
            ))
        }
    };
    let mut elements = Vec::with_capacity(count.min(bytes.len()));
    for _ in 0..count {
        let (head, tail) = rest.split_first_chunk::<4>().ok_or_else(bad)?;
        let length = i32::from_be_bytes(*head);
        rest = tail;
        if length < 0 {
            elements.push(None);
            continue;
        }
        let length = length as usize;
        if rest.len() < length {
            return Err(bad());
        }
        let (value, tail) = rest.split_at(length);
        elements.push(Some(value));
        rest = tail;
    }
    Ok(BinaryArray {
        element_oid,
        elements,
    })
}

fn cast_text(text: &str, want: &DataType) -> Result<ScalarValue, PgError> {
    if *want == DataType::Utf8 {
        return Ok(ScalarValue::Utf8(Some(text.to_string())));
    }
    if *want == DataType::Boolean {
        let v = match text.trim().to_ascii_lowercase().as_str() {
            "t" | "true" | "yes" | "y" | "on" | "1" => true,
            "f" | "false" | "no" | "n" | "off" | "0" => false,
            _ => return Err(invalid_input("boolean", text)),
        };
        return Ok(ScalarValue::Boolean(Some(v)));
    }
    if let DataType::Decimal128(_, _) = want {
        // Keep the value's own scale rather than forcing the placeholder's.
        return decimal_from_text(text).ok_or_else(|| invalid_input("numeric", text));
    }
    let value = ScalarValue::Utf8(Some(text.trim().to_string()));
    let cast = value
        .cast_to(want)
        .map_err(|_| invalid_input(pg_name(want), text))?;
    if cast.is_null() {
        return Err(invalid_input(pg_name(want), text));
    }
    Ok(cast)
}

/// Parses `-12.345` into a Decimal128 with the value's own scale.
fn decimal_from_text(text: &str) -> Option<ScalarValue> {
    let t = text.trim();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let all = format!("{int}{frac}");
    let mut v: i128 = all.parse().ok()?;
    if negative {
        v = -v;
    }
    let scale = frac.len() as i8;
    let precision = (all.trim_start_matches('0').len().max(1) as u8)
        .max(scale as u8)
        .min(38);
    Some(ScalarValue::Decimal128(Some(v), precision.max(1), scale))
}

fn fixed<const N: usize>(bytes: &[u8], type_name: &str) -> Result<[u8; N], PgError> {
    bytes.try_into().map_err(|_| {
        PgError::new(
            sqlstate::INVALID_BINARY_REPRESENTATION,
            format!("incorrect binary data format in bind parameter ({type_name})"),
        )
    })
}

fn decode_binary(bytes: &[u8], type_oid: u32) -> Result<ScalarValue, PgError> {
    Ok(match type_oid {
        oid::BOOL => ScalarValue::Boolean(Some(fixed::<1>(bytes, "boolean")?[0] != 0)),
        oid::INT2 => ScalarValue::Int16(Some(i16::from_be_bytes(fixed(bytes, "smallint")?))),
        oid::INT4 => ScalarValue::Int32(Some(i32::from_be_bytes(fixed(bytes, "integer")?))),
        oid::OID => ScalarValue::UInt32(Some(u32::from_be_bytes(fixed(bytes, "oid")?))),
        oid::INT8 => ScalarValue::Int64(Some(i64::from_be_bytes(fixed(bytes, "bigint")?))),
        oid::FLOAT4 => ScalarValue::Float32(Some(f32::from_be_bytes(fixed(bytes, "real")?))),
        oid::FLOAT8 => {
            ScalarValue::Float64(Some(f64::from_be_bytes(fixed(bytes, "double precision")?)))
        }
        oid::BYTEA => ScalarValue::Binary(Some(bytes.to_vec())),
        oid::DATE => {
            let days = i64::from(i32::from_be_bytes(fixed(bytes, "date")?)) + PG_EPOCH_DAYS;
            ScalarValue::Date32(Some(days as i32))
        }
        oid::TIME => {
            ScalarValue::Time64Microsecond(Some(i64::from_be_bytes(fixed(bytes, "time")?)))
        }
        oid::TIMESTAMP => {
            let us = i64::from_be_bytes(fixed(bytes, "timestamp")?) + PG_EPOCH_MICROS;
            ScalarValue::TimestampMicrosecond(Some(us), None)
        }
        oid::TIMESTAMPTZ => {
            let us = i64::from_be_bytes(fixed(bytes, "timestamptz")?) + PG_EPOCH_MICROS;
            ScalarValue::TimestampMicrosecond(Some(us), Some("+00:00".into()))
        }
        oid::UUID => {
            let b: [u8; 16] = fixed(bytes, "uuid")?;
            let mut text = Vec::with_capacity(36);
            crate::encode::text::write_uuid(&b, &mut text);
            ScalarValue::Utf8(Some(String::from_utf8_lossy(&text).into_owned()))
        }
        oid::NUMERIC => decimal_from_text(&numeric_binary_to_text(bytes)?).ok_or_else(|| {
            PgError::new(sqlstate::INVALID_BINARY_REPRESENTATION, "invalid numeric")
        })?,
        oid::JSONB => {
            let text = bytes.get(1..).unwrap_or_default();
            ScalarValue::Utf8(Some(String::from_utf8_lossy(text).into_owned()))
        }
        _ => ScalarValue::Utf8(Some(utf8(bytes)?.to_string())),
    })
}

/// PG's binary numeric (base-10000 digits) to decimal text.
fn numeric_binary_to_text(bytes: &[u8]) -> Result<String, PgError> {
    let bad = || {
        PgError::new(
            sqlstate::INVALID_BINARY_REPRESENTATION,
            "invalid numeric binary format",
        )
    };
    if bytes.len() < 8 {
        return Err(bad());
    }
    let word = |i: usize| i16::from_be_bytes([bytes[i], bytes[i + 1]]);
    let (ndigits, weight, sign, dscale) = (
        word(0) as usize,
        word(2) as i32,
        word(4) as u16,
        word(6) as usize,
    );
    if bytes.len() < 8 + 2 * ndigits || sign == 0xC000 {
        return Err(bad());
    }
    let digits: Vec<i16> = (0..ndigits).map(|i| word(8 + 2 * i)).collect();
    let mut int = String::new();
    for w in 0..=weight.max(-1) {
        let d = digits.get(w as usize).copied().unwrap_or(0);
        if int.is_empty() {
            int = d.to_string();
        } else {
            int.push_str(&format!("{d:04}"));
        }
    }
    if int.is_empty() {
        int.push('0');
    }
    let mut frac = String::new();
    let mut pos = weight + 1;
    while (frac.len()) < dscale {
        let d = if pos < 0 {
            0
        } else {
            digits.get(pos as usize).copied().unwrap_or(0)
        };
        frac.push_str(&format!("{d:04}"));
        pos += 1;
    }
    frac.truncate(dscale);
    let sign = if sign == 0x4000 { "-" } else { "" };
    Ok(if dscale > 0 {
        format!("{sign}{int}.{frac}")
    } else {
        format!("{sign}{int}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_parameters_are_cast_to_the_inferred_type() {
        let v = decode(Some(b"42"), Format::Text, 0, Some(&DataType::Int64)).unwrap();
        assert_eq!(v, ScalarValue::Int64(Some(42)));
        let e = decode(Some(b"abc"), Format::Text, 0, Some(&DataType::Int32)).unwrap_err();
        assert_eq!(e.code, "22P02");
        assert_eq!(e.message, "invalid input syntax for type integer: \"abc\"");
    }

    #[test]
    fn binary_parameters_follow_the_declared_type() {
        let v = decode(
            Some(&7i32.to_be_bytes()),
            Format::Binary,
            oid::INT4,
            Some(&DataType::Int64),
        )
        .unwrap();
        assert_eq!(v, ScalarValue::Int64(Some(7)));
        let e = decode(Some(&[1, 2]), Format::Binary, oid::INT4, None).unwrap_err();
        assert_eq!(e.code, "22P03");
    }

    #[test]
    fn array_parameters_decode_from_text_and_binary() {
        let item = Field::new_list_field(DataType::Int64, true);
        let target = DataType::List(Arc::new(item));
        let text = decode(Some(b"{1, NULL ,\"3\"}"), Format::Text, 0, Some(&target)).unwrap();
        assert_eq!(text.to_string(), "[1, , 3]");
        let mut binary = Vec::new();
        for v in [1i32, 1, 23, 2, 1, 4, 7, -1] {
            binary.extend_from_slice(&v.to_be_bytes());
        }
        let list = decode(Some(&binary), Format::Binary, 1007, Some(&target)).unwrap();
        assert_eq!(list.to_string(), "[7, ]");
        let empty = decode(Some(&[0; 12]), Format::Binary, 1007, Some(&target)).unwrap();
        assert_eq!(empty.to_string(), "[]");
        for bad in ["1,2", "{1,,2}", "{1", "{{1}}"] {
            let e = decode(Some(bad.as_bytes()), Format::Text, 0, Some(&target)).unwrap_err();
            assert_eq!(e.code, "22P02", "{bad}");
        }
        assert_eq!(
            reported_oid(0, None, Some(&data_type_of_oid(1028).unwrap())),
            1028
        );
    }

    #[test]
    fn binary_numeric_round_trips_through_text() {
        let mut b = Vec::new();
        crate::encode::binary::write_numeric("-1234567", 3, &mut b);
        assert_eq!(numeric_binary_to_text(&b).unwrap(), "-1234.567");
        b.clear();
        crate::encode::binary::write_numeric("5", 2, &mut b);
        assert_eq!(numeric_binary_to_text(&b).unwrap(), "0.05");
    }
}
