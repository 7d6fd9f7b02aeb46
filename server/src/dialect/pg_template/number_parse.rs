//! `to_number`: reading text with a numeric template into numeric text
//! (PG's to_number side of NUM_processor).

use super::decimal::{bad_number, Decimal};
use super::number_template::{LocaleSign, Nk, NumDesc, NumNode, NumberTemplate};
use super::template::Node;
use super::text::mblen;
use super::{Result, TemplateError, NUMERIC_VALUE_OUT_OF_RANGE};

/// `to_number(text, template)`: the value as numeric text (PG's scale
/// included). `Ok(None)` is SQL NULL, which PG returns for an empty
/// template.
pub fn parse_number(text: &str, template: &str) -> Result<Option<String>> {
    NumberTemplate::new(template).parse(text)
}

impl NumberTemplate {
    /// Same as [`parse_number`].
    pub fn parse(&self, text: &str) -> Result<Option<String>> {
        if self.empty {
            return Ok(None);
        }
        parse_number_with(&self.nodes, &self.desc.clone()?, text)
    }
}

fn parse_number_with(nodes: &[NumNode], desc: &NumDesc, text: &str) -> Result<Option<String>> {
    if desc.eeee {
        return Err(TemplateError::unsupported(
            "\"EEEE\" not supported for input",
        ));
    }
    if desc.roman {
        return Err(TemplateError::unsupported("\"RN\" not supported for input"));
    }
    let mut p = NumFromChar {
        desc,
        s: text.as_bytes(),
        pos: 0,
        sign: ' ',
        digits: String::new(),
        read_pre: 0,
        read_post: 0,
        read_dec: false,
    };
    p.run(nodes);
    let mut numstr = String::new();
    numstr.push(p.sign);
    let mut digits = p.digits.clone();
    if digits.ends_with('.') {
        digits.pop();
    }
    numstr.push_str(&digits);

    let scale = p.read_post;
    let precision = desc.pre + desc.multi + scale;
    let value = Decimal::parse(&numstr)
        .filter(|d| matches!(d, Decimal::Finite { .. }))
        .ok_or_else(|| bad_number(&numstr, "numeric"))?;
    let value = value.round(scale);
    if let Decimal::Finite { int, .. } = &value {
        let max_digits = precision.saturating_sub(scale);
        if int.len() > max_digits {
            let bound = if max_digits > 0 {
                format!("10^{max_digits}")
            } else {
                "1".to_string()
            };
            return Err(TemplateError::new(NUMERIC_VALUE_OUT_OF_RANGE, "numeric field overflow")
                .detail(format!(
                    "A field with precision {precision}, scale {scale} must round to an absolute value less than {bound}."
                )));
        }
    }
    if desc.multi_flag {
        // PG multiplies by power(10, -multi), a numeric with 16 fraction
        // digits (so 10^-17 and smaller are zero).
        const POWER_SCALE: usize = 16;
        let result = if desc.multi > POWER_SCALE {
            Decimal::Finite {
                neg: false,
                int: Vec::new(),
                frac: vec![0; scale + POWER_SCALE],
            }
        } else {
            value.shift(-(desc.multi as i64)).round(scale + POWER_SCALE)
        };
        return Ok(Some(result.to_text()));
    }
    Ok(Some(value.to_text()))
}

/// The text-to-number walk over a numeric template (PG's to_number side of
/// NUM_processor).
struct NumFromChar<'a> {
    desc: &'a NumDesc,
    s: &'a [u8],
    pos: usize,
    sign: char,
    digits: String,
    read_pre: usize,
    read_post: usize,
    read_dec: bool,
}

impl NumFromChar<'_> {
    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn cur(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    /// Steps over one (possibly multi-byte) input character.
    fn skip_char(&mut self) {
        if let Some(b) = self.cur() {
            self.pos = (self.pos + mblen(b)).min(self.s.len());
        }
    }

    /// Skips up to `n` characters that cannot belong to a number.
    fn eat_non_data(&mut self, n: usize) {
        for _ in 0..n {
            match self.cur() {
                Some(c) if !b"0123456789.,+-".contains(&c) => self.skip_char(),
                _ => break,
            }
        }
    }

    fn run(&mut self, nodes: &[NumNode]) {
        for node in nodes {
            if self.at_end() {
                break;
            }
            let k = match node {
                Node::Literal(..) => {
                    self.skip_char();
                    continue;
                }
                Node::Action(k, _) => k.1,
            };
            match k {
                Nk::Nine | Nk::Zero | Nk::Dec | Nk::D => {
                    self.numpart(k);
                }
                Nk::Comma | Nk::G => {
                    if self.desc.fill || self.cur() != Some(b',') {
                        continue;
                    }
                }
                Nk::L => {
                    self.eat_non_data(1);
                    continue;
                }
                Nk::Th(_) => {
                    if self.desc.decimal {
                        continue;
                    }
                    self.eat_non_data(2);
                    continue;
                }
                Nk::Mi | Nk::Pl => {
                    let sign = if matches!(k, Nk::Mi) { b'-' } else { b'+' };
                    if self.cur() == Some(sign) {
                        self.sign = char::from(sign);
                    } else {
                        self.eat_non_data(1);
                        continue;
                    }
                }
                Nk::Sg => match self.cur() {
                    Some(c @ (b'-' | b'+')) => self.sign = char::from(c),
                    _ => {
                        self.eat_non_data(1);
                        continue;
                    }
                },
                Nk::Rn(_) | Nk::B | Nk::C | Nk::Eeee | Nk::Fm | Nk::Pr | Nk::Sp | Nk::S | Nk::V => {
                    continue;
                }
            }
            self.pos += 1;
        }
    }

    fn numpart(&mut self, id: Nk) {
        if self.at_end() {
            return;
        }
        if self.cur() == Some(b' ') {
            self.pos += 1;
        }
        if self.at_end() {
            return;
        }
        if self.sign == ' '
            && matches!(id, Nk::Zero | Nk::Nine)
            && self.read_pre + self.read_post == 0
        {
            let c = self.cur();
            if self.desc.lsign_flag && self.desc.lsign == LocaleSign::Pre {
                if let Some(s @ (b'-' | b'+')) = c {
                    self.sign = char::from(s);
                    self.pos += 1;
                }
            } else if c == Some(b'-') || (self.desc.bracket && c == Some(b'<')) {
                self.sign = '-';
                self.pos += 1;
            } else if c == Some(b'+') {
                self.sign = '+';
                self.pos += 1;
            }
        }
        if self.at_end() {
            return;
        }
        let mut read = false;
        match self.cur() {
            Some(c) if c.is_ascii_digit() => {
                if self.read_dec && self.read_post == self.desc.post {
                    return;
                }
                self.digits.push(char::from(c));
                if self.read_dec {
                    self.read_post += 1;
                } else {
                    self.read_pre += 1;
                }
                read = true;
            }
            Some(b'.') if self.desc.decimal && !self.read_dec => {
                self.digits.push('.');
                self.read_dec = true;
                read = true;
            }
            _ => {}
        }
        if self.at_end() {
            return;
        }
        if self.sign == ' ' && self.read_pre + self.read_post > 0 {
            if self.desc.lsign_flag {
                // S after the digits: try the next character as the sign.
                if read && self.pos + 1 < self.s.len() && !self.s[self.pos + 1].is_ascii_digit() {
                    if let Some(s @ (b'-' | b'+')) = self.s.get(self.pos + 1).copied() {
                        self.sign = char::from(s);
                        self.pos += 1;
                    }
                }
            } else if !read && (self.desc.plus || self.desc.minus) {
                if let Some(s @ (b'-' | b'+')) = self.cur() {
                    self.sign = char::from(s);
                }
            }
        }
    }
}
