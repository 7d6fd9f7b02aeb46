//! PostgreSQL's text form of a one-dimensional array, `{1,NULL,"a b"}`, read
//! into its elements (for array parameters and `'{…}'::type[]` literals).

/// The elements of a one-dimensional PG array literal (`None` is NULL), or
/// `None` when the text is not one.
pub fn elements(text: &str) -> Option<Vec<Option<String>>> {
    let inner = text.trim().strip_prefix('{')?.strip_suffix('}')?;
    let mut elements = Vec::new();
    if inner.trim().is_empty() {
        return Some(elements);
    }
    let mut chars = inner.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let (value, quoted) = if chars.next_if_eq(&'"').is_some() {
            let mut value = String::new();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => value.push(chars.next()?),
                    c => value.push(c),
                }
            }
            (value, true)
        } else {
            let mut value = String::new();
            while let Some(c) = chars.next_if(|c| *c != ',') {
                if c == '{' || c == '"' {
                    return None;
                }
                value.push(c);
            }
            (value.trim_end().to_string(), false)
        };
        if !quoted && value.is_empty() {
            return None;
        }
        elements.push((quoted || !value.eq_ignore_ascii_case("null")).then_some(value));
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.next() {
            None => return Some(elements),
            Some(',') => {}
            Some(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_follow_postgres_quoting() {
        assert_eq!(
            elements(r#"{"a,b",NULL,"NULL", "x\"y" , z }"#).unwrap(),
            [
                Some("a,b".into()),
                None,
                Some("NULL".into()),
                Some("x\"y".into()),
                Some("z".into())
            ]
        );
        assert_eq!(elements("{}").unwrap(), []);
        for bad in ["1,2", "{1,,2}", "{1", "{{1}}", r#"{c"d}"#] {
            assert_eq!(elements(bad), None, "{bad}");
        }
    }
}
