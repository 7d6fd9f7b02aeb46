//! `COPY … TO STDOUT` payloads in text, csv and binary format, cut into
//! CopyData messages exactly as PostgreSQL cuts them.

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

/// Writes one `COPY … TO STDOUT` payload as PostgreSQL frames it: one
/// CopyData per row; the CSV header line in a CopyData of its own; the
/// binary header in the same CopyData as the first row (or, with no rows, as
/// the trailer), since readers such as ADBC's and tokio-postgres's binary COPY
/// parse each CopyData as whole rows.
#[derive(Debug)]
pub struct CopyWriter {
    format: CopyFormat,
    /// Each row in a CopyData message (the wire), or bare (an HTTP body).
    framed: bool,
    /// The binary header is still to be written, before the next message.
    header_pending: bool,
}

impl CopyWriter {
    /// Starts a payload: appends the CSV header line, if any.
    pub fn start(format: CopyFormat, encoder: &ResultEncoder, buf: &mut BytesMut) -> CopyWriter {
        CopyWriter::begin(format, true, encoder, buf)
    }

    /// Starts a payload without CopyData framing: the bytes a client writes
    /// to a file (`\copy … to 'file'`).
    pub fn start_unframed(
        format: CopyFormat,
        encoder: &ResultEncoder,
        buf: &mut BytesMut,
    ) -> CopyWriter {
        CopyWriter::begin(format, false, encoder, buf)
    }

    fn begin(
        format: CopyFormat,
        framed: bool,
        encoder: &ResultEncoder,
        buf: &mut BytesMut,
    ) -> CopyWriter {
        if format == (CopyFormat::Csv { header: true }) {
            copy_data(framed, buf, |b| {
                for (i, col) in encoder.columns().iter().enumerate() {
                    if i > 0 {
                        b.put_u8(b',');
                    }
                    write_csv_value(col.name.as_bytes(), b);
                }
                b.put_u8(b'\n');
            });
        }
        CopyWriter {
            format,
            framed,
            header_pending: format == CopyFormat::Binary,
        }
    }

    /// Appends the binary header if it is still due.
    fn take_header(&mut self, b: &mut BytesMut) {
        if std::mem::take(&mut self.header_pending) {
            b.extend_from_slice(BINARY_SIGNATURE);
            b.put_i32(0);
            b.put_i32(0);
        }
    }

    /// Appends one CopyData message per row of `batch`.
    pub fn write_rows(
        &mut self,
        encoder: &mut ResultEncoder,
        batch: &RecordBatch,
        buf: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        let format = self.format;
        encoder.encode_batch(batch)?;
        let columns = encoder.encoded();
        for row in 0..batch.num_rows() {
            copy_data(self.framed, buf, |b| {
                if format == CopyFormat::Binary {
                    self.take_header(b);
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

    /// Ends the payload: the binary trailer (with the header if no row came).
    pub fn finish(mut self, buf: &mut BytesMut) {
        if self.format == CopyFormat::Binary {
            copy_data(self.framed, buf, |b| {
                self.take_header(b);
                b.put_i16(-1);
            });
        }
    }
}

/// Appends what `body` writes, as one CopyData message when `framed`.
fn copy_data(framed: bool, buf: &mut BytesMut, body: impl FnOnce(&mut BytesMut)) {
    if !framed {
        return body(buf);
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::Int32Array;
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;

    /// The (length) of each CopyData message in `buf`.
    fn message_lengths(buf: &[u8]) -> Vec<usize> {
        let mut lengths = Vec::new();
        let mut rest = buf;
        while !rest.is_empty() {
            assert_eq!(rest[0], b'd');
            let len = i32::from_be_bytes(rest[1..5].try_into().unwrap()) as usize;
            lengths.push(len - 4);
            rest = &rest[1 + len..];
        }
        lengths
    }

    fn payload(rows: Vec<i32>) -> Vec<usize> {
        let schema = Arc::new(Schema::new(vec![Field::new("a", DataType::Int32, true)]));
        let batch =
            RecordBatch::try_new(schema.clone(), vec![Arc::new(Int32Array::from(rows))]).unwrap();
        let formats = [crate::encode::Format::Binary];
        let mut encoder = ResultEncoder::new(
            &schema,
            &["a".to_string()],
            &formats,
            crate::encode::EncodeOptions::default(),
        );
        let mut buf = BytesMut::new();
        let mut writer = CopyWriter::start(CopyFormat::Binary, &encoder, &mut buf);
        writer.write_rows(&mut encoder, &batch, &mut buf).unwrap();
        writer.finish(&mut buf);
        message_lengths(&buf)
    }

    #[test]
    fn binary_header_shares_the_first_rows_copy_data_as_in_postgres() {
        // Header 19 bytes + row (2 + 4 + 4), then a row, then the 2-byte trailer.
        assert_eq!(payload(vec![1, 2]), vec![19 + 10, 10, 2]);
        // No rows: header and trailer together.
        assert_eq!(payload(vec![]), vec![19 + 2]);
    }
}
