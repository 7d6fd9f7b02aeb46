//! The HTTP API over real sockets: datasets registered, replaced, removed and
//! reloaded while PostgreSQL sessions are open (seen by tokio-postgres and by
//! psql), SQL over HTTP in JSON, CSV and Arrow, the data roots, the bearer
//! token, metrics, and registrations racing sessions.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use datapress::config::{Config, Overrides};
use datapress::server::Server;
use futures::StreamExt;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// A server with both endpoints, its configuration in a file (so reloads
/// re-read it) and a data root holding `trips.csv` and `trips2.csv`.
pub struct Live {
    /// Kept running until the test ends.
    pub _server: Server,
    pub http: reqwest::Client,
    pub base: String,
    pub pg: SocketAddr,
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
}

/// Ten trips; `trips2.csv` has the same columns and three rows.
const TRIPS: &str = "trip_id,city,fare\n1,Lyon,9.5\n2,Paris,28\n3,Paris,6.2\n4,Lyon,17.4\n5,Nice,13.1\n6,Paris,49.9\n7,Lyon,5.8\n8,Nice,31\n9,Paris,11.3\n10,Lyon,21.7\n";
const TRIPS2: &str = "trip_id,city,fare\n1,Rome,1.5\n2,Rome,2.5\n3,Oslo,3.5\n";

/// The `[[datasets]]` entry of the sample.
pub fn accidents_entry() -> String {
    let accidents = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/accidents.parquet");
    format!("[[datasets]]\nname = \"accidents\"\npath = {accidents:?}\n")
}

impl Live {
    /// Starts with `http_extra` lines in `[server.http]` and `datasets`
    /// entries (the sample when empty).
    pub async fn start(http_extra: &str, datasets: &str) -> Live {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        std::fs::write(data.join("trips.csv"), TRIPS).unwrap();
        std::fs::write(data.join("trips2.csv"), TRIPS2).unwrap();
        let datasets = if datasets.is_empty() {
            accidents_entry()
        } else {
            datasets.to_string()
        };
        let toml = format!(
            "[server]\ndata_roots = [{data:?}]\n[server.http]\nlisten = \"127.0.0.1:0\"\n{http_extra}\n\
             [server.pgwire]\nenabled = true\nlisten = \"127.0.0.1\"\nport = 0\n{datasets}"
        );
        let config = dir.path().join("datapress.toml");
        std::fs::write(&config, toml).unwrap();
        let loaded = Config::load(&config, &Overrides::default()).unwrap();
        let server = Server::start(&loaded).await.unwrap();
        let base = format!("http://{}", server.http_addr().unwrap());
        let pg = server.pgwire_addr().unwrap();
        Live {
            _server: server,
            http: reqwest::Client::new(),
            base,
            pg,
            dir,
            config,
        }
    }

    pub fn data(&self, file: &str) -> String {
        self.dir
            .path()
            .join("data")
            .join(file)
            .display()
            .to_string()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn register(&self, name: &str, file: &str) -> u16 {
        self.post(
            "/api/datasets",
            json!({"name": name, "path": self.data(file)}),
        )
        .await
        .0
    }

    pub async fn delete(&self, name: &str) -> u16 {
        let url = self.url(&format!("/api/datasets/{name}"));
        self.http
            .delete(url)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    pub async fn connect(&self) -> tokio_postgres::Client {
        let dsn = format!(
            "host=127.0.0.1 port={} user=datapress dbname=live",
            self.pg.port()
        );
        let (client, conn) = tokio_postgres::connect(&dsn, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        client
    }

    pub async fn metrics(&self) -> String {
        let response = self.http.get(self.url("/metrics")).send().await.unwrap();
        response.text().await.unwrap()
    }
}

/// A program `.ci/run` installs under `COMPAT_INSTALL_ROOT` with
/// `compat/clients/<installer>`; its absence fails the test.
fn installed(relative: &str, installer: &str) -> PathBuf {
    let root =
        std::env::var("COMPAT_INSTALL_ROOT").unwrap_or_else(|_| "/opt/datapress-compat".into());
    let program = Path::new(&root).join(relative);
    assert!(
        program.exists(),
        "{} is missing: run compat/clients/{installer}",
        program.display()
    );
    program
}

/// The program's output, which must have exited successfully.
fn succeeded(output: &std::process::Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

async fn count(client: &tokio_postgres::Client, table: &str) -> Result<i64, String> {
    client
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .map(|row| row.get(0))
        .map_err(|e| {
            e.code()
                .map(|c| c.code().to_string())
                .unwrap_or(e.to_string())
        })
}

/// psql, connected and waiting for input on its stdin.
struct Psql {
    child: tokio::process::Child,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

impl Psql {
    async fn open(pg: SocketAddr) -> Psql {
        let mut child = tokio::process::Command::new("psql")
            .arg(format!(
                "host=127.0.0.1 port={} user=datapress dbname=live",
                pg.port()
            ))
            .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=0"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("psql is installed");
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut psql = Psql { child, lines };
        // Connected once it answers.
        assert_eq!(psql.run("SELECT 'ready';").await, vec!["ready"]);
        psql
    }

    /// Sends `commands`, then a marker query; returns the lines before the marker.
    async fn run(&mut self, commands: &str) -> Vec<String> {
        let stdin = self.child.stdin.as_mut().unwrap();
        let text = format!("{commands}\nSELECT 'end-of-answer';\n");
        stdin.write_all(text.as_bytes()).await.unwrap();
        stdin.flush().await.unwrap();
        let mut out = Vec::new();
        while let Some(line) = self.lines.next_line().await.unwrap() {
            if line == "end-of-answer" {
                return out;
            }
            out.push(line);
        }
        panic!("psql ended early: {out:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registered_dataset_is_seen_by_sessions_already_open_and_a_removed_one_is_gone() {
    let live = Live::start("", "").await;
    let client = live.connect().await;
    let mut psql = Psql::open(live.pg).await;
    assert_eq!(count(&client, "trips").await, Err("42P01".into()));

    assert_eq!(live.register("trips", "trips.csv").await, 201);
    assert_eq!(count(&client, "trips").await, Ok(10));
    let listed: i64 = client
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'trips'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(listed, 1);
    let dt = psql.run("\\dt").await;
    assert!(
        dt.iter().any(|l| l.starts_with("public|trips|table")),
        "{dt:?}"
    );
    let described = psql.run("\\d trips").await;
    assert!(
        described.iter().any(|l| l.starts_with("city|text")),
        "{described:?}"
    );

    // Replaced: same name, same OID, new rows.
    let (_, before) = live
        .post(
            "/api/datasets",
            json!({"name": "trips", "path": live.data("trips.csv")}),
        )
        .await;
    let (status, after) = live
        .post(
            "/api/datasets",
            json!({"name": "trips", "path": live.data("trips2.csv")}),
        )
        .await;
    assert_eq!(status, 200, "a replace answers 200");
    assert_eq!(before["oid"], after["oid"]);
    assert_eq!(count(&client, "trips").await, Ok(3));
    let oid: u32 = client
        .query_one("SELECT oid FROM pg_class WHERE relname = 'trips'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(json!(oid), after["oid"]);

    assert_eq!(live.delete("trips").await, 204);
    assert_eq!(live.delete("trips").await, 404);
    assert_eq!(count(&client, "trips").await, Err("42P01".into()));
    let dt = psql.run("\\dt").await;
    assert!(!dt.iter().any(|l| l.contains("|trips|")), "{dt:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_finishes_on_the_snapshot_it_started_with() {
    let live = Live::start("", "").await;
    let accidents = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/accidents.parquet");
    let (status, _) = live
        .post(
            "/api/datasets",
            json!({"name": "big", "path": accidents.display().to_string()}),
        )
        .await;
    // The sample is outside the data root: refused, nothing registered.
    assert_eq!(status, 403);
    std::fs::copy(&accidents, live.dir.path().join("data/big.parquet")).unwrap();
    assert_eq!(live.register("big", "big.parquet").await, 201);
    let client = live.connect().await;
    // 10,000,000 rows of the old `big` (5,000 × 2,000), read while it is replaced.
    let sql = "SELECT a.id FROM big a, (SELECT 1 FROM big LIMIT 2000) b";
    let stream = client.query_raw(sql, Vec::<i32>::new()).await.unwrap();
    futures::pin_mut!(stream);
    let mut rows = 0u64;
    while rows < 1000 {
        stream.next().await.unwrap().unwrap();
        rows += 1;
    }
    assert_eq!(live.register("big", "trips.csv").await, 200);
    let other = live.connect().await;
    assert_eq!(
        count(&other, "big").await,
        Ok(10),
        "the next statement sees the new data"
    );
    while let Some(row) = stream.next().await {
        row.unwrap();
        rows += 1;
    }
    assert_eq!(
        rows, 10_000_000,
        "the running stream completed with the old data"
    );
    assert_eq!(count(&client, "big").await, Ok(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_reload_changes_nothing_and_a_good_one_swaps() {
    let live = Live::start("", "").await;
    let client = live.connect().await;
    assert_eq!(live.register("trips", "trips.csv").await, 201);
    let good = std::fs::read_to_string(&live.config).unwrap();
    std::fs::write(
        &live.config,
        format!("{good}[[datasets]]\nname = \"gone\"\npath = \"data/missing.parquet\"\n"),
    )
    .unwrap();
    let (status, body) = live.post("/api/reload", json!(null)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["datasets"][0]["name"], "gone", "{body}");
    assert!(body["error"]["datasets"][0]["message"]
        .as_str()
        .unwrap()
        .contains("no such file"));
    assert_eq!(count(&client, "accidents").await, Ok(5000));
    assert_eq!(count(&client, "trips").await, Ok(10));
    assert_eq!(count(&client, "gone").await, Err("42P01".into()));

    std::fs::write(
        &live.config,
        format!("{good}[[datasets]]\nname = \"fromfile\"\npath = \"data/trips2.csv\"\n"),
    )
    .unwrap();
    let (status, body) = live.post("/api/reload", json!(null)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["datasets"], json!(["accidents", "fromfile", "trips"]));
    assert_eq!(count(&client, "fromfile").await, Ok(3));
    assert_eq!(
        count(&client, "trips").await,
        Ok(10),
        "datasets registered over HTTP stay"
    );
}

#[tokio::test]
async fn paths_outside_the_data_roots_are_refused() {
    let live = Live::start("", "").await;
    let secret = live.dir.path().join("secret.csv");
    std::fs::write(&secret, TRIPS).unwrap();
    std::os::unix::fs::symlink(&secret, live.dir.path().join("data/link.csv")).unwrap();
    for path in [
        "/etc/passwd".to_string(),
        secret.display().to_string(),
        live.data("link.csv"),
        live.data("../secret.csv"),
        live.data("*/../../secret.csv"),
    ] {
        let (status, body) = live
            .post(
                "/api/datasets",
                json!({"name": "x", "path": path, "format": "csv"}),
            )
            .await;
        assert_eq!(status, 403, "{path}: {body}");
        assert_eq!(body["error"]["code"], "outside_data_roots");
    }
    let (status, body) = live
        .post(
            "/api/datasets",
            json!({"name": "x", "path": live.data("nothing.csv")}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = live
        .post(
            "/api/datasets",
            json!({"name": "1bad", "path": live.data("trips.csv")}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = live.post("/api/datasets", json!({"path": "x"})).await;
    assert_eq!(status, 400);
    let listed: Value = live
        .http
        .get(live.url("/api/datasets"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed.as_array().unwrap().len(),
        1,
        "nothing was registered: {listed}"
    );
}

#[tokio::test]
async fn with_a_token_every_api_route_needs_it() {
    let live = Live::start("bearer_token = \"s3cret-token\"\n", "").await;
    let get = |path: &str, token: Option<&str>| {
        let mut request = live.http.get(live.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(get("/api/datasets", None).await, 401);
    assert_eq!(get("/api/datasets", Some("wrong")).await, 401);
    assert_eq!(get("/api/openapi.json", None).await, 401);
    assert_eq!(get("/api/datasets", Some("s3cret-token")).await, 200);
    assert_eq!(get("/healthz", None).await, 200);
    assert_eq!(get("/readyz", None).await, 200);
    let (status, body) = live.post("/api/sql", json!({"sql": "SELECT 1"})).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (401, &json!("unauthorized"))
    );
}

#[tokio::test]
async fn sql_over_http_follows_the_pgwire_rules() {
    let live = Live::start("", "").await;
    let cases = [
        ("INSERT INTO accidents VALUES (1)", 403, "25006"),
        ("SELECT 1; SELECT 2", 400, "42601"),
        ("SELECT * FROM nowhere", 400, "42P01"),
        ("SET search_path = x", 400, "0A000"),
        ("SELEC 1", 400, "42601"),
    ];
    for (sql, status, code) in cases {
        let (got, body) = live.post("/api/sql", json!({"sql": sql})).await;
        assert_eq!(
            (got, body["error"]["sqlstate"].as_str()),
            (status, Some(code)),
            "{sql}: {body}"
        );
    }
    let (status, body) = live
        .post(
            "/api/sql",
            json!({"sql": "SELECT id FROM accidents WHERE id < $1 ORDER BY 1", "params": [3]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rows"], json!([[1], [2]]));
    let (status, _) = live
        .post("/api/sql", json!({"sql": "SELECT $1::int", "params": []}))
        .await;
    assert_eq!(status, 400);
    let response = live
        .http
        .post(live.url("/api/sql"))
        .header("accept", "image/png")
        .json(&json!({"sql": "SELECT 1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 406);
    let response = live
        .http
        .post(live.url("/api/sql"))
        .body(vec![b' '; 2 << 20])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    assert_eq!(live.post("/api/sql", json!("not an object")).await.0, 400);
    let (status, body) = live.post("/api/sql", json!({"sql": " ; "})).await;
    assert_eq!(status, 200, "an empty query is no error in PostgreSQL");
    assert_eq!(body, json!({"columns": [], "rows": [], "row_count": 0}));
}

/// schemathesis checks every route against the OpenAPI document the server
/// generates: no 5xx, every answer as documented, the token enforced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_as_its_openapi_document_says() {
    let live = Live::start("bearer_token = \"schemathesis-token\"\n", "").await;
    let schemathesis = installed("http-venv/bin/schemathesis", "install-http-tools.sh");
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pgwire");
    let output = tokio::process::Command::new(schemathesis)
        .current_dir(live.dir.path())
        .arg("--config-file")
        .arg(here.join("schemathesis.toml"))
        .arg("run")
        .arg(live.url("/api/openapi.json"))
        .args(["-H", "Authorization: Bearer schemathesis-token"])
        .args(["--max-examples", "25", "--seed", "1"])
        .env("SCHEMATHESIS_HOOKS", "")
        .output()
        .await
        .unwrap();
    let stdout = succeeded(&output);
    assert!(stdout.contains("Tested: 9"), "{stdout}");
}

/// The query whose answer the JSON and CSV tests check.
const TYPED: &str = "SELECT 1::int2 AS a, 9007199254740993::int8 AS b, 1.5::float8 AS c, \
     'NaN'::float8 AS d, 1.250::numeric AS e, true AS f, NULL::text AS g, 'x\"y,z' AS h, \
     DATE '2024-01-02' AS i, TIMESTAMP '2024-01-02 03:04:05' AS j";

#[tokio::test]
async fn json_answers_carry_types_and_nulls_as_documented() {
    let live = Live::start("", "").await;
    let (status, body) = live.post("/api/sql", json!({"sql": TYPED})).await;
    assert_eq!(status, 200, "{body}");
    let types: Vec<&str> = body["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "int2",
            "int8",
            "float8",
            "float8",
            "numeric",
            "bool",
            "text",
            "text",
            "date",
            "timestamp"
        ]
    );
    assert_eq!(
        body["rows"][0],
        json!([
            1,
            9007199254740993u64,
            1.5,
            "NaN",
            "1.250",
            true,
            null,
            "x\"y,z",
            "2024-01-02",
            "2024-01-02 03:04:05"
        ])
    );
    assert_eq!(body["row_count"], 1);
}

#[tokio::test]
async fn csv_answers_are_what_copy_to_stdout_writes() {
    let live = Live::start("", "").await;
    let client = live.connect().await;
    for sql in [TYPED, "SELECT * FROM accidents ORDER BY id LIMIT 300"] {
        let copy = client
            .copy_out(&format!("COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)"))
            .await
            .unwrap();
        let copied: Vec<u8> = copy.map(|chunk| chunk.unwrap().to_vec()).concat().await;
        let response = live
            .http
            .post(live.url("/api/sql"))
            .header("accept", "text/csv")
            .json(&json!({"sql": sql}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers()["content-type"],
            "text/csv; charset=utf-8"
        );
        let body = response.bytes().await.unwrap();
        assert_eq!(
            String::from_utf8_lossy(&body),
            String::from_utf8_lossy(&copied),
            "{sql}"
        );
    }
}

/// pyarrow reads the Arrow IPC answer; its values equal psycopg's over pgwire.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arrow_answers_read_by_pyarrow_equal_the_pgwire_answer() {
    let live = Live::start("", "").await;
    let python = installed("venv/bin/python", "install-python.sh");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pgwire/arrow_answer.py");
    let output = tokio::process::Command::new(python)
        .arg(script)
        .arg(live.url("/api/sql"))
        .arg(format!(
            "host=127.0.0.1 port={} user=datapress dbname=live",
            live.pg.port()
        ))
        .output()
        .await
        .unwrap();
    let stdout = succeeded(&output);
    assert!(stdout.contains("equal: 5000 rows"), "{stdout}");
}

fn sample(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_move_as_statements_run() {
    let live = Live::start("", "").await;
    let client = live.connect().await;
    let ok = "datapress_statements_total{protocol=\"pgwire\",kind=\"query\",outcome=\"ok\"}";
    let failed = "datapress_errors_total{protocol=\"pgwire\",sqlstate=\"42P01\"}";
    let rows = "datapress_rows_sent_total{protocol=\"pgwire\"}";
    let http_ok = "datapress_statements_total{protocol=\"http\",kind=\"query\",outcome=\"ok\"}";
    let before = live.metrics().await;
    client
        .query("SELECT * FROM accidents LIMIT 7", &[])
        .await
        .unwrap();
    assert!(client.query("SELECT * FROM nowhere", &[]).await.is_err());
    live.post("/api/sql", json!({"sql": "SELECT 1"})).await;
    let after = live.metrics().await;
    assert!(sample(&after, ok) > sample(&before, ok), "{after}");
    assert!(sample(&after, failed) > sample(&before, failed), "{after}");
    assert!(
        sample(&after, rows) >= sample(&before, rows) + 7.0,
        "{after}"
    );
    assert!(
        sample(&after, http_ok) > sample(&before, http_ok),
        "{after}"
    );
    for name in [
        "datapress_connections_open{protocol=\"pgwire\"}",
        "datapress_connections_total{protocol=\"pgwire\",outcome=\"authorized\"}",
        "datapress_bytes_sent_total{protocol=\"pgwire\"}",
        "datapress_statement_duration_seconds_count{protocol=\"pgwire\"}",
        "datapress_datasets_registered",
    ] {
        assert!(
            after.lines().any(|l| l.starts_with(name)),
            "{name} missing:\n{after}"
        );
    }
}

/// 50 registrations, replacements and removals race 50 sessions: the only
/// error a session may see is 42P01 for a name just removed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registrations_racing_sessions_fail_nothing_but_removed_names() {
    let live = std::sync::Arc::new(Live::start("", "").await);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..50 {
        let changer = std::sync::Arc::clone(&live);
        tasks.spawn(async move {
            let live = changer;
            let name = format!("race{}", i % 5);
            match i % 3 {
                0 => assert!([200, 201].contains(&live.register(&name, "trips.csv").await)),
                1 => assert!([200, 201].contains(&live.register(&name, "trips2.csv").await)),
                _ => assert!([204, 404].contains(&live.delete(&name).await)),
            }
        });
        let reader = std::sync::Arc::clone(&live);
        tasks.spawn(async move {
            let client = reader.connect().await;
            for round in 0..4 {
                let name = format!("race{}", (i + round) % 5);
                let sql = format!("SELECT city, sum(fare) FROM {name} GROUP BY city");
                for attempt in [client.query(&sql, &[]).await, client.query(&sql, &[]).await] {
                    if let Err(e) = attempt {
                        let code = e.code().map(|c| c.code().to_string());
                        assert_eq!(code.as_deref(), Some("42P01"), "{e}");
                    }
                }
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let client = live.connect().await;
    assert_eq!(count(&client, "accidents").await, Ok(5000));
}

/// A statement prepared before a dataset changed is planned again at its
/// next Bind, as PostgreSQL replans: it reads the new files, a removed
/// dataset is 42P01, and a result of other columns is 0A000.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepared_statements_never_read_a_replaced_or_removed_dataset() {
    let live = Live::start("", "").await;
    let client = live.connect().await;
    assert_eq!(live.register("trips", "trips.csv").await, 201);
    let count = client.prepare("SELECT count(*) FROM trips").await.unwrap();
    let star = client.prepare("SELECT * FROM trips").await.unwrap();
    let counted = |rows: Vec<tokio_postgres::Row>| rows[0].get::<_, i64>(0);
    assert_eq!(counted(client.query(&count, &[]).await.unwrap()), 10);
    assert_eq!(live.register("trips", "trips2.csv").await, 200);
    assert_eq!(counted(client.query(&count, &[]).await.unwrap()), 3);
    assert_eq!(client.query(&star, &[]).await.unwrap().len(), 3);
    std::fs::write(live.dir.path().join("data/other.csv"), "x\n1\n").unwrap();
    assert_eq!(live.register("trips", "other.csv").await, 200);
    let e = client.query(&star, &[]).await.unwrap_err();
    assert_eq!(e.code().map(|c| c.code()), Some("0A000"), "{e}");
    assert_eq!(counted(client.query(&count, &[]).await.unwrap()), 1);
    assert_eq!(live.delete("trips").await, 204);
    let e = client.query(&count, &[]).await.unwrap_err();
    assert_eq!(e.code().map(|c| c.code()), Some("42P01"), "{e}");
}

/// With `tls_cert`/`tls_key` the API speaks HTTPS only (curl checks the
/// certificate); plain HTTP gets no answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_tls_files_the_api_is_https_only() {
    let certs = tempfile::tempdir().unwrap();
    let files = crate::security::rcgen_cert(certs.path(), &rcgen::PKCS_ECDSA_P256_SHA256);
    let live = Live::start(
        &format!("tls_cert = {:?}\ntls_key = {:?}\n", files.cert, files.key),
        "",
    )
    .await;
    let port = live.base.rsplit(':').next().unwrap().to_string();
    let curl = |url: String| {
        let cert = files.cert.clone();
        async move {
            tokio::process::Command::new("curl")
                .args([
                    "-s",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code}",
                    "--max-time",
                    "5",
                    "--cacert",
                ])
                .arg(cert)
                .arg(url)
                .output()
                .await
                .expect("curl is installed")
        }
    };
    let https = curl(format!("https://localhost:{port}/healthz")).await;
    assert_eq!(String::from_utf8_lossy(&https.stdout), "200");
    let plain = curl(format!("http://localhost:{port}/healthz")).await;
    assert_ne!(String::from_utf8_lossy(&plain.stdout), "200");
}
