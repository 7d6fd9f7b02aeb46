//! The datasets of a run, and the same data as PostgreSQL DDL plus CSV for the
//! oracle. The CSV is written from Arrow's own value display, independently of
//! the DataPress encoder under test.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::*;
use datafusion::arrow::datatypes::*;
use datafusion::arrow::ipc::writer::FileWriter;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::prelude::{ParquetReadOptions, SessionContext};

/// One dataset file.
#[derive(Debug, Clone)]
pub struct DatasetFile {
    /// Table name.
    pub name: String,
    /// The file.
    pub path: PathBuf,
}

/// The datasets both servers serve.
#[derive(Debug, Clone)]
pub struct Datasets {
    /// `accidents` (the bundled sample) and `types` (one column per type).
    pub files: Vec<DatasetFile>,
}

impl Datasets {
    /// The sample plus a generated `types` file in `dir`.
    pub fn create(dir: &Path) -> anyhow::Result<Datasets> {
        let types = dir.join("types.arrow");
        write_types(&types)?;
        let accidents =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/data/accidents.parquet");
        Ok(Datasets {
            files: vec![
                DatasetFile {
                    name: "accidents".into(),
                    path: accidents.canonicalize()?,
                },
                DatasetFile {
                    name: "types".into(),
                    path: types,
                },
            ],
        })
    }

    /// Every Parquet and Arrow IPC file of `dir`, each named by its file stem.
    pub fn from_dir(dir: &Path) -> anyhow::Result<Datasets> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path().canonicalize()?;
            let readable = path
                .extension()
                .is_some_and(|e| e == "parquet" || e == "arrow");
            if let (true, Some(stem)) = (readable, path.file_stem()) {
                files.push(DatasetFile {
                    name: stem.to_string_lossy().into_owned(),
                    path,
                });
            }
        }
        anyhow::ensure!(
            !files.is_empty(),
            "no .parquet or .arrow file in {}",
            dir.display()
        );
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Datasets { files })
    }

    /// For each dataset: `CREATE TABLE` for PostgreSQL and its rows as CSV.
    pub async fn for_postgres(&self) -> anyhow::Result<Vec<(String, String)>> {
        let ctx = SessionContext::new();
        let mut out = Vec::new();
        for d in &self.files {
            let path = d.path.to_string_lossy().to_string();
            let df = if path.ends_with(".parquet") {
                ctx.read_parquet(path, ParquetReadOptions::default())
                    .await?
            } else {
                ctx.read_arrow(path, Default::default()).await?
            };
            let schema = df.schema().as_arrow().clone();
            let batches = df.collect().await?;
            let columns: Vec<String> = schema
                .fields()
                .iter()
                .map(|f| {
                    let not_null = if f.is_nullable() { "" } else { " NOT NULL" };
                    Ok(format!("\"{}\" {}{not_null}", f.name(), pg_ddl_type(f)?))
                })
                .collect::<anyhow::Result<_>>()?;
            let ddl = format!("CREATE TABLE \"{}\" ({})", d.name, columns.join(", "));
            let mut csv = String::new();
            for batch in &batches {
                write_csv(batch, &mut csv)?;
            }
            out.push((ddl, csv));
        }
        Ok(out)
    }
}

fn pg_ddl_type(field: &Field) -> anyhow::Result<String> {
    if field
        .metadata()
        .get("ARROW:extension:name")
        .map(String::as_str)
        == Some("arrow.uuid")
    {
        return Ok("uuid".into());
    }
    Ok(match field.data_type() {
        DataType::Boolean => "boolean".into(),
        DataType::Int8 | DataType::Int16 | DataType::UInt8 => "smallint".into(),
        DataType::Int32 | DataType::UInt16 => "integer".into(),
        DataType::Int64 | DataType::UInt32 => "bigint".into(),
        DataType::UInt64 => "numeric".into(),
        DataType::Float32 => "real".into(),
        DataType::Float64 => "double precision".into(),
        DataType::Decimal128(p, s) => format!("numeric({p},{s})"),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "text".into(),
        DataType::Binary | DataType::LargeBinary => "bytea".into(),
        DataType::Date32 => "date".into(),
        DataType::Time64(_) => "time".into(),
        DataType::Timestamp(_, None) => "timestamp".into(),
        DataType::Timestamp(_, Some(_)) => "timestamptz".into(),
        DataType::Interval(_) => "interval".into(),
        DataType::List(f) => format!("{}[]", pg_ddl_type(f)?),
        other => anyhow::bail!("no PostgreSQL column type for {other}"),
    })
}

/// Appends the batch as CSV that PostgreSQL's `COPY … (FORMAT csv)` reads.
fn write_csv(batch: &RecordBatch, out: &mut String) -> anyhow::Result<()> {
    let options = FormatOptions::default();
    for row in 0..batch.num_rows() {
        for (i, column) in batch.columns().iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            if column.is_null(row) {
                continue;
            }
            let value = pg_input_text(column, row, &options)?;
            out.push('"');
            out.push_str(&value.replace('"', "\"\""));
            out.push('"');
        }
        out.push('\n');
    }
    Ok(())
}

/// A value as PostgreSQL input text.
fn pg_input_text(column: &ArrayRef, row: usize, options: &FormatOptions) -> anyhow::Result<String> {
    Ok(match column.data_type() {
        DataType::Binary => {
            let bytes = column.as_binary::<i32>().value(row);
            format!(
                "\\x{}",
                bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
            )
        }
        DataType::List(_) => {
            let list = column.as_list::<i32>().value(row);
            let items: Vec<String> = (0..list.len())
                .map(|i| {
                    if list.is_null(i) {
                        Ok("NULL".to_string())
                    } else {
                        let v = pg_input_text(&list, i, options)?;
                        Ok(format!(
                            "\"{}\"",
                            v.replace('\\', "\\\\").replace('"', "\\\"")
                        ))
                    }
                })
                .collect::<anyhow::Result<_>>()?;
            format!("{{{}}}", items.join(","))
        }
        _ => ArrayFormatter::try_new(column.as_ref(), options)?
            .value(row)
            .to_string(),
    })
}

/// Writes the `types` dataset: one column per scalar type and two array types;
/// row 1 holds ordinary values, row 2 extreme ones, row 3 NULLs.
fn write_types(path: &Path) -> anyhow::Result<()> {
    let uuid_meta = std::collections::HashMap::from([(
        "ARROW:extension:name".to_string(),
        "arrow.uuid".to_string(),
    )]);
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int32, false),
        Field::new("b", DataType::Boolean, true),
        Field::new("i2", DataType::Int16, true),
        Field::new("i4", DataType::Int32, true),
        Field::new("i8", DataType::Int64, true),
        Field::new("f4", DataType::Float32, true),
        Field::new("f8", DataType::Float64, true),
        Field::new("d", DataType::Decimal128(12, 3), true),
        Field::new("t", DataType::Utf8, true),
        Field::new("by", DataType::Binary, true),
        Field::new("dt", DataType::Date32, true),
        Field::new("tm", DataType::Time64(TimeUnit::Microsecond), true),
        Field::new("ts", DataType::Timestamp(TimeUnit::Microsecond, None), true),
        Field::new(
            "tstz",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            true,
        ),
        Field::new("iv", DataType::Interval(IntervalUnit::MonthDayNano), true),
        Field::new(
            "arr",
            DataType::List(Arc::new(Field::new("item", DataType::Int32, true))),
            true,
        ),
        Field::new(
            "tarr",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            true,
        ),
        Field::new("u", DataType::FixedSizeBinary(16), true).with_metadata(uuid_meta),
    ]));
    let mut arr = ListBuilder::new(Int32Builder::new());
    arr.append_value([Some(1), None, Some(3)]);
    arr.append_value(Vec::<Option<i32>>::new());
    arr.append_null();
    let mut tarr = ListBuilder::new(StringBuilder::new());
    tarr.append_value([Some("a b"), Some("q\"uote"), Some("NULL"), Some("")]);
    tarr.append_value([Some("x")]);
    tarr.append_null();
    let uuid = FixedSizeBinaryArray::try_from_sparse_iter_with_size(
        vec![
            Some((0u8..16).collect::<Vec<u8>>()),
            Some(vec![255u8; 16]),
            None,
        ]
        .into_iter(),
        16,
    )?;
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int32Array::from(vec![1, 2, 3])),
        Arc::new(BooleanArray::from(vec![Some(true), Some(false), None])),
        Arc::new(Int16Array::from(vec![Some(-32768), Some(32767), None])),
        Arc::new(Int32Array::from(vec![Some(2_147_483_647), Some(-1), None])),
        Arc::new(Int64Array::from(vec![
            Some(-9_007_199_254_740_993),
            Some(0),
            None,
        ])),
        Arc::new(Float32Array::from(vec![Some(1.5), Some(3.4e38), None])),
        Arc::new(Float64Array::from(vec![
            Some(0.1),
            Some(-1.2345678901234567e-300),
            None,
        ])),
        Arc::new(
            Decimal128Array::from(vec![Some(12_345_678), Some(-5), None])
                .with_precision_and_scale(12, 3)?,
        ),
        Arc::new(StringArray::from(vec![
            Some("héllo, \"world\""),
            Some(""),
            None,
        ])),
        Arc::new(BinaryArray::from(vec![
            Some(&[0xde, 0xad, 0x00][..]),
            Some(&[][..]),
            None,
        ])),
        Arc::new(Date32Array::from(vec![Some(19_782), Some(-719_162), None])),
        Arc::new(Time64MicrosecondArray::from(vec![
            Some(49_530_500_000),
            Some(0),
            None,
        ])),
        Arc::new(TimestampMicrosecondArray::from(vec![
            Some(1_705_314_600_412_460),
            Some(-1),
            None,
        ])),
        Arc::new(
            TimestampMicrosecondArray::from(vec![
                Some(1_705_314_600_412_460),
                Some(951_782_400_000_000),
                None,
            ])
            .with_timezone("UTC"),
        ),
        Arc::new(IntervalMonthDayNanoArray::from(vec![
            Some(IntervalMonthDayNano::new(14, 3, 14_706_000_000_000)),
            Some(IntervalMonthDayNano::new(0, -1, 3_600_000_000_000)),
            None,
        ])),
        Arc::new(arr.finish()),
        Arc::new(tarr.finish()),
        Arc::new(uuid),
    ];
    let batch = RecordBatch::try_new(Arc::clone(&schema), columns)?;
    let mut writer = FileWriter::try_new(File::create(path)?, &schema)?;
    writer.write(&batch)?;
    writer.finish()?;
    Ok(())
}
