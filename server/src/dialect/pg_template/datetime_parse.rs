//! Reading text with a date/time template into the fields it sets (PG's
//! DCH_from_char), for `to_timestamp` and `to_date`.

use super::datetime_template::{DateMode, DchKeyword, Dk};
use super::template::{LitClass, Node, Suffix};
use super::text::{is_separator, is_space, mblen, strtol, DAYS_FULL, MONTHS_FULL, ROMAN_MONTHS};
use super::{
    Result, TemplateError, DATETIME_FIELD_OVERFLOW, FEATURE_NOT_SUPPORTED, INVALID_DATETIME_FORMAT,
};

/// The fields a template sets while parsing (PG's `TmFromChar`); zero means
/// "not given".
#[derive(Default)]
pub(super) struct FromChar {
    pub(super) mode: Option<DateMode>,
    pub(super) hh: i64,
    pub(super) pm: i64,
    pub(super) mi: i64,
    pub(super) ss: i64,
    pub(super) ssss: i64,
    pub(super) d: i64,
    pub(super) dd: i64,
    pub(super) ddd: i64,
    pub(super) mm: i64,
    pub(super) ms: i64,
    pub(super) year: i64,
    pub(super) bc: i64,
    pub(super) ww: i64,
    pub(super) w: i64,
    pub(super) cc: i64,
    pub(super) j: i64,
    pub(super) us: i64,
    pub(super) yysz: i64,
    pub(super) clock12: bool,
    pub(super) tzsign: i64,
    pub(super) tzh: i64,
    pub(super) tzm: i64,
    pub(super) ff: i64,
}

fn set_field(dest: &mut i64, value: i64, kw: &DchKeyword) -> Result<()> {
    if *dest != 0 && *dest != value {
        return Err(TemplateError::new(
            INVALID_DATETIME_FORMAT,
            format!(
                "conflicting values for \"{}\" field in formatting string",
                kw.name
            ),
        )
        .detail("This value contradicts a previous setting for the same field type."));
    }
    *dest = value;
    Ok(())
}

/// The text-to-fields walk over a date/time template (PG's DCH_from_char).
pub(super) struct DchParser<'a> {
    pub(super) nodes: &'a [Node<DchKeyword>],
    pub(super) s: &'a [u8],
    pub(super) pos: usize,
    pub(super) out: FromChar,
}

const FM_HINT: &str = "If your source string is not fixed-width, try using the \"FM\" modifier.";

impl DchParser<'_> {
    /// Whether the node after `idx` cannot be part of a number, so a number
    /// at `idx` may run as long as it has digits.
    fn next_is_separator(&self, idx: usize) -> bool {
        if let Some(Node::Action(_, suf)) = self.nodes.get(idx) {
            if suf.th.is_some() {
                return true;
            }
        }
        match self.nodes.get(idx + 1) {
            None => true,
            Some(Node::Action(k, _)) => !k.digits,
            Some(Node::Literal(c, _)) => !c.is_ascii_digit(),
        }
    }

    /// Reads an integer of `len` characters (or as many digits as there are,
    /// under FM or before a separator); returns the value and the number of
    /// characters consumed.
    fn parse_int(
        &mut self,
        idx: usize,
        kw: &DchKeyword,
        len: usize,
        fm: bool,
    ) -> Result<(i64, usize)> {
        let init = self.pos;
        while self.pos < self.s.len() && is_space(self.s[self.pos]) {
            self.pos += 1;
        }
        let remaining = self.s.len() - self.pos;
        let copy_bytes = &self.s[self.pos..self.pos + remaining.min(len)];
        let copy = String::from_utf8_lossy(copy_bytes).into_owned();
        let (value, overflow);
        if fm || self.next_is_separator(idx) {
            let (v, end, o) = strtol(self.s, init);
            value = v;
            overflow = o;
            self.pos = end;
        } else {
            if remaining < len {
                return Err(TemplateError::new(
                    INVALID_DATETIME_FORMAT,
                    format!(
                        "source string too short for \"{}\" formatting field",
                        kw.name
                    ),
                )
                .detail(format!(
                    "Field requires {len} characters, but only {remaining} remain."
                ))
                .hint(FM_HINT));
            }
            let (v, end, o) = strtol(copy_bytes, 0);
            if end > 0 && end < len {
                return Err(TemplateError::new(
                    INVALID_DATETIME_FORMAT,
                    format!("invalid value \"{copy}\" for \"{}\"", kw.name),
                )
                .detail(format!(
                    "Field requires {len} characters, but only {end} could be parsed."
                ))
                .hint(FM_HINT));
            }
            value = v;
            overflow = o;
            self.pos += end;
        }
        if self.pos == init {
            return Err(TemplateError::new(
                INVALID_DATETIME_FORMAT,
                format!("invalid value \"{copy}\" for \"{}\"", kw.name),
            )
            .detail("Value must be an integer."));
        }
        if overflow || value < i64::from(i32::MIN) || value > i64::from(i32::MAX) {
            return Err(TemplateError::new(
                DATETIME_FIELD_OVERFLOW,
                format!("value for \"{}\" in source string is out of range", kw.name),
            )
            .detail("Value must be in the range -2147483648 to 2147483647."));
        }
        Ok((value, self.pos - init))
    }

    /// Matches one of `words` (case-insensitively, first match wins) and
    /// returns its index.
    fn seq_search(&mut self, words: &[&str], kw: &DchKeyword) -> Result<usize> {
        let rest = &self.s[self.pos..];
        for (i, word) in words.iter().enumerate() {
            let n = word.len();
            if n <= rest.len()
                && word
                    .bytes()
                    .zip(rest)
                    .all(|(a, b)| a.eq_ignore_ascii_case(b))
            {
                self.pos += n;
                return Ok(i);
            }
        }
        let end = rest
            .iter()
            .position(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0C'))
            .unwrap_or(rest.len());
        let shown = String::from_utf8_lossy(&rest[..end]);
        Err(TemplateError::new(
            INVALID_DATETIME_FORMAT,
            format!("invalid value \"{shown}\" for \"{}\"", kw.name),
        )
        .detail("The given value did not match any of the allowed values for this field."))
    }

    /// Reads an integer of `len` characters into the field `dest` picks,
    /// then steps over a TH/th suffix.
    fn read_int_field(
        &mut self,
        idx: usize,
        kw: &DchKeyword,
        len: usize,
        suf: Suffix,
        dest: fn(&mut FromChar) -> &mut i64,
    ) -> Result<()> {
        let (v, _) = self.parse_int(idx, kw, len, suf.fm)?;
        set_field(dest(&mut self.out), v, kw)?;
        self.skip_th(suf);
        Ok(())
    }

    fn skip_th(&mut self, suf: Suffix) {
        if suf.th.is_some() {
            self.skip_char();
            self.skip_char();
        }
    }

    /// Steps over one (possibly multi-byte) input character.
    fn skip_char(&mut self) {
        if let Some(&b) = self.s.get(self.pos) {
            self.pos = (self.pos + mblen(b)).min(self.s.len());
        }
    }

    fn at(&self, p: usize) -> Option<u8> {
        self.s.get(p).copied()
    }

    /// Reads the whole input against the template into `out`.
    pub(super) fn run(&mut self) -> Result<()> {
        let mut fx = false;
        // Characters skipped beyond what the template asked for.
        let mut extra_skip: i64 = 0;
        let mut idx = 0;
        while idx < self.nodes.len() && self.pos < self.s.len() {
            let node = &self.nodes[idx];
            let is_fx = matches!(node, Node::Action(k, _) if k.id == Dk::Fx);
            if !fx && !is_fx && (matches!(node, Node::Action(..)) || idx == 0) {
                while self.pos < self.s.len() && is_space(self.s[self.pos]) {
                    self.pos += 1;
                    extra_skip += 1;
                }
            }
            let (kw, suf) = match node {
                Node::Literal(_, LitClass::Space | LitClass::Separator) => {
                    if !fx {
                        extra_skip -= 1;
                        if let Some(c) = self.at(self.pos) {
                            if is_space(c) || is_separator(c) {
                                self.pos += 1;
                                extra_skip += 1;
                            }
                        }
                    } else {
                        self.skip_char();
                    }
                    idx += 1;
                    continue;
                }
                Node::Literal(_, LitClass::Text) => {
                    if !fx && extra_skip > 0 {
                        extra_skip -= 1;
                    } else {
                        self.skip_char();
                    }
                    idx += 1;
                    continue;
                }
                Node::Action(k, s) => (*k, *s),
            };
            if kw.mode != DateMode::None {
                match self.out.mode {
                    None => self.out.mode = Some(kw.mode),
                    Some(m) if m != kw.mode => {
                        return Err(TemplateError::new(
                            INVALID_DATETIME_FORMAT,
                            "invalid combination of date conventions",
                        )
                        .hint("Do not mix Gregorian and ISO week date conventions in a formatting template."));
                    }
                    Some(_) => {}
                }
            }
            let keylen = kw.name.chars().count();
            match kw.id {
                Dk::Fx => fx = true,
                Dk::MeridiemDots(_) => {
                    let v = self.seq_search(&["a.m.", "p.m.", "A.M.", "P.M."], kw)?;
                    set_field(&mut self.out.pm, (v % 2) as i64, kw)?;
                    self.out.clock12 = true;
                }
                Dk::Meridiem(_) => {
                    let v = self.seq_search(&["am", "pm", "AM", "PM"], kw)?;
                    set_field(&mut self.out.pm, (v % 2) as i64, kw)?;
                    self.out.clock12 = true;
                }
                Dk::Hh | Dk::Hh12 | Dk::Hh24 => {
                    let (v, _) = self.parse_int(idx, kw, 2, suf.fm)?;
                    set_field(&mut self.out.hh, v, kw)?;
                    if kw.id != Dk::Hh24 {
                        self.out.clock12 = true;
                    }
                    self.skip_th(suf);
                }
                Dk::Mi => self.read_int_field(idx, kw, keylen, suf, |o| &mut o.mi)?,
                Dk::Ss => self.read_int_field(idx, kw, keylen, suf, |o| &mut o.ss)?,
                Dk::Ms => {
                    let (v, n) = self.parse_int(idx, kw, 3, suf.fm)?;
                    set_field(&mut self.out.ms, v, kw)?;
                    // "25" is 0.25 s, not 0.025 s.
                    self.out.ms *= match n {
                        1 => 100,
                        2 => 10,
                        _ => 1,
                    };
                    self.skip_th(suf);
                }
                Dk::Ff(_) | Dk::Us => {
                    let len = if let Dk::Ff(n) = kw.id {
                        self.out.ff = i64::from(n);
                        n as usize
                    } else {
                        6
                    };
                    let (v, n) = self.parse_int(idx, kw, len, suf.fm)?;
                    set_field(&mut self.out.us, v, kw)?;
                    self.out.us *= match n {
                        1 => 100_000,
                        2 => 10_000,
                        3 => 1000,
                        4 => 100,
                        5 => 10,
                        _ => 1,
                    };
                    self.skip_th(suf);
                }
                Dk::Ssss | Dk::Sssss => {
                    self.read_int_field(idx, kw, keylen, suf, |o| &mut o.ssss)?
                }
                Dk::Tz(_) | Dk::Of => {
                    return Err(TemplateError::new(
                        FEATURE_NOT_SUPPORTED,
                        format!(
                            "formatting field \"{}\" is only supported in to_char",
                            kw.name
                        ),
                    ));
                }
                Dk::Tzh => {
                    // A minus sign may have been skipped as a separator.
                    match self.at(self.pos) {
                        Some(c @ (b'+' | b'-' | b' ')) => {
                            self.out.tzsign = if c == b'-' { -1 } else { 1 };
                            self.pos += 1;
                        }
                        _ => {
                            let prev_minus = self.pos > 0 && self.s[self.pos - 1] == b'-';
                            self.out.tzsign = if extra_skip > 0 && prev_minus { -1 } else { 1 };
                        }
                    }
                    let (v, _) = self.parse_int(idx, kw, 2, suf.fm)?;
                    set_field(&mut self.out.tzh, v, kw)?;
                }
                Dk::Tzm => {
                    if self.out.tzsign == 0 {
                        self.out.tzsign = 1;
                    }
                    let (v, _) = self.parse_int(idx, kw, 2, suf.fm)?;
                    set_field(&mut self.out.tzm, v, kw)?;
                }
                Dk::EraDots(_) => {
                    let v = self.seq_search(&["a.d.", "b.c.", "A.D.", "B.C."], kw)?;
                    set_field(&mut self.out.bc, (v % 2) as i64, kw)?;
                }
                Dk::Era(_) => {
                    let v = self.seq_search(&["ad", "bc", "AD", "BC"], kw)?;
                    set_field(&mut self.out.bc, (v % 2) as i64, kw)?;
                }
                Dk::Month(_) => {
                    let v = self.seq_search(&MONTHS_FULL, kw)?;
                    set_field(&mut self.out.mm, v as i64 + 1, kw)?;
                }
                Dk::Mon(_) => {
                    let abbrev: Vec<&str> = MONTHS_FULL.iter().map(|m| &m[..3]).collect();
                    let v = self.seq_search(&abbrev, kw)?;
                    set_field(&mut self.out.mm, v as i64 + 1, kw)?;
                }
                Dk::Mm => self.read_int_field(idx, kw, keylen, suf, |o| &mut o.mm)?,
                Dk::Day(_) => {
                    let v = self.seq_search(&DAYS_FULL, kw)?;
                    set_field(&mut self.out.d, v as i64, kw)?;
                    self.out.d += 1;
                }
                Dk::Dy(_) => {
                    let abbrev: Vec<&str> = DAYS_FULL.iter().map(|d| &d[..3]).collect();
                    let v = self.seq_search(&abbrev, kw)?;
                    set_field(&mut self.out.d, v as i64, kw)?;
                    self.out.d += 1;
                }
                Dk::Ddd => self.read_int_field(idx, kw, keylen, suf, |o| &mut o.ddd)?,
                Dk::Iddd => self.read_int_field(idx, kw, 3, suf, |o| &mut o.ddd)?,
                Dk::Dd => self.read_int_field(idx, kw, keylen, suf, |o| &mut o.dd)?,
                Dk::D => self.read_int_field(idx, kw, keylen, suf, |o| &mut o.d)?,
                Dk::Id => {
                    let (v, _) = self.parse_int(idx, kw, 1, suf.fm)?;
                    set_field(&mut self.out.d, v, kw)?;
                    // ISO Monday=1..Sunday=7 onto Sunday=1..Saturday=7.
                    self.out.d += 1;
                    if self.out.d > 7 {
                        self.out.d = 1;
                    }
                    self.skip_th(suf);
                }
                Dk::Ww | Dk::Iw => self.read_int_field(idx, kw, keylen, suf, |o| &mut o.ww)?,
                Dk::Q => {
                    // Read and ignored, as in PG.
                    self.parse_int(idx, kw, keylen, suf.fm)?;
                    self.skip_th(suf);
                }
                Dk::Cc => self.read_int_field(idx, kw, keylen, suf, |o| &mut o.cc)?,
                Dk::YComma => {
                    let (years, used) = scan_year_comma(&self.s[self.pos..]).ok_or_else(|| {
                        TemplateError::new(
                            INVALID_DATETIME_FORMAT,
                            "invalid input string for \"Y,YYY\"",
                        )
                    })?;
                    set_field(&mut self.out.year, years, kw)?;
                    self.out.yysz = 4;
                    self.pos += used;
                    self.skip_th(suf);
                }
                Dk::Yyyy | Dk::Iyyy => {
                    let (v, _) = self.parse_int(idx, kw, keylen, suf.fm)?;
                    set_field(&mut self.out.year, v, kw)?;
                    self.out.yysz = 4;
                    self.skip_th(suf);
                }
                Dk::Yyy | Dk::Iyy | Dk::Yy | Dk::Iy | Dk::Y | Dk::I => {
                    let (v, n) = self.parse_int(idx, kw, keylen, suf.fm)?;
                    set_field(&mut self.out.year, v, kw)?;
                    if n < 4 {
                        self.out.year = year_toward_2020(self.out.year);
                    }
                    self.out.yysz = keylen as i64;
                    self.skip_th(suf);
                }
                Dk::Rm(_) => {
                    let lower: Vec<String> = ROMAN_MONTHS
                        .iter()
                        .map(|r| r.to_ascii_lowercase())
                        .collect();
                    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
                    let v = self.seq_search(&lower, kw)?;
                    set_field(&mut self.out.mm, 12 - v as i64, kw)?;
                }
                Dk::W => self.read_int_field(idx, kw, keylen, suf, |o| &mut o.w)?,
                Dk::J => self.read_int_field(idx, kw, keylen, suf, |o| &mut o.j)?,
            }
            if !fx {
                extra_skip = 0;
                while self.pos < self.s.len() && is_space(self.s[self.pos]) {
                    self.pos += 1;
                    extra_skip += 1;
                }
            }
            idx += 1;
        }
        Ok(())
    }
}

/// `sscanf(s, "%d,%03d%n")`: thousands, a comma, then up to three
/// characters of the rest. Returns the year and the characters used.
fn scan_year_comma(s: &[u8]) -> Option<(i64, usize)> {
    let (thousands, end, _) = strtol(s, 0);
    if end == 0 || s.get(end) != Some(&b',') {
        return None;
    }
    // %03d: white space first, then at most three characters (sign
    // included).
    let mut p = end + 1;
    while p < s.len() && is_space(s[p]) {
        p += 1;
    }
    let field_end = (p + 3).min(s.len());
    let field = &s[p..field_end];
    let (rest, used, _) = strtol(field, 0);
    if used == 0 {
        return None;
    }
    let years = (rest as i32).wrapping_add((thousands as i32).wrapping_mul(1000));
    Some((i64::from(years), p + used))
}

/// Two- and three-digit years count toward 2020 ('70' is 1970, '69' 2069).
fn year_toward_2020(year: i64) -> i64 {
    if year < 70 {
        year + 2000
    } else if year < 100 {
        year + 1900
    } else if year < 520 {
        year + 2000
    } else if year < 1000 {
        year + 1000
    } else {
        year
    }
}
