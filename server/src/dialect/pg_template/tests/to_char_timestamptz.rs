//! `to_char(timestamptz, text)` against PG 15 in several time zones.

use super::*;

#[test]
fn to_char_timestamptz_matches_pg() {
    check_table("to_char(timestamptz)", TIMESTAMPTZ, |case| {
        let (y, mo, d, h, mi, s, us, offset, abbrev, template, want) = case;
        let t = datetime_fields((y, mo, d, h, mi, s, us), offset, Some(abbrev));
        (
            format!("{t:?} {template:?}"),
            format_datetime(&t, template),
            want,
        )
    });
}

/// `to_char(timestamptz, template)` with the session in the zone named in the comment: local fields, UTC offset, zone abbreviation, template, PG's answer.
#[rustfmt::skip]
const TIMESTAMPTZ: &[TstzCase] = &[
    (2024, 3, 5, 14, 7, 9, 123456, 0, "UTC", "TZ", T("UTC")), // UTC
    (2024, 3, 5, 14, 7, 9, 123456, 0, "UTC", "tz", T("utc")), // UTC
    (2024, 3, 5, 14, 7, 9, 123456, 0, "UTC", "TZH", T("+00")), // UTC
    (2024, 3, 5, 14, 7, 9, 123456, 0, "UTC", "TZM", T("00")), // UTC
    (2024, 3, 5, 14, 7, 9, 123456, 0, "UTC", "OF", T("+00")), // UTC
    (2024, 3, 5, 14, 7, 9, 123456, 0, "UTC", "FMOF", T("+0")), // UTC
    (2024, 3, 5, 14, 7, 9, 123456, 0, "UTC", "TZH:TZM", T("+00:00")), // UTC
    (2024, 3, 5, 14, 7, 9, 123456, 0, "UTC", "OFth", T("+00")), // UTC
    (2024, 3, 5, 14, 7, 9, 123456, 0, "UTC", "YYYY-MM-DD HH24:MI:SS TZ OF", T("2024-03-05 14:07:09 UTC +00")), // UTC
    (2024, 3, 5, 14, 7, 9, 0, 19800, "IST", "TZ", T("IST")), // Asia/Kolkata
    (2024, 3, 5, 14, 7, 9, 0, 19800, "IST", "tz", T("ist")), // Asia/Kolkata
    (2024, 3, 5, 14, 7, 9, 0, 19800, "IST", "TZH", T("+05")), // Asia/Kolkata
    (2024, 3, 5, 14, 7, 9, 0, 19800, "IST", "TZM", T("30")), // Asia/Kolkata
    (2024, 3, 5, 14, 7, 9, 0, 19800, "IST", "OF", T("+05:30")), // Asia/Kolkata
    (2024, 3, 5, 14, 7, 9, 0, 19800, "IST", "FMOF", T("+5:30")), // Asia/Kolkata
    (2024, 3, 5, 14, 7, 9, 0, 19800, "IST", "TZH:TZM", T("+05:30")), // Asia/Kolkata
    (2024, 3, 5, 14, 7, 9, 0, 19800, "IST", "OFth", T("+05:30")), // Asia/Kolkata
    (2024, 3, 5, 14, 7, 9, 0, 19800, "IST", "YYYY-MM-DD HH24:MI:SS TZ OF", T("2024-03-05 14:07:09 IST +05:30")), // Asia/Kolkata
    (2024, 1, 5, 14, 7, 9, 0, -12600, "NST", "TZ", T("NST")), // America/St_Johns
    (2024, 1, 5, 14, 7, 9, 0, -12600, "NST", "tz", T("nst")), // America/St_Johns
    (2024, 1, 5, 14, 7, 9, 0, -12600, "NST", "TZH", T("-03")), // America/St_Johns
    (2024, 1, 5, 14, 7, 9, 0, -12600, "NST", "TZM", T("30")), // America/St_Johns
    (2024, 1, 5, 14, 7, 9, 0, -12600, "NST", "OF", T("-03:30")), // America/St_Johns
    (2024, 1, 5, 14, 7, 9, 0, -12600, "NST", "FMOF", T("-3:30")), // America/St_Johns
    (2024, 1, 5, 14, 7, 9, 0, -12600, "NST", "TZH:TZM", T("-03:30")), // America/St_Johns
    (2024, 1, 5, 14, 7, 9, 0, -12600, "NST", "OFth", T("-03:30")), // America/St_Johns
    (2024, 1, 5, 14, 7, 9, 0, -12600, "NST", "YYYY-MM-DD HH24:MI:SS TZ OF", T("2024-01-05 14:07:09 NST -03:30")), // America/St_Johns
    (2024, 7, 5, 14, 7, 9, 0, -9000, "NDT", "TZ", T("NDT")), // America/St_Johns
    (2024, 7, 5, 14, 7, 9, 0, -9000, "NDT", "tz", T("ndt")), // America/St_Johns
    (2024, 7, 5, 14, 7, 9, 0, -9000, "NDT", "TZH", T("-02")), // America/St_Johns
    (2024, 7, 5, 14, 7, 9, 0, -9000, "NDT", "TZM", T("30")), // America/St_Johns
    (2024, 7, 5, 14, 7, 9, 0, -9000, "NDT", "OF", T("-02:30")), // America/St_Johns
    (2024, 7, 5, 14, 7, 9, 0, -9000, "NDT", "FMOF", T("-2:30")), // America/St_Johns
    (2024, 7, 5, 14, 7, 9, 0, -9000, "NDT", "TZH:TZM", T("-02:30")), // America/St_Johns
    (2024, 7, 5, 14, 7, 9, 0, -9000, "NDT", "OFth", T("-02:30")), // America/St_Johns
    (2024, 7, 5, 14, 7, 9, 0, -9000, "NDT", "YYYY-MM-DD HH24:MI:SS TZ OF", T("2024-07-05 14:07:09 NDT -02:30")), // America/St_Johns
    (2024, 1, 5, 14, 0, 0, 0, 3600, "CET", "TZ", T("CET")), // Europe/Berlin
    (2024, 1, 5, 14, 0, 0, 0, 3600, "CET", "tz", T("cet")), // Europe/Berlin
    (2024, 1, 5, 14, 0, 0, 0, 3600, "CET", "TZH", T("+01")), // Europe/Berlin
    (2024, 1, 5, 14, 0, 0, 0, 3600, "CET", "TZM", T("00")), // Europe/Berlin
    (2024, 1, 5, 14, 0, 0, 0, 3600, "CET", "OF", T("+01")), // Europe/Berlin
    (2024, 1, 5, 14, 0, 0, 0, 3600, "CET", "FMOF", T("+1")), // Europe/Berlin
    (2024, 1, 5, 14, 0, 0, 0, 3600, "CET", "TZH:TZM", T("+01:00")), // Europe/Berlin
    (2024, 1, 5, 14, 0, 0, 0, 3600, "CET", "OFth", T("+01")), // Europe/Berlin
    (2024, 1, 5, 14, 0, 0, 0, 3600, "CET", "YYYY-MM-DD HH24:MI:SS TZ OF", T("2024-01-05 14:00:00 CET +01")), // Europe/Berlin
    (2024, 7, 5, 14, 0, 0, 0, 7200, "CEST", "TZ", T("CEST")), // Europe/Berlin
    (2024, 7, 5, 14, 0, 0, 0, 7200, "CEST", "tz", T("cest")), // Europe/Berlin
    (2024, 7, 5, 14, 0, 0, 0, 7200, "CEST", "TZH", T("+02")), // Europe/Berlin
    (2024, 7, 5, 14, 0, 0, 0, 7200, "CEST", "TZM", T("00")), // Europe/Berlin
    (2024, 7, 5, 14, 0, 0, 0, 7200, "CEST", "OF", T("+02")), // Europe/Berlin
    (2024, 7, 5, 14, 0, 0, 0, 7200, "CEST", "FMOF", T("+2")), // Europe/Berlin
    (2024, 7, 5, 14, 0, 0, 0, 7200, "CEST", "TZH:TZM", T("+02:00")), // Europe/Berlin
    (2024, 7, 5, 14, 0, 0, 0, 7200, "CEST", "OFth", T("+02")), // Europe/Berlin
    (2024, 7, 5, 14, 0, 0, 0, 7200, "CEST", "YYYY-MM-DD HH24:MI:SS TZ OF", T("2024-07-05 14:00:00 CEST +02")), // Europe/Berlin
    (2024, 3, 5, 0, 0, 0, 0, 20700, "+0545", "TZ", T("+0545")), // Asia/Kathmandu
    (2024, 3, 5, 0, 0, 0, 0, 20700, "+0545", "tz", T("+0545")), // Asia/Kathmandu
    (2024, 3, 5, 0, 0, 0, 0, 20700, "+0545", "TZH", T("+05")), // Asia/Kathmandu
    (2024, 3, 5, 0, 0, 0, 0, 20700, "+0545", "TZM", T("45")), // Asia/Kathmandu
    (2024, 3, 5, 0, 0, 0, 0, 20700, "+0545", "OF", T("+05:45")), // Asia/Kathmandu
    (2024, 3, 5, 0, 0, 0, 0, 20700, "+0545", "FMOF", T("+5:45")), // Asia/Kathmandu
    (2024, 3, 5, 0, 0, 0, 0, 20700, "+0545", "TZH:TZM", T("+05:45")), // Asia/Kathmandu
    (2024, 3, 5, 0, 0, 0, 0, 20700, "+0545", "OFth", T("+05:45")), // Asia/Kathmandu
    (2024, 3, 5, 0, 0, 0, 0, 20700, "+0545", "YYYY-MM-DD HH24:MI:SS TZ OF", T("2024-03-05 00:00:00 +0545 +05:45")), // Asia/Kathmandu
    (2024, 3, 5, 0, 0, 0, 0, -10800, "-03", "TZ", T("-03")), // Etc/GMT+3
    (2024, 3, 5, 0, 0, 0, 0, -10800, "-03", "tz", T("-03")), // Etc/GMT+3
    (2024, 3, 5, 0, 0, 0, 0, -10800, "-03", "TZH", T("-03")), // Etc/GMT+3
    (2024, 3, 5, 0, 0, 0, 0, -10800, "-03", "TZM", T("00")), // Etc/GMT+3
    (2024, 3, 5, 0, 0, 0, 0, -10800, "-03", "OF", T("-03")), // Etc/GMT+3
    (2024, 3, 5, 0, 0, 0, 0, -10800, "-03", "FMOF", T("-3")), // Etc/GMT+3
    (2024, 3, 5, 0, 0, 0, 0, -10800, "-03", "TZH:TZM", T("-03:00")), // Etc/GMT+3
    (2024, 3, 5, 0, 0, 0, 0, -10800, "-03", "OFth", T("-03")), // Etc/GMT+3
    (2024, 3, 5, 0, 0, 0, 0, -10800, "-03", "YYYY-MM-DD HH24:MI:SS TZ OF", T("2024-03-05 00:00:00 -03 -03")), // Etc/GMT+3
    (2024, 7, 4, 9, 0, 0, 0, -25200, "PDT", "TZ", T("PDT")), // America/Los_Angeles
    (2024, 7, 4, 9, 0, 0, 0, -25200, "PDT", "tz", T("pdt")), // America/Los_Angeles
    (2024, 7, 4, 9, 0, 0, 0, -25200, "PDT", "TZH", T("-07")), // America/Los_Angeles
    (2024, 7, 4, 9, 0, 0, 0, -25200, "PDT", "TZM", T("00")), // America/Los_Angeles
    (2024, 7, 4, 9, 0, 0, 0, -25200, "PDT", "OF", T("-07")), // America/Los_Angeles
    (2024, 7, 4, 9, 0, 0, 0, -25200, "PDT", "FMOF", T("-7")), // America/Los_Angeles
    (2024, 7, 4, 9, 0, 0, 0, -25200, "PDT", "TZH:TZM", T("-07:00")), // America/Los_Angeles
    (2024, 7, 4, 9, 0, 0, 0, -25200, "PDT", "OFth", T("-07")), // America/Los_Angeles
    (2024, 7, 4, 9, 0, 0, 0, -25200, "PDT", "YYYY-MM-DD HH24:MI:SS TZ OF", T("2024-07-04 09:00:00 PDT -07")), // America/Los_Angeles
    (1900, 1, 1, 0, 0, 0, 0, 1172, "AMT", "TZ", T("AMT")), // Europe/Amsterdam
    (1900, 1, 1, 0, 0, 0, 0, 1172, "AMT", "tz", T("amt")), // Europe/Amsterdam
    (1900, 1, 1, 0, 0, 0, 0, 1172, "AMT", "TZH", T("+00")), // Europe/Amsterdam
    (1900, 1, 1, 0, 0, 0, 0, 1172, "AMT", "TZM", T("19")), // Europe/Amsterdam
    (1900, 1, 1, 0, 0, 0, 0, 1172, "AMT", "OF", T("+00:19")), // Europe/Amsterdam
    (1900, 1, 1, 0, 0, 0, 0, 1172, "AMT", "FMOF", T("+0:19")), // Europe/Amsterdam
    (1900, 1, 1, 0, 0, 0, 0, 1172, "AMT", "TZH:TZM", T("+00:19")), // Europe/Amsterdam
    (1900, 1, 1, 0, 0, 0, 0, 1172, "AMT", "OFth", T("+00:19")), // Europe/Amsterdam
    (1900, 1, 1, 0, 0, 0, 0, 1172, "AMT", "YYYY-MM-DD HH24:MI:SS TZ OF", T("1900-01-01 00:00:00 AMT +00:19")), // Europe/Amsterdam
    (1900, 6, 1, 12, 0, 0, 0, -968, "LMT", "TZ", T("LMT")), // Africa/Abidjan
    (1900, 6, 1, 12, 0, 0, 0, -968, "LMT", "tz", T("lmt")), // Africa/Abidjan
    (1900, 6, 1, 12, 0, 0, 0, -968, "LMT", "TZH", T("-00")), // Africa/Abidjan
    (1900, 6, 1, 12, 0, 0, 0, -968, "LMT", "TZM", T("16")), // Africa/Abidjan
    (1900, 6, 1, 12, 0, 0, 0, -968, "LMT", "OF", T("-00:16")), // Africa/Abidjan
    (1900, 6, 1, 12, 0, 0, 0, -968, "LMT", "FMOF", T("-0:16")), // Africa/Abidjan
    (1900, 6, 1, 12, 0, 0, 0, -968, "LMT", "TZH:TZM", T("-00:16")), // Africa/Abidjan
    (1900, 6, 1, 12, 0, 0, 0, -968, "LMT", "OFth", T("-00:16")), // Africa/Abidjan
    (1900, 6, 1, 12, 0, 0, 0, -968, "LMT", "YYYY-MM-DD HH24:MI:SS TZ OF", T("1900-06-01 12:00:00 LMT -00:16")), // Africa/Abidjan
    (2024, 3, 5, 0, 0, 0, 0, 49500, "+1345", "TZ", T("+1345")), // Pacific/Chatham
    (2024, 3, 5, 0, 0, 0, 0, 49500, "+1345", "tz", T("+1345")), // Pacific/Chatham
    (2024, 3, 5, 0, 0, 0, 0, 49500, "+1345", "TZH", T("+13")), // Pacific/Chatham
    (2024, 3, 5, 0, 0, 0, 0, 49500, "+1345", "TZM", T("45")), // Pacific/Chatham
    (2024, 3, 5, 0, 0, 0, 0, 49500, "+1345", "OF", T("+13:45")), // Pacific/Chatham
    (2024, 3, 5, 0, 0, 0, 0, 49500, "+1345", "FMOF", T("+13:45")), // Pacific/Chatham
    (2024, 3, 5, 0, 0, 0, 0, 49500, "+1345", "TZH:TZM", T("+13:45")), // Pacific/Chatham
    (2024, 3, 5, 0, 0, 0, 0, 49500, "+1345", "OFth", T("+13:45")), // Pacific/Chatham
    (2024, 3, 5, 0, 0, 0, 0, 49500, "+1345", "YYYY-MM-DD HH24:MI:SS TZ OF", T("2024-03-05 00:00:00 +1345 +13:45")), // Pacific/Chatham
];
