//! Exact decimal arithmetic on a value's text: parsing, rounding, shifting
//! and PG's plain and scientific numeric output.

use super::text::{is_space, strtol};
use super::{TemplateError, INVALID_TEXT_REPRESENTATION};

/// A decimal value as text pieces: sign, integer digits (no leading zeros,
/// possibly empty) and fraction digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Decimal {
    Finite {
        neg: bool,
        int: Vec<u8>,
        frac: Vec<u8>,
    },
    NaN,
    Inf(bool),
}

/// PG's error for text that is not a number of type `ty`.
pub(super) fn bad_number(text: &str, ty: &str) -> TemplateError {
    TemplateError::new(
        INVALID_TEXT_REPRESENTATION,
        format!("invalid input syntax for type {ty}: \"{text}\""),
    )
}

impl Decimal {
    /// Parses numeric text: `[+-]digits[.digits][e[+-]digits]`, `NaN`,
    /// `[+-]Infinity`.
    pub(super) fn parse(text: &str) -> Option<Decimal> {
        let t = text.trim_matches(is_space);
        let lower = t.to_ascii_lowercase();
        match lower.as_str() {
            "nan" => return Some(Decimal::NaN),
            "infinity" | "+infinity" | "inf" | "+inf" => return Some(Decimal::Inf(false)),
            "-infinity" | "-inf" => return Some(Decimal::Inf(true)),
            _ => {}
        }
        let b = t.as_bytes();
        let mut p = 0;
        let mut neg = false;
        if p < b.len() && (b[p] == b'+' || b[p] == b'-') {
            neg = b[p] == b'-';
            p += 1;
        }
        let mut int = Vec::new();
        let mut frac = Vec::new();
        while p < b.len() && b[p].is_ascii_digit() {
            int.push(b[p] - b'0');
            p += 1;
        }
        if p < b.len() && b[p] == b'.' {
            p += 1;
            while p < b.len() && b[p].is_ascii_digit() {
                frac.push(b[p] - b'0');
                p += 1;
            }
        }
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let mut exp: i64 = 0;
        if p < b.len() && (b[p] == b'e' || b[p] == b'E') {
            p += 1;
            let (e, end, overflow) = strtol(&b[p..], 0);
            if end == 0 || overflow || e.abs() > 100_000 {
                return None;
            }
            exp = e;
            p += end;
        }
        if p != b.len() {
            return None;
        }
        // Apply the exponent by moving digits across the point.
        Some(Decimal::Finite { neg, int, frac }.shift(exp))
    }

    fn normalize(&mut self) {
        if let Decimal::Finite { neg, int, frac } = self {
            let lead = int.iter().take_while(|&&d| d == 0).count();
            int.drain(..lead);
            if int.is_empty() && frac.iter().all(|&d| d == 0) {
                *neg = false;
            }
        }
    }

    /// Rounds half away from zero to exactly `scale` fraction digits.
    pub(super) fn round(&self, scale: usize) -> Decimal {
        let Decimal::Finite { neg, int, frac } = self else {
            return self.clone();
        };
        let mut int = int.clone();
        let mut frac = frac.clone();
        if frac.len() > scale {
            let up = frac[scale] >= 5;
            frac.truncate(scale);
            if up {
                let mut carry = true;
                for d in frac.iter_mut().rev().chain(int.iter_mut().rev()) {
                    if *d == 9 {
                        *d = 0;
                    } else {
                        *d += 1;
                        carry = false;
                        break;
                    }
                }
                if carry {
                    int.insert(0, 1);
                }
            }
        }
        frac.resize(scale, 0);
        let mut d = Decimal::Finite {
            neg: *neg,
            int,
            frac,
        };
        d.normalize();
        d
    }

    /// Multiplies by 10^k (k may be negative), keeping every digit.
    pub(super) fn shift(&self, k: i64) -> Decimal {
        let Decimal::Finite { neg, int, frac } = self else {
            return self.clone();
        };
        let mut int = int.clone();
        let mut frac = frac.clone();
        let mut k = k;
        while k > 0 {
            int.push(if frac.is_empty() { 0 } else { frac.remove(0) });
            k -= 1;
        }
        while k < 0 {
            frac.insert(0, int.pop().unwrap_or(0));
            k += 1;
        }
        let mut d = Decimal::Finite {
            neg: *neg,
            int,
            frac,
        };
        d.normalize();
        d
    }

    /// PG's numeric_out: integer part ("0" when empty) and every fraction
    /// digit kept.
    pub(super) fn to_text(&self) -> String {
        match self {
            Decimal::NaN => "NaN".to_string(),
            Decimal::Inf(false) => "Infinity".to_string(),
            Decimal::Inf(true) => "-Infinity".to_string(),
            Decimal::Finite { neg, int, frac } => {
                let mut s = String::new();
                if *neg {
                    s.push('-');
                }
                if int.is_empty() {
                    s.push('0');
                } else {
                    s.extend(int.iter().map(|d| char::from(b'0' + d)));
                }
                if !frac.is_empty() {
                    s.push('.');
                    s.extend(frac.iter().map(|d| char::from(b'0' + d)));
                }
                s
            }
        }
    }

    /// PG's numeric_out_sci: one digit before the point, `scale` after,
    /// exponent with sign and at least two digits. Rounding that carries
    /// into a new digit keeps the exponent (9.99 to one place is
    /// `10.0e+00`), as in PG.
    pub(super) fn to_sci(&self, scale: usize) -> String {
        let Decimal::Finite { neg, int, frac } = self else {
            return self.to_text();
        };
        let digits: Vec<u8> = int.iter().chain(frac.iter()).copied().collect();
        let exponent = match digits.iter().position(|&d| d != 0) {
            Some(first) => int.len() as i64 - 1 - first as i64,
            None => 0,
        };
        let sig = Decimal::Finite {
            neg: *neg,
            int: int.clone(),
            frac: frac.clone(),
        }
        .shift(-exponent)
        .round(scale);
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", sig.to_text(), exponent.abs())
    }
}
