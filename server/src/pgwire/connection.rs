//! One client's socket as pgwire frames. The pgwire crate negotiates TLS
//! (SSLRequest, GSSENCRequest, PG 17's direct TLS), decodes every frontend
//! message and encodes the backend ones; this module adds what the product
//! needs on top: the configured message size limit, PostgreSQL's bounds on
//! what is read before authentication ends, PostgreSQL's answers to an
//! unsupported protocol version and to SQL that is not UTF-8, and a write buffer that the result encoder
//! fills directly (DataRow, RowDescription and COPY data are written in bulk,
//! never as one message value per row).

use std::io;

use bytes::{Buf, BytesMut};
use futures::{SinkExt, StreamExt};
use pgwire::error::PgWireError;
use pgwire::messages::response::{CommandComplete, ErrorResponse, NoticeResponse};
use pgwire::messages::{DecodeContext, PgWireBackendMessage, PgWireFrontendMessage};
use pgwire::tokio::server::MaybeTls;
use tokio_util::codec::{Decoder, Encoder, Framed};

use crate::errors::{sqlstate, PgError, Severity};

/// The longest startup packet we read (PostgreSQL's limit, also pgwire's).
const MAX_STARTUP_PACKET: usize = 10_000;
/// The longest message body read before authentication ends: PostgreSQL's
/// `PG_MAX_AUTH_TOKEN_LENGTH`, the bound it reads password and SASL messages with.
const MAX_AUTH_MESSAGE: usize = 65_535;
/// The protocol version code of CancelRequest.
const CANCEL_REQUEST_CODE: i32 = 80_877_102;
/// The type bytes of the messages a client may send once started up (the
/// password message `p` only while authenticating), as PostgreSQL accepts.
const FRONTEND_TYPES: &[u8] = b"QPBEDCHSFXdcf";

/// A client connection: the (possibly TLS) stream framed by [`PgCodec`].
pub type Connection = Framed<MaybeTls, PgCodec>;

/// Why no message could be read or written.
#[derive(Debug)]
pub enum FrameError {
    /// The socket failed or closed.
    Closed,
    /// The client sent something that is not a valid message; the error
    /// (FATAL) is for the client.
    Protocol(PgError),
}

impl From<io::Error> for FrameError {
    fn from(e: io::Error) -> FrameError {
        tracing::debug!("connection closed: {e}");
        FrameError::Closed
    }
}

/// What the client sent: a message, or one that was read whole but cannot
/// be served (an error for that message only; the session goes on).
#[derive(Debug)]
pub enum Incoming {
    /// A decoded message.
    Message(PgWireFrontendMessage),
    /// A message whose body does not match its type (08P01), or a Query or
    /// Parse whose SQL is not valid UTF-8 (22021), as PostgreSQL reports them.
    Invalid {
        /// The error to report.
        error: PgError,
        /// Whether it was an extended-protocol message (skip until Sync).
        extended: bool,
    },
}

/// pgwire's codec settings plus the product's limits.
#[derive(Debug)]
pub struct PgCodec {
    context: DecodeContext,
    max_message_size: usize,
    /// Authentication is not over: messages are bounded by [`MAX_AUTH_MESSAGE`].
    authenticating: bool,
}

impl PgCodec {
    /// A codec expecting the StartupMessage (or a CancelRequest) next.
    pub fn new(max_message_size: usize) -> PgCodec {
        let mut context = DecodeContext::default();
        context.awaiting_frontend_ssl = false;
        context.awaiting_frontend_startup = true;
        PgCodec {
            context,
            max_message_size,
            authenticating: true,
        }
    }

    /// The StartupMessage was read: from now on messages carry a type byte.
    pub fn startup_done(&mut self) {
        self.context.awaiting_frontend_startup = false;
    }

    /// The client authenticated: from now on messages may be as long as
    /// `max_message_size`.
    pub fn authenticated(&mut self) {
        self.authenticating = false;
    }

    /// The length of the complete packet at the start of `src`, once all of
    /// it has arrived. Refuses, from the header alone, a packet the limits or
    /// PostgreSQL's rules exclude.
    fn complete_packet(&self, src: &BytesMut) -> Result<Option<usize>, PgError> {
        if self.context.awaiting_frontend_startup {
            if src.len() < 8 {
                return Ok(None);
            }
            let len = (&src[0..4]).get_i32();
            if !(8..=MAX_STARTUP_PACKET as i32).contains(&len) {
                return Err(PgError::protocol("invalid length of startup packet"));
            }
            let code = (&src[4..8]).get_i32();
            let (major, minor) = (code >> 16, code & 0xffff);
            if code != CANCEL_REQUEST_CODE && major != 3 {
                return Err(PgError::new(
                    sqlstate::FEATURE_NOT_SUPPORTED,
                    format!(
                        "unsupported frontend protocol {major}.{minor}: server supports 3.0 to 3.0"
                    ),
                ));
            }
            let len = len as usize;
            return Ok((src.len() >= len).then_some(len));
        }
        // As PostgreSQL, an unknown type byte ends the session before its
        // length is read: a length it announces could swallow what follows.
        if let Some(&tag) = src.first() {
            let known = FRONTEND_TYPES.contains(&tag) || self.authenticating && tag == b'p';
            if !known {
                return Err(PgError::protocol(format!(
                    "invalid frontend message type {tag}"
                )));
            }
        }
        if src.len() < 5 {
            return Ok(None);
        }
        let len = (&src[1..5]).get_i32();
        if len < 4 || self.authenticating && len as usize - 4 > MAX_AUTH_MESSAGE {
            return Err(PgError::protocol("invalid message length"));
        }
        if len as usize > self.max_message_size {
            return Err(PgError::protocol(format!(
                "message of {len} bytes exceeds the limit of {} bytes",
                self.max_message_size
            )));
        }
        let len = len as usize + 1;
        Ok((src.len() >= len).then_some(len))
    }
}

impl Decoder for PgCodec {
    type Item = Incoming;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        let Some(len) = self.complete_packet(src).map_err(FrameError::Protocol)? else {
            return Ok(None);
        };
        // pgwire decodes from the packet alone, so a malformed body can never
        // reach into the next message.
        let mut packet = src.split_to(len);
        if !self.context.awaiting_frontend_startup {
            if let Some(invalid) = invalid_sql(&packet) {
                return Ok(Some(invalid));
            }
            if let Err(error) = check_layout(packet[0], &packet[5..]) {
                // As in PostgreSQL: an error for this message, not the session;
                // skip-until-Sync after the extended messages Sync does not count
                // among (its error is answered with ReadyForQuery).
                let extended = matches!(packet[0], b'P' | b'B' | b'D' | b'C' | b'E' | b'H');
                return Ok(Some(Incoming::Invalid { error, extended }));
            }
        }
        match PgWireFrontendMessage::decode(&mut packet, &self.context) {
            Ok(Some(message)) if packet.is_empty() => Ok(Some(Incoming::Message(message))),
            Ok(_) => Err(FrameError::Protocol(invalid_format())),
            Err(e) => Err(FrameError::Protocol(decode_error(e))),
        }
    }
}

/// A complete Query or Parse whose SQL text is not UTF-8. pgwire would replace
/// the bad bytes; PostgreSQL refuses the statement instead.
fn invalid_sql(packet: &[u8]) -> Option<Incoming> {
    let tag = packet[0];
    // Query: the SQL. Parse: the statement name, then the SQL.
    let strings = match tag {
        b'Q' => 1,
        b'P' => 2,
        _ => return None,
    };
    let mut rest = &packet[5..];
    for _ in 0..strings {
        let end = rest.iter().position(|&b| b == 0)?;
        if let Err(e) = std::str::from_utf8(&rest[..end]) {
            // PostgreSQL shows the bytes of the character the lead byte
            // announces, as far as the string goes.
            let bad = &rest[e.valid_up_to()..end];
            let shown = utf8_char_len(bad[0]).min(bad.len());
            let bytes: Vec<String> = bad[..shown].iter().map(|b| format!("0x{b:02x}")).collect();
            let error = PgError::new(
                sqlstate::CHARACTER_NOT_IN_REPERTOIRE,
                format!(
                    "invalid byte sequence for encoding \"UTF8\": {}",
                    bytes.join(" ")
                ),
            );
            let extended = tag == b'P';
            return Some(Incoming::Invalid { error, extended });
        }
        rest = &rest[end + 1..];
    }
    None
}

/// The length of the UTF-8 character a lead byte announces (1 for an invalid one).
fn utf8_char_len(lead: u8) -> usize {
    match lead {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

/// PostgreSQL's answer to a message whose body does not match its type.
fn invalid_format() -> PgError {
    PgError::protocol("invalid message format")
}

/// Checks a message body against its type's layout (the "Message Formats"
/// chapter of the PostgreSQL documentation) before pgwire reads it: pgwire's
/// decoders trust the counts and lengths they read. The messages are
/// PostgreSQL's (`pq_getmsgbytes`, `pq_getmsgstring`, `pq_getmsgend`).
fn check_layout(tag: u8, body: &[u8]) -> Result<(), PgError> {
    let mut b = Body(body);
    match tag {
        b'Q' => b.cstr()?,
        b'P' => {
            b.cstr()?;
            b.cstr()?;
            let types = b.count()?;
            b.take(types * 4)?;
        }
        b'B' => {
            b.cstr()?;
            b.cstr()?;
            let formats = b.count()?;
            b.take(formats * 2)?;
            for _ in 0..b.count()? {
                match b.i32()? {
                    -1 => {}
                    len if len >= 0 => {
                        b.take(len as usize)?;
                    }
                    _ => return Err(invalid_format()),
                }
            }
            let results = b.count()?;
            b.take(results * 2)?;
        }
        b'D' | b'C' => {
            let kind = b.take(1)?[0];
            if kind != b'S' && kind != b'P' {
                let what = if tag == b'D' { "DESCRIBE" } else { "CLOSE" };
                return Err(PgError::protocol(format!(
                    "invalid {what} message subtype {kind}"
                )));
            }
            b.cstr()?;
        }
        b'E' => {
            b.cstr()?;
            b.i32()?;
        }
        b'S' | b'H' | b'X' | b'c' => {}
        // Password/SASL and COPY data are opaque here; unknown types are
        // pgwire's to refuse.
        _ => return Ok(()),
    }
    if b.0.is_empty() {
        Ok(())
    } else {
        Err(invalid_format())
    }
}

/// The unread part of a message body.
struct Body<'a>(&'a [u8]);

impl<'a> Body<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], PgError> {
        if self.0.len() < n {
            return Err(PgError::protocol("insufficient data left in message"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn cstr(&mut self) -> Result<(), PgError> {
        let end = self.0.iter().position(|&b| b == 0);
        let end = end.ok_or_else(|| PgError::protocol("invalid string in message"))?;
        self.take(end + 1).map(|_| ())
    }

    fn i32(&mut self) -> Result<i32, PgError> {
        Ok((&self.take(4)?[..]).get_i32())
    }

    /// A non-negative Int16 count.
    fn count(&mut self) -> Result<usize, PgError> {
        let n = (&self.take(2)?[..]).get_i16();
        usize::try_from(n).map_err(|_| invalid_format())
    }
}

impl Encoder<PgWireBackendMessage> for PgCodec {
    type Error = FrameError;

    fn encode(&mut self, item: PgWireBackendMessage, dst: &mut BytesMut) -> Result<(), FrameError> {
        item.encode(dst).map_err(|e| {
            tracing::error!("message not encoded: {e}");
            FrameError::Closed
        })
    }
}

/// A pgwire decoding failure as the error PostgreSQL sends for it.
fn decode_error(e: PgWireError) -> PgError {
    match e {
        PgWireError::InvalidMessageType(t) => {
            PgError::protocol(format!("invalid frontend message type {t}"))
        }
        PgWireError::InvalidStartupMessage => PgError::protocol("invalid startup packet layout"),
        other => PgError::protocol(format!("invalid message format: {other}")),
    }
}

/// What the server writes to a connection: pgwire messages, appended to the
/// write buffer and sent on [`Outbox::flush_out`].
pub(super) trait Outbox {
    /// Appends one message.
    fn queue(&mut self, message: PgWireBackendMessage);
    /// Appends CommandComplete with `tag`.
    fn command_complete(&mut self, tag: &str);
    /// Appends an ErrorResponse, or a NoticeResponse for a warning or notice.
    fn send_error(&mut self, e: &PgError);
    /// The write buffer, for the result encoder's bulk output.
    fn out(&mut self) -> &mut BytesMut;
    /// Writes everything buffered to the socket.
    async fn flush_out(&mut self) -> Result<(), FrameError>;
    /// The next message from the client; `None` when it hung up.
    async fn receive(&mut self) -> Option<Result<Incoming, FrameError>>;
}

impl Outbox for Connection {
    fn queue(&mut self, message: PgWireBackendMessage) {
        // Only oversized messages fail to encode; none of ours can be.
        if let Err(e) = message.encode(self.write_buffer_mut()) {
            tracing::error!("message not encoded: {e}");
        }
    }

    fn command_complete(&mut self, tag: &str) {
        let complete = CommandComplete::new(tag.to_string());
        self.queue(PgWireBackendMessage::CommandComplete(complete));
    }

    fn send_error(&mut self, e: &PgError) {
        let message = match e.severity {
            Severity::Error | Severity::Fatal => {
                PgWireBackendMessage::ErrorResponse(ErrorResponse::new(error_fields(e)))
            }
            Severity::Warning | Severity::Notice => {
                PgWireBackendMessage::NoticeResponse(NoticeResponse::new(error_fields(e)))
            }
        };
        self.queue(message);
    }

    fn out(&mut self) -> &mut BytesMut {
        self.write_buffer_mut()
    }

    async fn flush_out(&mut self) -> Result<(), FrameError> {
        let pending = self.write_buffer().len() as u64;
        SinkExt::<PgWireBackendMessage>::flush(self).await?;
        crate::metrics::bytes_sent(crate::metrics::Protocol::Pgwire, pending);
        Ok(())
    }

    async fn receive(&mut self) -> Option<Result<Incoming, FrameError>> {
        self.next().await
    }
}

/// The fields of an ErrorResponse or NoticeResponse, in PostgreSQL's order.
fn error_fields(e: &PgError) -> Vec<(u8, String)> {
    let severity = e.severity.as_str().to_string();
    let mut fields = vec![
        (b'S', severity.clone()),
        (b'V', severity),
        (b'C', e.code.to_string()),
        (b'M', e.message.clone()),
    ];
    if let Some(detail) = &e.detail {
        fields.push((b'D', detail.clone()));
    }
    if let Some(position) = e.position {
        fields.push((b'P', position.to_string()));
    }
    fields
}
