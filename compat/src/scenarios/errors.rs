//! Errors: the SQLSTATE of each class of mistake, read-only refusals, and
//! messages that are malformed or not UTF-8 (raw bytes, the raw client only).

use super::{Case, Compare, Setup};
use crate::clients::Step;

/// The cases.
pub fn cases() -> Vec<Case> {
    let setup = Setup::Password("cleartext");
    let code_only = |name, sqls: &[&str]| Case {
        compare: Compare::CodeOnly,
        ..Case::new(name, setup, sqls.iter().map(|s| Step::query(s)).collect())
    };
    vec![
        code_only(
            "user mistakes",
            &[
                "SELECT * FROM nope",
                "SELECT nope FROM accidents",
                "SELEC 1",
                "SELECT 1/0",
                "SELECT no_such_function(1)",
                "SELECT 'abc'::int",
            ],
        ),
        Case::new(
            "malformed and non-UTF-8 messages are errors, the session goes on",
            // The raw client authenticates with trust or cleartext only.
            Setup::Trusted,
            malformed_messages()
                .into_iter()
                .flat_map(|bytes| [Step::Bytes(bytes), Step::Script("SELECT 1".into())])
                .collect(),
        ),
        Case::new(
            "writes are read-only errors",
            setup,
            [
                "INSERT INTO accidents (id) VALUES (1)",
                "DELETE FROM accidents",
                "CREATE TABLE t (a int)",
                "DROP TABLE accidents",
            ]
            .iter()
            .map(|s| Step::query(s))
            .collect(),
        ),
    ]
}

/// One frontend message as bytes.
fn message(tag: u8, body: &[u8]) -> Vec<u8> {
    crate::clients::raw::message(tag, body).to_vec()
}

/// Messages each followed by what brings the session back to ReadyForQuery.
fn malformed_messages() -> Vec<Vec<u8>> {
    let sync = message(b'S', b"");
    let then_sync = |mut m: Vec<u8>| {
        m.extend_from_slice(&sync);
        m
    };
    // A Bind whose one parameter claims 1000 bytes and has 2.
    let mut lying_bind = b"\0\0\0\0\0\x01".to_vec();
    lying_bind.extend_from_slice(&1000i32.to_be_bytes());
    lying_bind.extend_from_slice(b"12\0\0");
    let mut parse_then_lying_bind = message(b'P', b"\0SELECT $1::int\0\0\0");
    parse_then_lying_bind.extend(message(b'B', &lying_bind));
    let mut parse_not_utf8 = message(b'P', b"\0SELECT '\xc3('\0\0\0");
    parse_not_utf8.extend(message(b'B', b"\0\0\0\0\0\0\0\0"));
    vec![
        then_sync(parse_then_lying_bind),
        then_sync(message(b'D', b"Xname\0")),
        // A failed Sync still ends the batch: ERROR, then ReadyForQuery.
        message(b'S', b"extra"),
        message(b'Q', b"SELECT 1"),
        message(b'Q', b"SELECT 1\0x"),
        message(b'Q', b"SELECT '\xff'\0"),
        then_sync(parse_not_utf8),
    ]
}
