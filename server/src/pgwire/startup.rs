//! Connection startup: TLS negotiation (pgwire's: SSLRequest, GSSENCRequest,
//! direct TLS), CancelRequest, the StartupMessage (protocol 3.0; 3.2 negotiated
//! down), and authentication.

use std::sync::Arc;

use pgwire::messages::startup::{Authentication, NegotiateProtocolVersion, Startup};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use pgwire::tokio::server::{negotiate_tls, MaybeTls};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_util::codec::{Framed, FramedParts};

use super::auth::{secrets_equal, ScramVerifier};
use super::cancel::CancelRegistry;
use super::connection::{Connection, FrameError, Incoming, Outbox, PgCodec};
use crate::config::{AuthMethod, PgwireConfig};
use crate::errors::{sqlstate, PgError, Severity};

/// A client that finished startup and authentication.
pub struct Started {
    /// The framed (possibly TLS) connection.
    pub connection: Connection,
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
    /// The password's SCRAM verifier, when SCRAM-SHA-256 checks a password.
    pub scram: Option<ScramVerifier>,
}

/// Runs startup on a new connection. `over_limit` refuses it with 53300 once
/// the startup packet is read.
pub async fn startup(
    ctx: &StartupContext,
    tcp: TcpStream,
    over_limit: bool,
) -> Result<Started, StartupEnd> {
    let negotiated = negotiate_tls::<()>(tcp, ctx.tls.clone()).await;
    let Ok(Some(framed)) = negotiated else {
        // A failed handshake, or direct TLS without TLS configured.
        return Err(StartupEnd::Closed);
    };
    let old = framed.into_parts();
    let tls = matches!(old.io, MaybeTls::Tls(_));
    let mut parts = FramedParts::new(old.io, PgCodec::new(ctx.config.max_message_size));
    parts.read_buf = old.read_buf;
    parts.write_buf = old.write_buf;
    let mut conn: Connection = Framed::from_parts(parts);
    match receive(&mut conn).await? {
        PgWireFrontendMessage::CancelRequest(cancel) => {
            if let Some(secret) = cancel.secret_key.as_i32() {
                let done = ctx.cancels.cancel(cancel.pid, secret);
                tracing::debug!(pid = cancel.pid, done, "cancel request");
            }
            Err(StartupEnd::Cancel)
        }
        PgWireFrontendMessage::Startup(startup) => {
            conn.codec_mut().startup_done();
            startup_message(ctx, conn, startup, tls, over_limit).await
        }
        _ => Err(refuse(
            &mut conn,
            PgError::protocol("invalid startup packet layout"),
        )
        .await),
    }
}

/// The client's next message; a malformed one is refused (FATAL).
async fn receive(conn: &mut Connection) -> Result<PgWireFrontendMessage, StartupEnd> {
    match conn.receive().await {
        Some(Ok(Incoming::Message(message))) => Ok(message),
        Some(Ok(Incoming::Invalid { error, .. })) => Err(refuse(conn, error).await),
        Some(Err(FrameError::Protocol(e))) => Err(refuse(conn, e).await),
        Some(Err(FrameError::Closed)) | None => Err(StartupEnd::Closed),
    }
}

/// Sends one message and flushes it.
pub async fn send_now(
    conn: &mut Connection,
    message: PgWireBackendMessage,
) -> Result<(), StartupEnd> {
    conn.queue(message);
    conn.flush_out().await.map_err(|_| StartupEnd::Closed)
}

/// Sends a FATAL error and ends the startup.
pub async fn refuse(conn: &mut Connection, e: PgError) -> StartupEnd {
    let e = e.with_severity(Severity::Fatal);
    conn.send_error(&e);
    let _ = conn.flush_out().await;
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
    mut conn: Connection,
    startup: Startup,
    tls: bool,
    over_limit: bool,
) -> Result<Started, StartupEnd> {
    let params: Vec<(String, String)> = startup.parameters.into_iter().collect();
    let unknown_protocol_options: Vec<String> = params
        .iter()
        .filter(|(k, _)| k.starts_with("_pq_."))
        .map(|(k, _)| k.clone())
        .collect();
    if startup.protocol_number_minor > 0 || !unknown_protocol_options.is_empty() {
        // PostgreSQL 15 answers with the newest minor version it serves: 0.
        let answer = NegotiateProtocolVersion::new(0, unknown_protocol_options);
        send_now(
            &mut conn,
            PgWireBackendMessage::NegotiateProtocolVersion(answer),
        )
        .await?;
    }
    if over_limit {
        let e = PgError::new(
            sqlstate::TOO_MANY_CONNECTIONS,
            "sorry, too many clients already",
        );
        return Err(refuse(&mut conn, e).await);
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
        return Err(refuse(&mut conn, e).await);
    };
    if get("replication").is_some_and(|r| !matches!(r.as_str(), "false" | "0" | "off" | "no")) {
        let e = PgError::unsupported("replication connections are not supported");
        return Err(refuse(&mut conn, e).await);
    }
    if ctx.config.tls_required && !tls {
        let e = PgError::new(
            sqlstate::INVALID_AUTHORIZATION,
            "TLS is required: this server refuses unencrypted connections (connect with sslmode=require)",
        );
        return Err(refuse(&mut conn, e).await);
    }
    authenticate(ctx, &mut conn, &user, tls).await?;
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
        connection: conn,
        user,
        database,
        settings,
        tls,
    })
}

/// Reads the client's 'p' message during authentication.
pub async fn read_password_message(
    conn: &mut Connection,
) -> Result<pgwire::messages::startup::PasswordMessageFamily, StartupEnd> {
    match receive(conn).await? {
        PgWireFrontendMessage::PasswordMessageFamily(m) => Ok(m),
        _ => {
            let e = PgError::protocol("expected password response");
            Err(refuse(conn, e).await)
        }
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
    conn: &mut Connection,
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
            return Err(refuse(conn, e).await);
        }
        return send_auth_ok(conn).await;
    };
    let password_ok = match config.auth_method {
        AuthMethod::Cleartext => {
            send_now(
                conn,
                PgWireBackendMessage::Authentication(Authentication::CleartextPassword),
            )
            .await?;
            let given = password_text(conn).await?;
            !given.is_empty() && secrets_equal(given.as_bytes(), password.as_bytes())
        }
        AuthMethod::Md5 => {
            let salt: [u8; 4] = rand::random();
            send_now(
                conn,
                PgWireBackendMessage::Authentication(Authentication::MD5Password(salt.to_vec())),
            )
            .await?;
            let given = password_text(conn).await?;
            let expected = super::auth::md5_response(&config.username, password, &salt);
            secrets_equal(given.as_bytes(), expected.as_bytes())
        }
        AuthMethod::ScramSha256 => {
            let binding = if tls {
                ctx.certificate_hash.clone()
            } else {
                None
            };
            // Made with the context whenever SCRAM checks a password.
            let Some(verifier) = &ctx.scram else {
                return Err(refuse(conn, auth_failed(user)).await);
            };
            match super::auth::scram(conn, verifier, binding).await {
                Ok(proved) => proved,
                // A malformed or downgraded exchange: the client is told why.
                Err(StartupEnd::Refused(e)) => return Err(refuse(conn, e).await),
                Err(other) => return Err(other),
            }
        }
    };
    if user_ok && password_ok {
        send_auth_ok(conn).await
    } else {
        Err(refuse(conn, auth_failed(user)).await)
    }
}

/// The password of a PasswordMessage.
async fn password_text(conn: &mut Connection) -> Result<String, StartupEnd> {
    let message = read_password_message(conn).await?;
    match message.into_password() {
        Ok(p) => Ok(p.password),
        Err(_) => Err(refuse(conn, PgError::protocol("malformed password message")).await),
    }
}

async fn send_auth_ok(conn: &mut Connection) -> Result<(), StartupEnd> {
    conn.codec_mut().authenticated();
    send_now(
        conn,
        PgWireBackendMessage::Authentication(Authentication::Ok),
    )
    .await
}
