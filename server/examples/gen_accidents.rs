//! Generates the bundled `accidents` sample (`server/data/accidents.parquet`):
//! 5,000 deterministic rows. Run with `cargo run -p datapress --example gen_accidents`.

use std::fs::File;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, Date32Array, Float64Array, Int32Array, Int64Array, StringArray,
    TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;

const ROWS: usize = 5_000;
const CITIES: &[(&str, f64, f64)] = &[
    ("Lyon", 45.764, 4.8357),
    ("Paris", 48.8566, 2.3522),
    ("Marseille", 43.2965, 5.3698),
    ("Toulouse", 43.6047, 1.4442),
    ("Nantes", 47.2184, -1.5536),
    ("Lille", 50.6292, 3.0573),
    ("Bordeaux", 44.8378, -0.5792),
    ("Strasbourg", 48.5734, 7.7521),
];
const SEVERITIES: &[(&str, u64)] = &[
    ("minor", 55),
    ("moderate", 28),
    ("serious", 13),
    ("fatal", 4),
];
const WEATHER: &[&str] = &["clear", "rain", "fog", "snow", "wind"];

/// A small deterministic generator (64-bit LCG), so the file is the same on every run.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = Lcg(20_240_101);
    let start_micros: i64 = 1_704_067_200_000_000; // 2024-01-01 00:00:00 UTC
    let (mut ids, mut at, mut on, mut severity, mut city) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut vehicles, mut injuries, mut lat, mut lon, mut weather) =
        (vec![], vec![], vec![], vec![], vec![]);
    for i in 0..ROWS {
        ids.push(i as i64 + 1);
        // Spread over one year, with sub-second precision to exercise the text format.
        let micros = start_micros
            + (rng.below(365 * 86_400) as i64) * 1_000_000
            + (rng.below(1000) as i64) * 1000;
        at.push(micros);
        on.push((micros.div_euclid(86_400_000_000)) as i32);
        let mut roll = rng.below(100);
        let level = SEVERITIES
            .iter()
            .find(|(_, w)| {
                if roll < *w {
                    true
                } else {
                    roll -= w;
                    false
                }
            })
            .map_or("minor", |(s, _)| *s);
        severity.push(level);
        let (name, la, lo) = CITIES[rng.below(CITIES.len() as u64) as usize];
        city.push(name);
        vehicles.push(1 + rng.below(4) as i32);
        injuries.push(match level {
            "minor" => 0,
            "moderate" => 1 + rng.below(2) as i32,
            _ => 1 + rng.below(6) as i32,
        });
        lat.push(la + (rng.below(20_000) as f64 - 10_000.0) / 100_000.0);
        lon.push(lo + (rng.below(20_000) as f64 - 10_000.0) / 100_000.0);
        weather.push(if rng.below(100) < 15 {
            None
        } else {
            Some(WEATHER[rng.below(WEATHER.len() as u64) as usize])
        });
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new(
            "occurred_at",
            DataType::Timestamp(TimeUnit::Microsecond, None),
            false,
        ),
        Field::new("occurred_on", DataType::Date32, false),
        Field::new("severity", DataType::Utf8, false),
        Field::new("city", DataType::Utf8, false),
        Field::new("vehicles", DataType::Int32, false),
        Field::new("injuries", DataType::Int32, false),
        Field::new("lat", DataType::Float64, false),
        Field::new("lon", DataType::Float64, false),
        Field::new("weather", DataType::Utf8, true),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(ids)),
        Arc::new(TimestampMicrosecondArray::from(at)),
        Arc::new(Date32Array::from(on)),
        Arc::new(StringArray::from(severity)),
        Arc::new(StringArray::from(city)),
        Arc::new(Int32Array::from(vehicles)),
        Arc::new(Int32Array::from(injuries)),
        Arc::new(Float64Array::from(lat)),
        Arc::new(Float64Array::from(lon)),
        Arc::new(StringArray::from(weather)),
    ];
    let batch = RecordBatch::try_new(Arc::clone(&schema), columns)?;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/accidents.parquet");
    let mut writer = ArrowWriter::try_new(File::create(path)?, schema, None)?;
    writer.write(&batch)?;
    writer.close()?;
    println!("wrote {ROWS} rows to {path}");
    Ok(())
}
