//! Test helpers: an in-process server on a free port with the sample and a
//! dataset of every type, and a raw protocol client for what drivers hide
//! (transaction status bytes, PortalSuspended, skip-until-Sync).
#![allow(dead_code)]

use std::fs::File;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use datafusion::arrow::array::*;
use datafusion::arrow::datatypes::*;
use datafusion::arrow::ipc::writer::FileWriter;
use datafusion::arrow::record_batch::RecordBatch;
use datapress::config::{Config, Overrides};
use datapress::server::Server;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A running server and the temporary directory holding its data.
pub struct TestServer {
    pub server: Server,
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts a server with `accidents` and `types`, plus extra `[server.pgwire]` lines.
    pub async fn start(pgwire_extra: &str) -> TestServer {
        TestServer::start_with(pgwire_extra, |_| String::new()).await
    }

    /// As [`TestServer::start`], plus the `[[datasets]]` entries that
    /// `datasets` writes for files it puts in the given directory.
    pub async fn start_with(
        pgwire_extra: &str,
        datasets: impl FnOnce(&std::path::Path) -> String,
    ) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let extra_datasets = datasets(dir.path());
        let types = dir.path().join("types.arrow");
        write_types_file(&types);
        let accidents = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/accidents.parquet");
        let toml = format!(
            "[server.http]\nlisten = \"127.0.0.1:0\"\n[server.pgwire]\nenabled = true\nlisten = \"127.0.0.1\"\nport = 0\n{pgwire_extra}\n\
             [[datasets]]\nname = \"accidents\"\npath = {accidents:?}\n\
             [[datasets]]\nname = \"types\"\npath = {types:?}\n{extra_datasets}"
        );
        let config = Config::from_toml(&toml, dir.path(), &Overrides::default()).unwrap();
        let server = Server::start(&config).await.unwrap();
        let addr = server.pgwire_addr().unwrap();
        TestServer {
            server,
            addr,
            _dir: dir,
        }
    }

    /// A tokio-postgres connection string for this server.
    pub fn dsn(&self, extra: &str) -> String {
        format!(
            "host=127.0.0.1 port={} user=datapress dbname=test {extra}",
            self.addr.port()
        )
    }

    /// Connects tokio-postgres without TLS.
    pub async fn connect(&self) -> tokio_postgres::Client {
        self.connect_with("").await
    }

    /// Connects tokio-postgres without TLS, with `extra` connection settings.
    pub async fn connect_with(&self, extra: &str) -> tokio_postgres::Client {
        let (client, conn) = tokio_postgres::connect(&self.dsn(extra), tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        client
    }

    /// Connects the raw protocol client.
    pub async fn raw(&self) -> Raw {
        Raw::connect(self.addr, "datapress").await
    }
}

/// The data rows of a simple-query answer.
pub fn data_rows(
    messages: &[tokio_postgres::SimpleQueryMessage],
) -> Vec<&tokio_postgres::SimpleQueryRow> {
    messages
        .iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => Some(r),
            _ => None,
        })
        .collect()
}

/// Any value's raw wire bytes, whatever its type.
pub struct WireBytes(pub Vec<u8>);

impl<'a> tokio_postgres::types::FromSql<'a> for WireBytes {
    fn from_sql(
        _: &tokio_postgres::types::Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(WireBytes(raw.to_vec()))
    }
    fn accepts(_: &tokio_postgres::types::Type) -> bool {
        true
    }
}

/// Row 0: ordinary values; row 1: all NULL.
pub fn write_types_file(path: &std::path::Path) {
    let uuid_meta = std::collections::HashMap::from([(
        "ARROW:extension:name".to_string(),
        "arrow.uuid".to_string(),
    )]);
    let struct_fields = Fields::from(vec![
        Field::new("a", DataType::Int32, true),
        Field::new("b", DataType::Utf8, true),
    ]);
    let jsonb_meta =
        std::collections::HashMap::from([("datapress.pg_type".to_string(), "jsonb".to_string())]);
    let mut map = MapBuilder::new(None, StringBuilder::new(), Int32Builder::new());
    map.keys().append_value("k");
    map.values().append_value(1);
    map.append(true).unwrap();
    map.append(false).unwrap();
    let map = map.finish();
    let map_type = map.data_type().clone();
    let schema = Arc::new(Schema::new(vec![
        Field::new("b", DataType::Boolean, true),
        Field::new("i2", DataType::Int16, true),
        Field::new("i4", DataType::Int32, true),
        Field::new("i8", DataType::Int64, true),
        Field::new("u8", DataType::UInt8, true),
        Field::new("u64", DataType::UInt64, true),
        Field::new("f4", DataType::Float32, true),
        Field::new("f8", DataType::Float64, true),
        Field::new("d", DataType::Decimal128(10, 2), true),
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
        Field::new("st", DataType::Struct(struct_fields.clone()), true),
        Field::new(
            "dict",
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
            true,
        ),
        Field::new("uuid", DataType::FixedSizeBinary(16), true).with_metadata(uuid_meta),
        Field::new("i1", DataType::Int8, true),
        Field::new("u16", DataType::UInt16, true),
        Field::new("u32", DataType::UInt32, true),
        Field::new("d256", DataType::Decimal256(45, 5), true),
        Field::new("lu", DataType::LargeUtf8, true),
        Field::new("uv", DataType::Utf8View, true),
        Field::new("lby", DataType::LargeBinary, true),
        Field::new("d64", DataType::Date64, true),
        Field::new("t32", DataType::Time32(TimeUnit::Millisecond), true),
        Field::new("t64ns", DataType::Time64(TimeUnit::Nanosecond), true),
        Field::new("tss", DataType::Timestamp(TimeUnit::Second, None), true),
        Field::new(
            "tsms",
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            true,
        ),
        Field::new(
            "tsns",
            DataType::Timestamp(TimeUnit::Nanosecond, None),
            true,
        ),
        Field::new("dur", DataType::Duration(TimeUnit::Microsecond), true),
        Field::new(
            "larr",
            DataType::LargeList(Arc::new(Field::new("item", DataType::Int64, true))),
            true,
        ),
        Field::new(
            "farr",
            DataType::FixedSizeList(Arc::new(Field::new("item", DataType::Int16, true)), 2),
            true,
        ),
        Field::new("map", map_type.clone(), true),
        Field::new("js", DataType::Utf8, true).with_metadata(jsonb_meta),
    ]));
    // 2024-01-15 10:30:00.41246 UTC
    let ts = 1_705_314_600_412_460i64;
    let mut arr = ListBuilder::new(Int32Builder::new());
    arr.append_value([Some(1), None, Some(3)]);
    arr.append_null();
    let mut larr = LargeListBuilder::new(Int64Builder::new());
    larr.append_value([Some(10), Some(-20)]);
    larr.append_null();
    let mut farr = FixedSizeListBuilder::new(Int16Builder::new(), 2);
    farr.values().append_value(1);
    farr.values().append_null();
    farr.append(true);
    farr.values().append_null();
    farr.values().append_null();
    farr.append(false);
    let mut tarr = ListBuilder::new(StringBuilder::new());
    tarr.append_value([Some("a b"), Some("x")]);
    tarr.append_null();
    let st = StructArray::new(
        struct_fields,
        vec![
            Arc::new(Int32Array::from(vec![Some(1), None])) as ArrayRef,
            Arc::new(StringArray::from(vec![Some("x\"y"), None])) as ArrayRef,
        ],
        Some(vec![true, false].into()),
    );
    let dict: DictionaryArray<Int32Type> = vec![Some("red"), None].into_iter().collect();
    let uuid = FixedSizeBinaryArray::try_from_sparse_iter_with_size(
        vec![Some((0u8..16).collect::<Vec<u8>>()), None].into_iter(),
        16,
    )
    .unwrap();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(BooleanArray::from(vec![Some(true), None])),
        Arc::new(Int16Array::from(vec![Some(-32768), None])),
        Arc::new(Int32Array::from(vec![Some(2_147_483_647), None])),
        Arc::new(Int64Array::from(vec![Some(-9_007_199_254_740_993), None])),
        Arc::new(UInt8Array::from(vec![Some(255), None])),
        Arc::new(UInt64Array::from(vec![Some(u64::MAX), None])),
        Arc::new(Float32Array::from(vec![Some(1.5), None])),
        Arc::new(Float64Array::from(vec![Some(0.1), None])),
        Arc::new(
            Decimal128Array::from(vec![Some(1_234_567), None])
                .with_precision_and_scale(10, 2)
                .unwrap(),
        ),
        Arc::new(StringArray::from(vec![Some("héllo"), None])),
        Arc::new(BinaryArray::from(vec![Some(&[0xde, 0xad][..]), None])),
        Arc::new(Date32Array::from(vec![Some(19_782), None])), // 2024-02-29
        Arc::new(Time64MicrosecondArray::from(vec![
            Some(49_530_500_000),
            None,
        ])), // 13:45:30.5
        Arc::new(TimestampMicrosecondArray::from(vec![Some(ts), None])),
        Arc::new(TimestampMicrosecondArray::from(vec![Some(ts), None]).with_timezone("UTC")),
        Arc::new(IntervalMonthDayNanoArray::from(vec![
            Some(IntervalMonthDayNano::new(14, 3, 14_706_000_000_000)),
            None,
        ])),
        Arc::new(arr.finish()),
        Arc::new(tarr.finish()),
        Arc::new(st),
        Arc::new(dict),
        Arc::new(uuid),
        Arc::new(Int8Array::from(vec![Some(-128), None])),
        Arc::new(UInt16Array::from(vec![Some(65_535), None])),
        Arc::new(UInt32Array::from(vec![Some(4_294_967_295), None])),
        Arc::new(
            Decimal256Array::from(vec![
                Some(i256::from_string("-1234567890123456789012345678901234567890").unwrap()),
                None,
            ])
            .with_precision_and_scale(45, 5)
            .unwrap(),
        ),
        Arc::new(LargeStringArray::from(vec![Some("large"), None])),
        Arc::new(StringViewArray::from(vec![
            Some("a view longer than twelve"),
            None,
        ])),
        Arc::new(LargeBinaryArray::from(vec![Some(&[0x00, 0xff][..]), None])),
        Arc::new(Date64Array::from(vec![Some(1_709_164_800_000), None])), // 2024-02-29
        Arc::new(Time32MillisecondArray::from(vec![Some(49_530_500), None])),
        // 13:45:30.5000015 rounds to the microsecond, as PG's input does.
        Arc::new(Time64NanosecondArray::from(vec![
            Some(49_530_500_001_500),
            None,
        ])),
        Arc::new(TimestampSecondArray::from(vec![Some(ts / 1_000_000), None])),
        Arc::new(TimestampMillisecondArray::from(vec![Some(ts / 1000), None]).with_timezone("UTC")),
        Arc::new(TimestampNanosecondArray::from(vec![
            Some(ts * 1000 + 789),
            None,
        ])),
        Arc::new(DurationMicrosecondArray::from(vec![
            Some(93_784_000_005),
            None,
        ])),
        Arc::new(larr.finish()),
        Arc::new(farr.finish()),
        Arc::new(map),
        Arc::new(StringArray::from(vec![
            Some(r#"{"b": [1, 2.50], "aa": null, "a": "x"}"#),
            None,
        ])),
    ];
    let batch = RecordBatch::try_new(Arc::clone(&schema), columns).unwrap();
    let mut writer = FileWriter::try_new(File::create(path).unwrap(), &schema).unwrap();
    writer.write(&batch).unwrap();
    writer.finish().unwrap();
}

/// A backend message: its type byte and body.
#[derive(Debug, Clone)]
pub struct Msg {
    pub tag: u8,
    pub body: Bytes,
}

impl Msg {
    /// The SQLSTATE of an ErrorResponse/NoticeResponse.
    pub fn sqlstate(&self) -> Option<String> {
        self.field(b'C')
    }

    /// A field of an ErrorResponse/NoticeResponse.
    pub fn field(&self, code: u8) -> Option<String> {
        let mut b = self.body.clone();
        while b.has_remaining() {
            let c = b.get_u8();
            if c == 0 {
                return None;
            }
            let end = b.iter().position(|&x| x == 0)?;
            let v = String::from_utf8_lossy(&b[..end]).into_owned();
            b.advance(end + 1);
            if c == code {
                return Some(v);
            }
        }
        None
    }

    /// CommandComplete's tag.
    pub fn tag_text(&self) -> String {
        String::from_utf8_lossy(&self.body[..self.body.len() - 1]).into_owned()
    }
}

/// A minimal protocol client that shows every message.
pub struct Raw {
    stream: TcpStream,
    buf: BytesMut,
}

fn frame(tag: u8, body: impl FnOnce(&mut BytesMut)) -> BytesMut {
    let mut b = BytesMut::new();
    b.put_u8(tag);
    b.put_i32(0);
    body(&mut b);
    let len = (b.len() - 1) as i32;
    b[1..5].copy_from_slice(&len.to_be_bytes());
    b
}

/// A message of type `tag` with `body` as it is (well-formed or not).
pub fn raw_message(tag: u8, body: &[u8]) -> Vec<u8> {
    frame(tag, |b| b.put_slice(body)).to_vec()
}

fn cstr(b: &mut BytesMut, s: &str) {
    b.put_slice(s.as_bytes());
    b.put_u8(0);
}

/// A protocol 3.0 StartupMessage for `user`.
pub fn startup_packet(user: &str) -> BytesMut {
    let mut body = BytesMut::new();
    body.put_i32(196_608);
    cstr(&mut body, "user");
    cstr(&mut body, user);
    body.put_u8(0);
    let mut packet = BytesMut::new();
    packet.put_i32(body.len() as i32 + 4);
    packet.put_slice(&body);
    packet
}

/// Opens a PG 17 direct TLS connection (ALPN `postgresql`) to `addr`,
/// trusting only the certificate `cert_der` for `localhost`.
pub async fn direct_tls(
    addr: SocketAddr,
    cert_der: &[u8],
) -> tokio_rustls::client::TlsStream<TcpStream> {
    use tokio_rustls::rustls;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert_der.to_vec().into()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .unwrap()
}

impl Raw {
    /// A connection that has sent nothing yet.
    pub async fn unstarted(addr: SocketAddr) -> Raw {
        Raw {
            stream: TcpStream::connect(addr).await.unwrap(),
            buf: BytesMut::new(),
        }
    }

    /// The socket, for a test that reads and writes it at the same time.
    pub fn into_stream(self) -> TcpStream {
        self.stream
    }

    /// Sends raw bytes as they are.
    pub async fn send_bytes(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    pub async fn connect(addr: SocketAddr, user: &str) -> Raw {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(&startup_packet(user)).await.unwrap();
        let mut raw = Raw {
            stream,
            buf: BytesMut::new(),
        };
        raw.until_ready().await;
        raw
    }

    /// Waits until the server has sent something, without reading it (so the
    /// socket's buffers stay as full as the server made them).
    pub async fn wait_for_data(&self) {
        let mut byte = [0u8; 1];
        self.stream.peek(&mut byte).await.unwrap();
    }

    pub async fn send(&mut self, messages: &[BytesMut]) {
        for m in messages {
            self.stream.write_all(m).await.unwrap();
        }
    }

    pub async fn read(&mut self) -> Option<Msg> {
        loop {
            if self.buf.len() >= 5 {
                let len = i32::from_be_bytes([self.buf[1], self.buf[2], self.buf[3], self.buf[4]])
                    as usize;
                if self.buf.len() > len {
                    let m = self.buf.split_to(len + 1).freeze();
                    return Some(Msg {
                        tag: m[0],
                        body: m.slice(5..),
                    });
                }
            }
            if self.stream.read_buf(&mut self.buf).await.unwrap() == 0 {
                return None;
            }
        }
    }

    /// Reads messages up to and including ReadyForQuery.
    pub async fn until_ready(&mut self) -> Vec<Msg> {
        let mut out = Vec::new();
        while let Some(m) = self.read().await {
            let done = m.tag == b'Z';
            out.push(m);
            if done {
                break;
            }
        }
        out
    }

    /// Sends a simple Query and returns everything up to ReadyForQuery.
    pub async fn query(&mut self, sql: &str) -> Vec<Msg> {
        self.send(&[query(sql)]).await;
        self.until_ready().await
    }
}

/// The status byte of the last ReadyForQuery.
pub fn status(msgs: &[Msg]) -> u8 {
    msgs.iter()
        .rev()
        .find(|m| m.tag == b'Z')
        .map(|m| m.body[0])
        .unwrap()
}

/// The CommandComplete tags, in order.
pub fn command_tags(msgs: &[Msg]) -> Vec<String> {
    msgs.iter()
        .filter(|m| m.tag == b'C')
        .map(|m| m.tag_text())
        .collect()
}

/// Asserts that the connection still answers queries.
pub async fn assert_alive(c: &tokio_postgres::Client) {
    let row = c.query_one("SELECT 1::int4", &[]).await.unwrap();
    assert_eq!(row.get::<_, i32>(0), 1);
}

/// The message type bytes, as a string (e.g. "TDDCZ").
pub fn tags(msgs: &[Msg]) -> String {
    msgs.iter().map(|m| m.tag as char).collect()
}

pub fn query(sql: &str) -> BytesMut {
    frame(b'Q', |b| cstr(b, sql))
}

pub fn parse(name: &str, sql: &str, types: &[u32]) -> BytesMut {
    frame(b'P', |b| {
        cstr(b, name);
        cstr(b, sql);
        b.put_i16(types.len() as i16);
        for t in types {
            b.put_u32(*t);
        }
    })
}

pub fn bind(
    portal: &str,
    statement: &str,
    params: &[Option<&str>],
    result_formats: &[i16],
) -> BytesMut {
    frame(b'B', |b| {
        cstr(b, portal);
        cstr(b, statement);
        b.put_i16(0);
        b.put_i16(params.len() as i16);
        for p in params {
            match p {
                Some(v) => {
                    b.put_i32(v.len() as i32);
                    b.put_slice(v.as_bytes());
                }
                None => b.put_i32(-1),
            }
        }
        b.put_i16(result_formats.len() as i16);
        for f in result_formats {
            b.put_i16(*f);
        }
    })
}

pub fn describe(kind: u8, name: &str) -> BytesMut {
    frame(b'D', |b| {
        b.put_u8(kind);
        cstr(b, name);
    })
}

pub fn execute(portal: &str, max_rows: i32) -> BytesMut {
    frame(b'E', |b| {
        cstr(b, portal);
        b.put_i32(max_rows);
    })
}

pub fn sync() -> BytesMut {
    frame(b'S', |_| {})
}

pub fn flush() -> BytesMut {
    frame(b'H', |_| {})
}
