//! Malformed numeric templates and PG's errors for them.

use super::super::*;

/// `to_char(value, template)`: SQL type, value text, template, PG's answer, for malformed templates.
#[rustfmt::skip]
pub(super) const TEMPLATE_ERRORS: &[NumCase] = &[
    (Numeric, "5", "9.9.9", E("42601", "multiple decimal points", "", "")),
    (Numeric, "5", "9V9.9", E("42601", "cannot use \"V\" and decimal point together", "", "")),
    (Numeric, "5", "9.9V", E("42601", "cannot use \"V\" and decimal point together", "", "")),
    (Numeric, "5", "S9S", E("42601", "cannot use \"S\" twice", "", "")),
    (Numeric, "5", "S9MI", E("42601", "cannot use \"S\" and \"MI\" together", "", "")),
    (Numeric, "5", "MIS9", E("42601", "cannot use \"S\" and \"PL\"/\"MI\"/\"SG\"/\"PR\" together", "", "")),
    (Numeric, "5", "S9PL", E("42601", "cannot use \"S\" and \"PL\" together", "", "")),
    (Numeric, "5", "S9SG", E("42601", "cannot use \"S\" and \"SG\" together", "", "")),
    (Numeric, "5", "PR9", E("42601", "\"9\" must be ahead of \"PR\"", "", "")),
    (Numeric, "5", "9PR0", E("42601", "\"0\" must be ahead of \"PR\"", "", "")),
    (Numeric, "5", "SPR", T("R")),
    (Numeric, "5", "MIPR", E("42601", "cannot use \"PR\" and \"S\"/\"PL\"/\"MI\"/\"SG\" together", "", "")),
    (Numeric, "5", "9EEEE9", E("42601", "\"EEEE\" must be the last pattern used", "", "")),
    (Numeric, "5", "9EEEEEEEE", E("42601", "cannot use \"EEEE\" twice", "", "")),
    (Numeric, "5", "FM9EEEE", E("42601", "\"EEEE\" is incompatible with other formats", "\"EEEE\" may only be used together with digit and decimal point patterns.", "")),
    (Numeric, "5", "S9EEEE", E("42601", "\"EEEE\" is incompatible with other formats", "\"EEEE\" may only be used together with digit and decimal point patterns.", "")),
    (Numeric, "5", "MI9EEEE", E("42601", "\"EEEE\" is incompatible with other formats", "\"EEEE\" may only be used together with digit and decimal point patterns.", "")),
    (Numeric, "5", "RNEEEE", E("42601", "\"EEEE\" is incompatible with other formats", "\"EEEE\" may only be used together with digit and decimal point patterns.", "")),
    (Numeric, "5", "V9EEEE", E("42601", "\"EEEE\" is incompatible with other formats", "\"EEEE\" may only be used together with digit and decimal point patterns.", "")),
    (Numeric, "5", "B9EEEE", E("42601", "\"EEEE\" is incompatible with other formats", "\"EEEE\" may only be used together with digit and decimal point patterns.", "")),
    (Numeric, "5", "9EEEES", E("42601", "\"EEEE\" must be the last pattern used", "", "")),
    (Numeric, "5", "PR0", E("42601", "\"0\" must be ahead of \"PR\"", "", "")),
    (Numeric, "5", "999th", T("   5th")),
    (Numeric, "NaN", "999th", E("22P02", "\"NaN\" is not a number", "", "")),
    (Numeric, "5", "", T("")),
];
