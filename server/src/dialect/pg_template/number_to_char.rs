//! The number-to-text walk over a numeric template's nodes (PG's to_char
//! side of NUM_processor).

use super::number_template::{LocaleSign, Nk, NumDesc, NumNode};
use super::template::Node;
use super::text::ordinal_suffix;
use super::Result;

/// The number-to-text walk over a numeric template (PG's to_char side of
/// NUM_processor).
pub(super) struct NumToChar {
    desc: NumDesc,
    num: Vec<char>,
    pos: usize,
    sign: char,
    sign_wrote: bool,
    out_pre_spaces: usize,
    num_curr: usize,
    num_count: usize,
    num_in: bool,
    last_relevant: Option<usize>,
    out: String,
}

impl NumToChar {
    /// Walks the template over the number's text and returns the output.
    pub(super) fn run(
        nodes: &[NumNode],
        mut desc: NumDesc,
        numstr: String,
        out_pre_spaces: usize,
        sign: char,
    ) -> Result<String> {
        if desc.zero_start > 0 {
            desc.zero_start -= 1;
        }
        let mut out_pre_spaces = out_pre_spaces;
        let mut sign = sign;
        if desc.roman {
            let fill = desc.fill;
            desc = NumDesc::new();
            desc.fill = fill;
            desc.roman = true;
            out_pre_spaces = 0;
        }
        let sign_wrote;
        if desc.plus || desc.minus {
            // MI/PL/SG place the sign themselves; PL alone still lets the
            // number carry a minus.
            sign_wrote = !desc.plus || desc.minus;
        } else {
            if sign != '-' && desc.fill {
                desc.bracket = false;
            }
            sign_wrote = sign == '+' && desc.fill && !desc.lsign_flag;
            if desc.lsign == LocaleSign::Pre && desc.pre == desc.pre_lsign_num {
                desc.lsign = LocaleSign::Post;
            }
        }
        if desc.roman {
            sign = '\0';
        }
        let num: Vec<char> = numstr.chars().collect();
        let mut num_count = (desc.post + desc.pre).wrapping_sub(1);
        let mut last_relevant = None;
        if desc.fill && desc.decimal {
            last_relevant = last_relevant_decimal(&num);
            if let Some(lr) = last_relevant {
                if desc.zero_end > out_pre_spaces && !num.is_empty() {
                    let last_zero = (num.len() - 1).min(desc.zero_end - out_pre_spaces);
                    if lr < last_zero {
                        last_relevant = Some(last_zero);
                    }
                }
            }
        }
        if !sign_wrote && out_pre_spaces == 0 {
            num_count = num_count.wrapping_add(1);
        }
        let mut p = NumToChar {
            desc,
            num,
            pos: 0,
            sign,
            sign_wrote,
            out_pre_spaces,
            num_curr: 0,
            num_count,
            num_in: false,
            last_relevant,
            out: String::new(),
        };
        for node in nodes {
            let k = match node {
                Node::Literal(c, _) => {
                    p.out.push(*c);
                    continue;
                }
                Node::Action(k, _) => k.1,
            };
            match k {
                Nk::Nine | Nk::Zero | Nk::Dec | Nk::D => p.numpart(k),
                Nk::Comma | Nk::G => {
                    if p.num_in {
                        p.out.push(',');
                    } else if !p.desc.fill {
                        p.out.push(' ');
                    }
                }
                Nk::L => p.out.push(' '),
                Nk::Rn(upper) => {
                    let r: String = p.num.iter().collect();
                    let r = if upper { r } else { r.to_ascii_lowercase() };
                    if p.desc.fill {
                        p.out.push_str(&r);
                    } else {
                        p.out.push_str(&format!("{r:>15}"));
                    }
                }
                Nk::Th(upper) => {
                    if p.desc.roman
                        || p.num.first() == Some(&'#')
                        || p.sign == '-'
                        || p.desc.decimal
                    {
                        continue;
                    }
                    let s: String = p.num.iter().collect();
                    p.out.push_str(ordinal_suffix(&s, upper)?);
                }
                Nk::Mi => {
                    if p.sign == '-' {
                        p.out.push('-');
                    } else if !p.desc.fill {
                        p.out.push(' ');
                    }
                }
                Nk::Pl => {
                    if p.sign == '+' {
                        p.out.push('+');
                    } else if !p.desc.fill {
                        p.out.push(' ');
                    }
                }
                Nk::Sg => p.out.push(p.sign),
                Nk::B | Nk::C | Nk::Eeee | Nk::Fm | Nk::Pr | Nk::Sp | Nk::S | Nk::V => {}
            }
        }
        // PG's output is a C string: a NUL written into it ends it.
        let mut out = p.out;
        if let Some(cut) = out.find('\0') {
            out.truncate(cut);
        }
        Ok(out)
    }

    fn cur(&self) -> char {
        self.num.get(self.pos).copied().unwrap_or('\0')
    }

    fn last_relevant_is_point(&self) -> bool {
        matches!(self.last_relevant, Some(i) if self.num.get(i) == Some(&'.'))
    }

    /// "0.1" under "9.9" prints " .1": the leading zero becomes a blank.
    fn predec_space(&self) -> bool {
        !self.desc.zero && self.pos == 0 && self.num.first() == Some(&'0') && self.desc.post != 0
    }

    fn push_sign(&mut self, s: char) {
        self.out.push(s);
    }

    fn numpart(&mut self, id: Nk) {
        if self.desc.roman {
            return;
        }
        let d = &self.desc;
        if !self.sign_wrote
            && (self.num_curr >= self.out_pre_spaces || (d.zero && d.zero_start == self.num_curr))
            && (!self.predec_space() || self.last_relevant_is_point())
        {
            if self.desc.lsign_flag {
                if self.desc.lsign == LocaleSign::Pre {
                    let s = if self.sign == '-' { '-' } else { '+' };
                    self.push_sign(s);
                    self.sign_wrote = true;
                }
            } else if self.desc.bracket {
                let s = if self.sign == '+' { ' ' } else { '<' };
                self.push_sign(s);
                self.sign_wrote = true;
            } else if self.sign == '+' {
                if !self.desc.fill {
                    self.out.push(' ');
                }
                self.sign_wrote = true;
            } else if self.sign == '-' {
                self.out.push('-');
                self.sign_wrote = true;
            }
        }

        let d = &self.desc;
        if self.num_curr < self.out_pre_spaces && (d.zero_start > self.num_curr || !d.zero) {
            if !d.fill {
                self.out.push(' ');
            }
        } else if d.zero && self.num_curr < self.out_pre_spaces && d.zero_start <= self.num_curr {
            self.out.push('0');
            self.num_in = true;
        } else {
            if self.cur() == '.' {
                if !self.last_relevant_is_point() || self.desc.fill {
                    self.out.push('.');
                }
                // A group separator right after the point prints blank.
                self.num_in = false;
            } else if matches!(self.last_relevant, Some(lr) if self.pos > lr) && id != Nk::Zero {
                // Trailing zeros dropped by FM.
            } else if self.predec_space() {
                if !self.desc.fill {
                    self.out.push(' ');
                } else if self.last_relevant_is_point() {
                    self.out.push('0');
                }
            } else {
                let c = self.cur();
                self.out.push(c);
                self.num_in = true;
            }
            if self.pos < self.num.len() {
                self.pos += 1;
            }
        }

        let mut end = self
            .num_count
            .wrapping_add(usize::from(self.out_pre_spaces > 0))
            .wrapping_add(usize::from(self.desc.decimal));
        if self.last_relevant == Some(self.pos) {
            end = self.num_curr;
        }
        if self.num_curr.wrapping_add(1) == end {
            if self.sign_wrote && self.desc.bracket {
                let s = if self.sign == '+' { ' ' } else { '>' };
                self.push_sign(s);
            } else if self.desc.lsign_flag && self.desc.lsign == LocaleSign::Post {
                let s = if self.sign == '-' { '-' } else { '+' };
                self.push_sign(s);
            }
        }
        self.num_curr += 1;
    }
}

/// Index of the last non-zero fraction digit, or of the point when the
/// fraction is all zeros; `None` without a point.
fn last_relevant_decimal(num: &[char]) -> Option<usize> {
    let point = num.iter().position(|&c| c == '.')?;
    let mut result = point;
    for (i, &c) in num.iter().enumerate().skip(point + 1) {
        if c != '0' {
            result = i;
        }
    }
    Some(result)
}
