//! Numeric templates: the keyword table, their validation into a
//! [`NumDesc`] (PG's NUMDesc), and [`NumberTemplate`], a numeric template
//! parsed once.

use super::template::{parse_template, Keyword, Node};
use super::{Result, TemplateError, SYNTAX_ERROR};

/// A numeric template keyword (PG's NUM_poz).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Nk {
    Comma,
    Dec,
    Zero,
    Nine,
    B,
    C,
    D,
    Eeee,
    Fm,
    G,
    L,
    Mi,
    Pl,
    Pr,
    Rn(bool),
    Sg,
    Sp,
    S,
    Th(bool),
    V,
}

static NUM_KEYWORDS: &[(&str, Nk)] = &[
    (",", Nk::Comma),
    (".", Nk::Dec),
    ("0", Nk::Zero),
    ("9", Nk::Nine),
    ("B", Nk::B),
    ("C", Nk::C),
    ("D", Nk::D),
    ("EEEE", Nk::Eeee),
    ("FM", Nk::Fm),
    ("G", Nk::G),
    ("L", Nk::L),
    ("MI", Nk::Mi),
    ("PL", Nk::Pl),
    ("PR", Nk::Pr),
    ("RN", Nk::Rn(true)),
    ("SG", Nk::Sg),
    ("SP", Nk::Sp),
    ("S", Nk::S),
    ("TH", Nk::Th(true)),
    ("V", Nk::V),
    ("b", Nk::B),
    ("c", Nk::C),
    ("d", Nk::D),
    ("eeee", Nk::Eeee),
    ("fm", Nk::Fm),
    ("g", Nk::G),
    ("l", Nk::L),
    ("mi", Nk::Mi),
    ("pl", Nk::Pl),
    ("pr", Nk::Pr),
    ("rn", Nk::Rn(false)),
    ("sg", Nk::Sg),
    ("sp", Nk::Sp),
    ("s", Nk::S),
    ("th", Nk::Th(false)),
    ("v", Nk::V),
];

impl Keyword for (&'static str, Nk) {
    fn name(&self) -> &'static str {
        self.0
    }
}

/// A numeric template node.
pub(super) type NumNode = Node<(&'static str, Nk)>;

/// Where the template's `S` puts the sign, relative to the digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LocaleSign {
    None,
    Pre,
    Post,
}

/// What a numeric template asks for (PG's NUMDesc).
#[derive(Debug, Clone)]
pub(super) struct NumDesc {
    pub(super) pre: usize,
    pub(super) post: usize,
    pub(super) multi: usize,
    pub(super) zero_start: usize,
    pub(super) zero_end: usize,
    pub(super) pre_lsign_num: usize,
    pub(super) lsign: LocaleSign,
    pub(super) decimal: bool,
    ldecimal: bool,
    pub(super) zero: bool,
    blank: bool,
    pub(super) fill: bool,
    pub(super) lsign_flag: bool,
    pub(super) bracket: bool,
    pub(super) minus: bool,
    pub(super) plus: bool,
    pub(super) roman: bool,
    pub(super) multi_flag: bool,
    pub(super) eeee: bool,
}

impl NumDesc {
    /// An empty description, before any keyword is added.
    pub(super) fn new() -> NumDesc {
        NumDesc {
            pre: 0,
            post: 0,
            multi: 0,
            zero_start: 0,
            zero_end: 0,
            pre_lsign_num: 0,
            lsign: LocaleSign::None,
            decimal: false,
            ldecimal: false,
            zero: false,
            blank: false,
            fill: false,
            lsign_flag: false,
            bracket: false,
            minus: false,
            plus: false,
            roman: false,
            multi_flag: false,
            eeee: false,
        }
    }

    fn add(&mut self, k: Nk) -> Result<()> {
        let syntax = |m: &str| TemplateError::new(SYNTAX_ERROR, m.to_string());
        if self.eeee && k != Nk::Eeee {
            return Err(syntax("\"EEEE\" must be the last pattern used"));
        }
        match k {
            Nk::Nine => {
                if self.bracket {
                    return Err(syntax("\"9\" must be ahead of \"PR\""));
                }
                if self.multi_flag {
                    self.multi += 1;
                } else if self.decimal {
                    self.post += 1;
                } else {
                    self.pre += 1;
                }
            }
            Nk::Zero => {
                if self.bracket {
                    return Err(syntax("\"0\" must be ahead of \"PR\""));
                }
                if !self.zero && !self.decimal {
                    self.zero = true;
                    self.zero_start = self.pre + 1;
                }
                if self.decimal {
                    self.post += 1;
                } else {
                    self.pre += 1;
                }
                self.zero_end = self.pre + self.post;
            }
            Nk::B => {
                if self.pre == 0 && self.post == 0 && !self.zero {
                    self.blank = true;
                }
            }
            Nk::D | Nk::Dec => {
                if k == Nk::D {
                    self.ldecimal = true;
                }
                if self.decimal {
                    return Err(syntax("multiple decimal points"));
                }
                if self.multi_flag {
                    return Err(syntax("cannot use \"V\" and decimal point together"));
                }
                self.decimal = true;
            }
            Nk::Fm => self.fill = true,
            Nk::S => {
                if self.lsign_flag {
                    return Err(syntax("cannot use \"S\" twice"));
                }
                if self.plus || self.minus || self.bracket {
                    return Err(syntax(
                        "cannot use \"S\" and \"PL\"/\"MI\"/\"SG\"/\"PR\" together",
                    ));
                }
                if !self.decimal {
                    self.lsign = LocaleSign::Pre;
                    self.pre_lsign_num = self.pre;
                    self.lsign_flag = true;
                } else if self.lsign == LocaleSign::None {
                    self.lsign = LocaleSign::Post;
                    self.lsign_flag = true;
                }
            }
            Nk::Mi => {
                if self.lsign_flag {
                    return Err(syntax("cannot use \"S\" and \"MI\" together"));
                }
                self.minus = true;
            }
            Nk::Pl => {
                if self.lsign_flag {
                    return Err(syntax("cannot use \"S\" and \"PL\" together"));
                }
                self.plus = true;
            }
            Nk::Sg => {
                if self.lsign_flag {
                    return Err(syntax("cannot use \"S\" and \"SG\" together"));
                }
                self.minus = true;
                self.plus = true;
            }
            Nk::Pr => {
                if self.lsign_flag || self.plus || self.minus {
                    return Err(syntax(
                        "cannot use \"PR\" and \"S\"/\"PL\"/\"MI\"/\"SG\" together",
                    ));
                }
                self.bracket = true;
            }
            Nk::Rn(_) => self.roman = true,
            Nk::V => {
                if self.decimal {
                    return Err(syntax("cannot use \"V\" and decimal point together"));
                }
                self.multi_flag = true;
            }
            Nk::Eeee => {
                if self.eeee {
                    return Err(syntax("cannot use \"EEEE\" twice"));
                }
                if self.blank
                    || self.fill
                    || self.lsign_flag
                    || self.bracket
                    || self.minus
                    || self.plus
                    || self.roman
                    || self.multi_flag
                {
                    return Err(TemplateError::new(
                        SYNTAX_ERROR,
                        "\"EEEE\" is incompatible with other formats",
                    )
                    .detail(
                        "\"EEEE\" may only be used together with digit and decimal point patterns.",
                    ));
                }
                self.eeee = true;
            }
            Nk::Comma | Nk::C | Nk::G | Nk::L | Nk::Sp | Nk::Th(_) => {}
        }
        Ok(())
    }
}

fn prepare_num(template: &str) -> (Vec<NumNode>, Result<NumDesc>) {
    let nodes = parse_template(template, NUM_KEYWORDS, false);
    let mut desc = NumDesc::new();
    for n in &nodes {
        if let Node::Action(k, _) = n {
            if let Err(e) = desc.add(k.1) {
                return (nodes, Err(e));
            }
        }
    }
    (nodes, Ok(desc))
}

/// A numeric template parsed once, to format or read many values with. Its
/// errors (PG's 42601 for a malformed template) come from the methods, as
/// PG raises them only when the function runs.
pub struct NumberTemplate {
    pub(super) nodes: Vec<NumNode>,
    pub(super) desc: Result<NumDesc>,
    pub(super) empty: bool,
}

impl NumberTemplate {
    /// Parses `template`.
    pub fn new(template: &str) -> NumberTemplate {
        let (nodes, desc) = prepare_num(template);
        NumberTemplate {
            nodes,
            desc,
            empty: template.is_empty(),
        }
    }
}
