//! `EXCEPT ALL` and `INTERSECT ALL` with PostgreSQL's multiset meaning.
//!
//! PG keeps `m - n` copies of a row the left side has `m` times and the
//! right side `n` times (`min(m, n)` for INTERSECT ALL). DataFusion plans
//! them as anti and semi joins, which drop every copy or keep them all:
//! `VALUES (1),(1),(2) EXCEPT ALL VALUES (1)` gave `2` where PG gives
//! `1, 2`. Numbering the copies of each row on both sides makes every
//! (row, copy number) pair distinct, so the plain set operation on the
//! pairs, with the numbers dropped, is PG's multiset operation.

use datafusion::sql::sqlparser::ast::{Expr, SelectItem, SetExpr, SetOperator, SetQuantifier};

/// Rewrites the ALL forms of EXCEPT and INTERSECT in `body`, innermost first.
pub(super) fn rewrite(body: &mut SetExpr) {
    match body {
        SetExpr::SetOperation { left, right, .. } => {
            rewrite(left);
            rewrite(right);
        }
        SetExpr::Query(query) => rewrite(&mut query.body),
        _ => return,
    }
    let SetExpr::SetOperation {
        left,
        op,
        set_quantifier: SetQuantifier::All,
        right,
    } = body
    else {
        return;
    };
    let distinct = match op {
        SetOperator::Except | SetOperator::Minus => "EXCEPT",
        SetOperator::Intersect => "INTERSECT",
        _ => return,
    };
    let Some(names) = output_names(left) else {
        return;
    };
    let columns = names.join(", ");
    let numbered = |side: &SetExpr, alias: &str| {
        format!(
            "SELECT {columns}, row_number() OVER (PARTITION BY {columns}) AS \"?copy\" \
             FROM ({side}) AS {alias}({columns})"
        )
    };
    let sql = format!(
        "SELECT {columns} FROM ({} {distinct} {}) AS \"?multiset\"",
        numbered(left, "\"?left\""),
        numbered(right, "\"?right\"")
    );
    if let Some(query) = super::parse_query(&sql) {
        *body = SetExpr::Query(query);
    }
}

/// The output column names of a set operation's left side, as SQL
/// identifiers: an alias or a column's own name, else `columnN`; `None` if a
/// wildcard leaves the count unknown.
fn output_names(side: &SetExpr) -> Option<Vec<String>> {
    let names: Vec<Option<String>> = match side {
        SetExpr::Select(select) => select
            .projection
            .iter()
            .map(|item| match item {
                SelectItem::ExprWithAlias { alias, .. } => Some(Some(alias.to_string())),
                SelectItem::UnnamedExpr(Expr::Identifier(i)) => Some(Some(i.to_string())),
                SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) => {
                    Some(parts.last().map(ToString::to_string))
                }
                SelectItem::UnnamedExpr(_) => Some(None),
                _ => None,
            })
            .collect::<Option<_>>()?,
        SetExpr::SetOperation { left, .. } => return output_names(left),
        SetExpr::Query(query) => return output_names(&query.body),
        SetExpr::Values(values) => vec![None; values.rows.first()?.len()],
        _ => return None,
    };
    let mut seen = std::collections::HashSet::new();
    let unique = names
        .iter()
        .flatten()
        .all(|n| seen.insert(n.to_lowercase()));
    Some(
        names
            .into_iter()
            .enumerate()
            .map(|(i, n)| match n {
                Some(n) if unique => n,
                _ => format!("column{}", i + 1),
            })
            .collect(),
    )
}
