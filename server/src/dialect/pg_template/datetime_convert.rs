//! `to_timestamp` and `to_date`: validating the fields a template read
//! (PG's do_to_timestamp) and converting them to a date or timestamp.

use super::calendar::{
    days_in_month, is_leap, is_valid_julian, isoweek2j, j2date, POSTGRES_EPOCH_JDATE,
    UNIX_EPOCH_JDATE,
};
use super::datetime_parse::{DchParser, FromChar};
use super::datetime_template::{DateMode, DateTimeTemplate, DchKeyword};
use super::template::Node;
use super::{
    ParsedDateTime, Result, TemplateError, DATETIME_FIELD_OVERFLOW, INVALID_DATETIME_FORMAT,
    INVALID_TIME_ZONE_DISPLACEMENT,
};

fn field_overflow(input: &str) -> TemplateError {
    TemplateError::new(
        DATETIME_FIELD_OVERFLOW,
        format!("date/time field value out of range: \"{input}\""),
    )
}

/// `to_timestamp`'s and `to_date`'s reading of `text` with `template`: the
/// civil fields (PG's defaults where the template gives none: year 1 BC,
/// January 1st, midnight) and any explicit offset. Errors are PG's.
pub fn parse_datetime(text: &str, template: &str) -> Result<ParsedDateTime> {
    DateTimeTemplate::new(template).parse(text)
}

fn parse_with(nodes: &[Node<DchKeyword>], text: &str) -> Result<ParsedDateTime> {
    let mut p = DchParser {
        nodes,
        s: text.as_bytes(),
        pos: 0,
        out: FromChar::default(),
    };
    p.run()?;
    let f = p.out;
    // From here on PG computes in C int; every field read fits in one.
    let c = |v: i64| v as i32;
    let (f_year, f_bc, f_j, f_d, f_w, f_ww, f_mm) = (
        c(f.year),
        f.bc != 0,
        c(f.j),
        c(f.d),
        c(f.w),
        c(f.ww),
        c(f.mm),
    );
    let (mut f_cc, mut f_dd, mut f_ddd) = (c(f.cc), c(f.dd), c(f.ddd));

    let (mut year, mut mon, mut mday) = (0_i32, 1_i32, 1_i32);
    let (mut hour, mut min, mut sec) = (0_i32, 0_i32, 0_i32);
    // Which date fields PG's ValidateDate checks.
    let (mut has_year, mut has_month, mut has_day) = (false, false, false);

    if f.ssss != 0 {
        let x = c(f.ssss);
        hour = x / 3600;
        min = x % 3600 / 60;
        sec = x % 60;
    }
    if f.ss != 0 {
        sec = c(f.ss);
    }
    if f.mi != 0 {
        min = c(f.mi);
    }
    if f.hh != 0 {
        hour = c(f.hh);
    }
    if f.clock12 {
        if !(1..=12).contains(&hour) {
            return Err(TemplateError::new(
                INVALID_DATETIME_FORMAT,
                format!("hour \"{hour}\" is invalid for the 12-hour clock"),
            )
            .hint("Use the 24-hour clock, or give an hour between 1 and 12."));
        }
        if f.pm != 0 && hour < 12 {
            hour += 12;
        } else if f.pm == 0 && hour == 12 {
            hour = 0;
        }
    }

    if f_year != 0 {
        if f_cc != 0 && f.yysz <= 2 {
            // YY within century CC (the 21st century is 2001-2100).
            if f_bc {
                f_cc = f_cc.wrapping_neg();
            }
            let yy = f_year % 100;
            year = if yy != 0 {
                if f_cc >= 0 {
                    yy.wrapping_add(f_cc.wrapping_sub(1).wrapping_mul(100))
                } else {
                    f_cc.wrapping_add(1)
                        .wrapping_mul(100)
                        .wrapping_sub(yy)
                        .wrapping_add(1)
                }
            } else {
                f_cc.wrapping_mul(100).wrapping_add(i32::from(f_cc < 0))
            };
        } else {
            year = f_year;
            if f_bc {
                year = year.wrapping_neg();
            }
            if year < 0 {
                year += 1;
            }
        }
        has_year = true;
    } else if f_cc != 0 {
        if f_bc {
            f_cc = f_cc.wrapping_neg();
        }
        year = if f_cc >= 0 {
            f_cc.wrapping_sub(1).wrapping_mul(100).wrapping_add(1)
        } else {
            f_cc.wrapping_mul(100).wrapping_add(1)
        };
        has_year = true;
    }

    let set_date = |jd: i32| -> Option<(i32, i32, i32)> {
        let (y, m, d) = j2date(i64::from(jd));
        Some((i32::try_from(y).ok()?, m as i32, d as i32))
    };

    if f_j != 0 {
        (year, mon, mday) = set_date(f_j).ok_or_else(|| field_overflow(text))?;
        (has_year, has_month, has_day) = (true, true, true);
    }

    if f_ww != 0 {
        if f.mode == Some(DateMode::IsoWeek) {
            // Without ID the date is the Monday of that ISO week.
            let mut jd = isoweek2j(year, f_ww);
            if f_d != 0 {
                jd = jd.wrapping_add(if f_d > 1 { f_d - 2 } else { 6 });
            }
            (year, mon, mday) = set_date(jd).ok_or_else(|| field_overflow(text))?;
            (has_year, has_month, has_day) = (true, true, true);
        } else {
            f_ddd = f_ww.wrapping_sub(1).wrapping_mul(7).wrapping_add(1);
        }
    }

    if f_w != 0 {
        f_dd = f_w.wrapping_sub(1).wrapping_mul(7).wrapping_add(1);
    }
    if f_dd != 0 {
        mday = f_dd;
        has_day = true;
    }
    if f_mm != 0 {
        mon = f_mm;
        has_month = true;
    }

    if f_ddd != 0 && (mon <= 1 || mday <= 1) {
        if year == 0 && !f_bc {
            return Err(TemplateError::new(
                INVALID_DATETIME_FORMAT,
                "cannot calculate day of year without year information",
            ));
        }
        if f.mode == Some(DateMode::IsoWeek) {
            let j0 = isoweek2j(year, 1).wrapping_sub(1);
            (year, mon, mday) =
                set_date(j0.wrapping_add(f_ddd)).ok_or_else(|| field_overflow(text))?;
            (has_year, has_month, has_day) = (true, true, true);
        } else {
            const YSUM: [[i32; 13]; 2] = [
                [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365],
                [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366],
            ];
            let ysum = &YSUM[usize::from(is_leap(i64::from(year)))];
            let mut i = 1;
            while i <= 12 && f_ddd > ysum[i] {
                i += 1;
            }
            if mon <= 1 {
                mon = i as i32;
            }
            if mday <= 1 {
                mday = f_ddd.wrapping_sub(ysum[i - 1]);
            }
            has_month = true;
            has_day = true;
        }
    }

    let fsec = c(f.ms).wrapping_mul(1000).wrapping_add(c(f.us));

    if has_month && !(1..=12).contains(&mon) {
        return Err(field_overflow(text));
    }
    if has_day && !(1..=31).contains(&mday) {
        return Err(field_overflow(text));
    }
    if has_year && has_month && has_day && mday > days_in_month(i64::from(year), mon) {
        return Err(field_overflow(text));
    }

    if !(0..24).contains(&hour)
        || !(0..60).contains(&min)
        || !(0..60).contains(&sec)
        || !(0..1_000_000).contains(&fsec)
    {
        return Err(field_overflow(text));
    }

    let mut offset = None;
    if f.tzsign != 0 {
        if f.tzh < 0 || f.tzh > 15 || f.tzm < 0 || f.tzm >= 60 {
            return Err(TemplateError::new(
                INVALID_TIME_ZONE_DISPLACEMENT,
                format!("time zone displacement out of range: \"{text}\""),
            ));
        }
        offset = Some((f.tzsign * (f.tzh * 3600 + f.tzm * 60)) as i32);
    }

    // Validated above: the time fields are in range and month and day too
    // (when no date was given they keep their defaults).
    let u = |v: i32| u32::try_from(v).unwrap_or(0);
    Ok(ParsedDateTime {
        year,
        month: u(mon),
        day: u(mday),
        hour: u(hour),
        minute: u(min),
        second: u(sec),
        microsecond: u(fsec),
        utc_offset_seconds: offset,
        fractional_precision: if f.ff != 0 { Some(f.ff as u32) } else { None },
    })
}

/// `to_date(text, template)`: days since 1970-01-01 (DataFusion's Date32),
/// with PG's range checks and errors.
pub fn to_date(text: &str, template: &str) -> Result<i32> {
    DateTimeTemplate::new(template).to_date(text)
}

fn date_of(p: ParsedDateTime, text: &str) -> Result<i32> {
    let out_of_range = || {
        TemplateError::new(
            DATETIME_FIELD_OVERFLOW,
            format!("date out of range: \"{text}\""),
        )
    };
    if !is_valid_julian(i64::from(p.year), i64::from(p.month)) {
        return Err(out_of_range());
    }
    let pg_days = p.julian_day() - POSTGRES_EPOCH_JDATE;
    // PG's dates end at Julian day 2147483494.
    if !(-POSTGRES_EPOCH_JDATE..2_147_483_494 - POSTGRES_EPOCH_JDATE).contains(&pg_days) {
        return Err(out_of_range());
    }
    i32::try_from(p.julian_day() - UNIX_EPOCH_JDATE).map_err(|_| out_of_range())
}

/// Smallest and one-past-largest timestamp PG accepts, in microseconds
/// since 2000-01-01 (4714-11-24 00:00 BC and 294277-01-01 00:00).
const MIN_TIMESTAMP: i64 = -211_813_488_000_000_000;
const END_TIMESTAMP: i64 = 9_223_371_331_200_000_000;
const PG_EPOCH_UNIX_MICROS: i64 = 946_684_800_000_000;

/// `to_timestamp(text, template)`: microseconds since 1970-01-01 00:00 UTC.
/// `session_offset` gives the session time zone's UTC offset (seconds, east
/// positive) for a local civil time; it is used only when the template gave
/// no TZH/TZM. Applies PG's range check and FF1..FF6 rounding.
pub fn to_timestamp(
    text: &str,
    template: &str,
    session_offset: &dyn Fn(&ParsedDateTime) -> i32,
) -> Result<i64> {
    DateTimeTemplate::new(template).to_timestamp(text, session_offset)
}

fn timestamp_of(p: ParsedDateTime, session_offset: &dyn Fn(&ParsedDateTime) -> i32) -> Result<i64> {
    let out_of_range = || TemplateError::new(DATETIME_FIELD_OVERFLOW, "timestamp out of range");
    if !is_valid_julian(i64::from(p.year), i64::from(p.month)) {
        return Err(out_of_range());
    }
    let offset = match p.utc_offset_seconds {
        Some(o) => o,
        None => session_offset(&p),
    };
    let days = p.julian_day() - POSTGRES_EPOCH_JDATE;
    let time = (i64::from(p.hour) * 3600 + i64::from(p.minute) * 60 + i64::from(p.second))
        * 1_000_000
        + i64::from(p.microsecond);
    let mut ts = days
        .checked_mul(86_400_000_000)
        .and_then(|v| v.checked_add(time))
        .and_then(|v| v.checked_sub(i64::from(offset) * 1_000_000))
        .ok_or_else(out_of_range)?;
    if !(MIN_TIMESTAMP..END_TIMESTAMP).contains(&ts) {
        return Err(out_of_range());
    }
    if let Some(prec) = p.fractional_precision {
        ts = round_timestamp(ts, prec);
    }
    // PG's last eleven days of timestamps lie past i64 microseconds since
    // 1970: say so rather than misreport them as out of range.
    ts.checked_add(PG_EPOCH_UNIX_MICROS).ok_or_else(|| {
        TemplateError::unsupported(
            "timestamps after 294247-01-10 04:00:54.775807 UTC cannot be represented",
        )
    })
}

/// Rounds a timestamp (microseconds since 2000-01-01, PG's epoch) to
/// `precision` fractional digits the way PG applies a typmod: half away from
/// that epoch.
pub fn round_timestamp(micros_since_2000: i64, precision: u32) -> i64 {
    if precision >= 6 {
        return micros_since_2000;
    }
    let scale = 10_i64.pow(6 - precision);
    let half = scale / 2;
    if micros_since_2000 >= 0 {
        (micros_since_2000 + half) / scale * scale
    } else {
        -((-micros_since_2000 + half) / scale * scale)
    }
}

impl DateTimeTemplate {
    /// Same as [`parse_datetime`].
    pub fn parse(&self, text: &str) -> Result<ParsedDateTime> {
        parse_with(&self.nodes, text)
    }

    /// Same as [`to_date`].
    pub fn to_date(&self, text: &str) -> Result<i32> {
        date_of(self.parse(text)?, text)
    }

    /// Same as [`to_timestamp`].
    pub fn to_timestamp(
        &self,
        text: &str,
        session_offset: &dyn Fn(&ParsedDateTime) -> i32,
    ) -> Result<i64> {
        timestamp_of(self.parse(text)?, session_offset)
    }
}
