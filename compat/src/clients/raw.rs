//! A wire-level client: sends simple Query messages (or raw bytes) and reports what drivers
//! hide — every command tag, notice and error SQLSTATE, the transaction
//! status byte of ReadyForQuery, and how COPY data is cut into messages — and sends CancelRequests with the secret of
//! BackendKeyData. It authenticates only with trust or cleartext.

use async_trait::async_trait;
use bytes::{Buf, BufMut, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{hex, Client, Conn, Outcome, Step};
use crate::harness::Target;

/// The raw protocol client.
pub struct RawProtocol;

struct RawConn {
    stream: TcpStream,
    buf: BytesMut,
    /// Where it is connected, for CancelRequests.
    address: (String, u16),
    /// BackendKeyData: process id and secret.
    key: (i32, i32),
}

impl RawConn {
    async fn read(&mut self) -> std::io::Result<(u8, BytesMut)> {
        loop {
            if self.buf.len() >= 5 {
                let len = i32::from_be_bytes([self.buf[1], self.buf[2], self.buf[3], self.buf[4]])
                    as usize;
                if self.buf.len() > len {
                    let mut m = self.buf.split_to(len + 1);
                    let tag = m.get_u8();
                    m.advance(4);
                    return Ok((tag, m));
                }
            }
            if self.stream.read_buf(&mut self.buf).await? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
        }
    }

    /// Reads until ReadyForQuery, summarising each message.
    async fn summary(&mut self) -> std::io::Result<Vec<String>> {
        let mut out = Vec::new();
        loop {
            let (tag, body) = self.read().await?;
            match tag {
                b'C' => out.push(
                    String::from_utf8_lossy(&body[..body.len().saturating_sub(1)]).into_owned(),
                ),
                b'E' => out.push(format!("ERROR {}", field(&body, b'C'))),
                b'N' => out.push(format!("NOTICE {}", field(&body, b'C'))),
                b'I' => out.push("EMPTY".into()),
                // COPY's framing: readers parse each CopyData as whole rows.
                b'H' => out.push(format!("CopyOutResponse {}", hex(&body))),
                b'd' => out.push(format!("CopyData {} bytes", body.len())),
                b'c' => out.push("CopyDone".into()),
                b'Z' => {
                    out.push(format!("status {}", body[0] as char));
                    return Ok(out);
                }
                _ => {}
            }
        }
    }
}

fn field(body: &[u8], code: u8) -> String {
    let mut rest = body;
    while let Some((&c, tail)) = rest.split_first() {
        let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
        if c == code {
            return String::from_utf8_lossy(&tail[..end]).into_owned();
        }
        rest = tail.get(end + 1..).unwrap_or_default();
    }
    String::new()
}

/// One frontend message: type byte, length, body as given.
pub(crate) fn message(tag: u8, body: &[u8]) -> BytesMut {
    let mut m = BytesMut::new();
    m.put_u8(tag);
    m.put_i32(body.len() as i32 + 4);
    m.put_slice(body);
    m
}

#[async_trait]
impl Client for RawProtocol {
    fn name(&self) -> String {
        "raw protocol".into()
    }

    async fn connect(&self, target: &Target) -> Result<Box<dyn Conn>, Outcome> {
        if target.tls != crate::harness::TlsMode::Disable {
            return Err(Outcome::Unsupported(
                "the raw client speaks plaintext only".into(),
            ));
        }
        let io_err = |e: std::io::Error| Outcome::Error {
            code: "client".into(),
            message: e.to_string(),
        };
        let stream = TcpStream::connect((target.host.as_str(), target.port))
            .await
            .map_err(io_err)?;
        let mut conn = RawConn {
            stream,
            buf: BytesMut::new(),
            address: (target.host.clone(), target.port),
            key: (0, 0),
        };
        let mut body = BytesMut::new();
        body.put_i32(196_608);
        for (k, v) in [
            ("user", target.user.as_str()),
            ("database", target.dbname.as_str()),
        ] {
            body.put_slice(k.as_bytes());
            body.put_u8(0);
            body.put_slice(v.as_bytes());
            body.put_u8(0);
        }
        body.put_u8(0);
        let mut packet = BytesMut::new();
        packet.put_i32(body.len() as i32 + 4);
        packet.put_slice(&body);
        conn.stream.write_all(&packet).await.map_err(io_err)?;
        loop {
            let (tag, mut body) = conn.read().await.map_err(io_err)?;
            match tag {
                b'R' => match body.get_i32() {
                    0 => {}
                    3 => {
                        let mut password = target.password.clone().unwrap_or_default().into_bytes();
                        password.push(0);
                        conn.stream
                            .write_all(&message(b'p', &password))
                            .await
                            .map_err(io_err)?;
                    }
                    _ => {
                        return Err(Outcome::Unsupported(
                            "the raw client authenticates with trust or cleartext only".into(),
                        ))
                    }
                },
                b'E' => {
                    return Err(Outcome::Error {
                        code: field(&body, b'C'),
                        message: field(&body, b'M'),
                    })
                }
                b'K' => conn.key = (body.get_i32(), body.get_i32()),
                b'Z' => return Ok(Box::new(conn)),
                _ => {}
            }
        }
    }
}

impl RawConn {
    /// Sends a simple Query and summarises the answer up to ReadyForQuery.
    async fn script(&mut self, sql: &str) -> std::io::Result<Vec<String>> {
        let mut body = sql.as_bytes().to_vec();
        body.push(0);
        self.stream.write_all(&message(b'Q', &body)).await?;
        self.summary().await
    }

    /// Sends `bytes` as they are and summarises the answer up to ReadyForQuery.
    async fn bytes(&mut self, bytes: &[u8]) -> std::io::Result<Vec<String>> {
        self.stream.write_all(bytes).await?;
        self.summary().await
    }

    /// Runs `sql` and, 200 ms in, sends a CancelRequest on a new connection
    /// with this connection's process id and its secret or a wrong one.
    async fn cancel_while_running(
        &mut self,
        sql: &str,
        right_secret: bool,
    ) -> std::io::Result<Vec<String>> {
        let (pid, secret) = self.key;
        let secret = if right_secret {
            secret
        } else {
            secret ^ 0x5a5a_5a5a
        };
        let address = self.address.clone();
        let cancel = async move {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            let mut request = BytesMut::new();
            request.put_i32(16);
            request.put_i32(80_877_102);
            request.put_i32(pid);
            request.put_i32(secret);
            let mut stream = TcpStream::connect((address.0.as_str(), address.1)).await?;
            stream.write_all(&request).await?;
            // The server closes the connection without answering.
            let mut rest = Vec::new();
            stream.read_to_end(&mut rest).await?;
            Ok::<_, std::io::Error>(())
        };
        let deadline = std::time::Duration::from_secs(120);
        let (answer, cancelled) =
            tokio::time::timeout(deadline, async { tokio::join!(self.script(sql), cancel) })
                .await
                .map_err(|_| std::io::Error::other("the query outlived the cancel by 120 s"))?;
        cancelled?;
        answer
    }
}

#[async_trait]
impl Conn for RawConn {
    async fn run(&mut self, step: &Step) -> Outcome {
        let answer = match step {
            Step::Script(sql) => self.script(sql).await,
            Step::Cancel { sql, right_secret } => {
                self.cancel_while_running(sql, *right_secret).await
            }
            Step::Bytes(bytes) => self.bytes(bytes).await,
            _ => return Outcome::Unsupported("the raw client runs scripts only".into()),
        };
        match answer {
            Ok(tags) => Outcome::Tags(tags),
            Err(e) => Outcome::Error {
                code: "client".into(),
                message: e.to_string(),
            },
        }
    }
}
