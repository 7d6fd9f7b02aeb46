//! Throughput of RowDescription and DataRow encoding, text and binary, for the
//! mixed 8-column batch and per type, and, side by side in the same run, the
//! peer encoder (arrow-pg 0.16, datafusion-postgres's) on the same mixed batch.
//! Run: `cargo bench -p datapress-benches`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use datapress::encode::{EncodeOptions, Format, ResultEncoder};
use datapress_benches::mixed_batch;
use pgwire::messages::Message;

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

/// Per-iteration times of the side-by-side runs, keyed by (format, encoder).
type Samples = Mutex<BTreeMap<(String, &'static str), Vec<Duration>>>;

/// Times `iters` calls of `body`, records the per-call time under `key`.
fn timed(
    samples: &Samples,
    key: (String, &'static str),
    iters: u64,
    mut body: impl FnMut(),
) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        body();
    }
    let elapsed = start.elapsed();
    let per_call = elapsed / u32::try_from(iters.max(1)).unwrap_or(u32::MAX);
    samples
        .lock()
        .expect("samples")
        .entry(key)
        .or_default()
        .push(per_call);
    elapsed
}

/// The mixed batch encoded to DataRow bytes by DataPress and by arrow-pg, in
/// one criterion group, then the ratio of their median times printed.
fn versus_arrow_pg(c: &mut Criterion) {
    let batch = mixed_batch(ROWS);
    let schema = batch.schema();
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let samples = Samples::default();
    let mut group = c.benchmark_group("mixed_vs_arrow_pg");
    group.throughput(Throughput::Elements(ROWS as u64));
    for (format, peer_format) in [
        (Format::Text, pgwire::api::portal::Format::UnifiedText),
        (Format::Binary, pgwire::api::portal::Format::UnifiedBinary),
    ] {
        let label = format!("{format:?}");
        let mut ours = ResultEncoder::new(
            &schema,
            &names,
            &vec![format; names.len()],
            EncodeOptions::default(),
        );
        let fields = Arc::new(
            arrow_pg::datatypes::arrow_schema_to_pg_fields(&schema, &peer_format, None)
                .expect("arrow-pg maps the mixed batch"),
        );
        let mut buf = BytesMut::with_capacity(1 << 20);
        group.bench_function(BenchmarkId::new("datapress", &label), |b| {
            b.iter_custom(|iters| {
                timed(&samples, (label.clone(), "datapress"), iters, || {
                    buf.clear();
                    ours.write_data_rows(&batch, &mut buf).expect("encodes");
                })
            })
        });
        group.bench_function(BenchmarkId::new("arrow-pg", &label), |b| {
            b.iter_custom(|iters| {
                timed(&samples, (label.clone(), "arrow-pg"), iters, || {
                    buf.clear();
                    for row in arrow_pg::encode_recordbatch(fields.clone(), batch.clone()) {
                        row.expect("arrow-pg encodes")
                            .encode(&mut buf)
                            .expect("DataRow encodes");
                    }
                })
            })
        });
    }
    group.finish();
    print_ratios(&samples.into_inner().expect("samples"));
}

/// Prints, per format, the median time of each encoder and arrow-pg's time
/// divided by DataPress's (how many times faster DataPress is).
fn print_ratios(samples: &BTreeMap<(String, &'static str), Vec<Duration>>) {
    let median = |key: &(String, &'static str)| {
        let mut times = samples.get(key)?.clone();
        times.sort();
        times.get(times.len() / 2).copied()
    };
    println!("\nmixed batch, {ROWS} rows, median time per batch (all samples, warm-up included):");
    for format in ["Text", "Binary"] {
        let ours = median(&(format.to_string(), "datapress"));
        let peer = median(&(format.to_string(), "arrow-pg"));
        if let (Some(ours), Some(peer)) = (ours, peer) {
            println!(
                "  {format}: DataPress {ours:?}, arrow-pg {peer:?}, ratio {:.1}x",
                peer.as_secs_f64() / ours.as_secs_f64()
            );
        }
    }
}

criterion_group!(benches, data_rows, row_description, versus_arrow_pg);
criterion_main!(benches);
