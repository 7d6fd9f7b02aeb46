//! The protocol's messages as plain functions over byte buffers: decoding what a
//! client sends and appending what the server answers (PG protocol 3.0, chapter
//! "Message Formats" of the PostgreSQL documentation).

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::errors::PgError;

/// A message from the client after startup.
#[derive(Debug)]
pub enum Frontend {
    /// 'Q': a simple query string.
    Query(String),
    /// 'P': prepare a statement.
    Parse {
        /// Statement name ("" = unnamed).
        name: String,
        /// The SQL.
        query: String,
        /// Declared parameter type OIDs (0 = infer).
        param_types: Vec<u32>,
    },
    /// 'B': bind parameters to a statement, creating a portal.
    Bind {
        /// Portal name.
        portal: String,
        /// Statement name.
        statement: String,
        /// Parameter format codes (none, one for all, or one each).
        param_formats: Vec<i16>,
        /// Parameter values (`None` = NULL).
        params: Vec<Option<Bytes>>,
        /// Result format codes (none, one for all, or one each).
        result_formats: Vec<i16>,
    },
    /// 'D': describe a statement ('S') or portal ('P').
    Describe {
        /// b'S' or b'P'.
        kind: u8,
        /// Its name.
        name: String,
    },
    /// 'E': run a portal, up to `max_rows` rows (0 = all).
    Execute {
        /// Portal name.
        portal: String,
        /// Row limit.
        max_rows: i32,
    },
    /// 'C': close a statement ('S') or portal ('P').
    Close {
        /// b'S' or b'P'.
        kind: u8,
        /// Its name.
        name: String,
    },
    /// 'S': end of an extended-protocol batch.
    Sync,
    /// 'H': send what is buffered.
    Flush,
    /// 'X': the client is leaving.
    Terminate,
    /// 'd', 'c', 'f': COPY FROM data, which this server never asked for.
    CopyIn,
    /// 'p': a password or SASL message.
    Password(Bytes),
}

/// Reads a NUL-terminated string.
fn cstr(buf: &mut Bytes) -> Result<String, PgError> {
    let end = buf
        .iter()
        .position(|&b| b == 0)
        .ok_or_else(|| PgError::protocol("invalid message format: missing string terminator"))?;
    let s = buf.split_to(end);
    buf.advance(1);
    String::from_utf8(s.to_vec()).map_err(|_| {
        PgError::new(
            crate::errors::sqlstate::CHARACTER_NOT_IN_REPERTOIRE,
            "invalid byte sequence for encoding \"UTF8\"",
        )
    })
}

fn need(buf: &Bytes, n: usize) -> Result<(), PgError> {
    if buf.remaining() < n {
        Err(PgError::protocol("invalid message format"))
    } else {
        Ok(())
    }
}

fn i16_list(buf: &mut Bytes) -> Result<Vec<i16>, PgError> {
    need(buf, 2)?;
    let n = buf.get_i16();
    if n < 0 {
        return Err(PgError::protocol("invalid message format: negative count"));
    }
    need(buf, n as usize * 2)?;
    Ok((0..n).map(|_| buf.get_i16()).collect())
}

/// Decodes one message body given its type byte.
pub fn decode(tag: u8, mut body: Bytes) -> Result<Frontend, PgError> {
    let msg = match tag {
        b'Q' => Frontend::Query(cstr(&mut body)?),
        b'P' => {
            let name = cstr(&mut body)?;
            let query = cstr(&mut body)?;
            need(&body, 2)?;
            let n = body.get_i16().max(0) as usize;
            need(&body, n * 4)?;
            let param_types = (0..n).map(|_| body.get_u32()).collect();
            Frontend::Parse {
                name,
                query,
                param_types,
            }
        }
        b'B' => {
            let portal = cstr(&mut body)?;
            let statement = cstr(&mut body)?;
            let param_formats = i16_list(&mut body)?;
            need(&body, 2)?;
            let n = body.get_i16();
            if n < 0 {
                return Err(PgError::protocol(
                    "invalid message format: negative parameter count",
                ));
            }
            let mut params = Vec::with_capacity(n as usize);
            for _ in 0..n {
                need(&body, 4)?;
                let len = body.get_i32();
                if len < 0 {
                    params.push(None);
                } else {
                    need(&body, len as usize)?;
                    params.push(Some(body.split_to(len as usize)));
                }
            }
            let result_formats = i16_list(&mut body)?;
            Frontend::Bind {
                portal,
                statement,
                param_formats,
                params,
                result_formats,
            }
        }
        b'D' | b'C' => {
            need(&body, 1)?;
            let kind = body.get_u8();
            if kind != b'S' && kind != b'P' {
                return Err(PgError::protocol(format!(
                    "invalid {} message subtype {kind}",
                    if tag == b'D' { "DESCRIBE" } else { "CLOSE" }
                )));
            }
            let name = cstr(&mut body)?;
            if tag == b'D' {
                Frontend::Describe { kind, name }
            } else {
                Frontend::Close { kind, name }
            }
        }
        b'E' => {
            let portal = cstr(&mut body)?;
            need(&body, 4)?;
            Frontend::Execute {
                portal,
                max_rows: body.get_i32(),
            }
        }
        b'S' => Frontend::Sync,
        b'H' => Frontend::Flush,
        b'X' => Frontend::Terminate,
        b'd' | b'c' | b'f' => Frontend::CopyIn,
        b'p' => Frontend::Password(body),
        other => {
            return Err(PgError::protocol(format!(
                "invalid frontend message type {other}"
            )))
        }
    };
    Ok(msg)
}

/// Appends a message: type byte, length, then whatever `body` writes.
pub fn message(buf: &mut BytesMut, tag: u8, body: impl FnOnce(&mut BytesMut)) {
    let start = buf.len();
    buf.put_u8(tag);
    buf.put_i32(0);
    body(buf);
    let len = (buf.len() - start - 1) as i32;
    buf[start + 1..start + 5].copy_from_slice(&len.to_be_bytes());
}

/// Appends a NUL-terminated string.
pub fn put_cstr(buf: &mut BytesMut, s: &str) {
    buf.put_slice(s.as_bytes());
    buf.put_u8(0);
}

/// AuthenticationOk and the other 'R' messages: `code` then `extra`.
pub fn authentication(buf: &mut BytesMut, code: i32, extra: &[u8]) {
    message(buf, b'R', |b| {
        b.put_i32(code);
        b.put_slice(extra);
    });
}

/// ParameterStatus.
pub fn parameter_status(buf: &mut BytesMut, name: &str, value: &str) {
    message(buf, b'S', |b| {
        put_cstr(b, name);
        put_cstr(b, value);
    });
}

/// BackendKeyData.
pub fn backend_key_data(buf: &mut BytesMut, pid: i32, secret: i32) {
    message(buf, b'K', |b| {
        b.put_i32(pid);
        b.put_i32(secret);
    });
}

/// ReadyForQuery with the transaction status byte (`I`, `T` or `E`).
pub fn ready_for_query(buf: &mut BytesMut, status: u8) {
    message(buf, b'Z', |b| b.put_u8(status));
}

/// CommandComplete.
pub fn command_complete(buf: &mut BytesMut, tag: &str) {
    message(buf, b'C', |b| put_cstr(b, tag));
}

/// ErrorResponse or NoticeResponse (by severity).
pub fn error_response(buf: &mut BytesMut, e: &PgError) {
    use crate::errors::Severity;
    let tag = match e.severity {
        Severity::Error | Severity::Fatal => b'E',
        Severity::Warning | Severity::Notice => b'N',
    };
    message(buf, tag, |b| {
        b.put_u8(b'S');
        put_cstr(b, e.severity.as_str());
        b.put_u8(b'V');
        put_cstr(b, e.severity.as_str());
        b.put_u8(b'C');
        put_cstr(b, e.code);
        b.put_u8(b'M');
        put_cstr(b, &e.message);
        if let Some(detail) = &e.detail {
            b.put_u8(b'D');
            put_cstr(b, detail);
        }
        if let Some(position) = e.position {
            b.put_u8(b'P');
            put_cstr(b, &position.to_string());
        }
        b.put_u8(0);
    });
}

/// A message with no body ('1' ParseComplete, '2' BindComplete, '3' CloseComplete,
/// 'n' NoData, 's' PortalSuspended, 'I' EmptyQueryResponse, 'c' CopyDone).
pub fn empty(buf: &mut BytesMut, tag: u8) {
    message(buf, tag, |_| {});
}

/// ParameterDescription.
pub fn parameter_description(buf: &mut BytesMut, oids: &[u32]) {
    message(buf, b't', |b| {
        b.put_i16(oids.len() as i16);
        for &oid in oids {
            b.put_u32(oid);
        }
    });
}

/// CopyOutResponse: overall format and one format code per column.
pub fn copy_out_response(buf: &mut BytesMut, format: i8, columns: usize) {
    message(buf, b'H', |b| {
        b.put_i8(format);
        b.put_i16(columns as i16);
        for _ in 0..columns {
            b.put_i16(i16::from(format));
        }
    });
}

/// NegotiateProtocolVersion: the newest minor version we serve and the
/// `_pq_.` options we did not recognise.
pub fn negotiate_protocol_version(buf: &mut BytesMut, minor: i32, unknown_options: &[String]) {
    message(buf, b'v', |b| {
        b.put_i32(minor);
        b.put_i32(unknown_options.len() as i32);
        for o in unknown_options {
            put_cstr(b, o);
        }
    });
}
