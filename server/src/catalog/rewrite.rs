//! A pre-pass over the parsed statement that maps PostgreSQL syntax DataFusion
//! does not plan onto what it does, without looking at the query's text:
//! `pg_catalog.`-qualified functions, unqualified catalog tables (PG searches
//! `pg_catalog` first), `::regclass`/`::regtype`/`::regproc`/`::regnamespace`
//! and `::oid` casts, `OPERATOR(pg_catalog.~)`, `COLLATE`, and PG-only type
//! names (`name`, `"char"`, `pg_catalog.text`).

use std::collections::HashSet;
use std::ops::ControlFlow;

use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{
    BinaryOperator, CastKind, DataType, Expr, Function, FunctionArg, FunctionArgExpr,
    FunctionArgumentList, FunctionArguments, Ident, ObjectName, ObjectNamePart, Query, VisitMut,
    VisitorMut,
};

use super::catalog_functions::RegType;

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
}

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

/// A call of `name` with positional arguments.
fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function(Function {
        name: ObjectName(vec![ObjectNamePart::Identifier(Ident::new(name))]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: args
                .into_iter()
                .map(|e| FunctionArg::Unnamed(FunctionArgExpr::Expr(e)))
                .collect(),
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
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

impl Rewriter {
    fn rewrite_cast(expr: &Expr, data_type: &DataType) -> Option<Expr> {
        // `x::regclass::text`: the name of the object.
        if is_text_type(data_type) {
            for reg in RegType::ALL {
                if let Some(inner) = argument_of(expr, &[reg.to_oid_function()]) {
                    return Some(call(reg.to_name_function(), vec![inner.clone()]));
                }
            }
        }
        let name = custom_type_name(data_type)?;
        if let Some(reg) = RegType::from_type_name(&name) {
            return Some(call(reg.to_oid_function(), vec![expr.clone()]));
        }
        if name == "oid" {
            return Some(call("pg_oid", vec![expr.clone()]));
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
        ControlFlow::Continue(())
    }

    fn post_visit_relation(&mut self, relation: &mut ObjectName) -> ControlFlow<()> {
        let name = lowercase_parts(relation);
        if let [only] = name.as_slice() {
            if !self.ctes.contains(only)
                && super::pg_catalog::table_names().contains(&only.as_str())
            {
                relation
                    .0
                    .insert(0, ObjectNamePart::Identifier(Ident::new("pg_catalog")));
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let replacement = match expr {
            Expr::Function(f) => {
                let name = lowercase_parts(&f.name);
                if name.len() == 2 && name[0] == "pg_catalog" {
                    f.name.0.remove(0);
                }
                if lowercase_parts(&f.name) == ["array_upper"] {
                    f.name =
                        ObjectName(vec![ObjectNamePart::Identifier(Ident::new("array_length"))]);
                }
                None
            }
            Expr::Cast {
                expr: inner,
                data_type,
                ..
            } => Self::rewrite_cast(inner, data_type),
            Expr::Collate { expr: inner, .. } => Some((**inner).clone()),
            Expr::BinaryOp { left, op, right } => match op {
                BinaryOperator::PGCustomBinaryOperator(names) => {
                    custom_operator(names).map(|op| Expr::BinaryOp {
                        left: left.clone(),
                        op,
                        right: right.clone(),
                    })
                }
                _ => None,
            },
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
            rewritten("WITH pg_class AS (SELECT 1 AS oid) SELECT oid FROM pg_class"),
            "WITH pg_class AS (SELECT 1 AS oid) SELECT oid FROM pg_class"
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
        assert_eq!(rewritten("SELECT 'x'::name"), "SELECT CAST('x' AS TEXT)");
    }

    #[test]
    fn pg_syntax_maps_onto_datafusion() {
        assert_eq!(
            rewritten("SELECT pg_catalog.format_type(1, 2)"),
            "SELECT format_type(1, 2)"
        );
        assert_eq!(
            rewritten("SELECT 1 WHERE 'a' OPERATOR(pg_catalog.~) '^a' COLLATE pg_catalog.default"),
            "SELECT 1 WHERE 'a' ~ '^a'"
        );
    }
}
