//! Throughput of RowDescription and DataRow encoding, text and binary, for the
//! mixed 8-column batch and per type. Run: `cargo bench -p datapress-benches`.

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use datapress::encode::{EncodeOptions, Format, ResultEncoder};
use datapress_benches::mixed_batch;

const ROWS: usize = 8192;

fn data_rows(c: &mut Criterion) {
    let batch = mixed_batch(ROWS);
    let names: Vec<String> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let mut group = c.benchmark_group("data_rows");
    for format in [Format::Text, Format::Binary] {
        let formats = vec![format; batch.num_columns()];
        // Whole batch, then each column alone.
        let mut cases = vec![("mixed".to_string(), batch.clone())];
        for (i, f) in batch.schema().fields().iter().enumerate() {
            cases.push((f.name().clone(), batch.project(&[i]).expect("column")));
        }
        for (name, input) in cases {
            let mut encoder =
                ResultEncoder::new(&input.schema(), &names, &formats, EncodeOptions::default());
            let mut buf = BytesMut::with_capacity(1 << 20);
            encoder.write_data_rows(&input, &mut buf).expect("encodes");
            group.throughput(Throughput::Bytes(buf.len() as u64));
            group.bench_with_input(
                BenchmarkId::new(format!("{format:?}"), name),
                &input,
                |b, input| {
                    b.iter(|| {
                        buf.clear();
                        encoder.write_data_rows(input, &mut buf).expect("encodes");
                    })
                },
            );
        }
    }
    group.finish();
}

fn row_description(c: &mut Criterion) {
    let batch = mixed_batch(1);
    let names: Vec<String> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let encoder = ResultEncoder::new(
        &batch.schema(),
        &names,
        &[Format::Text; 8],
        EncodeOptions::default(),
    );
    let mut buf = BytesMut::new();
    c.bench_function("row_description/mixed", |b| {
        b.iter(|| {
            buf.clear();
            encoder.write_row_description(&mut buf);
        })
    });
}

criterion_group!(benches, data_rows, row_description);
criterion_main!(benches);
