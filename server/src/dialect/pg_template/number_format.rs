//! `to_char` of numbers: turning a value of each SQL type into the digit
//! string a numeric template asks for (PG's NUM_to_char front ends).

use super::decimal::{bad_number, Decimal};
use super::number_template::{NumDesc, NumNode, NumberTemplate};
use super::number_to_char::NumToChar;
use super::{NumberKind, Result, TemplateError, NUMERIC_VALUE_OUT_OF_RANGE};

/// Roman numeral of 1..=3999; fifteen `#` otherwise.
fn int_to_roman(n: i64) -> String {
    if !(1..=3999).contains(&n) {
        return "#".repeat(15);
    }
    const PARTS: [(i64, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut n = n;
    let mut s = String::new();
    for (v, r) in PARTS {
        while n >= v {
            s.push_str(r);
            n -= v;
        }
    }
    s
}

/// C's `%+.*e` (or `%.*e`) for a double: exponent with sign and at least
/// two digits.
fn c_exp(value: f64, prec: usize) -> String {
    let s = format!("{value:.prec$e}");
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let (esign, edigits) = match exp.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exp),
    };
    let edigits = if edigits.len() < 2 {
        format!("0{edigits}")
    } else {
        edigits.to_string()
    };
    format!("{mant}e{esign}{edigits}")
}

/// PG's printf for `%.*f`: "NaN", "Infinity", "-Infinity" for the special
/// values.
fn c_fixed(value: f64, prec: usize) -> String {
    if value.is_nan() {
        "NaN".to_string()
    } else if value.is_infinite() {
        if value > 0.0 {
            "Infinity".to_string()
        } else {
            "-Infinity".to_string()
        }
    } else {
        format!("{value:.prec$}")
    }
}

/// `#` filler of PG's overflow: `pre` and `post` digits around a point.
fn hash_fill(pre: usize, post: usize) -> String {
    let mut s = "#".repeat(pre + post + 1);
    s.replace_range(pre..=pre, ".");
    s
}

/// `to_char(numeric, template)`; `decimal_text` is the value's text
/// (`"-1234.5678"`, `"NaN"`, `"Infinity"`). Integers and floats format
/// differently in PG: use [`format_number_as`] for them.
pub fn format_number(decimal_text: &str, template: &str) -> Result<String> {
    format_number_as(NumberKind::Numeric, decimal_text, template)
}

/// `to_char(value, template)` for a value of SQL type `kind` given as its
/// decimal text: integers as digits; floats as any text that parses back to
/// the same value of that width (Rust's `to_string()` of the `f32` or
/// `f64`, `"NaN"`, `"inf"`, `"-Infinity"`); numeric as its exact text. An
/// empty template gives an empty string, as in PG.
pub fn format_number_as(kind: NumberKind, text: &str, template: &str) -> Result<String> {
    NumberTemplate::new(template).format(kind, text)
}

impl NumberTemplate {
    /// Same as [`format_number_as`].
    pub fn format(&self, kind: NumberKind, text: &str) -> Result<String> {
        if self.empty {
            return Ok(String::new());
        }
        format_with(&self.nodes, self.desc.clone()?, kind, text)
    }
}

fn format_with(
    nodes: &[NumNode],
    mut desc: NumDesc,
    kind: NumberKind,
    text: &str,
) -> Result<String> {
    let mut sign = '+';
    let mut out_pre_spaces = 0;
    let numstr: String;

    // Pads or overflows the integer part against the template's digits.
    let fit = |num: String, pre: usize, post: usize, out_pre_spaces: &mut usize| -> String {
        let pre_len = num.find('.').unwrap_or(num.len());
        if pre_len < pre {
            *out_pre_spaces = pre - pre_len;
            num
        } else if pre_len > pre {
            hash_fill(pre, post)
        } else {
            num
        }
    };

    match kind {
        NumberKind::Numeric => {
            let value = Decimal::parse(text).ok_or_else(|| bad_number(text, "numeric"))?;
            if desc.roman {
                let n = match value.round(0) {
                    Decimal::NaN => {
                        return Err(TemplateError::unsupported("cannot convert NaN to integer"))
                    }
                    Decimal::Inf(_) => {
                        return Err(TemplateError::unsupported(
                            "cannot convert infinity to integer",
                        ))
                    }
                    v => v.to_text().parse::<i32>().map_err(|_| {
                        TemplateError::new(NUMERIC_VALUE_OUT_OF_RANGE, "integer out of range")
                    })?,
                };
                numstr = int_to_roman(i64::from(n));
                sign = '\0';
            } else if desc.eeee {
                numstr = eeee_text(&value.to_sci(desc.post), &desc);
            } else {
                let mut v = value;
                if desc.multi_flag {
                    v = v.shift(desc.multi as i64);
                    desc.pre += desc.multi;
                }
                let mut s = v.round(desc.post).to_text();
                if let Some(rest) = s.strip_prefix('-') {
                    sign = '-';
                    s = rest.to_string();
                }
                numstr = fit(s, desc.pre, desc.post, &mut out_pre_spaces);
            }
        }
        NumberKind::Int4 | NumberKind::Int8 => {
            let int4 = kind == NumberKind::Int4;
            let value: i64 = if int4 {
                text.trim()
                    .parse::<i32>()
                    .map(i64::from)
                    .map_err(|_| bad_number(text, "integer"))?
            } else {
                text.trim()
                    .parse::<i64>()
                    .map_err(|_| bad_number(text, "bigint"))?
            };
            if desc.roman {
                if !int4 && i32::try_from(value).is_err() {
                    return Err(TemplateError::new(
                        NUMERIC_VALUE_OUT_OF_RANGE,
                        "integer out of range",
                    ));
                }
                numstr = int_to_roman(value);
                sign = '\0';
            } else if desc.eeee {
                let s = if int4 {
                    c_exp(value as f64, desc.post)
                } else {
                    Decimal::parse(&value.to_string())
                        .map(|d| d.to_sci(desc.post))
                        .unwrap_or_default()
                };
                numstr = eeee_text(&s, &desc);
            } else {
                let mut v = value;
                if desc.multi_flag {
                    if int4 {
                        // C int arithmetic: wraps, and 10^k past INT_MAX
                        // converts to INT_MIN.
                        let factor = if desc.multi <= 9 {
                            10_i32.pow(desc.multi as u32)
                        } else {
                            i32::MIN
                        };
                        v = i64::from((value as i32).wrapping_mul(factor));
                    } else {
                        let factor = if desc.multi <= 18 {
                            10_i64.pow(desc.multi as u32)
                        } else {
                            i64::MIN
                        };
                        v = value.checked_mul(factor).ok_or_else(|| {
                            TemplateError::new(NUMERIC_VALUE_OUT_OF_RANGE, "bigint out of range")
                        })?;
                    }
                    desc.pre += desc.multi;
                }
                let mut s = v.unsigned_abs().to_string();
                if v < 0 {
                    sign = '-';
                }
                if desc.post > 0 {
                    s.push('.');
                    s.push_str(&"0".repeat(desc.post));
                }
                numstr = fit(s, desc.pre, desc.post, &mut out_pre_spaces);
            }
        }
        NumberKind::Float4 | NumberKind::Float8 => {
            let f4 = kind == NumberKind::Float4;
            let bad = || bad_number(text, if f4 { "real" } else { "double precision" });
            let t = text.trim();
            let value: f64 = if f4 {
                f64::from(t.parse::<f32>().map_err(|_| bad())?)
            } else {
                t.parse::<f64>().map_err(|_| bad())?
            };
            if desc.roman {
                let r = value.round_ties_even();
                // C's (int) conversion gives INT_MIN when out of range.
                let n = if r.is_nan() || r < f64::from(i32::MIN) || r > f64::from(i32::MAX) {
                    i64::from(i32::MIN)
                } else {
                    r as i64
                };
                numstr = int_to_roman(n);
                sign = '\0';
            } else if desc.eeee {
                if value.is_nan() || value.is_infinite() {
                    numstr = eeee_special(&desc);
                } else {
                    let s = c_exp(value, desc.post);
                    numstr = if s.starts_with('-') {
                        s
                    } else {
                        format!(" {s}")
                    };
                }
            } else {
                let mut val = value;
                if desc.multi_flag {
                    if f4 {
                        let m = 10_f64.powi(desc.multi as i32) as f32;
                        val = f64::from((value as f32) * m);
                    } else {
                        val = value * 10_f64.powi(desc.multi as i32);
                    }
                    desc.pre += desc.multi;
                }
                let digits = if f4 { 6 } else { 15 };
                let pre_len = c_fixed(val.abs(), 0).len();
                if pre_len >= digits {
                    desc.post = 0;
                } else if pre_len + desc.post > digits {
                    desc.post = digits - pre_len;
                }
                let mut s = c_fixed(val, desc.post);
                if let Some(rest) = s.strip_prefix('-') {
                    sign = '-';
                    s = rest.to_string();
                }
                numstr = fit(s, desc.pre, desc.post, &mut out_pre_spaces);
            }
        }
    }

    if desc.eeee {
        return Ok(numstr);
    }
    NumToChar::run(nodes, desc, numstr, out_pre_spaces, sign)
}

/// EEEE output of a finite value (`to_sci` text) or `#` filler for the
/// special values.
fn eeee_text(sci: &str, desc: &NumDesc) -> String {
    match sci {
        "NaN" | "Infinity" | "-Infinity" => eeee_special(desc),
        s if s.starts_with('-') => s.to_string(),
        s => format!(" {s}"),
    }
}

/// `#` filler for NaN and infinities under EEEE: sign place, digits, point,
/// and room for "e+00".
fn eeee_special(desc: &NumDesc) -> String {
    let mut s: Vec<char> = "#".repeat(desc.pre + desc.post + 6).chars().collect();
    s[0] = ' ';
    if let Some(c) = s.get_mut(desc.pre + 1) {
        *c = '.';
    }
    s.into_iter().collect()
}
