//! Behaviour outside the PG tables: empty templates, parsed templates, the
//! API's extra outputs, and inputs PG's C code cannot answer.

use super::*;

#[test]
fn empty_templates_answer_like_pg() {
    let t = DateTimeFields {
        year: 2024,
        month: 3,
        day: 5,
        ..DateTimeFields::default()
    };
    assert_eq!(format_datetime(&t, ""), Ok(None));
    assert_eq!(format_interval(&IntervalFields::default(), ""), Ok(None));
    assert_eq!(format_number("12", ""), Ok(String::new()));
    assert_eq!(parse_number("12", ""), Ok(None));
    // to_timestamp('2024', '') is 0001-01-01 00:00:00 BC.
    let p = parse_datetime("2024", "").map_err(|e| e.message);
    assert_eq!(p.map(|p| (p.year, p.month, p.day)), Ok((0, 1, 1)));
}

#[test]
fn parse_datetime_exposes_offset_and_precision() {
    let p = parse_datetime(
        "2024-03-05 14:07:09.1239 -05:30",
        "YYYY-MM-DD HH24:MI:SS.FF3 TZH:TZM",
    );
    let p = match p {
        Ok(p) => p,
        Err(e) => panic!("{e:?}"),
    };
    assert_eq!((p.year, p.month, p.day), (2024, 3, 5));
    // FF3 before a separator reads every digit; to_timestamp then rounds.
    assert_eq!(
        (p.hour, p.minute, p.second, p.microsecond),
        (14, 7, 9, 123_900)
    );
    assert_eq!(p.utc_offset_seconds, Some(-19_800));
    assert_eq!(p.fractional_precision, Some(3));
    assert_eq!(p.julian_day(), 2_460_375);
    assert_eq!(p.local_unix_micros(), Some(1_709_647_629_123_900));
    let ts = to_timestamp(
        "2024-03-05 14:07:09.1239 -05:30",
        "YYYY-MM-DD HH24:MI:SS.FF3 TZH:TZM",
        &|_| 0,
    );
    // PG: 2024-03-05 19:37:09.124+00.
    assert_eq!(ts.map_err(|e| e.message), Ok(1_709_667_429_124_000));
    // Rollover where the template gives no full date, as PG does:
    // to_date('02-30', 'MM-DD') is 0001-03-01 BC.
    let r = parse_datetime("02-30", "MM-DD").map_err(|e| e.message);
    assert_eq!(r.map(|p| (p.year, p.month, p.day)), Ok((0, 2, 30)));
    assert_eq!(
        to_date("02-30", "MM-DD").map_err(|e| e.message),
        Ok(-719_468)
    );
}

#[test]
fn session_offset_applies_only_without_tzh() {
    let noon = |offset: i32| {
        to_timestamp("2024-03-05 12:00", "YYYY-MM-DD HH24:MI", &move |_| offset)
            .map_err(|e| e.message)
    };
    // 12:00 at UTC+01 is 11:00 UTC.
    assert_eq!(noon(3600), Ok(1_709_636_400_000_000));
    let explicit = to_timestamp("2024-03-05 12:00 +00", "YYYY-MM-DD HH24:MI TZH", &|_| 3600);
    assert_eq!(explicit.map_err(|e| e.message), Ok(1_709_640_000_000_000));
}

#[test]
fn round_timestamp_rounds_half_away_from_2000() {
    assert_eq!(round_timestamp(1_500, 3), 2_000);
    assert_eq!(round_timestamp(1_499, 3), 1_000);
    assert_eq!(round_timestamp(-1_500, 3), -2_000);
    assert_eq!(round_timestamp(-1_499, 3), -1_000);
    assert_eq!(round_timestamp(123_456, 6), 123_456);
    assert_eq!(round_timestamp(550_000, 0), 1_000_000);
}

#[test]
fn timestamps_past_i64_unix_micros_are_unsupported() {
    // PG accepts this (its range ends at 294276-12-31), an i64 count of
    // microseconds since 1970 cannot hold it.
    let r = to_timestamp("294276-12-31", "YYYY-MM-DD", &|_| 0);
    assert_eq!(r.map_err(|e| e.sqlstate), Err("0A000"));
}

#[test]
fn parsed_templates_answer_like_the_free_functions() {
    let dt = DateTimeTemplate::new("FMDD Mon YYYY");
    let t = DateTimeFields {
        year: 2024,
        month: 3,
        day: 5,
        ..DateTimeFields::default()
    };
    assert_eq!(dt.format(&t), Ok(Some("5 Mar 2024".to_string())));
    assert_eq!(
        dt.to_date("5 Mar 2024"),
        to_date("5 Mar 2024", "FMDD Mon YYYY")
    );
    let iv = IntervalFields {
        months: 14,
        days: 3,
        microseconds: 0,
    };
    assert_eq!(
        DateTimeTemplate::new("YYYY MM DD").format_interval(&iv),
        Ok(Some("0001 02 03".to_string()))
    );
    let num = NumberTemplate::new("FM9,999.00");
    assert_eq!(num.format(Numeric, "1234.5").as_deref(), Ok("1,234.50"));
    // PG: to_number('1,234.50', 'FM9,999.00') is 1234.5 (FM skips the group
    // separator in the template, so the digits slip by one).
    assert_eq!(num.parse("1,234.50"), Ok(Some("1234.5".to_string())));
    // A malformed template fails on every use, as PG fails each call.
    let bad = NumberTemplate::new("9.9.9");
    for _ in 0..2 {
        assert_eq!(bad.format(Int4, "1").map_err(|e| e.sqlstate), Err("42601"));
        assert_eq!(
            bad.parse("1").map_err(|e| e.message),
            Err("multiple decimal points".to_string())
        );
    }
}

#[test]
fn undefined_c_arithmetic_is_refused() {
    // PG computes these in C int and overflows (undefined behaviour):
    // refuse rather than guess. Ordinary fields still print.
    let huge = IntervalFields {
        months: i32::MAX,
        days: i32::MAX,
        microseconds: i64::MAX,
    };
    for template in ["J", "IW", "IYYY", "IDDD", "DDD", "WW", "W"] {
        let r = format_interval(&huge, template).map_err(|e| e.sqlstate);
        assert_eq!(r, Err("0A000"), "{template}");
    }
    // PG: 178956970 years 7 mons 2147483647 days 2562047788:00:54.775807.
    let r = format_interval(&huge, "YYYY MM DD HH24 MI SS US");
    assert_eq!(
        r,
        Ok(Some(
            "178956970 07 2147483647 2562047788 00 54 775807".to_string()
        ))
    );
}

#[test]
fn numeric_kind_decides_rounding() {
    // numeric and int8 round half away from zero, int4 and the floats
    // through C's printf (half to even on the binary value).
    assert_eq!(format_number("125", "9.9EEEE").as_deref(), Ok(" 1.3e+02"));
    assert_eq!(
        format_number_as(Int8, "125", "9.9EEEE").as_deref(),
        Ok(" 1.3e+02")
    );
    assert_eq!(
        format_number_as(Int4, "125", "9.9EEEE").as_deref(),
        Ok(" 1.2e+02")
    );
    assert_eq!(
        format_number_as(Float8, "2.5", "RN").as_deref(),
        Ok("             II")
    );
    assert_eq!(format_number_as(Float4, "2.5", "9").as_deref(), Ok(" 2"));
    assert_eq!(format_number_as(Numeric, "2.5", "9").as_deref(), Ok(" 3"));
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let mut t = DateTimeFields {
        year: 2024,
        month: 13,
        day: 1,
        ..DateTimeFields::default()
    };
    assert_eq!(
        format_datetime(&t, "Month").map_err(|e| e.sqlstate),
        Err("0A000")
    );
    assert_eq!(
        format_datetime(&t, "RM").map_err(|e| e.sqlstate),
        Err("0A000")
    );
    t.month = 0;
    assert_eq!(format_datetime(&t, "Mon"), Ok(Some(String::new())));
    assert_eq!(
        format_number_as(Int4, "abc", "999").map_err(|e| e.sqlstate),
        Err("22P02")
    );
    assert_eq!(
        format_number_as(Float8, "x", "999").map_err(|e| e.sqlstate),
        Err("22P02")
    );
    assert_eq!(
        format_number("1.2.3", "999").map_err(|e| e.sqlstate),
        Err("22P02")
    );
    let huge = "9".repeat(5000);
    assert!(format_number(&huge, &huge).is_ok());
    assert!(parse_number(&huge, &huge).is_ok());
}
