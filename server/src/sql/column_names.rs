//! Result column names as PostgreSQL chooses them (its `FigureColname`):
//! `count` not `count(*)`, `?column?` for expressions, the column's own name
//! for a cast column, `case`, `array`, `exists`…

use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{
    Expr, FunctionArguments, Query, SelectItem, SetExpr, Statement as SqlStatement,
};

/// PG's names for a query's output columns, or `None` when the query's shape
/// is not one we name (the engine's names are used then). `wildcard_names`
/// are the engine's names, used for the columns a `*` expands to.
pub fn pg_column_names(statement: &DfStatement, engine_names: &[String]) -> Option<Vec<String>> {
    let DfStatement::Statement(s) = statement else {
        return None;
    };
    let SqlStatement::Query(query) = s.as_ref() else {
        return None;
    };
    let items = select_items(query)?;
    let wildcards = items
        .iter()
        .filter(|i| {
            matches!(
                i,
                SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)
            )
        })
        .count();
    let named = items.len() - wildcards;
    if wildcards > 1 || engine_names.len() < named {
        return None;
    }
    let expanded = engine_names.len() - named;
    if wildcards == 0 && expanded != 0 {
        return None;
    }
    let mut names = Vec::with_capacity(engine_names.len());
    for item in items {
        match item {
            SelectItem::UnnamedExpr(e) => {
                names.push(figure(e).unwrap_or_else(|| "?column?".into()))
            }
            SelectItem::ExprWithAlias { alias, .. } => names.push(ident_value(alias)),
            SelectItem::ExprWithAliases { aliases, .. } => {
                names.push(aliases.first().map(ident_value).unwrap_or_default())
            }
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                let start = names.len();
                names.extend(engine_names[start..start + expanded].iter().cloned());
            }
        }
    }
    Some(names)
}

fn ident_value(i: &datafusion::sql::sqlparser::ast::Ident) -> String {
    if i.quote_style.is_some() {
        i.value.clone()
    } else {
        i.value.to_lowercase()
    }
}

/// The select list that names a query's output: the leftmost SELECT of set operations.
fn select_items(query: &Query) -> Option<&Vec<SelectItem>> {
    let mut body = query.body.as_ref();
    loop {
        match body {
            SetExpr::Select(select) => return Some(&select.projection),
            SetExpr::SetOperation { left, .. } => body = left.as_ref(),
            SetExpr::Query(q) => body = q.body.as_ref(),
            _ => return None,
        }
    }
}

/// PG's FigureColnameInternal for one expression.
fn figure(e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(i) => Some(ident_value(i)),
        Expr::CompoundIdentifier(parts) => parts.last().map(ident_value),
        Expr::Nested(inner) => figure(inner),
        Expr::Function(f) => {
            let name = f.name.0.last()?.as_ident().map(ident_value)?;
            // count(*) and friends: the function's name.
            let _ = matches!(f.args, FunctionArguments::None);
            Some(name)
        }
        Expr::Cast {
            expr, data_type, ..
        } => figure(expr).or_else(|| {
            let t = data_type.to_string().to_lowercase();
            Some(pg_type_name(&t))
        }),
        // Named after its ELSE when that is a strong name, as PG does.
        Expr::Case { else_result, .. } => else_result
            .as_deref()
            .and_then(strong_name)
            .or_else(|| Some("case".into())),
        Expr::Array(_) => Some("array".into()),
        Expr::Exists { .. } => Some("exists".into()),
        Expr::Subquery(q) => select_items(q)
            .and_then(|items| items.first())
            .and_then(|item| match item {
                SelectItem::UnnamedExpr(e) => figure(e),
                SelectItem::ExprWithAlias { alias, .. } => Some(ident_value(alias)),
                _ => None,
            }),
        // `(composite).field` is named after the field; `arr[1]` after the array.
        Expr::CompoundFieldAccess { root, access_chain } => match access_chain.last() {
            Some(datafusion::sql::sqlparser::ast::AccessExpr::Dot(Expr::Identifier(field))) => {
                Some(ident_value(field))
            }
            _ => figure(root),
        },
        Expr::Extract { .. } => Some("extract".into()),
        Expr::Position { .. } => Some("position".into()),
        Expr::Substring { .. } => Some("substring".into()),
        Expr::Trim { .. } => Some("btrim".into()),
        Expr::Overlay { .. } => Some("overlay".into()),
        Expr::Ceil { .. } => Some("ceil".into()),
        Expr::Floor { .. } => Some("floor".into()),
        _ => None,
    }
}

/// The name PG figures for `e` with full strength: a column's or a
/// function's, possibly through casts; not a cast's type name, a literal or
/// a CASE without one (FigureColnameInternal's strength 2).
fn strong_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Cast { expr, .. } | Expr::Nested(expr) => strong_name(expr),
        Expr::Case { else_result, .. } => else_result.as_deref().and_then(strong_name),
        _ => figure(e),
    }
}

/// PG's internal type name for a cast target written in SQL (`int` → `int4`).
fn pg_type_name(sql: &str) -> String {
    let base = sql.split('(').next().unwrap_or(sql).trim();
    match base {
        "int" | "integer" => "int4",
        "smallint" => "int2",
        "bigint" => "int8",
        "real" => "float4",
        "double precision" | "float" => "float8",
        "boolean" => "bool",
        "character varying" => "varchar",
        "decimal" => "numeric",
        "timestamp with time zone" => "timestamptz",
        "timestamp without time zone" => "timestamp",
        other => other,
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::parser::DFParser;

    fn names(sql: &str, engine: &[&str]) -> Vec<String> {
        let stmt = DFParser::parse_sql(sql).unwrap().pop_front().unwrap();
        let engine: Vec<String> = engine.iter().map(|s| s.to_string()).collect();
        pg_column_names(&stmt, &engine).unwrap()
    }

    #[test]
    fn names_follow_postgres() {
        assert_eq!(
            names(
                "SELECT count(*), 1, a + 1, a AS \"X\"",
                &["count(*)", "Int64(1)", "a + 1", "X"]
            ),
            ["count", "?column?", "?column?", "X"]
        );
        assert_eq!(
            names(
                "SELECT severity::text, 1::int, CASE WHEN true THEN 1 END",
                &["a", "b", "c"]
            ),
            ["severity", "int4", "case"]
        );
        // psql's \d: a CASE takes its ELSE's column or function name, not a type name.
        assert_eq!(
            names(
                "SELECT CASE WHEN x = 0 THEN '' ELSE x::regtype::text END, \
                 CASE WHEN true THEN 1 ELSE 2::int END, CASE WHEN true THEN 1 ELSE lower('A') END",
                &["a", "b", "c"]
            ),
            ["x", "case", "lower"]
        );
        assert_eq!(
            names("SELECT *, 2 AS two FROM t", &["a", "b", "two"]),
            ["a", "b", "two"]
        );
        // The engine sees internal aliases for names PG repeats.
        assert_eq!(
            names(
                "SELECT t.oid, t.*, 1 AS oid FROM t",
                &["?column?0", "oid", "typname", "?column?2"]
            ),
            ["oid", "oid", "typname", "oid"]
        );
    }
}
