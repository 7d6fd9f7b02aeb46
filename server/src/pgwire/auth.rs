//! Password checks that need cryptography: MD5 responses and the SCRAM-SHA-256
//! exchange (RFC 5802 / RFC 7677, with `tls-server-end-point` channel binding
//! for SCRAM-SHA-256-PLUS as PostgreSQL implements it).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use md5::Md5;
use pgwire::messages::startup::{Authentication, PasswordMessageFamily};
use pgwire::messages::PgWireBackendMessage;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

use super::cancel::constant_time_eq;
use super::connection::Connection;
use super::startup::{read_password_message, send_now, StartupEnd};
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

/// Whether two secrets are equal, in time that depends on neither their
/// contents nor their lengths (both sides are hashed to 32 bytes first).
pub fn secrets_equal(a: &[u8], b: &[u8]) -> bool {
    constant_time_eq(&Sha256::digest(a), &Sha256::digest(b))
}

/// The `tls-server-end-point` channel binding data of the server certificate
/// (DER), RFC 5929 §4.1: the certificate hashed with its signature's hash
/// function, SHA-256 for MD5 and SHA-1. `None` when the signature names no hash
/// (Ed25519, RSASSA-PSS, unknown), where PostgreSQL cannot bind either, so
/// SCRAM-SHA-256-PLUS is not offered.
pub fn certificate_hash(der: &[u8]) -> Option<Vec<u8>> {
    // The OIDs' DER bytes after their common prefix (RFC 8017 A.2.4, RFC 5758 §3.2).
    const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
    const ECDSA: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04];
    let oid = signature_algorithm(der)?;
    let hash = if let Some(suffix) = oid.strip_prefix(RSA) {
        match suffix {
            [4 | 5 | 11] => Sha256::digest(der).to_vec(), // md5, sha1, sha256 WithRSA
            [14] => Sha224::digest(der).to_vec(),
            [12] => Sha384::digest(der).to_vec(),
            [13] => Sha512::digest(der).to_vec(),
            _ => return None,
        }
    } else {
        match oid.strip_prefix(ECDSA)? {
            [0x01] | [0x03, 0x02] => Sha256::digest(der).to_vec(), // ecdsa-with-SHA1, -SHA256
            [0x03, 0x01] => Sha224::digest(der).to_vec(),
            [0x03, 0x03] => Sha384::digest(der).to_vec(),
            [0x03, 0x04] => Sha512::digest(der).to_vec(),
            _ => return None,
        }
    };
    Some(hash)
}

/// The OID bytes of a DER certificate's `signatureAlgorithm` (RFC 5280 §4.1:
/// `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }`).
fn signature_algorithm(der: &[u8]) -> Option<&[u8]> {
    let (certificate, _) = der_element(der, 0x30)?;
    let (_tbs, rest) = der_element(certificate, 0x30)?;
    let (algorithm, _) = der_element(rest, 0x30)?;
    let (oid, _) = der_element(algorithm, 0x06)?;
    Some(oid)
}

/// Splits one DER element with tag `tag` off `input`: (its contents, the rest).
fn der_element(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&first, input) = input.split_first()?;
    let (&len_byte, mut input) = input.split_first()?;
    if first != tag {
        return None;
    }
    let len = if len_byte < 0x80 {
        usize::from(len_byte)
    } else {
        let count = usize::from(len_byte & 0x7f);
        if count == 0 || count > 4 || input.len() < count {
            return None;
        }
        let (bytes, rest) = input.split_at(count);
        input = rest;
        bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    (input.len() >= len).then(|| input.split_at(len))
}

fn protocol_error(message: &str) -> StartupEnd {
    StartupEnd::Refused(PgError::protocol(message.to_string()))
}

/// What the server keeps of the SCRAM-SHA-256 password, as PostgreSQL stores
/// it in `pg_authid` (RFC 5802 §3): the salt and the two keys PBKDF2 derives.
/// Made once when the endpoint starts, so a login costs two HMACs and no
/// PBKDF2.
pub struct ScramVerifier {
    salt: [u8; 16],
    stored_key: Vec<u8>,
    server_key: Vec<u8>,
}

impl ScramVerifier {
    /// The verifier of `password` with a random salt.
    pub fn new(password: &str) -> ScramVerifier {
        let salt: [u8; 16] = rand::random();
        let mut salted = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), &salt, ITERATIONS, &mut salted);
        ScramVerifier {
            salt,
            stored_key: Sha256::digest(hmac(&salted, b"Client Key")).to_vec(),
            server_key: hmac(&salted, b"Server Key"),
        }
    }
}

/// Runs the SCRAM-SHA-256 exchange. `channel_binding` is the certificate hash
/// on a TLS connection (offering SCRAM-SHA-256-PLUS). Returns whether the
/// client proved it knows the password of `verifier`; protocol errors end the
/// startup.
pub async fn scram(
    conn: &mut Connection,
    verifier: &ScramVerifier,
    channel_binding: Option<Vec<u8>>,
) -> Result<bool, StartupEnd> {
    let mut mechanisms = Vec::new();
    if channel_binding.is_some() {
        mechanisms.push("SCRAM-SHA-256-PLUS".to_string());
    }
    mechanisms.push("SCRAM-SHA-256".to_string());
    send(conn, Authentication::SASL(mechanisms)).await?;

    // SASLInitialResponse: mechanism, then the client-first-message.
    // Parsed here: pgwire's `into_sasl_initial_response` trusts the length
    // field and panics on a short or lying message.
    let PasswordMessageFamily::Raw(initial) = read_password_message(conn).await? else {
        return Err(protocol_error("malformed SASL message"));
    };
    let (mechanism, client_first) =
        sasl_initial_response(&initial).ok_or_else(|| protocol_error("malformed SASL message"))?;
    let plus = mechanism == "SCRAM-SHA-256-PLUS";
    if !(mechanism == "SCRAM-SHA-256" || plus && channel_binding.is_some()) {
        return Err(protocol_error(
            "client selected an invalid SASL authentication mechanism",
        ));
    }
    let (gs2_header, client_first_bare) =
        split_gs2(&client_first).ok_or_else(|| protocol_error("malformed SCRAM message"))?;
    // "y": the client could bind but believes the server can't. When we offered
    // PLUS that is a downgrade by someone in the middle; PG refuses it the same way.
    if gs2_header.starts_with('y') && channel_binding.is_some() {
        return Err(protocol_error("SCRAM channel binding negotiation error"));
    }
    if plus != gs2_header.starts_with("p=tls-server-end-point") {
        return Err(protocol_error(
            "malformed SCRAM message: channel binding mismatch",
        ));
    }
    let client_nonce = attribute(client_first_bare, 'r')
        .ok_or_else(|| protocol_error("malformed SCRAM message"))?;

    let server_nonce: [u8; 18] = rand::random();
    let nonce = format!("{client_nonce}{}", B64.encode(server_nonce));
    let server_first = format!("r={nonce},s={},i={ITERATIONS}", B64.encode(verifier.salt));
    send(
        conn,
        Authentication::SASLContinue(Bytes::from(server_first.clone())),
    )
    .await?;

    let final_message = read_password_message(conn)
        .await?
        .into_sasl_response()
        .map_err(|_| protocol_error("malformed SASL message"))?;
    let client_final = String::from_utf8_lossy(&final_message.data).into_owned();
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

    let auth_message = format!("{client_first_bare},{server_first},{without_proof}");
    let client_signature = hmac(&verifier.stored_key, auth_message.as_bytes());
    let recovered: Vec<u8> = proof
        .iter()
        .zip(&client_signature)
        .map(|(p, s)| p ^ s)
        .collect();
    let proof_ok =
        proof.len() == 32 && constant_time_eq(&Sha256::digest(&recovered), &verifier.stored_key);
    if !(binding_ok && nonce_ok && proof_ok) {
        return Ok(false);
    }
    let server_signature = hmac(&verifier.server_key, auth_message.as_bytes());
    let server_final = format!("v={}", B64.encode(server_signature));
    send(conn, Authentication::SASLFinal(Bytes::from(server_final))).await?;
    Ok(true)
}

/// SASLInitialResponse: the mechanism name, then the Int32 length of the
/// client-first-message and the message itself (-1: none).
fn sasl_initial_response(body: &[u8]) -> Option<(String, String)> {
    let end = body.iter().position(|&b| b == 0)?;
    let mechanism = String::from_utf8_lossy(&body[..end]).into_owned();
    let rest = &body[end + 1..];
    let (len, data) = rest.split_first_chunk::<4>()?;
    let len = i32::from_be_bytes(*len);
    let data = match len {
        -1 if data.is_empty() => &[][..],
        len if len >= 0 && len as usize == data.len() => data,
        _ => return None,
    };
    Some((mechanism, String::from_utf8_lossy(data).into_owned()))
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

async fn send(conn: &mut Connection, message: Authentication) -> Result<(), StartupEnd> {
    send_now(conn, PgWireBackendMessage::Authentication(message)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_response_matches_libpq() {
        // libpq's formula for user "u", password "p", salt 1,2,3,4, computed
        // independently: "md5" + md5(md5("pu").hex + salt).hex.
        assert_eq!(
            md5_response("u", "p", &[1, 2, 3, 4]),
            "md5facdc455923b0a58efea84a6d9ee0e76"
        );
    }

    fn self_signed(alg: &'static rcgen::SignatureAlgorithm) -> Vec<u8> {
        let key = rcgen::KeyPair::generate_for(alg).unwrap();
        let params = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn the_channel_binding_hash_follows_the_signature_algorithm() {
        let p256 = self_signed(&rcgen::PKCS_ECDSA_P256_SHA256);
        assert_eq!(
            certificate_hash(&p256),
            Some(Sha256::digest(&p256).to_vec())
        );
        let p384 = self_signed(&rcgen::PKCS_ECDSA_P384_SHA384);
        assert_eq!(
            certificate_hash(&p384),
            Some(Sha384::digest(&p384).to_vec())
        );
        assert_eq!(certificate_hash(&self_signed(&rcgen::PKCS_ED25519)), None);
        assert_eq!(certificate_hash(b"not a certificate"), None);
    }

    #[test]
    fn secrets_compare_by_content_whatever_their_length() {
        assert!(secrets_equal(b"same", b"same"));
        assert!(!secrets_equal(b"same", b"same-but-longer"));
        assert!(!secrets_equal(b"", b"x"));
    }

    #[test]
    fn gs2_header_is_split_off() {
        assert_eq!(split_gs2("n,,n=,r=abc"), Some(("n,,", "n=,r=abc")));
        assert_eq!(attribute("n=,r=abc", 'r'), Some("abc"));
    }
}
