//! JSON text for Arrow types PG has no equivalent for (Struct, Map, Union, nested
//! lists), and for `arrow.json`-tagged strings. Children are encoded column-wise
//! and then stitched into objects and arrays row by row.

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};

use super::column::{encode_column, EncodedColumn};
use super::types::{pg_type_of_data_type, PgScalar, PgType};
use super::{EncodeOptions, Format};

/// Encodes every row of `array` as JSON text into `out`.
pub fn encode_json_column(array: &ArrayRef, opts: &EncodeOptions, out: &mut EncodedColumn) {
    let mut scratch = EncodedColumn::default();
    match array.data_type() {
        DataType::Struct(fields) => {
            let st = array.as_struct();
            let children: Vec<EncodedColumn> =
                st.columns().iter().map(|c| child_json(c, opts)).collect();
            copy_cells(array.as_ref(), &mut scratch, out, |i, buf| {
                buf.push(b'{');
                for (k, (field, child)) in fields.iter().zip(&children).enumerate() {
                    if k > 0 {
                        buf.push(b',');
                    }
                    write_json_string(field.name().as_bytes(), buf);
                    buf.push(b':');
                    write_cell_or_null(child, i, buf);
                }
                buf.push(b'}');
            });
        }
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _) => {
            let (values, bounds) = list_parts(array);
            let elements = child_json(&values, opts);
            copy_cells(array.as_ref(), &mut scratch, out, |i, buf| {
                buf.push(b'[');
                for (k, r) in (bounds[i].0..bounds[i].1).enumerate() {
                    if k > 0 {
                        buf.push(b',');
                    }
                    write_cell_or_null(&elements, r, buf);
                }
                buf.push(b']');
            });
        }
        DataType::Map(_, _) => {
            let map = array.as_map();
            let keys = child_text(map.keys(), opts);
            let values = child_json(map.values(), opts);
            let offsets = map.value_offsets();
            copy_cells(array.as_ref(), &mut scratch, out, |i, buf| {
                buf.push(b'{');
                let (start, end) = (offsets[i] as usize, offsets[i + 1] as usize);
                for r in start..end {
                    if r > start {
                        buf.push(b',');
                    }
                    write_json_string(keys.cell(r).unwrap_or(b"null"), buf);
                    buf.push(b':');
                    write_cell_or_null(&values, r, buf);
                }
                buf.push(b'}');
            });
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            // Already JSON text (an `arrow.json` column): sent as it is.
            let _ = encode_column(
                array,
                PgType::Scalar(PgScalar::Text),
                Format::Text,
                opts,
                out,
            );
        }
        _ => {
            let formatter = ArrayFormatter::try_new(array.as_ref(), &FormatOptions::default());
            let mut text = String::new();
            copy_cells(array.as_ref(), &mut scratch, out, |i, buf| {
                text.clear();
                if let Ok(f) = &formatter {
                    use std::fmt::Write;
                    let _ = write!(text, "{}", f.value(i));
                }
                write_json_string(text.as_bytes(), buf);
            });
        }
    }
}

/// Row `i`'s start and end in a list array's values.
fn list_parts(array: &ArrayRef) -> (ArrayRef, Vec<(usize, usize)>) {
    match array.data_type() {
        DataType::List(_) => {
            let l = array.as_list::<i32>();
            let o = l.value_offsets();
            let b = (0..l.len()).map(|i| (o[i] as usize, o[i + 1] as usize));
            (l.values().clone(), b.collect())
        }
        DataType::LargeList(_) => {
            let l = array.as_list::<i64>();
            let o = l.value_offsets();
            let b = (0..l.len()).map(|i| (o[i] as usize, o[i + 1] as usize));
            (l.values().clone(), b.collect())
        }
        _ => {
            let l = array.as_fixed_size_list();
            let n = l.value_length() as usize;
            let b = (0..l.len()).map(|i| (i * n, (i + 1) * n));
            (l.values().clone(), b.collect())
        }
    }
}

/// A child column as JSON values: numbers and booleans bare, nested types as JSON,
/// everything else as a JSON string of its PG text form.
fn child_json(child: &ArrayRef, opts: &EncodeOptions) -> EncodedColumn {
    let (pg_type, _) = pg_type_of_data_type(child.data_type());
    let bare = matches!(
        pg_type,
        PgType::Scalar(
            PgScalar::Bool
                | PgScalar::Int2
                | PgScalar::Int4
                | PgScalar::Int8
                | PgScalar::Numeric
                | PgScalar::Json
        )
    ) || matches!(pg_type, PgType::Array(_));
    let mut out = EncodedColumn::default();
    if matches!(pg_type, PgType::Array(_)) || pg_type == PgType::Scalar(PgScalar::Json) {
        encode_json_column(child, opts, &mut out);
        return out;
    }
    let text = child_text(child, opts);
    if bare {
        return text;
    }
    for r in 0..text.cells.len() {
        let start = out.bytes.len();
        match text.cell(r) {
            None => out.cells.push((0, -1)),
            Some(v) => {
                write_json_string(v, &mut out.bytes);
                out.cells
                    .push((start as u32, (out.bytes.len() - start) as i32));
            }
        }
    }
    out
}

fn child_text(child: &ArrayRef, opts: &EncodeOptions) -> EncodedColumn {
    let (pg_type, _) = pg_type_of_data_type(child.data_type());
    let mut out = EncodedColumn::default();
    let _ = encode_column(child, pg_type, Format::Text, opts, &mut out);
    out
}

/// Runs `write` for every non-null row, recording cells in `out`.
fn copy_cells<F: FnMut(usize, &mut Vec<u8>)>(
    array: &dyn Array,
    scratch: &mut EncodedColumn,
    out: &mut EncodedColumn,
    mut write: F,
) {
    for i in 0..array.len() {
        if array.is_null(i) {
            out.cells.push((0, -1));
            continue;
        }
        scratch.bytes.clear();
        write(i, &mut scratch.bytes);
        let start = out.bytes.len();
        out.bytes.extend_from_slice(&scratch.bytes);
        out.cells
            .push((start as u32, (out.bytes.len() - start) as i32));
    }
}

fn write_cell_or_null(col: &EncodedColumn, row: usize, buf: &mut Vec<u8>) {
    match col.cell(row) {
        Some(v) => buf.extend_from_slice(v),
        None => buf.extend_from_slice(b"null"),
    }
}

/// Writes `s` as a JSON string literal.
fn write_json_string(s: &[u8], buf: &mut Vec<u8>) {
    buf.push(b'"');
    for &b in s {
        match b {
            b'"' => buf.extend_from_slice(b"\\\""),
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            0..=0x1f => {
                buf.extend_from_slice(b"\\u00");
                buf.push(b"0123456789abcdef"[usize::from(b >> 4)]);
                buf.push(b"0123456789abcdef"[usize::from(b & 15)]);
            }
            _ => buf.push(b),
        }
    }
    buf.push(b'"');
}
