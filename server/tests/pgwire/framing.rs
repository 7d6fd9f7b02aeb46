//! Message framing: the limits and refusals applied to what a client sends
//! before any statement runs (startup packets, message sizes, message types).

use crate::common::*;

/// Reads the one FATAL error a refused connection gets, then expects the close
/// (within 10 s: a server that waits for more bytes fails the test). Returns
/// its SQLSTATE and message.
async fn refused(raw: &mut Raw) -> (String, String) {
    let within = std::time::Duration::from_secs(10);
    let error = tokio::time::timeout(within, raw.read())
        .await
        .expect("answered without waiting for more bytes")
        .expect("an ErrorResponse before the close");
    assert_eq!(error.tag, b'E');
    assert_eq!(error.field(b'S').as_deref(), Some("FATAL"));
    let after = tokio::time::timeout(within, raw.read()).await.unwrap();
    assert!(after.is_none(), "the connection is closed");
    (error.sqlstate().unwrap(), error.field(b'M').unwrap())
}

/// A startup `packet` on a new connection, and the refusal it gets.
async fn refused_at_startup(s: &TestServer, packet: &[u8]) -> (String, String) {
    let mut raw = Raw::unstarted(s.addr).await;
    raw.send_bytes(packet).await;
    refused(&mut raw).await
}

#[tokio::test]
async fn a_message_over_max_message_size_is_refused_from_its_header() {
    let s = TestServer::start("max_message_size = 4096").await;
    let mut raw = s.raw().await;
    assert_eq!(status(&raw.query("SELECT 1").await), b'I');
    // Only the header of a 1 MB Query: the server must not wait for the body.
    let mut header = vec![b'Q'];
    header.extend_from_slice(&1_000_000i32.to_be_bytes());
    raw.send_bytes(&header).await;
    let (code, message) = refused(&mut raw).await;
    assert_eq!(code, "08P01");
    assert!(message.contains("exceeds the limit of 4096 bytes"));
    // A message under the limit still works, and the server is unharmed.
    let mut again = s.raw().await;
    let long = format!("SELECT '{}'", "x".repeat(3000));
    assert_eq!(status(&again.query(&long).await), b'I');
}

#[tokio::test]
async fn an_unsupported_protocol_version_is_refused_with_0a000() {
    let s = TestServer::start("").await;
    let mut packet = startup_packet("datapress");
    packet[4..8].copy_from_slice(&0x0002_0000i32.to_be_bytes());
    assert_eq!(
        refused_at_startup(&s, &packet).await,
        (
            "0A000".into(),
            "unsupported frontend protocol 2.0: server supports 3.0 to 3.0".into()
        )
    );
}

#[tokio::test]
async fn a_startup_packet_of_impossible_length_is_refused_with_08p01() {
    let s = TestServer::start("").await;
    let mut packet = 100_000i32.to_be_bytes().to_vec();
    packet.extend_from_slice(&196_608i32.to_be_bytes());
    assert_eq!(
        refused_at_startup(&s, &packet).await,
        ("08P01".into(), "invalid length of startup packet".into())
    );
}

/// Before authentication, PostgreSQL reads a password or SASL message of at
/// most 65,535 bytes: a longer one is refused from its header.
#[tokio::test]
async fn an_authentication_message_over_64_kib_is_refused_from_its_header() {
    let s = TestServer::start("password = \"secret\"").await;
    let mut raw = Raw::unstarted(s.addr).await;
    raw.send_bytes(&startup_packet("datapress")).await;
    let request = raw.read().await.expect("a password request");
    assert_eq!(request.tag, b'R');
    // Only the header of a 1 MiB PasswordMessage: the body never comes.
    let mut header = vec![b'p'];
    header.extend_from_slice(&(1i32 << 20).to_be_bytes());
    raw.send_bytes(&header).await;
    assert_eq!(
        refused(&mut raw).await,
        ("08P01".into(), "invalid message length".into())
    );
    // The next client authenticates and is served.
    assert_alive(&s.connect_with("password=secret").await).await;
}

#[tokio::test]
async fn an_unknown_message_type_ends_the_session_with_08p01() {
    let s = TestServer::start("").await;
    let mut raw = s.raw().await;
    // Refused from its type byte, as in PostgreSQL: the 1000 bytes its
    // length announces never come.
    raw.send_bytes(&[b'!', 0, 0, 3, 232]).await;
    assert_eq!(
        refused(&mut raw).await,
        ("08P01".into(), "invalid frontend message type 33".into())
    );
    let c = s.connect().await;
    assert_alive(&c).await;
}

#[tokio::test]
async fn sql_that_is_not_utf8_is_refused_with_22021_and_the_session_goes_on() {
    let s = TestServer::start("").await;
    let mut raw = s.raw().await;
    // Simple protocol: one error, then ReadyForQuery.
    raw.send_bytes(&raw_message(b'Q', b"SELECT '\xff'\0")).await;
    let answer = raw.until_ready().await;
    assert_eq!(tags(&answer), "EZ");
    assert_eq!(answer[0].sqlstate().as_deref(), Some("22021"));
    assert_eq!(
        answer[0].field(b'M').as_deref(),
        Some("invalid byte sequence for encoding \"UTF8\": 0xff")
    );
    assert_eq!(status(&answer), b'I');
    // Extended protocol: the error, then everything up to Sync is skipped.
    raw.send_bytes(&raw_message(b'P', b"\0SELECT '\xc3('\0\0\0"))
        .await;
    raw.send(&[bind("", "", &[], &[]), execute("", 0), sync()])
        .await;
    let answer = raw.until_ready().await;
    assert_eq!(tags(&answer), "EZ");
    assert_eq!(answer[0].sqlstate().as_deref(), Some("22021"));
    assert_eq!(
        answer[0].field(b'M').as_deref(),
        Some("invalid byte sequence for encoding \"UTF8\": 0xc3 0x28"),
        "the bytes of the character the lead byte announces, as PostgreSQL"
    );
    // The connection still serves.
    let ok = raw.query("SELECT 1").await;
    assert_eq!(tags(&ok), "TDCZ");
}

/// Sends `bytes` and returns the message types up to ReadyForQuery, with the
/// first error's SQLSTATE and message.
async fn answer(raw: &mut Raw, bytes: &[u8]) -> (String, Option<(String, String)>) {
    raw.send_bytes(bytes).await;
    let within = std::time::Duration::from_secs(10);
    let msgs = tokio::time::timeout(within, raw.until_ready())
        .await
        .unwrap();
    let error = msgs.iter().find(|m| m.tag == b'E').map(|e| {
        assert_eq!(e.field(b'S').as_deref(), Some("ERROR"));
        (e.sqlstate().unwrap(), e.field(b'M').unwrap())
    });
    (tags(&msgs), error)
}

#[tokio::test]
async fn malformed_messages_are_08p01_errors_and_the_session_goes_on() {
    // Each answer is the one PostgreSQL 15 gives to the same bytes.
    let s = TestServer::start("").await;
    let mut raw = s.raw().await;
    let error = |message: &str| Some(("08P01".to_string(), message.to_string()));
    let sync = raw_message(b'S', b"");
    // A Bind whose parameter claims more bytes than the message holds: the
    // Sync behind it must not be read as part of it.
    let mut lying = b"\0\0\0\0\0\x01".to_vec();
    lying.extend_from_slice(&1000i32.to_be_bytes());
    lying.extend_from_slice(b"12\0\0");
    let mut bytes = raw_message(b'P', b"\0SELECT $1::int\0\0\0");
    bytes.extend(raw_message(b'B', &lying));
    bytes.extend(&sync);
    assert_eq!(
        answer(&mut raw, &bytes).await,
        ("1EZ".into(), error("insufficient data left in message"))
    );
    // A Bind cut short after its names.
    let mut bytes = raw_message(b'B', b"\0\0");
    bytes.extend(&sync);
    assert_eq!(
        answer(&mut raw, &bytes).await,
        ("EZ".into(), error("insufficient data left in message"))
    );
    // A Describe of neither a statement nor a portal.
    let mut bytes = raw_message(b'D', b"Xname\0");
    bytes.extend(&sync);
    assert_eq!(
        answer(&mut raw, &bytes).await,
        ("EZ".into(), error("invalid DESCRIBE message subtype 88"))
    );
    // Bytes left over after a Sync: the Sync still ends the batch.
    assert_eq!(
        answer(&mut raw, &raw_message(b'S', b"extra")).await,
        ("EZ".into(), error("invalid message format"))
    );
    // A Query without its terminator.
    assert_eq!(
        answer(&mut raw, &raw_message(b'Q', b"SELECT 1")).await,
        ("EZ".into(), error("invalid string in message"))
    );
    assert_eq!(tags(&raw.query("SELECT 1").await), "TDCZ");
}
