//! `to_char` of timestamps and intervals: formatting broken-down values
//! with a date/time template (PG's DCH_to_char).

use super::calendar::{date2isoweek, date2isoyear, date2isoyearday, date2j, j2day};
use super::datetime_template::{DateTimeTemplate, DchKeyword, Dk};
use super::template::Node;
use super::text::{
    apply_case, ordinal_suffix, zero_pad, Case, DAYS_FULL, MONTHS_FULL, ROMAN_MONTHS,
};
use super::{DateTimeFields, IntervalFields, Result, TemplateError, INVALID_DATETIME_FORMAT};

/// Broken-down value as the date/time patterns read it (PG's `pg_tm` plus
/// fraction); for intervals the fields are signed and unbounded.
struct Tm<'a> {
    year: i32,
    mon: i32,
    mday: i32,
    hour: i64,
    min: i64,
    sec: i64,
    fsec: i64,
    yday: i32,
    wday: i32,
    gmtoff: i64,
    tzn: Option<&'a str>,
    interval: bool,
    /// J and the ISO-week fields would overflow PG's C `int` arithmetic
    /// (undefined behaviour there): refused rather than guessed.
    calendar_overflow: bool,
    /// DDD, WW or W would overflow PG's C `int` arithmetic.
    days_overflow: bool,
}

/// Whether PG's `int` date arithmetic (Julian days, ISO weeks) stays
/// defined for this year and day of month.
fn calendar_overflows(year: i32, mday: i32) -> bool {
    year.unsigned_abs() > 2_000_000 || mday.unsigned_abs() > 1 << 29
}

fn invalid_for_interval() -> TemplateError {
    TemplateError::new(
        INVALID_DATETIME_FORMAT,
        "invalid format specification for an interval value",
    )
    .hint("Intervals are not tied to specific calendar dates.")
}

/// `to_char(timestamp | timestamptz | date, template)`. `Ok(None)` is SQL
/// NULL, which PG returns for an empty template.
///
/// PG has no `to_char(date, text)`: a date goes through its implicit cast
/// to timestamptz (midnight in the session's zone). For `infinity` and
/// `-infinity` PG returns NULL without looking at the template; that is the
/// caller's to do.
pub fn format_datetime(t: &DateTimeFields, template: &str) -> Result<Option<String>> {
    DateTimeTemplate::new(template).format(t)
}

impl DateTimeTemplate {
    /// Same as [`format_datetime`].
    pub fn format(&self, t: &DateTimeFields) -> Result<Option<String>> {
        if self.empty {
            return Ok(None);
        }
        let y = t.year;
        let m = i32::try_from(t.month).unwrap_or(i32::MAX);
        let d = i32::try_from(t.day).unwrap_or(i32::MAX);
        let jd = date2j(y, m, d);
        let tm = Tm {
            year: y,
            mon: m,
            mday: d,
            hour: i64::from(t.hour),
            min: i64::from(t.minute),
            sec: i64::from(t.second),
            fsec: i64::from(t.microsecond),
            yday: jd.wrapping_sub(date2j(y, 1, 1)).wrapping_add(1),
            wday: j2day(jd),
            gmtoff: i64::from(t.utc_offset_seconds),
            tzn: t.tz_abbrev.as_deref(),
            interval: false,
            calendar_overflow: calendar_overflows(y, d),
            days_overflow: false,
        };
        dch_to_char(&self.nodes, &tm).map(Some)
    }

    /// Same as [`format_interval`].
    pub fn format_interval(&self, i: &IntervalFields) -> Result<Option<String>> {
        if self.empty {
            return Ok(None);
        }
        let year = i.months / 12;
        let mon = i.months % 12;
        let mut rest = i.microseconds;
        let hour = rest / 3_600_000_000;
        rest -= hour * 3_600_000_000;
        let min = rest / 60_000_000;
        rest -= min * 60_000_000;
        let sec = rest / 1_000_000;
        let fsec = rest - sec * 1_000_000;
        // PG approximates the span in days (in C int arithmetic).
        let yday_exact = i64::from(i.months) * 30 + i64::from(i.days);
        let yday = i32::try_from(yday_exact).unwrap_or(i32::MIN);
        let tm = Tm {
            year,
            mon,
            mday: i.days,
            hour,
            min,
            sec,
            fsec,
            yday,
            wday: 0,
            gmtoff: 0,
            tzn: None,
            interval: true,
            calendar_overflow: calendar_overflows(year, i.days),
            days_overflow: yday_exact <= i64::from(i32::MIN)
                || yday_exact > i64::from(i32::MAX)
                || i.days == i32::MIN,
        };
        dch_to_char(&self.nodes, &tm).map(Some)
    }
}

/// `to_char(interval, template)`. `Ok(None)` is SQL NULL (empty template).
pub fn format_interval(i: &IntervalFields, template: &str) -> Result<Option<String>> {
    DateTimeTemplate::new(template).format_interval(i)
}

fn dch_to_char(nodes: &[Node<DchKeyword>], tm: &Tm<'_>) -> Result<String> {
    let mut out = String::new();
    for node in nodes {
        let (key, suf) = match node {
            Node::Literal(c, _) => {
                out.push(*c);
                continue;
            }
            Node::Action(k, s) => (*k, *s),
        };
        let overflow = match key.id {
            Dk::J | Dk::Iw | Dk::Iddd | Dk::Iyyy | Dk::Iyy | Dk::Iy | Dk::I => tm.calendar_overflow,
            Dk::Ddd | Dk::Ww | Dk::W => tm.days_overflow,
            _ => false,
        };
        if overflow {
            return Err(TemplateError::unsupported(
                "this value is outside the range where PostgreSQL's date arithmetic is defined",
            ));
        }
        let fm = suf.fm;
        // Width for `%0*d`: none in fill mode, one more for a negative value.
        let w = |normal: usize, value: i64| -> usize {
            if fm {
                0
            } else if value < 0 {
                normal + 1
            } else {
                normal
            }
        };
        let adjust_year = |y: i32| -> i32 {
            if tm.interval || y > 0 {
                y
            } else {
                1_i32.wrapping_sub(y)
            }
        };
        let numeric: Option<String> = match key.id {
            Dk::EraDots(upper) | Dk::Era(upper) => {
                if tm.interval {
                    return Err(invalid_for_interval());
                }
                let name = if tm.year <= 0 { "BC" } else { "AD" };
                push_marker(&mut out, name, matches!(key.id, Dk::EraDots(_)), upper);
                None
            }
            Dk::MeridiemDots(upper) | Dk::Meridiem(upper) => {
                let name = if tm.hour % 24 >= 12 { "PM" } else { "AM" };
                push_marker(&mut out, name, matches!(key.id, Dk::MeridiemDots(_)), upper);
                None
            }
            Dk::Hh | Dk::Hh12 => {
                let h = if tm.hour % 12 == 0 { 12 } else { tm.hour % 12 };
                let width = if fm {
                    0
                } else if tm.hour < 0 {
                    3
                } else {
                    2
                };
                Some(zero_pad(h, width))
            }
            Dk::Hh24 => Some(zero_pad(tm.hour, w(2, tm.hour))),
            Dk::Mi => Some(zero_pad(tm.min, w(2, tm.min))),
            Dk::Ss => Some(zero_pad(tm.sec, w(2, tm.sec))),
            Dk::Ff(n) => {
                let div = 10_i64.pow(6 - n);
                Some(zero_pad(tm.fsec / div, n as usize))
            }
            Dk::Ms => Some(zero_pad(tm.fsec / 1000, 3)),
            Dk::Us => Some(zero_pad(tm.fsec, 6)),
            Dk::Sssss | Dk::Ssss => Some((tm.hour * 3600 + tm.min * 60 + tm.sec).to_string()),
            Dk::Tz(upper) => {
                if tm.interval {
                    return Err(invalid_for_interval());
                }
                if let Some(z) = tm.tzn {
                    out.push_str(&if upper {
                        z.to_string()
                    } else {
                        z.to_lowercase()
                    });
                }
                None
            }
            Dk::Tzh => {
                if tm.interval {
                    return Err(invalid_for_interval());
                }
                let sign = if tm.gmtoff >= 0 { '+' } else { '-' };
                out.push(sign);
                out.push_str(&zero_pad(tm.gmtoff.abs() / 3600, 2));
                None
            }
            Dk::Tzm => {
                if tm.interval {
                    return Err(invalid_for_interval());
                }
                out.push_str(&zero_pad(tm.gmtoff.abs() % 3600 / 60, 2));
                None
            }
            Dk::Of => {
                if tm.interval {
                    return Err(invalid_for_interval());
                }
                let sign = if tm.gmtoff >= 0 { '+' } else { '-' };
                let off = tm.gmtoff.abs();
                out.push(sign);
                out.push_str(&zero_pad(off / 3600, if fm { 0 } else { 2 }));
                if off % 3600 != 0 {
                    out.push(':');
                    out.push_str(&zero_pad(off % 3600 / 60, 2));
                }
                None
            }
            Dk::Month(case) | Dk::Mon(case) => {
                if tm.interval {
                    return Err(invalid_for_interval());
                }
                if tm.mon != 0 {
                    let short = matches!(key.id, Dk::Mon(_));
                    push_name(&mut out, month_name(tm.mon)?, case, short, fm || suf.tm);
                }
                None
            }
            Dk::Mm => Some(zero_pad(tm.mon, w(2, i64::from(tm.mon)))),
            Dk::Day(case) | Dk::Dy(case) => {
                if tm.interval {
                    return Err(invalid_for_interval());
                }
                let name = usize::try_from(tm.wday)
                    .ok()
                    .and_then(|i| DAYS_FULL.get(i))
                    .ok_or_else(|| TemplateError::unsupported("day of week out of range"))?;
                let short = matches!(key.id, Dk::Dy(_));
                push_name(&mut out, name, case, short, fm || suf.tm);
                None
            }
            Dk::Ddd => Some(zero_pad(tm.yday, if fm { 0 } else { 3 })),
            Dk::Iddd => Some(zero_pad(
                date2isoyearday(tm.year, tm.mon, tm.mday),
                if fm { 0 } else { 3 },
            )),
            Dk::Dd => Some(zero_pad(tm.mday, if fm { 0 } else { 2 })),
            Dk::D => {
                if tm.interval {
                    return Err(invalid_for_interval());
                }
                Some((tm.wday + 1).to_string())
            }
            Dk::Id => {
                if tm.interval {
                    return Err(invalid_for_interval());
                }
                Some(if tm.wday == 0 { 7 } else { tm.wday }.to_string())
            }
            Dk::Ww => Some(zero_pad(
                tm.yday.wrapping_sub(1) / 7 + 1,
                if fm { 0 } else { 2 },
            )),
            Dk::Iw => Some(zero_pad(
                date2isoweek(tm.year, tm.mon, tm.mday),
                if fm { 0 } else { 2 },
            )),
            Dk::Q => {
                if tm.mon == 0 {
                    None
                } else {
                    Some(((tm.mon - 1) / 3 + 1).to_string())
                }
            }
            Dk::Cc => {
                let c = if tm.interval {
                    tm.year / 100
                } else if tm.year > 0 {
                    (tm.year - 1) / 100 + 1
                } else {
                    tm.year / 100 - 1
                };
                if (-99..=99).contains(&c) {
                    Some(zero_pad(c, w(2, i64::from(c))))
                } else {
                    Some(c.to_string())
                }
            }
            Dk::YComma => {
                let y = adjust_year(tm.year);
                let thousands = y / 1000;
                Some(format!(
                    "{thousands},{}",
                    zero_pad(y.wrapping_sub(thousands.wrapping_mul(1000)), 3)
                ))
            }
            Dk::Yyyy | Dk::Iyyy | Dk::Yyy | Dk::Iyy | Dk::Yy | Dk::Iy | Dk::Y | Dk::I => {
                let y = adjust_year(tm.year);
                let v = if matches!(key.id, Dk::Yyyy | Dk::Yyy | Dk::Yy | Dk::Y) {
                    y
                } else {
                    adjust_year(date2isoyear(tm.year, tm.mon, tm.mday))
                };
                Some(match key.id {
                    Dk::Yyyy | Dk::Iyyy => zero_pad(v, w(4, i64::from(y))),
                    Dk::Yyy | Dk::Iyy => zero_pad(v % 1000, w(3, i64::from(y))),
                    Dk::Yy | Dk::Iy => zero_pad(v % 100, w(2, i64::from(y))),
                    _ => (v % 10).to_string(),
                })
            }
            Dk::Rm(upper) => {
                if tm.mon != 0 || tm.year != 0 {
                    // Index into ROMAN_MONTHS (December first); intervals
                    // count negative months back from December.
                    let idx = if tm.mon == 0 {
                        if tm.year >= 0 {
                            0
                        } else {
                            11
                        }
                    } else if tm.mon < 0 {
                        -(tm.mon + 1)
                    } else {
                        12 - tm.mon
                    };
                    let name = usize::try_from(idx)
                        .ok()
                        .and_then(|i| ROMAN_MONTHS.get(i))
                        .ok_or_else(|| TemplateError::unsupported("month out of range"))?;
                    let s = if upper {
                        name.to_string()
                    } else {
                        name.to_ascii_lowercase()
                    };
                    if fm {
                        out.push_str(&s);
                    } else {
                        out.push_str(&format!("{s:<4}"));
                    }
                }
                None
            }
            Dk::W => Some((tm.mday.wrapping_sub(1) / 7 + 1).to_string()),
            Dk::J => Some(date2j(tm.year, tm.mon, tm.mday).to_string()),
            Dk::Fx => None,
        };
        if let Some(s) = numeric {
            out.push_str(&s);
            if let Some(upper) = suf.th {
                out.push_str(ordinal_suffix(&s, upper)?);
            }
        }
    }
    Ok(out)
}

/// Writes an era or meridiem marker (`"AD"`, `"PM"`): `"A.D."` when
/// `dotted`, lower case unless `upper`.
fn push_marker(out: &mut String, name: &str, dotted: bool, upper: bool) {
    for c in name.chars() {
        out.push(if upper { c } else { c.to_ascii_lowercase() });
        if dotted {
            out.push('.');
        }
    }
}

/// Writes a month or day name in `case`: its first three letters when
/// `short`, else the whole name, padded to 9 characters unless `unpadded`
/// (FM or TM).
fn push_name(out: &mut String, name: &str, case: Case, short: bool, unpadded: bool) {
    let name = if short { &name[..3] } else { name };
    let s = apply_case(name, case);
    if unpadded || short {
        out.push_str(&s);
    } else {
        out.push_str(&format!("{s:<9}"));
    }
}

fn month_name(mon: i32) -> Result<&'static str> {
    usize::try_from(mon - 1)
        .ok()
        .and_then(|i| MONTHS_FULL.get(i))
        .copied()
        .ok_or_else(|| TemplateError::unsupported("month out of range"))
}
