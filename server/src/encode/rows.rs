//! RowDescription and DataRow messages for a query result.

use bytes::{BufMut, BytesMut};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::arrow::record_batch::RecordBatch;

use super::column::{encode_column, EncodedColumn};
use super::types::{pg_type_of, PgType};
use super::{EncodeError, EncodeOptions, Format};

/// The table column a result column passes through unchanged: its table's
/// OID and its column number, both zero for a computed column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ColumnOrigin {
    /// `pg_class.oid` of the table.
    pub table_oid: u32,
    /// `pg_attribute.attnum` of the column.
    pub attnum: i16,
}

/// How one result column is described to the client and encoded.
#[derive(Debug, Clone)]
pub struct ResultColumn {
    /// The column name the client sees.
    pub name: String,
    /// The table column it comes from, if any.
    pub origin: ColumnOrigin,
    /// The PG type it is sent as.
    pub pg_type: PgType,
    /// `atttypmod` (numeric precision/scale), -1 when none.
    pub typmod: i32,
    /// Text or binary.
    pub format: Format,
    /// The Arrow type the column was described with. The engine's batches can
    /// carry another (a CASE the logical plan types UInt32 may compute Int64):
    /// such a column is cast back, so the bytes always match RowDescription.
    pub data_type: DataType,
}

/// Describes and encodes the batches of one result with fixed names and formats.
/// Buffers are reused from batch to batch.
#[derive(Debug)]
pub struct ResultEncoder {
    columns: Vec<ResultColumn>,
    encoded: Vec<EncodedColumn>,
    opts: EncodeOptions,
}

impl ResultEncoder {
    /// An encoder for results of `schema`; `names` overrides the field names
    /// (PG-style column naming), `formats` gives one format per column.
    pub fn new(schema: &Schema, names: &[String], formats: &[Format], opts: EncodeOptions) -> Self {
        let columns = schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, field)| {
                let (pg_type, typmod) = pg_type_of(field);
                ResultColumn {
                    name: names
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| field.name().clone()),
                    origin: ColumnOrigin::default(),
                    pg_type,
                    typmod,
                    format: formats.get(i).copied().unwrap_or_default(),
                    data_type: field.data_type().clone(),
                }
            })
            .collect::<Vec<_>>();
        let encoded = columns.iter().map(|_| EncodedColumn::default()).collect();
        ResultEncoder {
            columns,
            encoded,
            opts,
        }
    }

    /// The same encoder with the columns' table origins (missing ones: none).
    pub fn with_origins(mut self, origins: &[ColumnOrigin]) -> Self {
        for (column, origin) in self.columns.iter_mut().zip(origins) {
            column.origin = *origin;
        }
        self
    }

    /// The columns as described to the client.
    pub fn columns(&self) -> &[ResultColumn] {
        &self.columns
    }

    /// Appends a RowDescription message.
    pub fn write_row_description(&self, buf: &mut BytesMut) {
        write_row_description(&self.columns, buf);
    }

    /// Appends one DataRow message per row of `batch`.
    pub fn write_data_rows(
        &mut self,
        batch: &RecordBatch,
        buf: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        self.encode_batch(batch)?;
        let rows = batch.num_rows();
        let ncols = self.encoded.len();
        let payload: usize = self.encoded.iter().map(|c| c.bytes.len()).sum();
        buf.reserve(payload + rows * (7 + 4 * ncols));
        for row in 0..rows {
            let start = buf.len();
            buf.put_u8(b'D');
            buf.put_i32(0);
            buf.put_i16(ncols as i16);
            for col in &self.encoded {
                let (offset, len) = col.cells[row];
                buf.put_i32(len);
                if len > 0 {
                    let offset = offset as usize;
                    buf.put_slice(&col.bytes[offset..offset + len as usize]);
                }
            }
            let len = (buf.len() - start - 1) as i32;
            buf[start + 1..start + 5].copy_from_slice(&len.to_be_bytes());
        }
        Ok(())
    }

    /// Encodes every column of `batch` into the reusable column buffers.
    pub fn encode_batch(&mut self, batch: &RecordBatch) -> Result<(), EncodeError> {
        for ((array, col), out) in batch
            .columns()
            .iter()
            .zip(&self.columns)
            .zip(&mut self.encoded)
        {
            out.clear();
            if array.data_type() == &col.data_type {
                encode_column(array, col.pg_type, col.format, &self.opts, out)?;
            } else {
                let described = cast(array, &col.data_type)?;
                encode_column(&described, col.pg_type, col.format, &self.opts, out)?;
            }
        }
        Ok(())
    }

    /// The encoded columns of the last [`Self::encode_batch`].
    pub fn encoded(&self) -> &[EncodedColumn] {
        &self.encoded
    }
}

/// Appends a RowDescription message for `columns`.
pub fn write_row_description(columns: &[ResultColumn], buf: &mut BytesMut) {
    let start = buf.len();
    buf.put_u8(b'T');
    buf.put_i32(0);
    buf.put_i16(columns.len() as i16);
    for col in columns {
        buf.put_slice(col.name.as_bytes());
        buf.put_u8(0);
        buf.put_u32(col.origin.table_oid);
        buf.put_i16(col.origin.attnum);
        buf.put_u32(col.pg_type.oid());
        buf.put_i16(col.pg_type.typlen());
        buf.put_i32(col.typmod);
        buf.put_i16(col.format.code());
    }
    let len = (buf.len() - start - 1) as i32;
    buf[start + 1..start + 5].copy_from_slice(&len.to_be_bytes());
}
