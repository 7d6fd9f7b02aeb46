//! jsonb text as PostgreSQL prints it: JSON text normalised the way PG stores
//! jsonb. Object keys are sorted by length and then bytewise, and a repeated
//! key keeps its last value. Separators are `", "` and `": "`. Numbers are
//! printed as numerics (`1e2` → `100`, `2.50` stays `2.50`), and strings are
//! re-escaped as PG's `escape_json` does.

/// A parsed JSON value; numbers keep their text until printed.
enum Value<'a> {
    Null,
    Bool(bool),
    Number(&'a [u8]),
    String(String),
    Array(Vec<Value<'a>>),
    Object(Vec<(String, Value<'a>)>),
}

/// Appends PG's jsonb text for the JSON text `input`. Returns false (and
/// appends nothing) when `input` is not valid JSON.
pub fn write_jsonb(input: &[u8], out: &mut Vec<u8>) -> bool {
    let mut parser = Parser { input, pos: 0 };
    let Some(value) = parser.value() else {
        return false;
    };
    parser.skip_whitespace();
    if parser.pos != input.len() {
        return false;
    }
    write_value(&value, out);
    true
}

struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.input.get(self.pos) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.skip_whitespace();
        if self.input.get(self.pos) == Some(&byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn keyword(&mut self, word: &[u8]) -> bool {
        let found = self.input[self.pos..].starts_with(word);
        if found {
            self.pos += word.len();
        }
        found
    }

    fn value(&mut self) -> Option<Value<'a>> {
        self.skip_whitespace();
        match *self.input.get(self.pos)? {
            b'{' => {
                self.pos += 1;
                let mut members: Vec<(String, Value)> = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        self.skip_whitespace();
                        let key = self.string()?;
                        if !self.eat(b':') {
                            return None;
                        }
                        let value = self.value()?;
                        members.retain(|(k, _)| *k != key);
                        members.push((key, value));
                        if self.eat(b'}') {
                            break;
                        }
                        if !self.eat(b',') {
                            return None;
                        }
                    }
                }
                members.sort_by(|(a, _), (b, _)| {
                    (a.len(), a.as_bytes()).cmp(&(b.len(), b.as_bytes()))
                });
                Some(Value::Object(members))
            }
            b'[' => {
                self.pos += 1;
                let mut elements = Vec::new();
                if !self.eat(b']') {
                    loop {
                        elements.push(self.value()?);
                        if self.eat(b']') {
                            break;
                        }
                        if !self.eat(b',') {
                            return None;
                        }
                    }
                }
                Some(Value::Array(elements))
            }
            b'"' => self.string().map(Value::String),
            b't' if self.keyword(b"true") => Some(Value::Bool(true)),
            b'f' if self.keyword(b"false") => Some(Value::Bool(false)),
            b'n' if self.keyword(b"null") => Some(Value::Null),
            b'-' | b'0'..=b'9' => self.number().map(Value::Number),
            _ => None,
        }
    }

    fn number(&mut self) -> Option<&'a [u8]> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let from = p.pos;
            while p.input.get(p.pos).is_some_and(u8::is_ascii_digit) {
                p.pos += 1;
            }
            p.pos > from
        };
        self.keyword(b"-");
        // No leading zeros: `0` alone or a digit 1–9 first.
        if self.keyword(b"0") {
            if self.input.get(self.pos).is_some_and(u8::is_ascii_digit) {
                return None;
            }
        } else if !digits(self) {
            return None;
        }
        if self.keyword(b".") && !digits(self) {
            return None;
        }
        if let Some(b'e' | b'E') = self.input.get(self.pos) {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.input.get(self.pos) {
                self.pos += 1;
            }
            if !digits(self) {
                return None;
            }
        }
        Some(&self.input[start..self.pos])
    }

    fn hex4(&mut self) -> Option<u32> {
        let hex = std::str::from_utf8(self.input.get(self.pos..self.pos + 4)?).ok()?;
        self.pos += 4;
        u32::from_str_radix(hex, 16).ok()
    }

    fn string(&mut self) -> Option<String> {
        if self.input.get(self.pos) != Some(&b'"') {
            return None;
        }
        self.pos += 1;
        let mut bytes = Vec::new();
        loop {
            let byte = *self.input.get(self.pos)?;
            self.pos += 1;
            match byte {
                b'"' => return String::from_utf8(bytes).ok(),
                b'\\' => {
                    let escaped = *self.input.get(self.pos)?;
                    self.pos += 1;
                    let c = match escaped {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let high = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&high) {
                                if !self.keyword(b"\\u") {
                                    return None;
                                }
                                let low = self.hex4()?;
                                0x10000 + ((high - 0xD800) << 10) + (low.checked_sub(0xDC00)?)
                            } else {
                                high
                            };
                            char::from_u32(code)?
                        }
                        _ => return None,
                    };
                    let mut utf8 = [0; 4];
                    bytes.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                }
                0..0x20 => return None,
                _ => bytes.push(byte),
            }
        }
    }
}

fn write_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(text) => write_numeric(text, out),
        Value::String(s) => write_string(s, out),
        Value::Array(elements) => {
            out.push(b'[');
            for (i, element) in elements.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                write_value(element, out);
            }
            out.push(b']');
        }
        Value::Object(members) => {
            out.push(b'{');
            for (i, (key, value)) in members.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                write_string(key, out);
                out.extend_from_slice(b": ");
                write_value(value, out);
            }
            out.push(b'}');
        }
    }
}

/// A JSON string as PG's `escape_json` writes it.
fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes())
            }
            c => {
                let mut utf8 = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
        }
    }
    out.push(b'"');
}

/// A JSON number as PG's numeric prints it: the exponent applied, the display
/// scale `max(0, fraction digits - exponent)`, no negative zero.
fn write_numeric(text: &[u8], out: &mut Vec<u8>) {
    let text = std::str::from_utf8(text).unwrap_or("0");
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().unwrap_or(0)),
        None => (unsigned, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
    let scale = (frac.len() as i64 - exponent).max(0) as usize;
    // Position of the decimal point within `digits`.
    let point = int.len() as i64 + exponent;
    let digit_at = |i: i64| {
        usize::try_from(i)
            .ok()
            .and_then(|i| digits.get(i).copied())
            .unwrap_or(b'0')
    };
    let mut int_part: Vec<u8> = (0..point.max(0)).map(digit_at).collect();
    let first_nonzero = int_part.iter().position(|&d| d != b'0');
    int_part.drain(..first_nonzero.unwrap_or(int_part.len()));
    if int_part.is_empty() {
        int_part.push(b'0');
    }
    let frac_part: Vec<u8> = (0..scale as i64).map(|i| digit_at(point + i)).collect();
    let zero = digits.iter().all(|&d| d == b'0');
    if negative && !zero {
        out.push(b'-');
    }
    out.extend_from_slice(&int_part);
    if !frac_part.is_empty() {
        out.push(b'.');
        out.extend_from_slice(&frac_part);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jsonb(input: &str) -> Option<String> {
        let mut out = Vec::new();
        write_jsonb(input.as_bytes(), &mut out).then(|| String::from_utf8(out).unwrap())
    }

    #[test]
    fn objects_are_sorted_by_key_length_then_bytes_and_keep_the_last_duplicate() {
        assert_eq!(
            jsonb(r#"{"bb":1,"a":{"z":[],"y":{}},"c":true,"a":null}"#).as_deref(),
            Some(r#"{"a": null, "c": true, "bb": 1}"#)
        );
        assert_eq!(
            jsonb(" [1 , \"x\" ,[ ]] ").as_deref(),
            Some(r#"[1, "x", []]"#)
        );
    }

    #[test]
    fn numbers_print_as_numerics() {
        for (input, expected) in [
            ("2.50", "2.50"),
            ("1e2", "100"),
            ("1.5E-3", "0.0015"),
            ("-0", "0"),
            ("-0.00", "0.00"),
            ("12.345e1", "123.45"),
            ("0.5e+1", "5"),
            ("-7", "-7"),
        ] {
            assert_eq!(jsonb(input).as_deref(), Some(expected), "{input}");
        }
    }

    #[test]
    fn strings_are_unescaped_and_escaped_as_postgres_does() {
        assert_eq!(
            jsonb(r#""\u00e9\/\"\\\n\u0001\ud83d\ude00""#).as_deref(),
            Some("\"é/\\\"\\\\\\n\\u0001😀\"")
        );
    }

    #[test]
    fn invalid_json_is_refused() {
        for bad in [
            "",
            "{",
            "[1,]",
            "01",
            "1.",
            "nul",
            "\"a",
            "{\"a\" 1}",
            "1 2",
        ] {
            assert_eq!(jsonb(bad), None, "{bad}");
        }
    }
}
