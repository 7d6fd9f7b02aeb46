//! Template tokenizing shared by date/time and numeric templates: pattern
//! keywords (longest match, with FM/TM/TH/SP affixes) and literal text.

use super::text::{is_separator, is_space};

/// How a non-pattern character of a date/time template is treated when
/// parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LitClass {
    /// Letters, digits, non-ASCII and anything double-quoted: skips one
    /// input character.
    Text,
    /// Unquoted white space.
    Space,
    /// Unquoted ASCII punctuation.
    Separator,
}

/// The FM/TM prefixes and TH/th suffix on a keyword.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Suffix {
    pub(super) fm: bool,
    pub(super) tm: bool,
    /// `Some(true)` for TH, `Some(false)` for th.
    pub(super) th: Option<bool>,
}

/// A parsed template node: a keyword with its affixes, or a literal character.
pub(super) enum Node<K: 'static> {
    Action(&'static K, Suffix),
    Literal(char, LitClass),
}

/// An entry of a keyword table, matched by its name.
pub(super) trait Keyword {
    fn name(&self) -> &'static str;
}

/// The longest keyword that the template continues with at `pos`.
fn match_keyword<K: Keyword>(
    chars: &[char],
    pos: usize,
    table: &'static [K],
) -> Option<&'static K> {
    let first = *chars.get(pos)?;
    let mut best: Option<&'static K> = None;
    for k in table {
        let name = k.name();
        if !name.starts_with(first) {
            continue;
        }
        let n = name.chars().count();
        if pos + n <= chars.len()
            && name.chars().zip(&chars[pos..pos + n]).all(|(a, b)| a == *b)
            && best.is_none_or(|b| b.name().len() < name.len())
        {
            best = Some(k);
        }
    }
    best
}

fn starts_with_at(chars: &[char], pos: usize, s: &str) -> bool {
    let n = s.len();
    pos + n <= chars.len() && s.chars().zip(&chars[pos..pos + n]).all(|(a, b)| a == *b)
}

/// Splits a template into pattern and literal nodes the way PG does:
/// keywords are case-sensitive and the longest one wins; a date/time
/// keyword may carry one prefix (FM, TM) and one suffix (TH, th, SP); text
/// in double quotes is literal (a backslash there takes the next character
/// literally); outside quotes a backslash only escapes a double quote.
pub(super) fn parse_template<K: Keyword>(
    template: &str,
    table: &'static [K],
    datetime: bool,
) -> Vec<Node<K>> {
    let chars: Vec<char> = template.chars().collect();
    let mut nodes = Vec::new();
    let mut pos = 0;
    while pos < chars.len() {
        let mut suffix = Suffix::default();
        if datetime {
            if starts_with_at(&chars, pos, "FM") || starts_with_at(&chars, pos, "fm") {
                suffix.fm = true;
                pos += 2;
            } else if starts_with_at(&chars, pos, "TM") || starts_with_at(&chars, pos, "tm") {
                suffix.tm = true;
                pos += 2;
            }
        }
        if pos >= chars.len() {
            break;
        }
        if let Some(k) = match_keyword(&chars, pos, table) {
            pos += k.name().chars().count();
            if datetime && pos < chars.len() {
                if starts_with_at(&chars, pos, "TH") {
                    suffix.th = Some(true);
                    pos += 2;
                } else if starts_with_at(&chars, pos, "th") {
                    suffix.th = Some(false);
                    pos += 2;
                } else if starts_with_at(&chars, pos, "SP") {
                    pos += 2;
                }
            }
            nodes.push(Node::Action(k, suffix));
            continue;
        }
        let c = chars[pos];
        if c == '"' {
            pos += 1;
            while pos < chars.len() {
                let mut c = chars[pos];
                if c == '"' {
                    pos += 1;
                    break;
                }
                if c == '\\' && pos + 1 < chars.len() {
                    pos += 1;
                    c = chars[pos];
                }
                nodes.push(Node::Literal(c, LitClass::Text));
                pos += 1;
            }
            continue;
        }
        let mut c = c;
        if c == '\\' && pos + 1 < chars.len() && chars[pos + 1] == '"' {
            pos += 1;
            c = '"';
        }
        let class = if datetime && is_separator(c) {
            LitClass::Separator
        } else if is_space(c) {
            LitClass::Space
        } else {
            LitClass::Text
        };
        nodes.push(Node::Literal(c, class));
        pos += 1;
    }
    nodes
}
