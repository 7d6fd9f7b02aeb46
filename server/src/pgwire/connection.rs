//! One client's socket as pgwire frames. The pgwire crate negotiates TLS
//! (SSLRequest, GSSENCRequest, PG 17's direct TLS), decodes every frontend
//! message and encodes the backend ones; this module adds what the product
//! needs on top: the configured message size limit, PostgreSQL's answers to an
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
/// The protocol version code of CancelRequest.
const CANCEL_REQUEST_CODE: i32 = 80_877_102;

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
    /// A Query or Parse whose SQL is not valid UTF-8 (22021, as PostgreSQL).
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
        }
    }

    /// The StartupMessage was read: from now on messages carry a type byte.
    pub fn startup_done(&mut self) {
        self.context.awaiting_frontend_startup = false;
    }

    /// Refuses a packet the limits or PostgreSQL's rules exclude, before pgwire
    /// decodes it.
    fn check_header(&self, src: &BytesMut) -> Result<(), PgError> {
        if self.context.awaiting_frontend_startup {
            if src.len() < 8 {
                return Ok(());
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
            return Ok(());
        }
        if src.len() < 5 {
            return Ok(());
        }
        let len = (&src[1..5]).get_i32();
        if len < 4 {
            return Err(PgError::protocol("invalid message length"));
        }
        if len as usize > self.max_message_size {
            return Err(PgError::protocol(format!(
                "message of {len} bytes exceeds the limit of {} bytes",
                self.max_message_size
            )));
        }
        Ok(())
    }

    /// Consumes a complete Query or Parse whose SQL text is not UTF-8. pgwire
    /// would replace the bad bytes; PostgreSQL refuses the statement instead.
    fn invalid_sql(&self, src: &mut BytesMut) -> Option<Incoming> {
        if self.context.awaiting_frontend_startup || src.len() < 5 {
            return None;
        }
        let tag = src[0];
        let len = (&src[1..5]).get_i32() as usize;
        if !matches!(tag, b'Q' | b'P') || src.len() < len + 1 {
            return None;
        }
        let body = &src[5..len + 1];
        // Query: the SQL. Parse: the statement name, then the SQL.
        let strings = if tag == b'Q' { 1 } else { 2 };
        let mut rest = body;
        for _ in 0..strings {
            let end = rest.iter().position(|&b| b == 0)?;
            if let Err(e) = std::str::from_utf8(&rest[..end]) {
                let bad = rest[e.valid_up_to()];
                src.advance(len + 1);
                let error = PgError::new(
                    sqlstate::CHARACTER_NOT_IN_REPERTOIRE,
                    format!("invalid byte sequence for encoding \"UTF8\": 0x{bad:02x}"),
                );
                let extended = tag == b'P';
                return Some(Incoming::Invalid { error, extended });
            }
            rest = &rest[end + 1..];
        }
        None
    }
}

impl Decoder for PgCodec {
    type Item = Incoming;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        self.check_header(src).map_err(FrameError::Protocol)?;
        if let Some(invalid) = self.invalid_sql(src) {
            return Ok(Some(invalid));
        }
        let message = PgWireFrontendMessage::decode(src, &self.context)
            .map_err(|e| FrameError::Protocol(decode_error(e)))?;
        Ok(message.map(Incoming::Message))
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
        SinkExt::<PgWireBackendMessage>::flush(self).await
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
