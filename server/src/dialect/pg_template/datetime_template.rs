//! The date/time template keywords (PG's DCH keyword table) and
//! [`DateTimeTemplate`], a date/time template parsed once.

use super::template::{parse_template, Keyword, Node};
use super::text::Case;

/// Which calendar a date field belongs to when parsing (PG refuses mixing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DateMode {
    None,
    Gregorian,
    IsoWeek,
}

/// A date/time template keyword (PG's DCH_poz).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dk {
    /// A.D. / B.C. (and lower case): both print the era of the date.
    EraDots(bool),
    /// AD / BC.
    Era(bool),
    /// A.M. / P.M.
    MeridiemDots(bool),
    /// AM / PM.
    Meridiem(bool),
    Cc,
    Day(Case),
    Dy(Case),
    Ddd,
    Dd,
    D,
    Ff(u32),
    Fx,
    Hh24,
    Hh12,
    Hh,
    Iddd,
    Id,
    Iw,
    Iyyy,
    Iyy,
    Iy,
    I,
    J,
    Mi,
    Mm,
    Month(Case),
    Mon(Case),
    Ms,
    Of,
    Q,
    Rm(bool),
    Sssss,
    Ssss,
    Ss,
    Tzh,
    Tzm,
    Tz(bool),
    Us,
    Ww,
    W,
    YComma,
    Yyyy,
    Yyy,
    Yy,
    Y,
}

/// One entry of the date/time keyword table.
pub(super) struct DchKeyword {
    pub(super) name: &'static str,
    pub(super) id: Dk,
    /// The field reads digits (decides where a neighbouring number ends).
    pub(super) digits: bool,
    pub(super) mode: DateMode,
}

const fn kw(name: &'static str, id: Dk, digits: bool, mode: DateMode) -> DchKeyword {
    DchKeyword {
        name,
        id,
        digits,
        mode,
    }
}

use DateMode::{Gregorian as GREG, IsoWeek as ISO, None as NONE};

static DCH_KEYWORDS: &[DchKeyword] = &[
    kw("A.D.", Dk::EraDots(true), false, NONE),
    kw("A.M.", Dk::MeridiemDots(true), false, NONE),
    kw("AD", Dk::Era(true), false, NONE),
    kw("AM", Dk::Meridiem(true), false, NONE),
    kw("B.C.", Dk::EraDots(true), false, NONE),
    kw("BC", Dk::Era(true), false, NONE),
    kw("CC", Dk::Cc, true, NONE),
    kw("DAY", Dk::Day(Case::Upper), false, NONE),
    kw("DDD", Dk::Ddd, true, GREG),
    kw("DD", Dk::Dd, true, GREG),
    kw("DY", Dk::Dy(Case::Upper), false, NONE),
    kw("Day", Dk::Day(Case::Capital), false, NONE),
    kw("Dy", Dk::Dy(Case::Capital), false, NONE),
    kw("D", Dk::D, true, GREG),
    kw("FF1", Dk::Ff(1), true, NONE),
    kw("FF2", Dk::Ff(2), true, NONE),
    kw("FF3", Dk::Ff(3), true, NONE),
    kw("FF4", Dk::Ff(4), true, NONE),
    kw("FF5", Dk::Ff(5), true, NONE),
    kw("FF6", Dk::Ff(6), true, NONE),
    kw("FX", Dk::Fx, false, NONE),
    kw("HH24", Dk::Hh24, true, NONE),
    kw("HH12", Dk::Hh12, true, NONE),
    kw("HH", Dk::Hh, true, NONE),
    kw("IDDD", Dk::Iddd, true, ISO),
    kw("ID", Dk::Id, true, ISO),
    kw("IW", Dk::Iw, true, ISO),
    kw("IYYY", Dk::Iyyy, true, ISO),
    kw("IYY", Dk::Iyy, true, ISO),
    kw("IY", Dk::Iy, true, ISO),
    kw("I", Dk::I, true, ISO),
    kw("J", Dk::J, true, NONE),
    kw("MI", Dk::Mi, true, NONE),
    kw("MM", Dk::Mm, true, GREG),
    kw("MONTH", Dk::Month(Case::Upper), false, GREG),
    kw("MON", Dk::Mon(Case::Upper), false, GREG),
    kw("MS", Dk::Ms, true, NONE),
    kw("Month", Dk::Month(Case::Capital), false, GREG),
    kw("Mon", Dk::Mon(Case::Capital), false, GREG),
    kw("OF", Dk::Of, false, NONE),
    kw("P.M.", Dk::MeridiemDots(true), false, NONE),
    kw("PM", Dk::Meridiem(true), false, NONE),
    kw("Q", Dk::Q, true, NONE),
    kw("RM", Dk::Rm(true), false, GREG),
    kw("SSSSS", Dk::Sssss, true, NONE),
    kw("SSSS", Dk::Ssss, true, NONE),
    kw("SS", Dk::Ss, true, NONE),
    kw("TZH", Dk::Tzh, false, NONE),
    kw("TZM", Dk::Tzm, true, NONE),
    kw("TZ", Dk::Tz(true), false, NONE),
    kw("US", Dk::Us, true, NONE),
    kw("WW", Dk::Ww, true, GREG),
    kw("W", Dk::W, true, GREG),
    kw("Y,YYY", Dk::YComma, true, GREG),
    kw("YYYY", Dk::Yyyy, true, GREG),
    kw("YYY", Dk::Yyy, true, GREG),
    kw("YY", Dk::Yy, true, GREG),
    kw("Y", Dk::Y, true, GREG),
    kw("a.d.", Dk::EraDots(false), false, NONE),
    kw("a.m.", Dk::MeridiemDots(false), false, NONE),
    kw("ad", Dk::Era(false), false, NONE),
    kw("am", Dk::Meridiem(false), false, NONE),
    kw("b.c.", Dk::EraDots(false), false, NONE),
    kw("bc", Dk::Era(false), false, NONE),
    kw("cc", Dk::Cc, true, NONE),
    kw("day", Dk::Day(Case::Lower), false, NONE),
    kw("ddd", Dk::Ddd, true, GREG),
    kw("dd", Dk::Dd, true, GREG),
    kw("dy", Dk::Dy(Case::Lower), false, NONE),
    kw("d", Dk::D, true, GREG),
    kw("ff1", Dk::Ff(1), true, NONE),
    kw("ff2", Dk::Ff(2), true, NONE),
    kw("ff3", Dk::Ff(3), true, NONE),
    kw("ff4", Dk::Ff(4), true, NONE),
    kw("ff5", Dk::Ff(5), true, NONE),
    kw("ff6", Dk::Ff(6), true, NONE),
    kw("fx", Dk::Fx, false, NONE),
    kw("hh24", Dk::Hh24, true, NONE),
    kw("hh12", Dk::Hh12, true, NONE),
    kw("hh", Dk::Hh, true, NONE),
    kw("iddd", Dk::Iddd, true, ISO),
    kw("id", Dk::Id, true, ISO),
    kw("iw", Dk::Iw, true, ISO),
    kw("iyyy", Dk::Iyyy, true, ISO),
    kw("iyy", Dk::Iyy, true, ISO),
    kw("iy", Dk::Iy, true, ISO),
    kw("i", Dk::I, true, ISO),
    kw("j", Dk::J, true, NONE),
    kw("mi", Dk::Mi, true, NONE),
    kw("mm", Dk::Mm, true, GREG),
    kw("month", Dk::Month(Case::Lower), false, GREG),
    kw("mon", Dk::Mon(Case::Lower), false, GREG),
    kw("ms", Dk::Ms, true, NONE),
    kw("of", Dk::Of, false, NONE),
    kw("p.m.", Dk::MeridiemDots(false), false, NONE),
    kw("pm", Dk::Meridiem(false), false, NONE),
    kw("q", Dk::Q, true, NONE),
    kw("rm", Dk::Rm(false), false, GREG),
    kw("sssss", Dk::Sssss, true, NONE),
    kw("ssss", Dk::Ssss, true, NONE),
    kw("ss", Dk::Ss, true, NONE),
    kw("tzh", Dk::Tzh, false, NONE),
    kw("tzm", Dk::Tzm, true, NONE),
    kw("tz", Dk::Tz(false), false, NONE),
    kw("us", Dk::Us, true, NONE),
    kw("ww", Dk::Ww, true, GREG),
    kw("w", Dk::W, true, GREG),
    kw("y,yyy", Dk::YComma, true, GREG),
    kw("yyyy", Dk::Yyyy, true, GREG),
    kw("yyy", Dk::Yyy, true, GREG),
    kw("yy", Dk::Yy, true, GREG),
    kw("y", Dk::Y, true, GREG),
];

impl Keyword for DchKeyword {
    fn name(&self) -> &'static str {
        self.name
    }
}

/// A date/time template parsed once, to format or parse many values with.
/// Parsing never fails: PG reports a template's problems only when a value
/// is formatted or read with it, and so do the methods.
pub struct DateTimeTemplate {
    pub(super) nodes: Vec<Node<DchKeyword>>,
    pub(super) empty: bool,
}

impl DateTimeTemplate {
    /// Parses `template`.
    pub fn new(template: &str) -> DateTimeTemplate {
        DateTimeTemplate {
            nodes: parse_template(template, DCH_KEYWORDS, true),
            empty: template.is_empty(),
        }
    }
}
