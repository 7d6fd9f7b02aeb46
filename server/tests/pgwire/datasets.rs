//! Every dataset source the configuration accepts, served and queried: CSV
//! with and without a header and with another delimiter, NDJSON, Arrow IPC,
//! a directory of Parquet files and a glob.

use crate::common::*;

/// Writes the test files into `dir` and returns their `[[datasets]]` entries.
fn write_datasets(dir: &std::path::Path) -> String {
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/accidents.parquet");
    std::fs::write(
        dir.join("semi.csv"),
        "city;n\nLyon;1\nNantes;2\n\"Aix; en\";3\n",
    )
    .unwrap();
    std::fs::write(dir.join("bare.csv"), "Lille,10\nNice,20\n").unwrap();
    std::fs::write(
        dir.join("events.ndjson"),
        "{\"kind\":\"a\",\"n\":1}\n{\"kind\":\"b\",\"n\":2}\n{\"kind\":\"a\",\"n\":3}\n",
    )
    .unwrap();
    let parts = dir.join("parts");
    std::fs::create_dir(&parts).unwrap();
    for name in ["one.parquet", "two.parquet"] {
        std::fs::copy(&sample, parts.join(name)).unwrap();
    }
    std::fs::write(parts.join("notes.txt"), "not data").unwrap();
    let d = |path: &std::path::Path| format!("{:?}", path.to_string_lossy());
    format!(
        "[[datasets]]\nname = \"semi\"\npath = {}\ndelimiter = \";\"\n\
         [[datasets]]\nname = \"bare\"\npath = {}\nheader = false\n\
         [[datasets]]\nname = \"events\"\npath = {}\n\
         [[datasets]]\nname = \"parts\"\npath = {}\nformat = \"parquet\"\n\
         [[datasets]]\nname = \"globbed\"\npath = {}\n",
        d(&dir.join("semi.csv")),
        d(&dir.join("bare.csv")),
        d(&dir.join("events.ndjson")),
        d(&parts),
        d(&parts.join("*.parquet")),
    )
}

#[tokio::test]
async fn every_source_kind_is_served() {
    let s = TestServer::start_with("", write_datasets).await;
    let c = s.connect().await;
    let text = |sql: &'static str| {
        let c = &c;
        async move {
            c.simple_query(sql)
                .await
                .unwrap()
                .iter()
                .filter_map(|m| match m {
                    tokio_postgres::SimpleQueryMessage::Row(r) => Some(
                        (0..r.len())
                            .map(|i| r.get(i).unwrap_or("NULL"))
                            .collect::<Vec<_>>()
                            .join("|"),
                    ),
                    _ => None,
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        text("SELECT city, n FROM semi ORDER BY n").await,
        ["Lyon|1", "Nantes|2", "Aix; en|3"]
    );
    assert_eq!(
        text("SELECT column_1, column_2 FROM bare ORDER BY 2").await,
        ["Lille|10", "Nice|20"]
    );
    assert_eq!(
        text("SELECT kind, sum(n) FROM events GROUP BY kind ORDER BY kind").await,
        ["a|4", "b|2"]
    );
    let single = text("SELECT count(*) FROM accidents").await;
    let doubled = (single[0].parse::<i64>().unwrap() * 2).to_string();
    assert_eq!(
        text("SELECT count(*) FROM parts").await,
        std::slice::from_ref(&doubled)
    );
    assert_eq!(text("SELECT count(*) FROM globbed").await, [doubled]);
    assert_eq!(
        text("SELECT count(*) FROM types").await,
        ["2"],
        "the Arrow IPC file"
    );
    // The catalog lists them all.
    assert_eq!(
        text("SELECT relname FROM pg_class WHERE relnamespace = 2200 ORDER BY 1").await,
        [
            "accidents",
            "bare",
            "events",
            "globbed",
            "parts",
            "semi",
            "types"
        ]
    );
}
