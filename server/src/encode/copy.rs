//! `COPY … TO STDOUT` payloads in text, csv and binary format, one CopyData
//! message per row as PostgreSQL sends them.

use bytes::{BufMut, BytesMut};
use datafusion::arrow::record_batch::RecordBatch;

use super::rows::ResultEncoder;
use super::EncodeError;

/// The COPY formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyFormat {
    /// Tab-separated, `\N` for NULL, backslash escapes.
    Text,
    /// RFC 4180-style CSV, empty for NULL.
    Csv {
        /// Emit a header line with the column names.
        header: bool,
    },
    /// PG's binary COPY format.
    Binary,
}

impl CopyFormat {
    /// The overall format code of CopyOutResponse.
    pub fn code(self) -> i8 {
        match self {
            CopyFormat::Binary => 1,
            _ => 0,
        }
    }
}

/// The fixed signature that starts binary COPY data, then flags and extension length.
const BINARY_SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";

/// Appends the CopyData that precedes the rows (binary header or CSV header line).
pub fn write_copy_start(format: CopyFormat, encoder: &ResultEncoder, buf: &mut BytesMut) {
    match format {
        CopyFormat::Binary => copy_data(buf, |b| {
            b.extend_from_slice(BINARY_SIGNATURE);
            b.put_i32(0);
            b.put_i32(0);
        }),
        CopyFormat::Csv { header: true } => copy_data(buf, |b| {
            for (i, col) in encoder.columns().iter().enumerate() {
                if i > 0 {
                    b.put_u8(b',');
                }
                write_csv_value(col.name.as_bytes(), b);
            }
            b.put_u8(b'\n');
        }),
        _ => {}
    }
}

/// Appends one CopyData message per row of `batch`.
pub fn write_copy_rows(
    format: CopyFormat,
    encoder: &mut ResultEncoder,
    batch: &RecordBatch,
    buf: &mut BytesMut,
) -> Result<(), EncodeError> {
    encoder.encode_batch(batch)?;
    let columns = encoder.encoded();
    for row in 0..batch.num_rows() {
        copy_data(buf, |b| {
            if format == CopyFormat::Binary {
                b.put_i16(columns.len() as i16);
            }
            for (i, col) in columns.iter().enumerate() {
                let cell = col.cell(row);
                match format {
                    CopyFormat::Binary => match cell {
                        Some(v) => {
                            b.put_i32(v.len() as i32);
                            b.extend_from_slice(v);
                        }
                        None => b.put_i32(-1),
                    },
                    CopyFormat::Text => {
                        if i > 0 {
                            b.put_u8(b'\t');
                        }
                        match cell {
                            Some(v) => write_text_value(v, b),
                            None => b.extend_from_slice(b"\\N"),
                        }
                    }
                    CopyFormat::Csv { .. } => {
                        if i > 0 {
                            b.put_u8(b',');
                        }
                        if let Some(v) = cell {
                            write_csv_value(v, b);
                        }
                    }
                }
            }
            if format != CopyFormat::Binary {
                b.put_u8(b'\n');
            }
        });
    }
    Ok(())
}

/// Appends the CopyData that ends the rows (the binary trailer), if any.
pub fn write_copy_end(format: CopyFormat, buf: &mut BytesMut) {
    if format == CopyFormat::Binary {
        copy_data(buf, |b| b.put_i16(-1));
    }
}

fn copy_data(buf: &mut BytesMut, body: impl FnOnce(&mut BytesMut)) {
    let start = buf.len();
    buf.put_u8(b'd');
    buf.put_i32(0);
    body(buf);
    let len = (buf.len() - start - 1) as i32;
    buf[start + 1..start + 5].copy_from_slice(&len.to_be_bytes());
}

fn write_text_value(v: &[u8], b: &mut BytesMut) {
    for &c in v {
        match c {
            b'\\' => b.extend_from_slice(b"\\\\"),
            b'\t' => b.extend_from_slice(b"\\t"),
            b'\n' => b.extend_from_slice(b"\\n"),
            b'\r' => b.extend_from_slice(b"\\r"),
            0x08 => b.extend_from_slice(b"\\b"),
            0x0c => b.extend_from_slice(b"\\f"),
            0x0b => b.extend_from_slice(b"\\v"),
            _ => b.put_u8(c),
        }
    }
}

fn write_csv_value(v: &[u8], b: &mut BytesMut) {
    let quote =
        v.is_empty() || v == b"\\." || v.iter().any(|&c| matches!(c, b',' | b'"' | b'\n' | b'\r'));
    if !quote {
        b.extend_from_slice(v);
        return;
    }
    b.put_u8(b'"');
    for &c in v {
        if c == b'"' {
            b.put_u8(b'"');
        }
        b.put_u8(c);
    }
    b.put_u8(b'"');
}
