//! PostgreSQL protocol messages as the triage tools see them: read whole from
//! a byte stream, named, decoded into readable fields, and stripped of
//! authentication secrets (passwords, MD5 hashes and salts, SCRAM nonces,
//! proofs and signatures) before anything is written down.
//!
//! Message layouts: PostgreSQL 15 documentation, "Message Formats" (§55.7).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncReadExt};

/// Which peer sent a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The client.
    Frontend,
    /// The server.
    Backend,
}

/// How a message is framed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// A type byte, then a length that counts itself and the body.
    Tagged(u8),
    /// A length, then the body: the messages a client sends before its
    /// startup is accepted (StartupMessage, SSLRequest, CancelRequest, …).
    Untagged,
    /// The single byte (`S` or `N`) a server answers an SSLRequest or
    /// GSSENCRequest with.
    Byte(u8),
}

/// One protocol message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Its framing (and type byte).
    pub framing: Framing,
    /// The body after the length word.
    pub body: Vec<u8>,
}

/// The request codes of untagged messages.
pub const SSL_REQUEST: i32 = 80877103;
/// GSSENCRequest's code.
pub const GSSENC_REQUEST: i32 = 80877104;
/// CancelRequest's code.
pub const CANCEL_REQUEST: i32 = 80877102;
/// Protocol 3.0, the StartupMessage's version word.
pub const PROTOCOL_3: i32 = 196608;

/// The largest message the tools accept (a sanity bound, not PostgreSQL's).
const MAX_LEN: usize = 1 << 30;

impl Message {
    /// A tagged message.
    pub fn tagged(tag: u8, body: Vec<u8>) -> Message {
        Message {
            framing: Framing::Tagged(tag),
            body,
        }
    }

    /// The type byte, if the message has one.
    pub fn tag(&self) -> Option<u8> {
        match self.framing {
            Framing::Tagged(t) => Some(t),
            _ => None,
        }
    }

    /// The bytes as they go on the wire.
    pub fn to_bytes(&self) -> Vec<u8> {
        let len = (self.body.len() + 4) as i32;
        let mut out = Vec::with_capacity(self.body.len() + 5);
        match self.framing {
            Framing::Byte(b) => return vec![b],
            Framing::Tagged(t) => out.push(t),
            Framing::Untagged => {}
        }
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&self.body);
        out
    }

    /// Parses wire bytes framed as `framing` says (the tag in `framing` is
    /// taken from the bytes themselves).
    pub fn from_bytes(framing: Framing, raw: &[u8]) -> Option<Message> {
        match framing {
            Framing::Byte(_) => Some(Message {
                framing: Framing::Byte(*raw.first()?),
                body: vec![],
            }),
            Framing::Untagged => Some(Message {
                framing,
                body: raw.get(4..)?.to_vec(),
            }),
            Framing::Tagged(_) => Some(Message::tagged(*raw.first()?, raw.get(5..)?.to_vec())),
        }
    }

    /// The request code of an untagged message (its first word).
    pub fn code(&self) -> Option<i32> {
        (self.framing == Framing::Untagged).then(|| Reader::new(&self.body).i32())?
    }
}

/// Reads one tagged message; `None` at a clean end of stream.
pub async fn read_tagged<R: AsyncRead + Unpin>(r: &mut R) -> std::io::Result<Option<Message>> {
    Ok(read_frame::<5, R>(r)
        .await?
        .map(|(head, body)| Message::tagged(head[0], body)))
}

/// Reads one untagged (startup-phase) message; `None` at a clean end of stream.
pub async fn read_untagged<R: AsyncRead + Unpin>(r: &mut R) -> std::io::Result<Option<Message>> {
    Ok(read_frame::<4, R>(r).await?.map(|(_, body)| Message {
        framing: Framing::Untagged,
        body,
    }))
}

/// Reads a header of `N` bytes ending in the length word, then the body;
/// `None` when the stream ends before the header starts.
async fn read_frame<const N: usize, R: AsyncRead + Unpin>(
    r: &mut R,
) -> std::io::Result<Option<([u8; N], Vec<u8>)>> {
    let mut head = [0u8; N];
    match r.read_exact(&mut head[..1]).await {
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        other => other?,
    };
    r.read_exact(&mut head[1..]).await?;
    let len = i32::from_be_bytes([head[N - 4], head[N - 3], head[N - 2], head[N - 1]]);
    Ok(Some((head, read_body(r, len).await?)))
}

async fn read_body<R: AsyncRead + Unpin>(r: &mut R, len: i32) -> std::io::Result<Vec<u8>> {
    let len = usize::try_from(len)
        .ok()
        .filter(|l| (4..MAX_LEN).contains(l))
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("invalid message length {len}"),
            )
        })?;
    let mut body = vec![0; len - 4];
    r.read_exact(&mut body).await?;
    Ok(body)
}

/// A cursor over a message body.
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Reads from the start of `body`.
    pub fn new(body: &'a [u8]) -> Reader<'a> {
        Reader { rest: body }
    }

    /// The next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, tail) = (self.rest.get(..n)?, self.rest.get(n..)?);
        self.rest = tail;
        Some(head)
    }

    /// A big-endian int16.
    pub fn i16(&mut self) -> Option<i16> {
        Some(i16::from_be_bytes(self.bytes(2)?.try_into().ok()?))
    }

    /// A big-endian int32.
    pub fn i32(&mut self) -> Option<i32> {
        Some(i32::from_be_bytes(self.bytes(4)?.try_into().ok()?))
    }

    /// A NUL-terminated string (lossy UTF-8).
    pub fn cstr(&mut self) -> Option<String> {
        let end = self.rest.iter().position(|&b| b == 0)?;
        let s = String::from_utf8_lossy(&self.rest[..end]).into_owned();
        self.rest = &self.rest[end + 1..];
        Some(s)
    }

    /// A length-prefixed value (-1 is NULL).
    pub fn value(&mut self) -> Option<Option<&'a [u8]>> {
        let len = self.i32()?;
        if len < 0 {
            return Some(None);
        }
        Some(Some(self.bytes(len as usize)?))
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.rest)
    }
}

/// Appends a NUL-terminated string.
pub fn put_cstr(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
    out.push(0);
}

/// The fields of an ErrorResponse or NoticeResponse by their code letter.
pub fn error_fields(body: &[u8]) -> Vec<(char, String)> {
    let mut r = Reader::new(body);
    let mut out = Vec::new();
    while let Some(code) = r.bytes(1).map(|c| c[0]) {
        if code == 0 {
            break;
        }
        match r.cstr() {
            Some(text) => out.push((code as char, text)),
            None => break,
        }
    }
    out
}

/// One field of an ErrorResponse or NoticeResponse, or "".
pub fn error_field(body: &[u8], code: char) -> String {
    error_fields(body)
        .into_iter()
        .find(|(c, _)| *c == code)
        .map(|(_, t)| t)
        .unwrap_or_default()
}

/// A RowDescription's columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Its name.
    pub name: String,
    /// The table's OID, or 0.
    pub table_oid: u32,
    /// The column's attribute number in that table, or 0.
    pub attnum: i16,
    /// The type's OID.
    pub type_oid: u32,
    /// The type's size.
    pub type_size: i16,
    /// The type modifier.
    pub typmod: i32,
    /// 0 text, 1 binary.
    pub format: i16,
}

/// Decodes a RowDescription body.
pub fn row_description(body: &[u8]) -> Option<Vec<Column>> {
    let mut r = Reader::new(body);
    let n = r.i16()?;
    (0..n)
        .map(|_| {
            Some(Column {
                name: r.cstr()?,
                table_oid: r.i32()? as u32,
                attnum: r.i16()?,
                type_oid: r.i32()? as u32,
                type_size: r.i16()?,
                typmod: r.i32()?,
                format: r.i16()?,
            })
        })
        .collect()
}

/// Decodes a DataRow body into its values.
pub fn data_row(body: &[u8]) -> Option<Vec<Option<Vec<u8>>>> {
    let mut r = Reader::new(body);
    let n = r.i16()?;
    (0..n)
        .map(|_| r.value().map(|v| v.map(<[u8]>::to_vec)))
        .collect()
}

/// Where a connection's authentication stands, which tells what a frontend
/// `p` message is and which backend Authentication messages carry secrets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AuthPhase {
    /// No SASL exchange started: a `p` message is a PasswordMessage.
    #[default]
    Password,
    /// The server offered SASL: the next `p` is a SASLInitialResponse.
    SaslOffered,
    /// Inside a SASL exchange: a `p` is a SASLResponse.
    Sasl,
}

/// A message as written to a trace: its name, readable fields, and whether
/// its bytes must be withheld because they carry an authentication secret.
#[derive(Debug, Clone)]
pub struct Described {
    /// The message's name (PostgreSQL's documentation names).
    pub name: String,
    /// Readable fields.
    pub fields: Value,
    /// Whether the bytes carry a secret and are left out of the trace.
    pub secret: bool,
}

/// Names and decodes a message sent by `side`, updating `phase`.
pub fn describe(side: Side, m: &Message, phase: &mut AuthPhase) -> Described {
    let plain = |name: &str, fields: Value| Described {
        name: name.to_string(),
        fields,
        secret: false,
    };
    let redacted = |name: &str, fields: Value| Described {
        name: name.to_string(),
        fields,
        secret: true,
    };
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let mut r = Reader::new(&m.body);
    match (side, m.framing) {
        (_, Framing::Byte(b)) => plain("SSLResponse", json!({ "answer": (b as char).to_string() })),
        (_, Framing::Untagged) => match m.code() {
            Some(SSL_REQUEST) => plain("SSLRequest", json!({})),
            Some(GSSENC_REQUEST) => plain("GSSENCRequest", json!({})),
            Some(CANCEL_REQUEST) => {
                r.i32();
                plain(
                    "CancelRequest",
                    json!({ "process_id": r.i32(), "secret_key": r.i32() }),
                )
            }
            Some(version) => {
                r.i32();
                let mut params = serde_json::Map::new();
                while let Some(name) = r.cstr().filter(|n| !n.is_empty()) {
                    params.insert(name, Value::String(r.cstr().unwrap_or_default()));
                }
                plain(
                    "StartupMessage",
                    json!({ "version": version, "parameters": params }),
                )
            }
            None => plain("Unknown", json!({})),
        },
        (Side::Frontend, Framing::Tagged(tag)) => match tag {
            b'p' => match std::mem::replace(phase, AuthPhase::Sasl) {
                AuthPhase::SaslOffered => redacted(
                    "SASLInitialResponse",
                    json!({ "mechanism": r.cstr(), "data": "[redacted]" }),
                ),
                AuthPhase::Sasl => redacted("SASLResponse", json!({ "data": "[redacted]" })),
                AuthPhase::Password => {
                    *phase = AuthPhase::Password;
                    redacted("PasswordMessage", json!({ "password": "[redacted]" }))
                }
            },
            b'Q' => plain("Query", json!({ "sql": r.cstr() })),
            b'P' => {
                let name = r.cstr();
                let sql = r.cstr();
                let n = r.i16().unwrap_or(0);
                let types: Vec<_> = (0..n).filter_map(|_| r.i32().map(|t| t as u32)).collect();
                plain(
                    "Parse",
                    json!({ "statement": name, "sql": sql, "param_types": types }),
                )
            }
            b'B' => plain("Bind", bind_fields(&m.body)),
            b'D' | b'C' => {
                let kind = r.bytes(1).map(|k| (k[0] as char).to_string());
                let name = if tag == b'D' { "Describe" } else { "Close" };
                plain(name, json!({ "kind": kind, "name": r.cstr() }))
            }
            b'E' => plain(
                "Execute",
                json!({ "portal": r.cstr(), "max_rows": r.i32() }),
            ),
            b'S' => plain("Sync", json!({})),
            b'H' => plain("Flush", json!({})),
            b'X' => plain("Terminate", json!({})),
            b'd' => plain("CopyData", json!({ "data": text(&m.body) })),
            b'c' => plain("CopyDone", json!({})),
            b'f' => plain("CopyFail", json!({ "message": r.cstr() })),
            b'F' => plain("FunctionCall", json!({})),
            other => plain(&format!("Unknown '{}'", other as char), json!({})),
        },
        (Side::Backend, Framing::Tagged(tag)) => match tag {
            b'R' => {
                let code = r.i32().unwrap_or(-1);
                match code {
                    0 => plain("AuthenticationOk", json!({})),
                    3 => plain("AuthenticationCleartextPassword", json!({})),
                    5 => redacted("AuthenticationMD5Password", json!({ "salt": "[redacted]" })),
                    10 => {
                        *phase = AuthPhase::SaslOffered;
                        let mut mechanisms = Vec::new();
                        while let Some(m) = r.cstr().filter(|m| !m.is_empty()) {
                            mechanisms.push(m);
                        }
                        plain("AuthenticationSASL", json!({ "mechanisms": mechanisms }))
                    }
                    11 => redacted(
                        "AuthenticationSASLContinue",
                        json!({ "data": "[redacted]" }),
                    ),
                    12 => redacted("AuthenticationSASLFinal", json!({ "data": "[redacted]" })),
                    other => plain("Authentication", json!({ "code": other })),
                }
            }
            b'S' => plain(
                "ParameterStatus",
                json!({ "name": r.cstr(), "value": r.cstr() }),
            ),
            b'K' => plain(
                "BackendKeyData",
                json!({ "process_id": r.i32(), "secret_key": r.i32() }),
            ),
            b'Z' => plain(
                "ReadyForQuery",
                json!({ "status": r.bytes(1).map(|s| (s[0] as char).to_string()) }),
            ),
            b'T' => {
                let columns: Vec<Value> = row_description(&m.body)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| {
                        json!({ "name": c.name, "table_oid": c.table_oid, "attnum": c.attnum,
                                "type_oid": c.type_oid, "type_size": c.type_size,
                                "typmod": c.typmod, "format": c.format })
                    })
                    .collect();
                plain("RowDescription", json!({ "columns": columns }))
            }
            b'D' => {
                let values: Vec<Value> = data_row(&m.body)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|v| v.map_or(Value::Null, |v| Value::String(text(&v))))
                    .collect();
                plain("DataRow", json!({ "values": values }))
            }
            b'C' => plain("CommandComplete", json!({ "tag": r.cstr() })),
            b'E' | b'N' => {
                let fields: serde_json::Map<String, Value> = error_fields(&m.body)
                    .into_iter()
                    .map(|(c, t)| (c.to_string(), Value::String(t)))
                    .collect();
                let name = if tag == b'E' {
                    "ErrorResponse"
                } else {
                    "NoticeResponse"
                };
                plain(name, Value::Object(fields))
            }
            b't' => {
                let n = r.i16().unwrap_or(0);
                let types: Vec<_> = (0..n).filter_map(|_| r.i32().map(|t| t as u32)).collect();
                plain("ParameterDescription", json!({ "types": types }))
            }
            b'1' => plain("ParseComplete", json!({})),
            b'2' => plain("BindComplete", json!({})),
            b'3' => plain("CloseComplete", json!({})),
            b'n' => plain("NoData", json!({})),
            b's' => plain("PortalSuspended", json!({})),
            b'I' => plain("EmptyQueryResponse", json!({})),
            b'G' | b'H' | b'W' => {
                let name = match tag {
                    b'G' => "CopyInResponse",
                    b'H' => "CopyOutResponse",
                    _ => "CopyBothResponse",
                };
                plain(name, json!({ "format": r.bytes(1).map(|f| f[0]) }))
            }
            b'd' => plain("CopyData", json!({ "data": text(&m.body) })),
            b'c' => plain("CopyDone", json!({})),
            b'A' => plain(
                "NotificationResponse",
                json!({ "process_id": r.i32(), "channel": r.cstr(), "payload": r.cstr() }),
            ),
            b'v' => plain("NegotiateProtocolVersion", json!({})),
            b'V' => plain("FunctionCallResponse", json!({})),
            other => plain(&format!("Unknown '{}'", other as char), json!({})),
        },
    }
}

/// A Bind message's parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    /// The portal.
    pub portal: String,
    /// The prepared statement.
    pub statement: String,
    /// Parameter format codes.
    pub param_formats: Vec<i16>,
    /// Parameter values.
    pub params: Vec<Option<Vec<u8>>>,
    /// Result format codes.
    pub result_formats: Vec<i16>,
}

impl Bind {
    /// Decodes a Bind body.
    pub fn parse(body: &[u8]) -> Option<Bind> {
        let mut r = Reader::new(body);
        let portal = r.cstr()?;
        let statement = r.cstr()?;
        let formats = |r: &mut Reader| -> Option<Vec<i16>> {
            let n = r.i16()?;
            (0..n).map(|_| r.i16()).collect()
        };
        let param_formats = formats(&mut r)?;
        let n = r.i16()?;
        let params = (0..n)
            .map(|_| r.value().map(|v| v.map(<[u8]>::to_vec)))
            .collect::<Option<_>>()?;
        let result_formats = formats(&mut r)?;
        Some(Bind {
            portal,
            statement,
            param_formats,
            params,
            result_formats,
        })
    }

    /// Whether parameter `i` is sent in binary.
    pub fn is_binary(&self, i: usize) -> bool {
        match self.param_formats.as_slice() {
            [] => false,
            [one] => *one == 1,
            all => all.get(i) == Some(&1),
        }
    }

    /// The message body.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        put_cstr(&mut out, &self.portal);
        put_cstr(&mut out, &self.statement);
        let put_formats = |out: &mut Vec<u8>, f: &[i16]| {
            out.extend_from_slice(&(f.len() as i16).to_be_bytes());
            f.iter()
                .for_each(|c| out.extend_from_slice(&c.to_be_bytes()));
        };
        put_formats(&mut out, &self.param_formats);
        out.extend_from_slice(&(self.params.len() as i16).to_be_bytes());
        for p in &self.params {
            match p {
                None => out.extend_from_slice(&(-1i32).to_be_bytes()),
                Some(v) => {
                    out.extend_from_slice(&(v.len() as i32).to_be_bytes());
                    out.extend_from_slice(v);
                }
            }
        }
        put_formats(&mut out, &self.result_formats);
        out
    }
}

fn bind_fields(body: &[u8]) -> Value {
    let Some(b) = Bind::parse(body) else {
        return json!({ "malformed": true });
    };
    let params: Vec<Value> = b
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| match p {
            None => Value::Null,
            Some(v) if b.is_binary(i) => json!({ "binary": crate::clients::hex(v) }),
            Some(v) => Value::String(String::from_utf8_lossy(v).into_owned()),
        })
        .collect();
    json!({ "portal": b.portal, "statement": b.statement, "params": params,
            "result_formats": b.result_formats })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_marked_and_sasl_messages_named_by_phase() {
        let mut phase = AuthPhase::default();
        let sasl = Message::tagged(
            b'R',
            [&10i32.to_be_bytes()[..], b"SCRAM-SHA-256\0\0"].concat(),
        );
        let offered = describe(Side::Backend, &sasl, &mut phase);
        assert!(!offered.secret);
        assert_eq!(phase, AuthPhase::SaslOffered);
        let first = Message::tagged(b'p', b"SCRAM-SHA-256\0\0\0\0\x05n,,n=".to_vec());
        let d = describe(Side::Frontend, &first, &mut phase);
        assert_eq!((d.name.as_str(), d.secret), ("SASLInitialResponse", true));
        let d = describe(Side::Frontend, &first, &mut phase);
        assert_eq!((d.name.as_str(), d.secret), ("SASLResponse", true));
        let md5 = Message::tagged(b'R', [&5i32.to_be_bytes()[..], b"salt"].concat());
        assert!(describe(Side::Backend, &md5, &mut AuthPhase::Password).secret);
        let pw = Message::tagged(b'p', b"hunter2\0".to_vec());
        let d = describe(Side::Frontend, &pw, &mut AuthPhase::Password);
        assert_eq!((d.name.as_str(), d.secret), ("PasswordMessage", true));
        assert!(!d.fields.to_string().contains("hunter2"));
    }

    #[test]
    fn bind_round_trips() {
        let bind = Bind {
            portal: String::new(),
            statement: "s1".into(),
            param_formats: vec![0, 1],
            params: vec![Some(b"42".to_vec()), None],
            result_formats: vec![1],
        };
        assert_eq!(Bind::parse(&bind.encode()), Some(bind.clone()));
        assert!(!bind.is_binary(0) && bind.is_binary(1));
    }

    #[test]
    fn framing_round_trips() {
        let q = Message::tagged(b'Q', b"SELECT 1\0".to_vec());
        let raw = q.to_bytes();
        assert_eq!(Message::from_bytes(Framing::Tagged(0), &raw), Some(q));
        let ssl = Message {
            framing: Framing::Untagged,
            body: SSL_REQUEST.to_be_bytes().to_vec(),
        };
        assert_eq!(ssl.code(), Some(SSL_REQUEST));
        assert_eq!(
            Message::from_bytes(Framing::Untagged, &ssl.to_bytes()),
            Some(ssl)
        );
    }
}
