//! A pre-pass over the parsed statement that maps PostgreSQL syntax DataFusion
//! does not plan onto what it does, without looking at the query's text:
//! `pg_catalog.`-qualified functions and unqualified catalog tables (PG searches
//! `pg_catalog` first), `::regclass`/`::regtype`/`::regproc`/`::regnamespace`
//! and `::oid` casts, `OPERATOR(pg_catalog.~)`, `COLLATE`, PG-only type names
//! (`name`, `"char"`, `pg_catalog.int2[]`), `LIKE … ESCAPE`, `ARRAY(subquery)`,
//! `generate_subscripts`, `information_schema._pg_expandarray` and
//! EXCEPT ALL / INTERSECT ALL as multisets ([`multiset_operations`]), and
//! `(composite).field`, duplicate result names (a column beside a `*` that
//! also yields it included), `int4` integer constants, the system column
//! `xmin` of catalog tables, `::xid` casts, scalar functions in FROM (one row,
//! one column named after the alias) and the alias of `generate_series` in
//! FROM naming its column, `LIMIT n` on an ungrouped aggregate (one row
//! anyway) dropped, and scalar subqueries: their result is wrapped in
//! `pg_single_value` (PG's one-row rule) and conditions on the outer row alone
//! are hoisted into a `CASE WHEN`, so that DataFusion can decorrelate what
//! remains.

use std::collections::HashSet;
use std::ops::ControlFlow;

use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{
    visit_expressions, ArrayElemTypeDef, BinaryOperator, CastKind, DataType, ExactNumberInfo, Expr,
    Function, FunctionArg, FunctionArgExpr, FunctionArgumentList, FunctionArguments, GroupByExpr,
    Ident, LimitClause, ObjectName, ObjectNamePart, Query, Select, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, TableAlias, TableAliasColumnDef, TableFactor,
    TableWithJoins, UnaryOperator, Value, ValueWithSpan, Visit, VisitMut, Visitor, VisitorMut,
};

mod multiset_operations;

use crate::catalog::catalog_functions::RegType;
use crate::catalog::pg_catalog::{has_system_column, TABLE_FUNCTIONS};
use crate::dialect::analyzer::array_operands::UNKNOWN_ARRAY_NAME;

/// Rewrites `statement` in place.
pub fn rewrite(statement: &mut DfStatement) {
    match statement {
        DfStatement::Statement(s) => {
            let _ = s.visit(&mut Rewriter::default());
        }
        DfStatement::Explain(explain) => rewrite(&mut explain.statement),
        _ => {}
    }
}

#[derive(Default)]
struct Rewriter {
    /// Names of the CTEs in scope: they shadow catalog tables.
    ctes: HashSet<String>,
    /// What the FROM clauses of the SELECTs being visited bind, innermost last.
    scopes: Vec<Scope>,
    /// For each query being visited, how many scopes there were before it.
    query_scopes: Vec<usize>,
}

/// The relations one FROM clause binds, each with whether it is a
/// `pg_catalog` table with PG's system column `xmin`.
type Scope = Vec<(String, bool)>;

/// The system column catalog tables have and clients select (`xmin`).
const SYSTEM_COLUMN: &str = "xmin";

/// DataFusion's table functions returning one column, which PG names after
/// the table alias (`generate_series(1, 3) AS i` has column `i`).
const SERIES_FUNCTIONS: &[&str] = &["generate_series", "range"];

fn parts(name: &ObjectName) -> Vec<String> {
    name.0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(i) => i.value.clone(),
            ObjectNamePart::Function(f) => f.name.value.clone(),
        })
        .collect()
}

fn lowercase_parts(name: &ObjectName) -> Vec<String> {
    parts(name).into_iter().map(|p| p.to_lowercase()).collect()
}

/// A call of `name` with `args`.
fn call_named(name: ObjectName, args: Vec<FunctionArg>) -> Expr {
    Expr::Function(Function {
        name,
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args,
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}

/// `FROM f(…) AS t` of a one-column function: PG names the column `t` too.
fn alias_names_the_column(alias: &mut Option<TableAlias>) {
    if let Some(alias) = alias.as_mut().filter(|a| a.columns.is_empty()) {
        let column = TableAliasColumnDef {
            name: alias.name.clone(),
            data_type: None,
        };
        alias.columns.push(column);
    }
}

/// A call of `name` with positional arguments.
fn call(name: &str, args: Vec<Expr>) -> Expr {
    call_named(
        ObjectName(vec![ObjectNamePart::Identifier(Ident::new(name))]),
        args.into_iter()
            .map(|e| FunctionArg::Unnamed(FunctionArgExpr::Expr(e)))
            .collect(),
    )
}

/// An identifier as DataFusion resolves it: lower-cased unless quoted.
fn normalized(ident: &Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_lowercase()
    }
}

/// The column a plain column reference (`c`, `t.c`) names.
fn column_ident(expr: &Expr) -> Option<&Ident> {
    match expr {
        Expr::Identifier(column) => Some(column),
        Expr::CompoundIdentifier(parts) => parts.last(),
        _ => None,
    }
}

/// The column a result is named after: a column, also through casts
/// (PG names `x::bigint` "x", and so does DataFusion).
fn named_column(expr: &Expr) -> Option<&Ident> {
    match expr {
        Expr::Cast { expr, .. } | Expr::Nested(expr) => named_column(expr),
        other => column_ident(other),
    }
}

/// The single argument of a call of one of `names`, if `expr` is one.
fn argument_of<'a>(expr: &'a Expr, names: &[&str]) -> Option<&'a Expr> {
    let Expr::Function(f) = expr else { return None };
    let name = lowercase_parts(&f.name);
    if name.len() != 1 || !names.contains(&name[0].as_str()) {
        return None;
    }
    match &f.args {
        FunctionArguments::List(list) => match list.args.as_slice() {
            [FunctionArg::Unnamed(FunctionArgExpr::Expr(e))] => Some(e),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `expr` is an integer constant PG types as `int4` (a literal that
/// fits, or a CASE choosing only among such): DataFusion would make it `int8`.
fn is_int4_constant(expr: &Expr) -> bool {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse::<i32>().is_ok(),
            _ => false,
        },
        Expr::Nested(e) => is_int4_constant(e),
        Expr::Case {
            conditions,
            else_result,
            ..
        } => {
            conditions.iter().all(|c| is_int4_constant(&c.result))
                && else_result.as_deref().is_none_or(is_int4_constant)
        }
        _ => false,
    }
}

/// The value of an integer constant written as an expression (`2::int4`,
/// `(-2)`, `CAST(1 AS bigint)`).
fn constant_integer(expr: &Expr) -> Option<i64> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse().ok(),
            _ => None,
        },
        Expr::Nested(e) => constant_integer(e),
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => constant_integer(expr)?.checked_neg(),
        Expr::Cast {
            expr,
            data_type:
                DataType::Int(_)
                | DataType::Integer(_)
                | DataType::SmallInt(_)
                | DataType::BigInt(_)
                | DataType::Int2(_)
                | DataType::Int4(_)
                | DataType::Int8(_),
            ..
        } => constant_integer(expr),
        _ => None,
    }
}

/// `round(x, 2::int4)` as `round(x, 2)`: the scale of a numeric result is
/// decided when the query is planned, from a literal (`dialect::functions::rounding`).
fn constant_scale_argument(mut f: Function, list: &FunctionArgumentList) -> Option<Expr> {
    let [value, FunctionArg::Unnamed(FunctionArgExpr::Expr(scale))] = list.args.as_slice() else {
        return None;
    };
    if matches!(scale, Expr::Value(_)) {
        return None;
    }
    let scale = constant_integer(scale)?;
    f.args = FunctionArguments::List(FunctionArgumentList {
        args: vec![
            value.clone(),
            FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::value(Value::Number(
                scale.to_string(),
                false,
            )))),
        ],
        ..list.clone()
    });
    Some(Expr::Function(f))
}

/// The number of fraction digits of a plain decimal literal (`-12.50` → 2),
/// quoted or not; `None` for anything else (exponents included).
fn literal_scale(expr: &Expr) -> Option<i64> {
    let text = match expr {
        Expr::Value(ValueWithSpan {
            value: Value::Number(text, _) | Value::SingleQuotedString(text),
            ..
        }) => text.trim(),
        _ => return None,
    };
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = int.len() + frac.len();
    let plain = digits > 0 && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit());
    (plain && digits <= 38).then_some(frac.len() as i64)
}

/// The PG type a cast names, lower-cased and without `pg_catalog.`, if it is
/// one DataFusion does not know by that name.
fn custom_type_name(data_type: &DataType) -> Option<String> {
    match data_type {
        DataType::Regclass => Some("regclass".into()),
        DataType::Custom(name, _) => {
            let parts = lowercase_parts(name);
            match parts.as_slice() {
                [only] => Some(only.clone()),
                [schema, only] if schema == "pg_catalog" => Some(only.clone()),
                _ => None,
            }
        }
        _ => None,
    }
}

fn is_text_type(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Text | DataType::Varchar(_) | DataType::String(_)
    ) || custom_type_name(data_type)
        .is_some_and(|n| matches!(n.as_str(), "name" | "text" | "varchar"))
}

/// The DataFusion type for a PG-only type name that is really text or an integer.
fn standard_type(name: &str) -> Option<DataType> {
    match name {
        "name" | "char" | "text" | "varchar" | "bpchar" => Some(DataType::Text),
        "int2" => Some(DataType::SmallInt(None)),
        "int4" | "integer" => Some(DataType::Int(None)),
        "int8" | "bigint" => Some(DataType::BigInt(None)),
        "bool" | "boolean" => Some(DataType::Boolean),
        "float4" => Some(DataType::Real),
        "float8" => Some(DataType::DoublePrecision),
        _ => None,
    }
}

/// The operator `OPERATOR(schema.op)` stands for.
fn custom_operator(names: &[String]) -> Option<BinaryOperator> {
    Some(match names.last()?.as_str() {
        "~" => BinaryOperator::PGRegexMatch,
        "~*" => BinaryOperator::PGRegexIMatch,
        "!~" => BinaryOperator::PGRegexNotMatch,
        "!~*" => BinaryOperator::PGRegexNotIMatch,
        "~~" => BinaryOperator::PGLikeMatch,
        "~~*" => BinaryOperator::PGILikeMatch,
        "!~~" => BinaryOperator::PGNotLikeMatch,
        "!~~*" => BinaryOperator::PGNotILikeMatch,
        "=" => BinaryOperator::Eq,
        "<>" | "!=" => BinaryOperator::NotEq,
        "<" => BinaryOperator::Lt,
        "<=" => BinaryOperator::LtEq,
        ">" => BinaryOperator::Gt,
        ">=" => BinaryOperator::GtEq,
        "||" => BinaryOperator::StringConcat,
        _ => return None,
    })
}

/// Aggregate functions: a scalar subquery selecting one of them needs no wrapping.
const AGGREGATES: &[&str] = &[
    "count",
    "sum",
    "min",
    "max",
    "avg",
    "array_agg",
    "string_agg",
    "bool_and",
    "bool_or",
    "every",
    "json_agg",
    "jsonb_agg",
    "json_object_agg",
    "first_value",
    "last_value",
];

/// Finds a call of one of [`AGGREGATES`]; with `own_only`, only a plain call
/// (no window) outside subqueries: one that aggregates its own query.
struct AggregateCalls {
    own_only: bool,
    /// How deep in subqueries the visit is.
    depth: usize,
}

impl Visitor for AggregateCalls {
    type Break = ();

    fn pre_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        let Expr::Function(f) = expr else {
            return ControlFlow::Continue(());
        };
        let aggregate = lowercase_parts(&f.name)
            .last()
            .is_some_and(|n| AGGREGATES.contains(&n.as_str()));
        if aggregate && (!self.own_only || (self.depth == 0 && f.over.is_none())) {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
}

/// Whether `expr` calls an aggregate function; with `own_only`, one that makes
/// the query `expr` belongs to an aggregation.
fn calls_aggregate(expr: &Expr, own_only: bool) -> bool {
    Visit::visit(expr, &mut AggregateCalls { own_only, depth: 0 }).is_break()
}

/// `FETCH FIRST n ROWS ONLY` (SQL's spelling of LIMIT, which Looker and
/// DB2-minded tools write) as `LIMIT n`; without a count, one row, as in PG.
/// `WITH TIES` stays, for DataFusion to refuse.
fn fetch_as_limit(query: &mut Query) {
    let Some(fetch) = query.fetch.take_if(|f| !f.with_ties && !f.percent) else {
        return;
    };
    let offset = match query.limit_clause.take() {
        None => None,
        Some(LimitClause::LimitOffset {
            limit: None,
            offset,
            limit_by,
        }) if limit_by.is_empty() => offset,
        other => {
            // `LIMIT … FETCH …` together: left for the planner to refuse.
            query.limit_clause = other;
            query.fetch = Some(fetch);
            return;
        }
    };
    let one = || Expr::Value(Value::Number("1".into(), false).into());
    query.limit_clause = Some(LimitClause::LimitOffset {
        limit: Some(fetch.quantity.unwrap_or_else(one)),
        offset,
        limit_by: vec![],
    });
}

/// Whether `select` aggregates without GROUP BY: it yields one row whatever
/// its input, none included.
fn is_ungrouped_aggregate(select: &Select) -> bool {
    let ungrouped = matches!(&select.group_by, GroupByExpr::Expressions(e, _) if e.is_empty());
    ungrouped
        && select.projection.iter().any(|item| match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                calls_aggregate(e, true)
            }
            _ => false,
        })
}

/// Drops `LIMIT n` (n ≥ 1, no OFFSET) from an ungrouped aggregate, which
/// yields exactly one row anyway: DataFusion cannot decorrelate a scalar
/// subquery with a LIMIT.
fn drop_redundant_limit(query: &mut Query) {
    let Some(LimitClause::LimitOffset {
        limit: Some(Expr::Value(limit)),
        offset: None,
        limit_by,
    }) = &query.limit_clause
    else {
        return;
    };
    let positive =
        matches!(&limit.value, Value::Number(n, _) if n.parse::<u64>().is_ok_and(|n| n > 0));
    let SetExpr::Select(select) = query.body.as_ref() else {
        return;
    };
    if positive && limit_by.is_empty() && is_ungrouped_aggregate(select) {
        query.limit_clause = None;
    }
}

/// The names a query's FROM clause binds, or `None` if some relation has none we know.
fn bound_names(select: &Select) -> Option<HashSet<String>> {
    let mut names = HashSet::new();
    for t in &select.from {
        for factor in std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation)) {
            let name = match factor {
                TableFactor::Table { alias: Some(a), .. }
                | TableFactor::Derived { alias: Some(a), .. } => a.name.value.clone(),
                TableFactor::Table { name, .. } => parts(name).last()?.clone(),
                _ => return None,
            };
            names.insert(name.to_lowercase());
        }
    }
    Some(names)
}

/// Whether `expr` refers to columns of the enclosing query (qualified by a
/// name `inner` does not bind) and to anything else.
fn references(expr: &Expr, inner: &HashSet<String>) -> (bool, bool) {
    let (mut outer, mut other) = (false, false);
    let _ = visit_expressions(expr, |e| {
        match e {
            Expr::CompoundIdentifier(idents) if idents.len() >= 2 => {
                let qualifier = idents[idents.len() - 2].value.to_lowercase();
                if inner.contains(&qualifier) {
                    other = true;
                } else {
                    outer = true;
                }
            }
            Expr::Identifier(_)
            | Expr::Subquery(_)
            | Expr::Exists { .. }
            | Expr::InSubquery { .. } => other = true,
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    (outer, other)
}

fn split_and(expr: Expr, out: &mut Vec<Expr>) {
    match expr {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            split_and(*left, out);
            split_and(*right, out);
        }
        Expr::Nested(inner)
            if matches!(
                *inner,
                Expr::BinaryOp {
                    op: BinaryOperator::And,
                    ..
                }
            ) =>
        {
            split_and(*inner, out)
        }
        other => out.push(other),
    }
}

/// Helps DataFusion decorrelate a scalar subquery: conditions on the outer row
/// alone leave the subquery (returned, to guard it with `CASE WHEN`), and an
/// outer column equated with an inner expression is replaced by that
/// expression in the other conditions (`a.x = c.oid AND a.x <> t.y` becomes
/// `a.x = c.oid AND c.oid <> t.y`).
fn hoist_outer_conditions(query: &mut Query) -> Option<Expr> {
    let SetExpr::Select(select) = query.body.as_mut() else {
        return None;
    };
    let inner = bound_names(select)?;
    let mut conditions = Vec::new();
    split_and(select.selection.take()?, &mut conditions);
    let mut equal = Vec::new();
    for c in &conditions {
        if let Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } = c
        {
            for (o, i) in [(left, right), (right, left)] {
                if matches!(**o, Expr::CompoundIdentifier(_))
                    && references(o, &inner) == (true, false)
                    && !references(i, &inner).0
                {
                    equal.push(((**o).clone(), (**i).clone()));
                }
            }
        }
    }
    let (mut kept, mut guards) = (Vec::new(), Vec::new());
    for mut c in conditions {
        match references(&c, &inner) {
            (true, false) => guards.push(c),
            (true, true) if !equal.iter().any(|(o, i)| c == eq(o, i) || c == eq(i, o)) => {
                let _ = datafusion::sql::sqlparser::ast::visit_expressions_mut(&mut c, |e| {
                    if let Some((_, i)) = equal.iter().find(|(o, _)| o == e) {
                        *e = i.clone();
                    }
                    ControlFlow::<()>::Continue(())
                });
                kept.push(c);
            }
            _ => kept.push(c),
        }
    }
    select.selection = conjunction(kept);
    conjunction(guards)
}

fn eq(left: &Expr, right: &Expr) -> Expr {
    Expr::BinaryOp {
        left: Box::new(left.clone()),
        op: BinaryOperator::Eq,
        right: Box::new(right.clone()),
    }
}

fn conjunction(conditions: Vec<Expr>) -> Option<Expr> {
    conditions.into_iter().reduce(|a, b| Expr::BinaryOp {
        left: Box::new(a),
        op: BinaryOperator::And,
        right: Box::new(b),
    })
}

/// `EXTRACT(field FROM x)` is numeric in PG (14+), `date_part` float8: see
/// [`crate::dialect::functions::date_part`].
fn numeric_extract(field: &str, expr: &Expr) -> Option<Expr> {
    parse_expr(&format!("pg_extract('{}', {expr})", field.to_lowercase()))
}

/// `ARRAY(SELECT x FROM … ORDER BY o)` as `(SELECT array_agg(x ORDER BY o) FROM …)`;
/// no row gives an empty array, as in PG.
fn array_of_subquery(query: &Query) -> Option<Expr> {
    let mut query = query.clone();
    let mut order_by = query.order_by.take();
    let SetExpr::Select(select) = query.body.as_mut() else {
        return None;
    };
    let item = match select.projection.as_mut_slice() {
        [SelectItem::UnnamedExpr(e)] | [SelectItem::ExprWithAlias { expr: e, .. }] => e,
        _ => return None,
    };
    // `ORDER BY 1` names the one output column; inside array_agg it must be spelled out.
    if let Some(datafusion::sql::sqlparser::ast::OrderBy {
        kind: datafusion::sql::sqlparser::ast::OrderByKind::Expressions(exprs),
        ..
    }) = order_by.as_mut()
    {
        for o in exprs {
            if matches!(&o.expr, Expr::Value(v) if matches!(&v.value, Value::Number(n, _) if n == "1"))
            {
                o.expr = item.clone();
            }
        }
    }
    let order = order_by.map_or_else(String::new, |o| format!(" {o}"));
    *item = parse_expr(&format!("array_agg({item}{order})"))?;
    let guard = hoist_outer_conditions(&mut query);
    let subquery = Expr::Subquery(Box::new(query));
    let array = parse_expr(&format!("coalesce({subquery}, make_array())"))?;
    match guard {
        Some(g) => guarded(&g, &array, &parse_expr("make_array()")?),
        None => Some(array),
    }
}

fn parse_expr(sql: &str) -> Option<Expr> {
    let dialect = datafusion::sql::sqlparser::dialect::PostgreSqlDialect {};
    datafusion::sql::sqlparser::parser::Parser::new(&dialect)
        .try_with_sql(sql)
        .ok()?
        .parse_expr()
        .ok()
}

/// `LIKE p ESCAPE 'c'` with `c` other than a backslash (DataFusion knows only
/// that one): the pattern's backslashes are doubled and `c` becomes a backslash.
fn backslash_escapes(pattern: &mut Box<Expr>, escape: &mut Option<ValueWithSpan>) {
    let Some(Value::SingleQuotedString(c)) = escape.as_ref().map(|v| &v.value) else {
        return;
    };
    if c == "\\" || c.chars().count() != 1 {
        return;
    }
    let c = c.replace('\'', "''");
    let sql = format!("replace(replace({pattern}, '\\', '\\\\'), '{c}', '\\')");
    if let Some(p) = parse_expr(&sql) {
        **pattern = p;
        *escape = None;
    }
}

/// `(expr).field`, PG's composite field access: DataFusion's `get_field`. For
/// `(information_schema._pg_expandarray(a)).n` (already `unnest(pg_expandarray(a))`)
/// the field is unnested on its own, so it zips with the other unnests of the row.
fn field_access(
    root: &Expr,
    chain: &[datafusion::sql::sqlparser::ast::AccessExpr],
) -> Option<Expr> {
    use datafusion::sql::sqlparser::ast::AccessExpr;
    let [AccessExpr::Dot(Expr::Identifier(field))] = chain else {
        return None;
    };
    let Expr::Nested(inner) = root else {
        return None;
    };
    let field = field.value.to_lowercase();
    if let Some(expand) =
        argument_of(inner, &["unnest"]).and_then(|e| argument_of(e, &["pg_expandarray"]))
    {
        return match field.as_str() {
            "x" => parse_expr(&format!("unnest({expand})")),
            // PG's n is an int4.
            "n" => parse_expr(&format!(
                "unnest(CAST(generate_series(1, CAST(array_length({expand}, 1) AS BIGINT)) AS INT[]))"
            )),
            _ => None,
        };
    }
    parse_expr(&format!("get_field({inner}, '{field}')"))
}

/// `CASE WHEN guard THEN expr ELSE otherwise END`: what a subquery whose
/// hoisted outer conditions are false yields (its value over no rows).
fn guarded(guard: &Expr, expr: &Expr, otherwise: &Expr) -> Option<Expr> {
    parse_expr(&format!(
        "CASE WHEN {guard} THEN {expr} ELSE {otherwise} END"
    ))
}

/// What the scalar subquery `query` yields when no row passes its WHERE: an
/// ungrouped aggregate still yields its one row over no input (`count(*)`
/// is 0), anything else no row, which is NULL.
fn value_over_no_rows(query: &Query) -> Expr {
    let mut empty = query.clone();
    if let SetExpr::Select(select) = empty.body.as_mut() {
        if is_ungrouped_aggregate(select) {
            select.selection = Some(Expr::Value(Value::Boolean(false).into()));
            return Expr::Subquery(Box::new(empty));
        }
    }
    Expr::Value(Value::Null.into())
}

/// Wraps the one result column of a plain scalar subquery in `pg_single_value`.
fn aggregate_scalar_subquery(query: &mut Query) {
    if query.limit_clause.is_some() || query.fetch.is_some() {
        return;
    }
    let SetExpr::Select(select) = query.body.as_mut() else {
        return;
    };
    let ungrouped = matches!(&select.group_by, GroupByExpr::Expressions(e, _) if e.is_empty());
    if select.projection.len() != 1
        || !ungrouped
        || select.distinct.is_some()
        || select.having.is_some()
    {
        return;
    }
    let expr = match &mut select.projection[0] {
        SelectItem::UnnamedExpr(e) => e,
        SelectItem::ExprWithAlias { expr, .. } => expr,
        _ => return,
    };
    if calls_aggregate(expr, false) {
        return;
    }
    *expr = call(
        crate::dialect::functions::single_value::NAME,
        vec![expr.clone()],
    );
    // One value has no order.
    query.order_by = None;
}

/// Whether `expr` names the system column `xmin` of a catalog table: the
/// innermost scope binding its qualifier binds such a table, or, unqualified,
/// every relation of the innermost FROM is one.
fn is_system_column(expr: &Expr, scopes: &[Scope]) -> bool {
    match expr {
        Expr::Identifier(column) => {
            normalized(column) == SYSTEM_COLUMN
                && scopes
                    .last()
                    .is_some_and(|s| !s.is_empty() && s.iter().all(|(_, system)| *system))
        }
        Expr::CompoundIdentifier(parts) => match parts.as_slice() {
            [qualifier, column] if normalized(column) == SYSTEM_COLUMN => {
                let qualifier = normalized(qualifier);
                scopes
                    .iter()
                    .rev()
                    .find_map(|s| s.iter().find(|(name, _)| *name == qualifier))
                    .is_some_and(|(_, system)| *system)
            }
            _ => false,
        },
        _ => false,
    }
}

/// The value of `xmin` in a catalog row: PG's bootstrap transaction id, 1
/// (the catalogs are generated, never written by a transaction).
fn system_column_value() -> Expr {
    call(
        "pg_xid",
        vec![Expr::value(Value::SingleQuotedString("1".into()))],
    )
}

/// The qualifier of a wildcard select item: `Some(None)` for `*`,
/// `Some(Some(q))` for `q.*`.
fn star_qualifier(item: &SelectItem) -> Option<Option<String>> {
    match item {
        SelectItem::Wildcard(_) => Some(None),
        SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(name), _) => {
            Some(
                name.0
                    .last()
                    .and_then(ObjectNamePart::as_ident)
                    .map(normalized),
            )
        }
        _ => None,
    }
}

/// Whether one of the `stars` (see [`star_qualifier`]) also yields the column
/// `column` refers to; an unqualified one belongs to `q.*` when `q` is the only
/// relation.
fn stars_yield(stars: &[Option<String>], column: &Expr, one_relation: bool) -> bool {
    stars.iter().any(|star| match (star, column) {
        (None, _) => true,
        (Some(q), Expr::CompoundIdentifier(parts)) => {
            parts.len() >= 2 && normalized(&parts[parts.len() - 2]) == *q
        }
        (Some(_), _) => one_relation,
    })
}

/// Whether a function argument refers to a column.
fn refers_to_columns(arg: &FunctionArg) -> bool {
    visit_expressions(arg, |e| match e {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    })
    .is_break()
}

fn parse_query(sql: &str) -> Option<Box<Query>> {
    let dialect = datafusion::sql::sqlparser::dialect::PostgreSqlDialect {};
    datafusion::sql::sqlparser::parser::Parser::new(&dialect)
        .try_with_sql(sql)
        .ok()?
        .parse_query()
        .ok()
}

impl Rewriter {
    /// What `select`'s FROM clause binds.
    fn scope_of(&self, select: &Select) -> Scope {
        let mut scope = Vec::new();
        for t in &select.from {
            self.bind(t, &mut scope);
        }
        scope
    }

    fn bind(&self, t: &TableWithJoins, scope: &mut Scope) {
        for factor in std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation)) {
            match factor {
                TableFactor::NestedJoin {
                    table_with_joins,
                    alias: None,
                } => self.bind(table_with_joins, scope),
                TableFactor::Table {
                    name, alias, args, ..
                } => {
                    let system = args.is_none()
                        && match lowercase_parts(name).as_slice() {
                            [table] => {
                                !self.ctes.contains(table)
                                    && has_system_column(table, SYSTEM_COLUMN)
                            }
                            [schema, table] => {
                                schema == "pg_catalog" && has_system_column(table, SYSTEM_COLUMN)
                            }
                            _ => false,
                        };
                    let bound = match alias {
                        Some(a) => normalized(&a.name),
                        None => name
                            .0
                            .last()
                            .and_then(ObjectNamePart::as_ident)
                            .map(normalized)
                            .unwrap_or_default(),
                    };
                    scope.push((bound, system));
                }
                TableFactor::Derived { alias, .. }
                | TableFactor::NestedJoin { alias, .. }
                | TableFactor::Function { alias, .. }
                | TableFactor::UNNEST { alias, .. } => {
                    let bound = alias.as_ref().map(|a| normalized(&a.name));
                    scope.push((bound.unwrap_or_default(), false));
                }
                _ => scope.push((String::new(), false)),
            }
        }
    }

    /// PG allows result columns of the same name (`SELECT NULL, x, NULL`,
    /// `SELECT t.oid, t.*`); DataFusion wants unique ones. Client-visible
    /// names come from the original statement, so the engine may see other
    /// aliases: a repeated name, or a column a `*` of the same list also
    /// yields, gets an internal one. An unaliased system column keeps its name
    /// once it becomes an expression.
    fn name_results(&self, select: &mut Select) {
        let stars: Vec<Option<String>> = select
            .projection
            .iter()
            .filter_map(star_qualifier)
            .collect();
        let one_relation = matches!(select.from.as_slice(), [t] if t.joins.is_empty());
        let mut seen = HashSet::new();
        for (i, item) in select.projection.iter_mut().enumerate() {
            let (expr, name, clash, unnamed) = match &*item {
                SelectItem::UnnamedExpr(e) => match named_column(e) {
                    Some(column) => (
                        e,
                        normalized(column),
                        stars_yield(&stars, e, one_relation),
                        true,
                    ),
                    // As the engine will name it: `pg_catalog.f()` is `f()`.
                    None => (e, e.to_string().replace("pg_catalog.", ""), false, true),
                },
                SelectItem::ExprWithAlias { expr, alias } => {
                    (expr, normalized(alias), false, false)
                }
                _ => continue,
            };
            let alias = if !seen.insert(name) || clash {
                Ident::with_quote('"', format!("?column?{i}"))
            } else if unnamed && is_system_column(expr, &self.scopes) {
                match column_ident(expr) {
                    Some(column) => column.clone(),
                    None => continue,
                }
            } else {
                continue;
            };
            let expr = expr.clone();
            *item = SelectItem::ExprWithAlias { expr, alias };
        }
    }

    /// `FROM f(args) [AS t[(c)]]` for a function that returns no table: PG's
    /// one row whose one column (`c`, else `t`, else `f`) is the function's
    /// value, as the derived table `(SELECT f(args) AS c) AS t` — LATERAL when
    /// the arguments refer to columns, as function calls in FROM are. With
    /// `unnest`, `f` returns an array and the table has a row per element.
    fn function_table(
        &mut self,
        name: &ObjectName,
        alias: Option<&TableAlias>,
        args: &[FunctionArg],
        unnest: bool,
    ) -> Option<TableFactor> {
        let function = name.0.last()?.as_ident()?.clone();
        let table = alias.map_or(function, |a| a.name.clone());
        let column = match alias.map(|a| a.columns.as_slice()) {
            Some([c]) => c.name.clone(),
            _ => table.clone(),
        };
        let mut value = call_named(name.clone(), args.to_vec());
        let _ = self.post_visit_expr(&mut value);
        if unnest {
            value = call("unnest", vec![value]);
        }
        let lateral = if args.iter().any(refers_to_columns) {
            "LATERAL "
        } else {
            ""
        };
        let query = parse_query(&format!(
            "SELECT * FROM {lateral}(SELECT {value} AS {column}) AS {table}"
        ))?;
        let SetExpr::Select(select) = *query.body else {
            return None;
        };
        select.from.into_iter().next().map(|t| t.relation)
    }

    fn rewrite_cast(expr: &Expr, data_type: &DataType) -> Option<Expr> {
        // `float` is float8 in PG, `float(p)` float4 up to 24 bits (DataFusion: always float4).
        if let DataType::Float(precision) = data_type {
            let single = matches!(precision, ExactNumberInfo::Precision(p) if *p <= 24);
            return Some(Expr::Cast {
                kind: CastKind::Cast,
                expr: Box::new(expr.clone()),
                data_type: if single {
                    DataType::Real
                } else {
                    DataType::DoublePrecision
                },
                array: false,
                format: None,
            });
        }
        // `x::regclass::text`: the name of the object.
        if is_text_type(data_type) {
            for reg in RegType::ALL {
                if let Some(inner) = argument_of(expr, &[reg.to_oid_function()]) {
                    return Some(call(reg.to_name_function(), vec![inner.clone()]));
                }
            }
        }
        if let DataType::Array(ArrayElemTypeDef::SquareBracket(element, size)) = data_type {
            // `x::pg_catalog.int2[]`: an array of a PG-only type name.
            let mapped = match custom_type_name(element) {
                // An OID is an unsigned 32-bit integer: `$1::oid[]` (asyncpg) is a list of them.
                Some(name) if matches!(name.as_str(), "oid" | "regtype" | "regclass") => {
                    Some(DataType::IntUnsigned(None))
                }
                Some(name) => standard_type(&name),
                None => None,
            };
            let target = match mapped.clone() {
                Some(standard) => {
                    DataType::Array(ArrayElemTypeDef::SquareBracket(Box::new(standard), *size))
                }
                None => data_type.clone(),
            };
            // `'{1,2}'::int[]`: the literal's elements, each cast.
            if let Expr::Value(ValueWithSpan {
                value: Value::SingleQuotedString(text),
                ..
            }) = expr
            {
                let items: Vec<String> = crate::dialect::array_literal::elements(text)?
                    .into_iter()
                    .map(|e| match e {
                        Some(v) => format!("'{}'", v.replace('\'', "''")),
                        None => "NULL".into(),
                    })
                    .collect();
                return parse_expr(&format!(
                    "CAST(make_array({}) AS {target})",
                    items.join(", ")
                ));
            }
            if mapped.is_some() {
                return Some(Expr::Cast {
                    kind: CastKind::Cast,
                    expr: Box::new(expr.clone()),
                    data_type: target,
                    array: false,
                    format: None,
                });
            }
        }
        // `'1.5'::numeric`: a literal keeps its own scale, as PG's unconstrained
        // numeric does (DataFusion's default scale is 10: 1.5000000000).
        if matches!(
            data_type,
            DataType::Numeric(ExactNumberInfo::None) | DataType::Decimal(ExactNumberInfo::None)
        ) {
            let scale = literal_scale(expr)?;
            return Some(Expr::Cast {
                kind: CastKind::Cast,
                expr: Box::new(expr.clone()),
                data_type: DataType::Numeric(ExactNumberInfo::PrecisionAndScale(38, scale)),
                array: false,
                format: None,
            });
        }
        // `::varchar` (length or not): text that goes out typed varchar.
        if matches!(
            data_type,
            DataType::Varchar(_) | DataType::CharacterVarying(_)
        ) {
            return parse_expr(&format!("pg_varchar(CAST({expr} AS TEXT))"));
        }
        let name = custom_type_name(data_type)?;
        if let Some(reg) = RegType::from_type_name(&name) {
            return Some(call(reg.to_oid_function(), vec![expr.clone()]));
        }
        // `$1::oid`: the parameter is an OID (so the client is told so), not text to look up.
        let placeholder = matches!(
            expr,
            Expr::Value(ValueWithSpan {
                value: Value::Placeholder(_),
                ..
            })
        );
        if placeholder && name == "oid" {
            return Some(Expr::Cast {
                kind: CastKind::Cast,
                expr: Box::new(expr.clone()),
                data_type: DataType::IntUnsigned(None),
                array: false,
                format: None,
            });
        }
        let input = match name.as_str() {
            "oid" => Some("pg_oid"),
            "xid" => Some("pg_xid"),
            _ => None,
        };
        if let Some(function) = input {
            return Some(call(function, vec![expr.clone()]));
        }
        let standard = standard_type(&name)?;
        Some(Expr::Cast {
            kind: CastKind::Cast,
            expr: Box::new(expr.clone()),
            data_type: standard,
            array: false,
            format: None,
        })
    }
}

impl VisitorMut for Rewriter {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.ctes.insert(cte.alias.name.value.to_lowercase());
            }
        }
        self.query_scopes.push(self.scopes.len());
        multiset_operations::rewrite(&mut query.body);
        fetch_as_limit(query);
        drop_redundant_limit(query);
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
        if let Some(outer) = self.query_scopes.pop() {
            self.scopes.truncate(outer);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &mut Select) -> ControlFlow<()> {
        // The scope lasts until the enclosing query ends: its ORDER BY sees it.
        let scope = self.scope_of(select);
        self.scopes.push(scope);
        for item in select.projection.iter_mut() {
            if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item {
                if is_int4_constant(e) {
                    *e = Expr::Cast {
                        kind: CastKind::Cast,
                        expr: Box::new(e.clone()),
                        data_type: DataType::Int(None),
                        array: false,
                        format: None,
                    };
                }
            }
        }
        self.name_results(select);
        ControlFlow::Continue(())
    }

    fn post_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        let replacement = match factor {
            TableFactor::Table {
                name,
                alias,
                args: Some(args),
                with_ordinality: false,
                ..
            } => match lowercase_parts(name).as_slice() {
                // DataFusion plans table functions from constant arguments only;
                // a series over columns unnests the array function of that name.
                [series]
                    if SERIES_FUNCTIONS.contains(&series.as_str())
                        && args.args.iter().any(refers_to_columns) =>
                {
                    self.function_table(name, alias.as_ref(), &args.args, true)
                }
                [series] if SERIES_FUNCTIONS.contains(&series.as_str()) => {
                    alias_names_the_column(alias);
                    None
                }
                [table_function] if TABLE_FUNCTIONS.contains(&table_function.as_str()) => None,
                _ => self.function_table(name, alias.as_ref(), &args.args, false),
            },
            TableFactor::UNNEST {
                alias,
                array_exprs,
                with_offset: false,
                with_ordinality: false,
                ..
            } if array_exprs.len() == 1 => {
                alias_names_the_column(alias);
                None
            }
            _ => None,
        };
        if let Some(table) = replacement {
            *factor = table;
        }
        ControlFlow::Continue(())
    }

    fn post_visit_relation(&mut self, relation: &mut ObjectName) -> ControlFlow<()> {
        let name = lowercase_parts(relation);
        // `pg_catalog.unnest(x)` in FROM: a function, known unqualified.
        if let [schema, function] = name.as_slice() {
            if schema == "pg_catalog"
                && !crate::catalog::pg_catalog::table_names().contains(&function.as_str())
            {
                relation.0.remove(0);
            }
        }
        if let [only] = name.as_slice() {
            if !self.ctes.contains(only)
                && crate::catalog::pg_catalog::table_names().contains(&only.as_str())
            {
                relation
                    .0
                    .insert(0, ObjectNamePart::Identifier(Ident::new("pg_catalog")));
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if is_system_column(expr, &self.scopes) {
            *expr = system_column_value();
            return ControlFlow::Continue(());
        }
        let replacement = match expr {
            Expr::Extract { field, expr, .. } => numeric_extract(&field.to_string(), expr),
            Expr::Function(f) => {
                let name = lowercase_parts(&f.name);
                if name.len() == 2 && name[0] == "pg_catalog" {
                    f.name.0.remove(0);
                }
                match (&f.args, lowercase_parts(&f.name).as_slice()) {
                    (FunctionArguments::Subquery(q), [n]) if n == "array" => array_of_subquery(q),
                    (FunctionArguments::List(list), [s, n])
                        if s == "information_schema" && n == "_pg_expandarray" =>
                    {
                        // A set-returning function of (x, n) rows: unnest a list of structs.
                        match list.args.first() {
                            Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(a))) => {
                                parse_expr(&format!("unnest(pg_expandarray({a}))"))
                            }
                            _ => None,
                        }
                    }
                    // PG's set-returning splits: the rows of the array split.
                    (FunctionArguments::List(_), [n])
                        if n == "regexp_split_to_table" || n == "string_to_table" =>
                    {
                        let mut array = f.clone();
                        let name = n.replace("_table", "_array");
                        array.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(name))]);
                        Some(call("unnest", vec![Expr::Function(array)]))
                    }
                    (FunctionArguments::List(list), [n]) if n == "round" || n == "trunc" => {
                        constant_scale_argument(f.clone(), list)
                    }
                    (FunctionArguments::List(list), [n]) if n == "generate_subscripts" => {
                        // The subscripts of an array's dimension, 1 to its length, as rows
                        // (the dimension kept as written, so a `$n` there keeps its type).
                        match list.args.as_slice() {
                            [FunctionArg::Unnamed(FunctionArgExpr::Expr(a)), rest @ ..] => {
                                let dimension = match rest {
                                    [FunctionArg::Unnamed(FunctionArgExpr::Expr(d))] => {
                                        d.to_string()
                                    }
                                    _ => "1".to_string(),
                                };
                                parse_expr(&format!(
                                "unnest(CAST(generate_series(1, CAST(array_length({a}, {dimension}) AS BIGINT)) AS INT[]))"
                            ))
                            }
                            _ => None,
                        }
                    }
                    _ => None,
                }
            }
            Expr::Cast {
                expr: inner,
                data_type,
                ..
            } => Self::rewrite_cast(inner, data_type),
            Expr::Collate { expr: inner, .. } => Some((**inner).clone()),
            Expr::AnyOp { right, .. } | Expr::AllOp { right, .. } => {
                // A quoted array: its element type is the other operand's.
                if let Expr::Value(ValueWithSpan {
                    value: Value::SingleQuotedString(_),
                    ..
                }) = right.as_ref()
                {
                    **right = call(UNKNOWN_ARRAY_NAME, vec![(**right).clone()]);
                }
                None
            }
            Expr::CompoundFieldAccess { root, access_chain } => field_access(root, access_chain),
            Expr::Like {
                pattern,
                escape_char: escape @ Some(_),
                ..
            }
            | Expr::ILike {
                pattern,
                escape_char: escape @ Some(_),
                ..
            } => {
                backslash_escapes(pattern, escape);
                None
            }
            Expr::Subquery(query) => {
                let guard = hoist_outer_conditions(query);
                aggregate_scalar_subquery(query);
                let subquery = Expr::Subquery(query.clone());
                guard.and_then(|g| guarded(&g, &subquery, &value_over_no_rows(query)))
            }
            Expr::BinaryOp {
                left,
                op: BinaryOperator::PGCustomBinaryOperator(names),
                right,
            } => custom_operator(names).map(|op| Expr::BinaryOp {
                left: left.clone(),
                op,
                right: right.clone(),
            }),
            _ => None,
        };
        if let Some(new) = replacement {
            *expr = new;
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::parser::DFParserBuilder;
    use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;

    fn rewritten(sql: &str) -> String {
        let dialect = PostgreSqlDialect {};
        let mut statements = DFParserBuilder::new(sql)
            .with_dialect(&dialect)
            .build()
            .unwrap()
            .parse_statements()
            .unwrap();
        let mut statement = statements.pop_front().unwrap();
        rewrite(&mut statement);
        statement.to_string()
    }

    #[test]
    fn catalog_tables_resolve_through_pg_catalog_unless_a_cte_shadows_them() {
        assert_eq!(
            rewritten("SELECT oid FROM pg_class"),
            "SELECT oid FROM pg_catalog.pg_class"
        );
        assert_eq!(
            rewritten("WITH pg_class AS (SELECT 0.5 AS oid) SELECT oid FROM pg_class"),
            "WITH pg_class AS (SELECT 0.5 AS oid) SELECT oid FROM pg_class"
        );
        assert_eq!(
            rewritten("SELECT * FROM accidents"),
            "SELECT * FROM accidents"
        );
    }

    #[test]
    fn reg_casts_become_lookups_and_names() {
        assert_eq!(
            rewritten("SELECT 'accidents'::regclass"),
            "SELECT pg_regclass('accidents')"
        );
        assert_eq!(
            rewritten("SELECT c.oid::pg_catalog.regclass::text FROM pg_class c"),
            "SELECT pg_regclass_name(c.oid) FROM pg_catalog.pg_class c"
        );
        assert_eq!(rewritten("SELECT '1'::oid"), "SELECT pg_oid('1')");
        assert_eq!(
            rewritten("SELECT '1.5'::numeric, 12::numeric, x::numeric, '1e5'::numeric"),
            "SELECT CAST('1.5' AS NUMERIC(38,1)), CAST(12 AS NUMERIC(38,0)), x::NUMERIC, \
             '1e5'::NUMERIC"
        );
        assert_eq!(
            rewritten("SELECT $1::oid, $2::oid[]"),
            "SELECT CAST($1 AS INT UNSIGNED), CAST($2 AS INT UNSIGNED[])"
        );
        assert_eq!(rewritten("SELECT 'x'::name"), "SELECT CAST('x' AS TEXT)");
    }

    #[test]
    fn scalar_subqueries_keep_the_one_row_rule_through_an_aggregate() {
        assert_eq!(
            rewritten("SELECT (SELECT b FROM t WHERE t.a = u.a ORDER BY 1) AS x FROM u"),
            "SELECT (SELECT pg_single_value(b) FROM t WHERE t.a = u.a) AS x FROM u"
        );
        assert_eq!(
            rewritten("SELECT (SELECT count(*) FROM t) FROM u"),
            "SELECT (SELECT count(*) FROM t) FROM u"
        );
    }

    #[test]
    fn small_integer_constants_in_select_lists_are_int4() {
        assert_eq!(
            rewritten("SELECT 1, 3000000000"),
            "SELECT CAST(1 AS INT), 3000000000"
        );
        assert_eq!(
            rewritten("SELECT CASE WHEN x THEN 1 ELSE 2 END AS t FROM u"),
            "SELECT CAST(CASE WHEN x THEN 1 ELSE 2 END AS INT) AS t FROM u"
        );
    }

    #[test]
    fn outer_conditions_leave_scalar_subqueries() {
        assert_eq!(
            rewritten(
                "SELECT (SELECT c.n FROM c, t WHERE c.oid = a.x AND t.oid = a.y AND a.x <> t.z AND a.flag) FROM a"
            ),
            "SELECT CASE WHEN a.flag THEN (SELECT pg_single_value(c.n) FROM c, t \
             WHERE c.oid = a.x AND t.oid = a.y AND c.oid <> t.z) ELSE NULL END FROM a"
        );
        // An aggregate over no rows still has a value (PG: count is 0).
        assert_eq!(
            rewritten("SELECT (SELECT count(*) FROM t WHERE t.k = a.k AND a.flag) FROM a"),
            "SELECT CASE WHEN a.flag THEN (SELECT count(*) FROM t WHERE t.k = a.k) \
             ELSE (SELECT count(*) FROM t WHERE false) END FROM a"
        );
    }

    #[test]
    fn fetch_first_is_a_limit_and_float_is_double_precision() {
        assert_eq!(
            rewritten("SELECT a FROM t ORDER BY a OFFSET 2 ROWS FETCH NEXT 5 ROWS ONLY"),
            "SELECT a FROM t ORDER BY a LIMIT 5 OFFSET 2 ROWS"
        );
        assert_eq!(
            rewritten("SELECT a FROM t FETCH FIRST ROW ONLY"),
            "SELECT a FROM t LIMIT 1"
        );
        assert_eq!(
            rewritten("SELECT CAST(a AS float) AS x, a::float(10) AS y, a::float(25) AS z FROM t"),
            "SELECT CAST(a AS DOUBLE PRECISION) AS x, CAST(a AS REAL) AS y, \
             CAST(a AS DOUBLE PRECISION) AS z FROM t"
        );
    }

    #[test]
    fn catalog_tables_have_a_constant_xmin() {
        assert_eq!(
            rewritten("SELECT N.xmin AS state_number, xmin FROM pg_catalog.pg_namespace N"),
            "SELECT pg_xid('1') AS state_number, pg_xid('1') AS xmin \
             FROM pg_catalog.pg_namespace N"
        );
        assert_eq!(
            rewritten("SELECT relname FROM pg_class ORDER BY xmin"),
            "SELECT relname FROM pg_catalog.pg_class ORDER BY pg_xid('1')"
        );
        assert_eq!(
            rewritten(
                "SELECT a.attnum FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid \
                 WHERE age(a.xmin) <= age($2::varchar::xid)"
            ),
            "SELECT a.attnum FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class t \
             ON t.oid = a.attrelid WHERE age(pg_xid('1')) <= age(pg_xid(pg_varchar(CAST($2 AS TEXT))))"
        );
        // A correlated reference resolves in the outer query.
        assert_eq!(
            rewritten(
                "SELECT c.relname FROM pg_class c WHERE EXISTS (SELECT 1 FROM t WHERE t.xmin = c.xmin)"
            ),
            "SELECT c.relname FROM pg_catalog.pg_class c \
             WHERE EXISTS (SELECT CAST(1 AS INT) FROM t WHERE t.xmin = pg_xid('1'))"
        );
        // Datasets, views and derived tables keep their own columns.
        for sql in [
            "SELECT xmin FROM accidents",
            "SELECT r.xmin FROM pg_catalog.pg_roles r",
            "SELECT xmin FROM pg_catalog.pg_class c, accidents a",
            "SELECT d.xmin FROM (SELECT 0.5 AS xmin) d",
        ] {
            assert_eq!(rewritten(sql), sql);
        }
    }

    #[test]
    fn repeated_result_names_get_internal_aliases() {
        assert_eq!(
            rewritten("SELECT db.oid, db.* FROM pg_catalog.pg_database db"),
            "SELECT db.oid AS \"?column?0\", db.* FROM pg_catalog.pg_database db"
        );
        assert_eq!(
            rewritten("SELECT oid, oid, 1 AS a, 2 AS a FROM pg_catalog.pg_class"),
            "SELECT oid, oid AS \"?column?1\", CAST(1 AS INT) AS a, CAST(2 AS INT) AS \"?column?3\" \
             FROM pg_catalog.pg_class"
        );
        let other_relation =
            "SELECT c.relname, a.* FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON a.attrelid = c.oid";
        assert_eq!(rewritten(other_relation), other_relation);
    }

    #[test]
    fn limits_on_one_row_aggregates_are_dropped() {
        assert_eq!(
            rewritten(
                "SELECT (SELECT count(1) FROM pg_inherits WHERE inhrelid = rel.oid LIMIT 1) AS i FROM pg_class rel"
            ),
            "SELECT (SELECT count(1) FROM pg_catalog.pg_inherits WHERE inhrelid = rel.oid) AS i \
             FROM pg_catalog.pg_class rel"
        );
        for sql in [
            "SELECT count(*) OVER () FROM t LIMIT 1",
            "SELECT count(*) FROM t LIMIT 1 OFFSET 1",
            "SELECT x, count(*) FROM t GROUP BY x LIMIT 1",
            "SELECT (SELECT count(*) FROM u) FROM t LIMIT 1",
            "SELECT count(*) FROM t LIMIT 0",
        ] {
            assert_eq!(rewritten(sql), sql);
        }
    }

    #[test]
    fn functions_in_from_follow_postgres() {
        assert_eq!(
            rewritten("SELECT s[i] FROM generate_series(1, 2) AS i, string_to_array('a,b', ',') s"),
            "SELECT s[i] FROM generate_series(1, 2) AS i (i), \
             (SELECT string_to_array('a,b', ',') AS s) AS s"
        );
        assert_eq!(
            rewritten("SELECT * FROM t, pg_catalog.upper(t.a)"),
            "SELECT * FROM t, LATERAL (SELECT upper(t.a) AS upper) AS upper"
        );
        assert_eq!(
            rewritten("SELECT extract(epoch FROM t.ts), EXTRACT(YEAR FROM t.d) FROM t"),
            "SELECT pg_extract('epoch', t.ts), pg_extract('year', t.d) FROM t"
        );
        assert_eq!(
            rewritten("SELECT s FROM t, generate_series(0, t.n) s"),
            "SELECT s FROM t, LATERAL (SELECT unnest(generate_series(0, t.n)) AS s) AS s"
        );
        assert_eq!(
            rewritten("SELECT name FROM pg_catalog.pg_show_all_settings() WHERE name = 'x'"),
            "SELECT name FROM pg_show_all_settings() WHERE name = 'x'"
        );
    }

    #[test]
    fn pg_syntax_maps_onto_datafusion() {
        assert_eq!(
            rewritten("SELECT pg_catalog.format_type(1, 2)"),
            "SELECT format_type(1, 2)"
        );
        assert_eq!(
            rewritten(
                "SELECT 'x' WHERE 'a' OPERATOR(pg_catalog.~) '^a' COLLATE pg_catalog.default"
            ),
            "SELECT 'x' WHERE 'a' ~ '^a'"
        );
    }
}
