//! The recorder: a transparent PostgreSQL-protocol proxy that writes every
//! message of every connection to a trace, with authentication secrets
//! redacted before they reach the file. Clients may connect with TLS (the
//! recorder terminates it with its own certificate) and the upstream may be
//! reached with TLS too. The one change it makes to what it relays: SCRAM
//! channel binding (`SCRAM-SHA-256-PLUS`) is not offered to clients, since
//! it cannot span the two TLS connections.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::trace::{Event, Header, FORMAT};
use super::wire::{self, AuthPhase, Message, Side};

/// What to record and where.
#[derive(Debug, Clone)]
pub struct RecordOptions {
    /// Where clients connect.
    pub listen: SocketAddr,
    /// The server messages are forwarded to (`host:port`).
    pub upstream: String,
    /// Whether to reach the upstream with TLS (its certificate is not checked).
    pub upstream_tls: bool,
    /// The trace file to write.
    pub out: PathBuf,
    /// The recorded client's name, written to the trace header.
    pub client: Option<String>,
    /// PEM certificate and PKCS#8 key offered to clients that ask for TLS;
    /// a self-signed one for `localhost` is generated when absent.
    pub tls_identity: Option<(PathBuf, PathBuf)>,
}

/// A running recorder.
pub struct Recorder {
    addr: SocketAddr,
    accept: tokio::task::JoinHandle<JoinSet<()>>,
    stop: tokio::sync::oneshot::Sender<()>,
    writer: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Shared by the connections of one recording.
struct Context {
    options: RecordOptions,
    acceptor: tokio_native_tls::TlsAcceptor,
    started: Instant,
    events: mpsc::UnboundedSender<Event>,
}

type Stream = Box<dyn AsyncReadWrite>;

/// A byte stream in either direction (plain TCP or TLS).
trait AsyncReadWrite: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> AsyncReadWrite for T {}

impl Recorder {
    /// Starts listening and writing the trace header.
    pub async fn start(options: RecordOptions) -> anyhow::Result<Recorder> {
        let listener = TcpListener::bind(options.listen).await?;
        let addr = listener.local_addr()?;
        let acceptor = acceptor(options.tls_identity.as_ref())?;
        let header = Header {
            datapress_trace: FORMAT,
            client: options.client.clone(),
            upstream: options.upstream.clone(),
            recorded_at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        };
        let (events, rx) = mpsc::unbounded_channel();
        let writer = tokio::spawn(write_trace(options.out.clone(), header, rx));
        let context = Arc::new(Context {
            options,
            acceptor,
            started: Instant::now(),
            events,
        });
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let accept = tokio::spawn(accept_loop(listener, context, stopped));
        Ok(Recorder {
            addr,
            accept,
            stop,
            writer,
        })
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets open connections end (up to `grace`, then cuts
    /// them), and finishes the trace file.
    pub async fn finish(self, grace: std::time::Duration) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        let mut connections = self.accept.await?;
        let drained = tokio::time::timeout(grace, async {
            while connections.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            connections.shutdown().await;
        }
        drop(connections);
        self.writer.await??;
        Ok(())
    }
}

async fn accept_loop(
    listener: TcpListener,
    context: Arc<Context>,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) -> JoinSet<()> {
    let ids = AtomicU32::new(1);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => {
                let Ok((socket, _)) = accepted else { continue };
                let id = ids.fetch_add(1, Ordering::Relaxed);
                let context = context.clone();
                connections.spawn(async move {
                    if let Err(e) = relay(socket, id, &context).await {
                        tracing::warn!("recorder: connection {id}: {e}");
                    }
                });
            }
        }
    }
    connections
}

/// The TLS acceptor offered to clients.
fn acceptor(
    identity: Option<&(PathBuf, PathBuf)>,
) -> anyhow::Result<tokio_native_tls::TlsAcceptor> {
    let (cert, key) = match identity {
        Some((cert, key)) => (std::fs::read(cert)?, std::fs::read(key)?),
        None => {
            let dir = tempfile::tempdir()?;
            let m = crate::harness::tls::TlsMaterial::generate(dir.path())?;
            (std::fs::read(m.server_cert)?, std::fs::read(m.server_key)?)
        }
    };
    let identity = native_tls::Identity::from_pkcs8(&cert, &key)?;
    Ok(native_tls::TlsAcceptor::new(identity)?.into())
}

async fn write_trace(
    path: PathBuf,
    header: Header,
    mut events: mpsc::UnboundedReceiver<Event>,
) -> std::io::Result<()> {
    let mut file = tokio::fs::File::create(&path).await?;
    file.write_all(json_line(&header).as_bytes()).await?;
    while let Some(event) = events.recv().await {
        // Each line is flushed as it comes, so a recorder stopped by a
        // signal leaves a complete trace.
        file.write_all(json_line(&event).as_bytes()).await?;
        file.flush().await?;
    }
    file.sync_all().await
}

fn json_line(value: &impl serde::Serialize) -> String {
    let mut line = serde_json::to_string(value).unwrap_or_default();
    line.push('\n');
    line
}

impl Context {
    /// Writes `m`, sent by `side` on connection `conn`, to the trace.
    fn log(&self, conn: u32, side: Side, m: &Message, phase: &Mutex<AuthPhase>) {
        let described = {
            let mut phase = phase.lock().unwrap_or_else(|p| p.into_inner());
            wire::describe(side, m, &mut phase)
        };
        let t_ms = (self.started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
        let _ = self.events.send(Event {
            conn,
            t_ms,
            from: side,
            kind: described.name,
            fields: described.fields,
            raw: (!described.secret).then(|| crate::clients::hex(&m.to_bytes())),
        });
    }
}

/// Relays one client connection, logging each message before forwarding it
/// (so the trace's order is the order the peers acted in).
async fn relay(socket: TcpStream, conn: u32, context: &Context) -> anyhow::Result<()> {
    let phase = Mutex::new(AuthPhase::default());
    let mut client: Stream = Box::new(socket);
    let startup = loop {
        let Some(m) = wire::read_untagged(&mut client).await? else {
            return Ok(());
        };
        context.log(conn, Side::Frontend, &m, &phase);
        let answer = match m.code() {
            Some(wire::SSL_REQUEST) => b'S',
            Some(wire::GSSENC_REQUEST) => b'N',
            _ => break m,
        };
        let reply = Message {
            framing: wire::Framing::Byte(answer),
            body: vec![],
        };
        context.log(conn, Side::Backend, &reply, &phase);
        client.write_all(&[answer]).await?;
        if answer == b'S' {
            client = Box::new(context.acceptor.accept(client).await?);
        }
    };
    let mut upstream = connect_upstream(&context.options).await?;
    upstream.write_all(&startup.to_bytes()).await?;
    if startup.code() == Some(wire::CANCEL_REQUEST) {
        return Ok(());
    }
    let (client_read, client_write) = tokio::io::split(client);
    let (upstream_read, upstream_write) = tokio::io::split(upstream);
    let pump = |side, from, to| pump(side, from, to, conn, context, &phase);
    let (sent, received) = tokio::join!(
        pump(Side::Frontend, client_read, upstream_write),
        pump(Side::Backend, upstream_read, client_write)
    );
    sent.and(received)
}

/// Copies messages from `from` to `to`, logging each; shuts `to` down at
/// the end of `from`.
async fn pump(
    side: Side,
    mut from: tokio::io::ReadHalf<Stream>,
    mut to: tokio::io::WriteHalf<Stream>,
    conn: u32,
    context: &Context,
    phase: &Mutex<AuthPhase>,
) -> anyhow::Result<()> {
    loop {
        let m = match wire::read_tagged(&mut from).await {
            Ok(Some(m)) if side == Side::Backend => without_channel_binding(m),
            Ok(Some(m)) => m,
            Ok(None) | Err(_) => break,
        };
        context.log(conn, side, &m, phase);
        if to.write_all(&m.to_bytes()).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
    Ok(())
}

/// An AuthenticationSASL message without the `-PLUS` mechanisms: channel
/// binding ties SCRAM to one TLS connection, and the recorder stands between
/// two, so the client is offered plain SCRAM-SHA-256 only. Other messages
/// are returned unchanged.
fn without_channel_binding(m: Message) -> Message {
    let mut r = wire::Reader::new(&m.body);
    if m.tag() != Some(b'R') || r.i32() != Some(10) {
        return m;
    }
    let mut body = 10i32.to_be_bytes().to_vec();
    while let Some(mechanism) = r.cstr().filter(|s| !s.is_empty()) {
        if !mechanism.ends_with("-PLUS") {
            wire::put_cstr(&mut body, &mechanism);
        }
    }
    body.push(0);
    Message::tagged(b'R', body)
}

/// Connects to the upstream, with TLS when asked.
async fn connect_upstream(options: &RecordOptions) -> anyhow::Result<Stream> {
    let mut tcp = TcpStream::connect(&options.upstream).await?;
    if !options.upstream_tls {
        return Ok(Box::new(tcp));
    }
    let request = Message {
        framing: wire::Framing::Untagged,
        body: wire::SSL_REQUEST.to_be_bytes().to_vec(),
    };
    tcp.write_all(&request.to_bytes()).await?;
    let mut answer = [0u8];
    tokio::io::AsyncReadExt::read_exact(&mut tcp, &mut answer).await?;
    anyhow::ensure!(
        answer[0] == b'S',
        "the upstream {} refused TLS",
        options.upstream
    );
    let connector = native_tls::TlsConnector::builder()
        .danger_accept_invalid_certs(true)
        .danger_accept_invalid_hostnames(true)
        .build()?;
    let host = options
        .upstream
        .rsplit_once(':')
        .map_or(options.upstream.as_str(), |(h, _)| h);
    let tls = tokio_native_tls::TlsConnector::from(connector)
        .connect(host, tcp)
        .await?;
    Ok(Box::new(tls))
}

/// Records until Ctrl-C (the `record` command).
pub async fn run_until_interrupted(options: RecordOptions) -> anyhow::Result<()> {
    let out = options.out.clone();
    let recorder = Recorder::start(options).await?;
    eprintln!(
        "recording to {}: point the client at {} and press Ctrl-C when done",
        out.display(),
        recorder.addr()
    );
    tokio::signal::ctrl_c().await?;
    recorder.finish(std::time::Duration::from_secs(1)).await?;
    eprintln!("trace written to {}", out.display());
    Ok(())
}
