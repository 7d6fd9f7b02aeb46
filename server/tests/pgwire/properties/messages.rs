//! Property: any sequence of valid and invalid frontend messages, sent after
//! a real startup, never makes the server fail internally (no XX000, which is
//! also how a caught panic answers) and always ends either in ReadyForQuery
//! or in an ErrorResponse of severity FATAL followed by the close; the server
//! then serves a new client.
//!
//! How a sequence is made to end: after it the client sends enough Syncs to
//! complete any message whose length word claimed more bytes than followed
//! (the server's `max_message_size` is small, so a longer claim is refused
//! from its header), then `ROLLBACK; SELECT '<marker>'`. Either the marker's
//! row and a ReadyForQuery come back, or the connection closes after a FATAL.

use std::time::Duration;

use bytes::{BufMut, BytesMut};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::runtime;
use crate::common::*;

/// The server's `max_message_size` during this test.
const MAX_MESSAGE_SIZE: usize = 4096;
/// The row that proves the server read everything up to the end.
const MARKER: &str = "end of the generated sequence";

/// One generated frontend message, or bytes that are not one.
#[derive(Debug, Clone)]
enum Frame {
    Query(String),
    Parse {
        name: String,
        sql: String,
        types: Vec<u32>,
    },
    Bind {
        portal: String,
        statement: String,
        param_formats: Vec<i16>,
        params: Vec<Option<Vec<u8>>>,
        result_formats: Vec<i16>,
    },
    Describe(u8, String),
    Execute(String, i32),
    Close(u8, String),
    Sync,
    Flush,
    /// Any type byte but Terminate's (which closes without an answer, as
    /// in PostgreSQL), with any body.
    Other(u8, Vec<u8>),
    /// A message whose length word covers only `keep` bytes of its body.
    Truncated(Box<Frame>, usize),
    /// A message whose length word is `length`, whatever its body.
    Lying(Box<Frame>, i32),
    /// Unframed random bytes.
    Noise(Vec<u8>),
}

fn put_cstr(b: &mut BytesMut, s: &str) {
    b.put_slice(s.as_bytes());
    b.put_u8(0);
}

impl Frame {
    /// The bytes as sent.
    fn bytes(&self) -> Vec<u8> {
        let mut body = BytesMut::new();
        let tag = match self {
            Frame::Query(sql) => {
                put_cstr(&mut body, sql);
                b'Q'
            }
            Frame::Parse { name, sql, types } => {
                put_cstr(&mut body, name);
                put_cstr(&mut body, sql);
                body.put_i16(types.len() as i16);
                types.iter().for_each(|t| body.put_u32(*t));
                b'P'
            }
            Frame::Bind {
                portal,
                statement,
                param_formats,
                params,
                result_formats,
            } => {
                put_cstr(&mut body, portal);
                put_cstr(&mut body, statement);
                body.put_i16(param_formats.len() as i16);
                param_formats.iter().for_each(|f| body.put_i16(*f));
                body.put_i16(params.len() as i16);
                for p in params {
                    match p {
                        Some(v) => {
                            body.put_i32(v.len() as i32);
                            body.put_slice(v);
                        }
                        None => body.put_i32(-1),
                    }
                }
                body.put_i16(result_formats.len() as i16);
                result_formats.iter().for_each(|f| body.put_i16(*f));
                b'B'
            }
            Frame::Describe(kind, name) => {
                body.put_u8(*kind);
                put_cstr(&mut body, name);
                b'D'
            }
            Frame::Execute(portal, max_rows) => {
                put_cstr(&mut body, portal);
                body.put_i32(*max_rows);
                b'E'
            }
            Frame::Close(kind, name) => {
                body.put_u8(*kind);
                put_cstr(&mut body, name);
                b'C'
            }
            Frame::Sync => b'S',
            Frame::Flush => b'H',
            Frame::Other(tag, bytes) => {
                body.put_slice(bytes);
                *tag
            }
            Frame::Truncated(frame, keep) => {
                let mut bytes = frame.bytes();
                bytes.truncate(5 + keep);
                let length = (bytes.len() - 1) as i32;
                bytes[1..5].copy_from_slice(&length.to_be_bytes());
                return bytes;
            }
            Frame::Lying(frame, length) => {
                let mut bytes = frame.bytes();
                bytes[1..5].copy_from_slice(&length.to_be_bytes());
                return bytes;
            }
            Frame::Noise(bytes) => return bytes.clone(),
        };
        raw_message(tag, &body)
    }
}

/// Statement and portal names, few so that they collide.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec!["", "s", "t"]).prop_map(String::from),
        1 => ".{0,8}",
    ]
}

/// SQL the endpoint serves, refuses or cannot parse, and any text.
fn sql() -> impl Strategy<Value = String> {
    let known = vec![
        "SELECT 1",
        "SELECT $1::int4",
        "SELECT $1::text, $2::int8",
        "SELECT id, city FROM accidents ORDER BY id LIMIT 3",
        "SELECT 1; SELECT 2",
        "SELECT 1/0",
        "SELEC nonsense",
        "",
        ";",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "SAVEPOINT a",
        "INSERT INTO accidents (id) VALUES (1)",
        "COPY (SELECT 1) TO STDOUT",
        "COPY accidents FROM STDIN",
        "SHOW TimeZone",
        "SET application_name = 'generated'",
        "DISCARD ALL",
        "DEALLOCATE ALL",
        "DECLARE c CURSOR FOR SELECT 1",
        "FETCH 1 FROM c",
    ];
    prop_oneof![
        6 => prop::sample::select(known).prop_map(String::from),
        1 => any::<String>(),
    ]
}

/// A well-formed message (whose contents may still be wrong).
fn message() -> impl Strategy<Value = Frame> {
    let format = prop_oneof![4 => 0i16..=1, 1 => any::<i16>()];
    let param = proptest::option::weighted(
        0.8,
        prop_oneof![
            prop::sample::select(vec!["42", "x", ""]).prop_map(|s| s.as_bytes().to_vec()),
            proptest::collection::vec(any::<u8>(), 0..9),
        ],
    );
    let kind = prop_oneof![4 => prop::sample::select(vec![b'S', b'P']), 1 => any::<u8>()];
    let oid = prop_oneof![
        prop::sample::select(vec![0u32, 16, 20, 23, 25, 1700]),
        any::<u32>()
    ];
    prop_oneof![
        3 => sql().prop_map(Frame::Query),
        3 => (name(), sql(), proptest::collection::vec(oid, 0..3))
            .prop_map(|(name, sql, types)| Frame::Parse { name, sql, types }),
        3 => (
            name(),
            name(),
            proptest::collection::vec(format.clone(), 0..3),
            proptest::collection::vec(param, 0..3),
            proptest::collection::vec(format, 0..3),
        )
            .prop_map(|(portal, statement, param_formats, params, result_formats)| Frame::Bind {
                portal,
                statement,
                param_formats,
                params,
                result_formats,
            }),
        2 => (kind.clone(), name()).prop_map(|(k, n)| Frame::Describe(k, n)),
        2 => (name(), prop_oneof![Just(0), Just(1), any::<i32>()]).prop_map(|(p, n)| Frame::Execute(p, n)),
        1 => (kind, name()).prop_map(|(k, n)| Frame::Close(k, n)),
        2 => Just(Frame::Sync),
        1 => Just(Frame::Flush),
        1 => (
            any::<u8>().prop_filter("Terminate closes without an answer", |t| *t != b'X'),
            proptest::collection::vec(any::<u8>(), 0..16),
        )
            .prop_map(|(t, b)| Frame::Other(t, b)),
    ]
}

/// A message, valid or broken.
fn frame() -> impl Strategy<Value = Frame> {
    let length = prop_oneof![
        prop::sample::select(vec![i32::MIN, -1, 0, 3, 4, 5, 1 << 30]),
        5i32..=MAX_MESSAGE_SIZE as i32,
    ];
    prop_oneof![
        24 => message(),
        1 => (message(), 0usize..12).prop_map(|(m, keep)| Frame::Truncated(Box::new(m), keep)),
        1 => (message(), length).prop_map(|(m, l)| Frame::Lying(Box::new(m), l)),
        1 => proptest::collection::vec(any::<u8>(), 1..24).prop_map(Frame::Noise),
    ]
}

/// How a session ended.
#[derive(Debug)]
enum End {
    /// The marker's row, then ReadyForQuery.
    Ready,
    /// A FATAL error, then the close.
    Fatal,
}

/// Sends `frames`, the Syncs and the marker, and reads until the session ends.
async fn run(s: &TestServer, frames: &[Frame]) -> Result<End, TestCaseError> {
    let raw = s.raw().await;
    let mut bytes: Vec<u8> = frames.iter().flat_map(Frame::bytes).collect();
    for _ in 0..MAX_MESSAGE_SIZE / 5 + 2 {
        bytes.extend_from_slice(&sync());
    }
    bytes.extend_from_slice(&query(&format!("ROLLBACK; SELECT '{MARKER}'")));
    let stream = raw.into_stream();
    let (mut reader, mut writer) = stream.into_split();
    // The server may close before reading everything: writes may then fail.
    let sending = tokio::spawn(async move {
        let _ = writer.write_all(&bytes).await;
        writer
    });
    let mut buf = BytesMut::new();
    let mut last: Option<Msg> = None;
    let mut marker_seen = false;
    loop {
        let msg = match next_message(&mut reader, &mut buf).await {
            Some(m) => m,
            None => {
                drop(sending.await);
                let fatal = last
                    .as_ref()
                    .is_some_and(|m| m.tag == b'E' && m.field(b'S').as_deref() == Some("FATAL"));
                prop_assert!(
                    fatal,
                    "closed without a FATAL error; last message {:?}",
                    last
                );
                return Ok(End::Fatal);
            }
        };
        if msg.tag == b'E' {
            let code = msg.sqlstate();
            prop_assert_ne!(
                code.as_deref(),
                Some("XX000"),
                "an internal error: {:?}",
                msg.field(b'M')
            );
        }
        if let Some(previous) = &last {
            prop_assert!(
                !(previous.tag == b'E' && previous.field(b'S').as_deref() == Some("FATAL")),
                "a message after a FATAL error: {:?}",
                msg
            );
        }
        marker_seen |= msg.tag == b'D'
            && msg
                .body
                .windows(MARKER.len())
                .any(|w| w == MARKER.as_bytes());
        if marker_seen && msg.tag == b'Z' {
            drop(sending.await);
            return Ok(End::Ready);
        }
        last = Some(msg);
    }
}

/// The next backend message; `None` once the server has closed (cleanly or
/// by a reset, as a close with unread client bytes is).
async fn next_message(
    reader: &mut tokio::net::tcp::OwnedReadHalf,
    buf: &mut BytesMut,
) -> Option<Msg> {
    loop {
        if buf.len() >= 5 {
            let len = u32::from_be_bytes([buf[1], buf[2], buf[3], buf[4]]) as usize;
            if buf.len() > len {
                let m = buf.split_to(len + 1).freeze();
                return Some(Msg {
                    tag: m[0],
                    body: m.slice(5..),
                });
            }
        }
        match reader.read_buf(buf).await {
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

#[test]
fn any_message_sequence_ends_in_ready_for_query_or_a_fatal_error() {
    let rt = runtime();
    let s = rt.block_on(TestServer::start(&format!(
        "max_message_size = {MAX_MESSAGE_SIZE}"
    )));
    let config = Config {
        cases: 128,
        failure_persistence: None,
        ..Config::default()
    };
    let frames = proptest::collection::vec(frame(), 1..12);
    TestRunner::new(config)
        .run(&frames, |frames| {
            rt.block_on(async {
                let within = Duration::from_secs(30);
                let end = tokio::time::timeout(within, run(&s, &frames))
                    .await
                    .map_err(|_| {
                        TestCaseError::fail("neither the marker nor a close within 30 s")
                    })??;
                // A new client is served, whatever the sequence did.
                let mut next = s.raw().await;
                prop_assert_eq!(
                    tags(&next.query("SELECT 1").await),
                    "TDCZ",
                    "after {:?}",
                    end
                );
                Ok(())
            })
        })
        .unwrap();
}
