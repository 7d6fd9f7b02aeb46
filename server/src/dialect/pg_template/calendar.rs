//! Calendar arithmetic (proleptic Gregorian, astronomical years): Julian
//! days, ISO weeks, days of week and year, month lengths and epochs.

/// Julian day of 1970-01-01.
pub(super) const UNIX_EPOCH_JDATE: i64 = 2_440_588;
/// Julian day of 2000-01-01, PG's epoch.
pub(super) const POSTGRES_EPOCH_JDATE: i64 = 2_451_545;

/// Julian day number of a civil date. Linear in `d` and defined for any
/// inputs (months outside 1..=12 included), in C `int` arithmetic, which
/// `to_char(interval)` relies on exactly as PG does.
pub(super) fn date2j(y: i32, m: i32, d: i32) -> i32 {
    // Count the year from March so that the leap day falls last.
    let (m, y) = if m > 2 {
        (m.wrapping_add(1), y.wrapping_add(4800))
    } else {
        (m.wrapping_add(13), y.wrapping_add(4799))
    };
    let c = y / 100;
    y.wrapping_mul(365)
        .wrapping_sub(32167)
        .wrapping_add(y / 4)
        .wrapping_sub(c)
        .wrapping_add(c / 4)
        .wrapping_add(7834_i32.wrapping_mul(m) / 256)
        .wrapping_add(d)
}

/// [`date2j`] without C's overflow, for calendar dates of any year.
pub(super) fn date2j_exact(y: i64, m: i64, d: i64) -> i64 {
    let (m, y) = if m > 2 {
        (m + 1, y + 4800)
    } else {
        (m + 13, y + 4799)
    };
    let c = y / 100;
    y * 365 - 32167 + y / 4 - c + c / 4 + 7834 * m / 256 + d
}

/// Civil date of a Julian day number.
pub(super) fn j2date(jd: i64) -> (i64, i64, i64) {
    // Days since 0000-03-01, then 400-year eras.
    let z = jd - 1_721_120;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Day of week, 0 = Sunday.
pub(super) fn j2day(jd: i32) -> i32 {
    jd.wrapping_add(1).rem_euclid(7)
}

/// Whether `y` is a Gregorian leap year.
pub(super) fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// Julian day of the Monday that starts ISO week `week` of ISO year `year`.
pub(super) fn isoweek2j(year: i32, week: i32) -> i32 {
    // The week with January 4th is week 1.
    let jan4 = date2j(year, 1, 4);
    let monday_offset = j2day(jan4.wrapping_sub(1)); // days since Monday
    week.wrapping_sub(1)
        .wrapping_mul(7)
        .wrapping_add(jan4.wrapping_sub(monday_offset))
}

/// ISO year and week of a date; `year`, `m`, `d` may be out of range
/// (intervals), the year given is the one the search starts from.
fn iso_year_week(year: i32, m: i32, d: i32) -> (i32, i32) {
    let day = date2j(year, m, d);
    let mut iso_year = year;
    let mut start = isoweek2j(year, 1);
    if day < start {
        iso_year = year.wrapping_sub(1);
        start = isoweek2j(iso_year, 1);
    }
    let week = day.wrapping_sub(start) / 7 + 1;
    if week >= 52 && day >= isoweek2j(year.wrapping_add(1), 1) {
        return (year.wrapping_add(1), 1);
    }
    (iso_year, week)
}

/// ISO week number.
pub(super) fn date2isoweek(year: i32, m: i32, d: i32) -> i32 {
    iso_year_week(year, m, d).1
}

/// ISO year.
pub(super) fn date2isoyear(year: i32, m: i32, d: i32) -> i32 {
    iso_year_week(year, m, d).0
}

/// Day of the ISO year (1..=371).
pub(super) fn date2isoyearday(year: i32, m: i32, d: i32) -> i32 {
    date2j(year, m, d)
        .wrapping_sub(isoweek2j(date2isoyear(year, m, d), 1))
        .wrapping_add(1)
}

/// Days in month `mon` (1..=12) of `year`.
pub(super) fn days_in_month(year: i64, mon: i32) -> i32 {
    match mon {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// PG's range of Julian dates it can convert (4714-11-24 BC onwards, up to
/// 5874898-06-01 excluded).
pub(super) fn is_valid_julian(y: i64, m: i64) -> bool {
    (y > -4713 || (y == -4713 && m >= 11)) && (y < 5_874_898 || (y == 5_874_898 && m < 6))
}
