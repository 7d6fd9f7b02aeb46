//! Connection startup: SSLRequest / GSSENCRequest / direct TLS, CancelRequest,
//! the StartupMessage (protocol 3.0; 3.2 negotiated down), and authentication.

use std::sync::Arc;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use super::auth::secrets_equal;
use super::cancel::CancelRegistry;
use super::messages::{self, Frontend};
use crate::config::{AuthMethod, PgwireConfig};
use crate::errors::{sqlstate, PgError, Severity};

/// Anything a session can run over: plain TCP or TLS.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

const SSL_REQUEST: i32 = 80_877_103;
const GSSENC_REQUEST: i32 = 80_877_104;
const CANCEL_REQUEST: i32 = 80_877_102;
const PROTOCOL_3: i32 = 3;
/// The first byte of a TLS ClientHello record (PG 17 `sslnegotiation=direct`).
const TLS_HANDSHAKE: u8 = 0x16;
/// The longest startup packet we read (PG uses 10000).
const MAX_STARTUP_PACKET: usize = 10_000;

/// A client that finished startup and authentication.
pub struct Started {
    /// The (possibly TLS) stream.
    pub stream: Box<dyn Io>,
    /// The user it authenticated as.
    pub user: String,
    /// The database it asked for.
    pub database: String,
    /// Settings from the startup packet (`application_name`, `options`' `-c` values…).
    pub settings: Vec<(String, String)>,
    /// Whether the connection is encrypted.
    pub tls: bool,
}

/// How a startup ended without a session.
#[derive(Debug)]
pub enum StartupEnd {
    /// A CancelRequest was handled (or ignored).
    Cancel,
    /// The client went away or sent garbage before a session existed.
    Closed,
    /// The client was refused with this FATAL error (already sent).
    Refused(PgError),
}

/// Everything startup needs from the server.
pub struct StartupContext {
    /// The endpoint's settings.
    pub config: PgwireConfig,
    /// TLS, when configured.
    pub tls: Option<TlsAcceptor>,
    /// Where CancelRequests go.
    pub cancels: Arc<CancelRegistry>,
    /// SHA-256 of the TLS certificate, for SCRAM channel binding.
    pub certificate_hash: Option<Vec<u8>>,
}

/// Runs startup on a new connection. `over_limit` refuses it with 53300 once
/// the startup packet is read.
pub async fn startup(
    ctx: &StartupContext,
    tcp: TcpStream,
    over_limit: bool,
) -> Result<Started, StartupEnd> {
    let mut first = [0u8; 1];
    let direct_tls = matches!(tcp.peek(&mut first).await, Ok(1) if first[0] == TLS_HANDSHAKE);
    let mut stream: Box<dyn Io> = Box::new(tcp);
    let mut tls = false;
    if direct_tls {
        let Some(acceptor) = &ctx.tls else {
            return Err(StartupEnd::Closed);
        };
        stream = accept_tls(acceptor, stream).await?;
        tls = true;
    }
    loop {
        let (code, mut body) = read_startup_packet(&mut stream).await?;
        match code {
            SSL_REQUEST | GSSENC_REQUEST if tls => return Err(StartupEnd::Closed),
            SSL_REQUEST => match &ctx.tls {
                Some(acceptor) => {
                    write_all(&mut stream, b"S").await?;
                    stream = accept_tls(acceptor, stream).await?;
                    tls = true;
                }
                None => write_all(&mut stream, b"N").await?,
            },
            GSSENC_REQUEST => write_all(&mut stream, b"N").await?,
            CANCEL_REQUEST => {
                if body.remaining() >= 8 {
                    let (pid, secret) = (body.get_i32(), body.get_i32());
                    let done = ctx.cancels.cancel(pid, secret);
                    tracing::debug!(pid, done, "cancel request");
                }
                return Err(StartupEnd::Cancel);
            }
            code if code >> 16 == PROTOCOL_3 => {
                let minor = code & 0xffff;
                return startup_message(ctx, stream, body, minor, tls, over_limit).await;
            }
            code => {
                let major = code >> 16;
                let minor = code & 0xffff;
                let e = PgError::new(
                    sqlstate::FEATURE_NOT_SUPPORTED,
                    format!(
                        "unsupported frontend protocol {major}.{minor}: server supports 3.0 to 3.0"
                    ),
                );
                return Err(refuse(&mut stream, e).await);
            }
        }
    }
}

async fn accept_tls(
    acceptor: &TlsAcceptor,
    stream: Box<dyn Io>,
) -> Result<Box<dyn Io>, StartupEnd> {
    match acceptor.accept(stream).await {
        Ok(s) => Ok(Box::new(s)),
        Err(e) => {
            tracing::info!("TLS handshake failed: {e}");
            Err(StartupEnd::Closed)
        }
    }
}

async fn write_all(stream: &mut Box<dyn Io>, data: &[u8]) -> Result<(), StartupEnd> {
    stream
        .write_all(data)
        .await
        .map_err(|_| StartupEnd::Closed)?;
    stream.flush().await.map_err(|_| StartupEnd::Closed)
}

async fn read_startup_packet(stream: &mut Box<dyn Io>) -> Result<(i32, Bytes), StartupEnd> {
    let len = stream.read_i32().await.map_err(|_| StartupEnd::Closed)?;
    if !(8..=MAX_STARTUP_PACKET as i32).contains(&len) {
        let e = PgError::protocol("invalid length of startup packet");
        return Err(refuse(stream, e).await);
    }
    let code = stream.read_i32().await.map_err(|_| StartupEnd::Closed)?;
    let mut body = vec![0u8; len as usize - 8];
    stream
        .read_exact(&mut body)
        .await
        .map_err(|_| StartupEnd::Closed)?;
    Ok((code, Bytes::from(body)))
}

/// Sends a FATAL error and ends the startup.
async fn refuse(stream: &mut Box<dyn Io>, e: PgError) -> StartupEnd {
    let e = e.with_severity(Severity::Fatal);
    let mut buf = BytesMut::new();
    messages::error_response(&mut buf, &e);
    let _ = write_all(stream, &buf).await;
    StartupEnd::Refused(e)
}

/// Parses the `options` startup parameter: `-c name=value` and `--name=value`.
fn parse_options(options: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut words = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for ch in options.chars() {
        if escaped {
            current.push(ch);
            escaped = false;
        } else if ch == '\\' {
            escaped = true;
        } else if ch.is_whitespace() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
        } else {
            current.push(ch);
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    let mut iter = words.into_iter();
    while let Some(w) = iter.next() {
        let setting = if w == "-c" {
            iter.next()
        } else {
            w.strip_prefix("--")
                .or_else(|| w.strip_prefix("-c"))
                .map(str::to_string)
        };
        if let Some((k, v)) = setting.as_deref().and_then(|s| s.split_once('=')) {
            out.push((k.replace('-', "_"), v.to_string()));
        }
    }
    out
}

async fn startup_message(
    ctx: &StartupContext,
    mut stream: Box<dyn Io>,
    mut body: Bytes,
    minor: i32,
    tls: bool,
    over_limit: bool,
) -> Result<Started, StartupEnd> {
    let mut params: Vec<(String, String)> = Vec::new();
    loop {
        let Some(end) = body.iter().position(|&b| b == 0) else {
            return Err(refuse(
                &mut stream,
                PgError::protocol("invalid startup packet layout"),
            )
            .await);
        };
        if end == 0 {
            break;
        }
        let key = String::from_utf8_lossy(&body.split_to(end)).into_owned();
        body.advance(1);
        let Some(vend) = body.iter().position(|&b| b == 0) else {
            return Err(refuse(
                &mut stream,
                PgError::protocol("invalid startup packet layout"),
            )
            .await);
        };
        let value = String::from_utf8_lossy(&body.split_to(vend)).into_owned();
        body.advance(1);
        params.push((key, value));
    }
    let unknown_protocol_options: Vec<String> = params
        .iter()
        .filter(|(k, _)| k.starts_with("_pq_."))
        .map(|(k, _)| k.clone())
        .collect();
    if minor > 0 || !unknown_protocol_options.is_empty() {
        let mut buf = BytesMut::new();
        messages::negotiate_protocol_version(&mut buf, 0, &unknown_protocol_options);
        write_all(&mut stream, &buf).await?;
    }
    if over_limit {
        let e = PgError::new(
            sqlstate::TOO_MANY_CONNECTIONS,
            "sorry, too many clients already",
        );
        return Err(refuse(&mut stream, e).await);
    }
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let Some(user) = get("user").filter(|u| !u.is_empty()) else {
        let e = PgError::new(
            sqlstate::INVALID_AUTHORIZATION,
            "no PostgreSQL user name specified in startup packet",
        );
        return Err(refuse(&mut stream, e).await);
    };
    if get("replication").is_some_and(|r| !matches!(r.as_str(), "false" | "0" | "off" | "no")) {
        let e = PgError::unsupported("replication connections are not supported");
        return Err(refuse(&mut stream, e).await);
    }
    if ctx.config.tls_required && !tls {
        let e = PgError::new(
            sqlstate::INVALID_AUTHORIZATION,
            "TLS is required: this server refuses unencrypted connections (connect with sslmode=require)",
        );
        return Err(refuse(&mut stream, e).await);
    }
    authenticate(ctx, &mut stream, &user, tls).await?;
    let database = get("database")
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| user.clone());
    let mut settings = Vec::new();
    for (k, v) in params {
        match k.as_str() {
            "user" | "database" | "replication" => {}
            "options" => settings.extend(parse_options(&v)),
            k if k.starts_with("_pq_.") => {}
            _ => settings.push((k, v)),
        }
    }
    Ok(Started {
        stream,
        user,
        database,
        settings,
        tls,
    })
}

/// Reads the body of the client's 'p' message during authentication.
pub async fn read_password_body(stream: &mut Box<dyn Io>) -> Result<Bytes, StartupEnd> {
    let tag = stream.read_u8().await.map_err(|_| StartupEnd::Closed)?;
    let len = stream.read_i32().await.map_err(|_| StartupEnd::Closed)?;
    if tag != b'p' || !(4..=MAX_STARTUP_PACKET as i32).contains(&len) {
        let e = PgError::protocol(format!(
            "expected password response, got message type {tag}"
        ));
        return Err(refuse(stream, e).await);
    }
    let mut body = vec![0u8; len as usize - 4];
    stream
        .read_exact(&mut body)
        .await
        .map_err(|_| StartupEnd::Closed)?;
    match messages::decode(b'p', Bytes::from(body)) {
        Ok(Frontend::Password(b)) => Ok(b),
        _ => Err(StartupEnd::Closed),
    }
}

fn auth_failed(user: &str) -> PgError {
    PgError::new(
        sqlstate::INVALID_PASSWORD,
        format!("password authentication failed for user \"{user}\""),
    )
}

/// Checks the user (and password, when one is configured), then sends AuthenticationOk.
async fn authenticate(
    ctx: &StartupContext,
    stream: &mut Box<dyn Io>,
    user: &str,
    tls: bool,
) -> Result<(), StartupEnd> {
    let config = &ctx.config;
    let user_ok = secrets_equal(user.as_bytes(), config.username.as_bytes());
    let Some(password) = &config.password else {
        if !user_ok {
            let e = PgError::new(
                sqlstate::INVALID_AUTHORIZATION,
                format!("role \"{user}\" does not exist"),
            );
            return Err(refuse(stream, e).await);
        }
        return send_auth_ok(stream).await;
    };
    let password_ok = match config.auth_method {
        AuthMethod::Cleartext => {
            let mut buf = BytesMut::new();
            messages::authentication(&mut buf, 3, &[]);
            write_all(stream, &buf).await?;
            let given = read_password_body(stream).await?;
            let given = given.strip_suffix(&[0]).unwrap_or(&given);
            !given.is_empty() && secrets_equal(given, password.as_bytes())
        }
        AuthMethod::Md5 => {
            let salt: [u8; 4] = rand::random();
            let mut buf = BytesMut::new();
            messages::authentication(&mut buf, 5, &salt);
            write_all(stream, &buf).await?;
            let given = read_password_body(stream).await?;
            let given = given.strip_suffix(&[0]).unwrap_or(&given);
            let expected = super::auth::md5_response(&config.username, password, &salt);
            secrets_equal(given, expected.as_bytes())
        }
        AuthMethod::ScramSha256 => {
            let binding = if tls {
                ctx.certificate_hash.clone()
            } else {
                None
            };
            match super::auth::scram(stream, password, binding).await {
                Ok(proved) => proved,
                // A malformed or downgraded exchange: the client is told why.
                Err(StartupEnd::Refused(e)) => return Err(refuse(stream, e).await),
                Err(other) => return Err(other),
            }
        }
    };
    if user_ok && password_ok {
        send_auth_ok(stream).await
    } else {
        Err(refuse(stream, auth_failed(user)).await)
    }
}

async fn send_auth_ok(stream: &mut Box<dyn Io>) -> Result<(), StartupEnd> {
    let mut buf = BytesMut::new();
    messages::authentication(&mut buf, 0, &[]);
    write_all(stream, &buf).await
}
