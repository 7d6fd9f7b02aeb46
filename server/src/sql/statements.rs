//! Splitting a query string into statements and classifying each one: a query
//! for the engine, a session statement we execute ourselves, or a statement that
//! is refused (writes: 25006; anything else we do not serve: 0A000).
//!
//! Session statements are parsed from the SQL tokens with PG's grammar; all
//! other statements are parsed by DataFusion's parser and classified on the AST.

use datafusion::sql::parser::{DFParserBuilder, Statement as DfStatement};
use datafusion::sql::sqlparser::ast::{SetExpr, Statement as SqlStatement};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::keywords::Keyword;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};

use crate::encode::copy::CopyFormat;
use crate::errors::PgError;

/// One token with its byte range in the statement text.
#[derive(Debug, Clone)]
struct Lexeme {
    token: Token,
    start: usize,
    end: usize,
}

/// One statement of a query string.
#[derive(Debug, Clone)]
pub struct Piece {
    /// The statement's text.
    pub text: String,
    lexemes: Vec<Lexeme>,
}

/// A classified statement, ready to execute.
#[derive(Debug, Clone)]
pub enum Statement {
    /// A query the engine answers (SELECT, WITH, VALUES, TABLE, EXPLAIN).
    Query(Box<DfStatement>),
    /// `SET [LOCAL] name TO value` (`None` = DEFAULT).
    Set {
        /// The setting.
        name: String,
        /// The new value, or `None` for DEFAULT.
        value: Option<String>,
        /// `SET LOCAL`: until the end of the transaction block.
        local: bool,
    },
    /// `SET ROLE name`: a session has one role, its user's.
    SetRole(String),
    /// SET/RESET SESSION AUTHORIZATION to the session user: nothing changes.
    SessionAuthorizationDefault {
        /// `SET` or `RESET`.
        tag: &'static str,
    },
    /// `SHOW name`.
    Show(String),
    /// `SHOW ALL`.
    ShowAll,
    /// `RESET name`.
    Reset(String),
    /// `RESET ALL`.
    ResetAll,
    /// `DISCARD ALL|PLANS|SEQUENCES|TEMP`.
    Discard(DiscardKind),
    /// `DEALLOCATE [PREPARE] name|ALL` (`None` = ALL).
    Deallocate(Option<String>),
    /// `LISTEN name` / `UNLISTEN name|*`: acknowledged; no notification ever arrives.
    Listen {
        /// `LISTEN` or `UNLISTEN`.
        tag: &'static str,
    },
    /// A transaction-control statement.
    Transaction(TransactionCommand),
    /// `DECLARE name CURSOR FOR query`.
    Declare {
        /// The cursor's name.
        name: String,
        /// The query.
        query: Box<DfStatement>,
        /// `WITH HOLD`: may be used outside a transaction block.
        hold: bool,
        /// `BINARY`: rows are sent in binary format.
        binary: bool,
    },
    /// `FETCH [n|ALL] [FROM] name` (`MOVE` discards instead of sending).
    Fetch {
        /// The cursor's name.
        name: String,
        /// How many rows; `None` = ALL.
        count: Option<u64>,
        /// MOVE: skip the rows instead of returning them.
        skip: bool,
    },
    /// `CLOSE name|ALL` (`None` = ALL).
    Close(Option<String>),
    /// `COPY (query) TO STDOUT` / `COPY table TO STDOUT`.
    CopyOut {
        /// The query whose rows are copied.
        query: Box<DfStatement>,
        /// The format.
        format: CopyFormat,
    },
    /// A statement PG would allow but this read-only server refuses.
    Refused(PgError),
}

/// What `DISCARD` discards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscardKind {
    /// Everything: prepared statements, portals, cursors, settings.
    All,
    /// Cached plans.
    Plans,
    /// Sequence state (there are none).
    Sequences,
    /// Temporary tables (there are none).
    Temp,
}

/// Transaction control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransactionCommand {
    /// BEGIN / START TRANSACTION.
    Begin {
        /// The command tag (`BEGIN` or `START TRANSACTION`).
        tag: &'static str,
    },
    /// COMMIT / END.
    Commit,
    /// ROLLBACK / ABORT.
    Rollback,
    /// SAVEPOINT name.
    Savepoint(String),
    /// RELEASE [SAVEPOINT] name.
    Release(String),
    /// ROLLBACK TO [SAVEPOINT] name.
    RollbackTo(String),
}

impl Statement {
    /// The `kind` label of the statement metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Statement::Query(_) => "query",
            Statement::CopyOut { .. } => "copy",
            Statement::Declare { .. } | Statement::Fetch { .. } | Statement::Close(_) => "cursor",
            Statement::Transaction(_) => "transaction",
            Statement::Refused(_) => "refused",
            _ => "session",
        }
    }

    /// Whether the statement may run in a failed transaction block (PG: only ROLLBACK/COMMIT forms).
    pub fn allowed_in_failed_transaction(&self) -> bool {
        matches!(
            self,
            Statement::Transaction(
                TransactionCommand::Commit
                    | TransactionCommand::Rollback
                    | TransactionCommand::RollbackTo(_)
            )
        )
    }
}

/// Splits a query string into its statements. Empty statements (`;;`, comments)
/// are dropped; an empty result means the string held no statement at all.
pub fn split(sql: &str) -> Result<Vec<Piece>, PgError> {
    let dialect = PostgreSqlDialect {};
    let tokens = Tokenizer::new(&dialect, sql)
        .tokenize_with_location()
        .map_err(|e| PgError::syntax(e.message.clone()))?;
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(sql.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let byte_at = |line: u64, column: u64| -> usize {
        let Some(&start) = line_starts.get(line.saturating_sub(1) as usize) else {
            return sql.len();
        };
        sql[start..]
            .char_indices()
            .nth(column.saturating_sub(1) as usize)
            .map_or(sql.len(), |(i, _)| start + i)
    };
    let mut pieces = Vec::new();
    let mut current: Vec<Lexeme> = Vec::new();
    let mut flush = |current: &mut Vec<Lexeme>| {
        if let (Some(first), Some(last)) = (current.first(), current.last()) {
            let (start, end) = (first.start, last.end);
            pieces.push(Piece {
                text: sql[start..end].to_string(),
                lexemes: current
                    .drain(..)
                    .map(|l| Lexeme {
                        start: l.start - start,
                        end: l.end - start,
                        token: l.token,
                    })
                    .collect(),
            });
        }
        current.clear();
    };
    for t in tokens {
        match &t.token {
            Token::SemiColon => flush(&mut current),
            Token::Whitespace(_) | Token::EOF => {}
            _ => {
                let start = byte_at(t.span.start.line, t.span.start.column);
                let end = byte_at(t.span.end.line, t.span.end.column);
                current.push(Lexeme {
                    token: t.token.clone(),
                    start,
                    end: end.max(start),
                });
            }
        }
    }
    flush(&mut current);
    Ok(pieces)
}

/// A cursor over a statement's tokens for the small grammars below.
struct Tokens<'a> {
    lexemes: &'a [Lexeme],
    pos: usize,
}

impl<'a> Tokens<'a> {
    fn peek(&self) -> Option<&'a Token> {
        self.lexemes.get(self.pos).map(|l| &l.token)
    }
    fn next(&mut self) -> Option<&'a Token> {
        let t = self.peek();
        self.pos += 1;
        t
    }
    fn at_end(&self) -> bool {
        self.pos >= self.lexemes.len()
    }
    /// The next token if it is the (unquoted) keyword `kw`.
    fn eat(&mut self, kw: &str) -> bool {
        if self.peek().is_some_and(|t| is_keyword(t, kw)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn eat_all(&mut self, kws: &[&str]) -> bool {
        let save = self.pos;
        if kws.iter().all(|k| self.eat(k)) {
            true
        } else {
            self.pos = save;
            false
        }
    }
    /// An identifier (quoted names keep their case, others are lowercased).
    fn ident(&mut self) -> Option<String> {
        match self.next()? {
            Token::Word(w) if w.quote_style.is_some() => Some(w.value.clone()),
            Token::Word(w) => Some(w.value.to_ascii_lowercase()),
            _ => None,
        }
    }
    /// A possibly dotted name: `a` or `a.b`.
    fn dotted_name(&mut self) -> Option<String> {
        let mut name = self.ident()?;
        while matches!(self.peek(), Some(Token::Period)) {
            self.pos += 1;
            name.push('.');
            name.push_str(&self.ident()?);
        }
        Some(name)
    }
}

/// Whether an INSERT, UPDATE, DELETE or MERGE has a RETURNING clause
/// (anything else is taken to return rows).
fn returns_rows(piece: &Piece) -> bool {
    let modifies = piece.lexemes.first().is_some_and(|l| {
        ["INSERT", "UPDATE", "DELETE", "MERGE"]
            .iter()
            .any(|kw| is_keyword(&l.token, kw))
    });
    !modifies
        || piece
            .lexemes
            .iter()
            .any(|l| is_keyword(&l.token, "RETURNING"))
}

fn is_keyword(token: &Token, kw: &str) -> bool {
    matches!(token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
}

fn syntax_error_near(t: Option<&Token>) -> PgError {
    match t {
        Some(t) => PgError::syntax(format!("syntax error at or near \"{t}\"")),
        None => PgError::syntax("syntax error at end of input"),
    }
}

fn expect_end(t: &Tokens<'_>) -> Result<(), PgError> {
    if t.at_end() {
        Ok(())
    } else {
        Err(syntax_error_near(t.peek()))
    }
}

/// Classifies one statement.
pub fn classify(piece: &Piece) -> Result<Statement, PgError> {
    let lexemes = piece.lexemes.clone();
    let mut t = Tokens {
        lexemes: &lexemes,
        pos: 0,
    };
    let first = match t.peek() {
        Some(Token::Word(w)) if w.quote_style.is_none() => w.value.to_ascii_uppercase(),
        _ => String::new(),
    };
    match first.as_str() {
        "SET" => {
            t.next();
            parse_set(&mut t)
        }
        "SHOW" => {
            t.next();
            parse_show(&mut t)
        }
        "RESET" => {
            t.next();
            parse_reset(&mut t)
        }
        "DISCARD" => {
            t.next();
            let kind = match t.ident().as_deref() {
                Some("all") => DiscardKind::All,
                Some("plans") => DiscardKind::Plans,
                Some("sequences") => DiscardKind::Sequences,
                Some("temp" | "temporary") => DiscardKind::Temp,
                _ => {
                    return Err(syntax_error_near(
                        t.lexemes.get(t.pos - 1).map(|l| &l.token),
                    ))
                }
            };
            expect_end(&t)?;
            Ok(Statement::Discard(kind))
        }
        "DEALLOCATE" => {
            t.next();
            t.eat("PREPARE");
            let target = if t.eat("ALL") {
                None
            } else {
                Some(t.ident().ok_or_else(|| syntax_error_near(None))?)
            };
            expect_end(&t)?;
            Ok(Statement::Deallocate(target))
        }
        "LISTEN" | "UNLISTEN" => {
            t.next();
            if !matches!(t.next(), Some(Token::Word(_) | Token::Mul)) {
                return Err(syntax_error_near(t.peek()));
            }
            expect_end(&t)?;
            let tag = if first == "LISTEN" {
                "LISTEN"
            } else {
                "UNLISTEN"
            };
            Ok(Statement::Listen { tag })
        }
        "BEGIN" | "START" => {
            t.next();
            let tag = if first == "START" {
                if !t.eat("TRANSACTION") {
                    return Err(syntax_error_near(t.peek()));
                }
                "START TRANSACTION"
            } else {
                let _ = t.eat("WORK") || t.eat("TRANSACTION");
                "BEGIN"
            };
            parse_transaction_modes(&mut t)?;
            Ok(Statement::Transaction(TransactionCommand::Begin { tag }))
        }
        "COMMIT" | "END" => {
            t.next();
            let _ = t.eat("WORK") || t.eat("TRANSACTION");
            let _ = t.eat_all(&["AND", "NO", "CHAIN"]);
            expect_end(&t)?;
            Ok(Statement::Transaction(TransactionCommand::Commit))
        }
        "ROLLBACK" | "ABORT" => {
            t.next();
            let _ = t.eat("WORK") || t.eat("TRANSACTION");
            if first == "ROLLBACK" && t.eat("TO") {
                t.eat("SAVEPOINT");
                let name = t.ident().ok_or_else(|| syntax_error_near(None))?;
                expect_end(&t)?;
                return Ok(Statement::Transaction(TransactionCommand::RollbackTo(name)));
            }
            let _ = t.eat_all(&["AND", "NO", "CHAIN"]);
            expect_end(&t)?;
            Ok(Statement::Transaction(TransactionCommand::Rollback))
        }
        "SAVEPOINT" => {
            t.next();
            let name = t.ident().ok_or_else(|| syntax_error_near(None))?;
            expect_end(&t)?;
            Ok(Statement::Transaction(TransactionCommand::Savepoint(name)))
        }
        "RELEASE" => {
            t.next();
            t.eat("SAVEPOINT");
            let name = t.ident().ok_or_else(|| syntax_error_near(None))?;
            expect_end(&t)?;
            Ok(Statement::Transaction(TransactionCommand::Release(name)))
        }
        "CLOSE" => {
            t.next();
            let target = if t.eat("ALL") {
                None
            } else {
                Some(t.ident().ok_or_else(|| syntax_error_near(None))?)
            };
            expect_end(&t)?;
            Ok(Statement::Close(target))
        }
        "DECLARE" => {
            t.next();
            parse_declare(&mut t, piece)
        }
        "FETCH" | "MOVE" => {
            t.next();
            parse_fetch(&mut t, first == "MOVE")
        }
        "COPY" => {
            t.next();
            parse_copy(&mut t, piece)
        }
        "NOTIFY" | "VACUUM" | "ANALYZE" | "CLUSTER" | "REINDEX" | "LOCK" | "REFRESH"
        | "COMMENT" | "GRANT" | "REVOKE" | "TRUNCATE" | "IMPORT" | "SECURITY" | "REASSIGN"
        | "CALL" | "DO" | "LOAD" => Ok(Statement::Refused(PgError::read_only(&command_name(
            &lexemes,
        )))),
        "PREPARE" | "EXECUTE" => Ok(Statement::Refused(PgError::unsupported(format!(
            "SQL-level {first} is not supported; use the extended query protocol"
        )))),
        _ => parse_with_engine(piece, &lexemes),
    }
}

/// A statement for DataFusion's parser: queries run, writes are refused.
fn parse_with_engine(piece: &Piece, lexemes: &[Lexeme]) -> Result<Statement, PgError> {
    let dialect = PostgreSqlDialect {};
    let parsed = DFParserBuilder::new(piece.text.as_str())
        .with_dialect(&dialect)
        .build()
        .and_then(|mut p| p.parse_statements());
    let mut statements = match parsed {
        Ok(s) => s,
        Err(e) => {
            if is_write_keyword(lexemes) {
                return Ok(Statement::Refused(PgError::read_only(&command_name(
                    lexemes,
                ))));
            }
            return Err(PgError::from_datafusion(&e));
        }
    };
    let statement = match (statements.pop_front(), statements.is_empty()) {
        (Some(s), true) => s,
        _ => return Err(PgError::syntax("expected exactly one statement")),
    };
    match refusal(&statement, lexemes) {
        Some(err) => Ok(Statement::Refused(err)),
        None => Ok(Statement::Query(Box::new(statement))),
    }
}

/// Why a parsed statement may not run, or `None` when it is a read-only query.
fn refusal(statement: &DfStatement, lexemes: &[Lexeme]) -> Option<PgError> {
    match statement {
        DfStatement::Statement(s) => match s.as_ref() {
            SqlStatement::Query(q) => {
                if matches!(
                    q.body.as_ref(),
                    SetExpr::Insert(_)
                        | SetExpr::Update(_)
                        | SetExpr::Delete(_)
                        | SetExpr::Merge(_)
                ) {
                    return Some(PgError::read_only(&command_name(lexemes)));
                }
                if let SetExpr::Select(select) = q.body.as_ref() {
                    if select.into.is_some() {
                        return Some(PgError::read_only("SELECT INTO"));
                    }
                }
                // Row locks are writes to PG: `SELECT … FOR UPDATE` is refused
                // in a read-only transaction.
                q.locks
                    .first()
                    .map(|lock| PgError::read_only(&format!("SELECT FOR {}", lock.lock_type)))
            }
            SqlStatement::Explain { statement, .. } => {
                let inner = DfStatement::Statement(statement.clone());
                refusal(&inner, &lexemes[1.min(lexemes.len())..])
            }
            _ if is_write_keyword(lexemes) => Some(PgError::read_only(&command_name(lexemes))),
            other => Some(PgError::unsupported(format!(
                "statement not supported by DataPress: {}",
                first_words(&other.to_string())
            ))),
        },
        DfStatement::Explain(e) => refusal(&e.statement, lexemes),
        DfStatement::CreateExternalTable(_) => Some(PgError::read_only("CREATE EXTERNAL TABLE")),
        DfStatement::CopyTo(_) => Some(PgError::read_only("COPY TO a file")),
        DfStatement::Reset(_) => Some(PgError::unsupported("RESET form not supported")),
    }
}

fn first_words(s: &str) -> String {
    s.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

const WRITE_KEYWORDS: &[&str] = &[
    "INSERT", "UPDATE", "DELETE", "MERGE", "CREATE", "ALTER", "DROP", "TRUNCATE", "GRANT",
    "REVOKE", "UPSERT", "REPLACE", "VACUUM", "COPY", "WITH",
];

fn is_write_keyword(lexemes: &[Lexeme]) -> bool {
    let words = lexemes.iter().filter_map(|l| match &l.token {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
        _ => None,
    });
    for w in words.take(1) {
        if WRITE_KEYWORDS.contains(&w.as_str()) && w != "WITH" {
            return true;
        }
    }
    // WITH … INSERT/UPDATE/DELETE.
    lexemes
        .first()
        .is_some_and(|l| is_keyword(&l.token, "WITH"))
        && lexemes.iter().any(|l| {
            ["INSERT", "UPDATE", "DELETE", "MERGE"]
                .iter()
                .any(|k| is_keyword(&l.token, k))
        })
}

/// PG's name for a command, as in `cannot execute CREATE TABLE in a read-only transaction`.
fn command_name(lexemes: &[Lexeme]) -> String {
    let words: Vec<String> = lexemes
        .iter()
        .map_while(|l| match &l.token {
            Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
            _ => None,
        })
        .collect();
    let Some(first) = words.first() else {
        return "this statement".into();
    };
    if first == "WITH" {
        if let Some(w) = words
            .iter()
            .find(|w| ["INSERT", "UPDATE", "DELETE", "MERGE"].contains(&w.as_str()))
        {
            return w.clone();
        }
        if let Some(w) = lexemes.iter().find_map(|l| {
            ["INSERT", "UPDATE", "DELETE", "MERGE"]
                .iter()
                .find(|k| is_keyword(&l.token, k))
                .map(|k| k.to_string())
        }) {
            return w;
        }
    }
    if matches!(first.as_str(), "CREATE" | "ALTER" | "DROP") {
        let object: Vec<&str> = words[1..]
            .iter()
            .map(String::as_str)
            .filter(|w| {
                !matches!(
                    *w,
                    "OR" | "REPLACE" | "TEMP" | "TEMPORARY" | "UNIQUE" | "UNLOGGED" | "IF"
                )
            })
            .take(1)
            .collect();
        let object = match object.first() {
            Some(&"EXTERNAL") => "EXTERNAL TABLE".to_string(),
            Some(&"MATERIALIZED") => "MATERIALIZED VIEW".to_string(),
            Some(o) => o.to_string(),
            None => String::new(),
        };
        return format!("{first} {object}").trim().to_string();
    }
    if first == "TRUNCATE" {
        return "TRUNCATE TABLE".into();
    }
    first.clone()
}

/// `BEGIN`/`START TRANSACTION` modes: accepted (the data is read-only anyway).
/// Parses transaction modes; returns the isolation level named, if any.
fn parse_transaction_modes(t: &mut Tokens<'_>) -> Result<Option<&'static str>, PgError> {
    let mut level = None;
    loop {
        if t.at_end() {
            return Ok(level);
        }
        if t.eat_all(&["ISOLATION", "LEVEL"]) {
            level = Some(if t.eat("SERIALIZABLE") {
                "serializable"
            } else if t.eat_all(&["REPEATABLE", "READ"]) {
                "repeatable read"
            } else if t.eat_all(&["READ", "COMMITTED"]) {
                "read committed"
            } else if t.eat_all(&["READ", "UNCOMMITTED"]) {
                "read uncommitted"
            } else {
                return Err(syntax_error_near(t.peek()));
            });
        } else if t.eat_all(&["READ", "ONLY"])
            || t.eat_all(&["READ", "WRITE"])
            || t.eat("DEFERRABLE")
            || t.eat_all(&["NOT", "DEFERRABLE"])
        {
        } else if matches!(t.peek(), Some(Token::Comma)) {
            t.next();
        } else {
            return Err(syntax_error_near(t.peek()));
        }
    }
}

fn parse_set(t: &mut Tokens<'_>) -> Result<Statement, PgError> {
    let after_session = t.lexemes.get(t.pos + 1).map(|l| &l.token);
    if !matches!(after_session, Some(tok) if is_keyword(tok, "AUTHORIZATION") || is_keyword(tok, "CHARACTERISTICS"))
    {
        t.eat("SESSION");
    }
    let local = t.eat("LOCAL");
    Ok(match parse_set_body(t)? {
        Statement::Set { name, value, .. } => Statement::Set { name, value, local },
        other => other,
    })
}

/// What follows `SET [SESSION | LOCAL]`.
fn parse_set_body(t: &mut Tokens<'_>) -> Result<Statement, PgError> {
    if t.eat_all(&["SESSION", "AUTHORIZATION"]) || t.eat("AUTHORIZATION") {
        if t.eat("DEFAULT") {
            expect_end(t)?;
            return Ok(Statement::SessionAuthorizationDefault { tag: "SET" });
        }
        return Ok(Statement::Refused(PgError::unsupported(
            "SET SESSION AUTHORIZATION to another user is not supported",
        )));
    }
    if t.eat("ROLE") {
        if t.eat("NONE") || t.eat("DEFAULT") {
            expect_end(t)?;
            return Ok(Statement::SessionAuthorizationDefault { tag: "SET" });
        }
        let role = t.ident().ok_or_else(|| syntax_error_near(t.peek()))?;
        expect_end(t)?;
        return Ok(Statement::SetRole(role));
    }
    // SET SESSION CHARACTERISTICS sets the defaults of later transactions,
    // SET TRANSACTION the current one's.
    let characteristics = t.eat_all(&["SESSION", "CHARACTERISTICS", "AS", "TRANSACTION"]);
    if characteristics || t.eat("TRANSACTION") {
        let save = t.pos;
        if t.eat_all(&["READ", "WRITE"]) {
            return Ok(Statement::Refused(PgError::read_only(
                "SET TRANSACTION READ WRITE",
            )));
        }
        t.pos = save;
        let prefix = if characteristics { "default_" } else { "" };
        // Without an isolation level the modes are READ ONLY or DEFERRABLE:
        // read-only is all there is.
        let (name, value) = match parse_transaction_modes(t)? {
            Some(level) => ("transaction_isolation", level),
            None => ("transaction_read_only", "on"),
        };
        return Ok(Statement::Set {
            name: format!("{prefix}{name}"),
            value: Some(value.into()),
            local: false,
        });
    }
    if t.eat_all(&["TIME", "ZONE"]) {
        let value = if t.eat("LOCAL") || t.eat("DEFAULT") {
            None
        } else {
            Some(parse_set_values(t, "timezone")?)
        };
        return Ok(Statement::Set {
            name: "TimeZone".into(),
            value,
            local: false,
        });
    }
    if t.eat("NAMES") {
        let value = if t.eat("DEFAULT") {
            None
        } else {
            Some(parse_set_values(t, "client_encoding")?)
        };
        return Ok(Statement::Set {
            name: "client_encoding".into(),
            value,
            local: false,
        });
    }
    let name = t.dotted_name().ok_or_else(|| syntax_error_near(t.peek()))?;
    if !(t.eat("TO") || matches!(t.peek(), Some(Token::Eq)) && t.next().is_some()) {
        return Err(syntax_error_near(t.peek()));
    }
    if t.eat("DEFAULT") {
        expect_end(t)?;
        return Ok(Statement::Set {
            name,
            value: None,
            local: false,
        });
    }
    let value = parse_set_values(t, &name)?;
    Ok(Statement::Set {
        name,
        value: Some(value),
        local: false,
    })
}

/// A SET value list: identifiers, strings and numbers, joined by `, `.
fn parse_set_values(t: &mut Tokens<'_>, name: &str) -> Result<String, PgError> {
    let mut values = Vec::new();
    loop {
        let negative = matches!(t.peek(), Some(Token::Minus)) && t.next().is_some();
        let value = match t.next() {
            Some(Token::Word(w))
                if w.quote_style.is_some() && name.eq_ignore_ascii_case("search_path") =>
            {
                format!("\"{}\"", w.value)
            }
            Some(Token::Word(w)) if w.quote_style.is_some() => w.value.clone(),
            Some(Token::Word(w)) if w.keyword == Keyword::NoKeyword || w.quote_style.is_none() => {
                w.value.to_ascii_lowercase()
            }
            Some(Token::SingleQuotedString(s) | Token::EscapedStringLiteral(s)) => s.clone(),
            Some(Token::Number(n, _)) => n.clone(),
            other => return Err(syntax_error_near(other)),
        };
        values.push(if negative { format!("-{value}") } else { value });
        if matches!(t.peek(), Some(Token::Comma)) {
            t.next();
            continue;
        }
        expect_end(t)?;
        return Ok(values.join(", "));
    }
}

fn parse_show(t: &mut Tokens<'_>) -> Result<Statement, PgError> {
    let name = if t.eat("ALL") {
        expect_end(t)?;
        return Ok(Statement::ShowAll);
    } else if t.eat_all(&["TIME", "ZONE"]) {
        "TimeZone".to_string()
    } else if t.eat_all(&["TRANSACTION", "ISOLATION", "LEVEL"]) {
        "transaction_isolation".to_string()
    } else if t.eat_all(&["SESSION", "AUTHORIZATION"]) {
        "session_authorization".to_string()
    } else {
        t.dotted_name().ok_or_else(|| syntax_error_near(t.peek()))?
    };
    expect_end(t)?;
    Ok(Statement::Show(name))
}

fn parse_reset(t: &mut Tokens<'_>) -> Result<Statement, PgError> {
    let statement = if t.eat("ALL") {
        Statement::ResetAll
    } else if t.eat_all(&["SESSION", "AUTHORIZATION"]) || t.eat("ROLE") {
        Statement::SessionAuthorizationDefault { tag: "RESET" }
    } else if t.eat_all(&["TIME", "ZONE"]) {
        Statement::Reset("TimeZone".into())
    } else {
        Statement::Reset(t.dotted_name().ok_or_else(|| syntax_error_near(t.peek()))?)
    };
    expect_end(t)?;
    Ok(statement)
}

fn parse_declare(t: &mut Tokens<'_>, piece: &Piece) -> Result<Statement, PgError> {
    let name = t.ident().ok_or_else(|| syntax_error_near(t.peek()))?;
    let mut binary = false;
    let mut hold = false;
    loop {
        if t.eat("BINARY") {
            binary = true;
        } else if t.eat("ASENSITIVE") || t.eat("INSENSITIVE") || t.eat_all(&["NO", "SCROLL"]) {
        } else if t.eat("SCROLL") {
            return Ok(Statement::Refused(PgError::unsupported(
                "SCROLL cursors are not supported",
            )));
        } else {
            break;
        }
    }
    if !t.eat("CURSOR") {
        return Err(syntax_error_near(t.peek()));
    }
    if t.eat_all(&["WITH", "HOLD"]) {
        hold = true;
    } else {
        let _ = t.eat_all(&["WITHOUT", "HOLD"]);
    }
    if !t.eat("FOR") {
        return Err(syntax_error_near(t.peek()));
    }
    let query_piece = sub_piece(piece, t.pos);
    match classify(&query_piece)? {
        Statement::Query(query) => Ok(Statement::Declare {
            name,
            query,
            hold,
            binary,
        }),
        Statement::Refused(e) => Ok(Statement::Refused(e)),
        _ => Err(PgError::syntax(
            "DECLARE CURSOR needs a SELECT or VALUES query",
        )),
    }
}

/// The statement made of the tokens from `from` on.
fn sub_piece(piece: &Piece, from: usize) -> Piece {
    let lexemes = &piece.lexemes;
    let Some(first) = lexemes.get(from) else {
        return Piece {
            text: String::new(),
            lexemes: vec![],
        };
    };
    let offset = first.start;
    Piece {
        text: piece.text[offset..].to_string(),
        lexemes: lexemes[from..]
            .iter()
            .map(|l| Lexeme {
                token: l.token.clone(),
                start: l.start - offset,
                end: l.end - offset,
            })
            .collect(),
    }
}

fn parse_fetch(t: &mut Tokens<'_>, skip: bool) -> Result<Statement, PgError> {
    let count = if t.eat("NEXT") {
        Some(1)
    } else if t.eat("ALL") {
        None
    } else if t.eat("FORWARD") {
        if t.eat("ALL") {
            None
        } else if let Some(Token::Number(n, _)) = t.peek() {
            t.next();
            Some(
                n.parse()
                    .map_err(|_| PgError::syntax(format!("invalid FETCH count {n}")))?,
            )
        } else {
            Some(1)
        }
    } else if let Some(Token::Number(n, _)) = t.peek() {
        t.next();
        Some(
            n.parse()
                .map_err(|_| PgError::syntax(format!("invalid FETCH count {n}")))?,
        )
    } else if ["PRIOR", "FIRST", "LAST", "ABSOLUTE", "RELATIVE", "BACKWARD"]
        .iter()
        .any(|k| t.peek().is_some_and(|tok| is_keyword(tok, k)))
    {
        return Ok(Statement::Refused(PgError::unsupported(
            "cursor can only scan forward",
        )));
    } else {
        Some(1)
    };
    let _ = t.eat("FROM") || t.eat("IN");
    let name = t.ident().ok_or_else(|| syntax_error_near(t.peek()))?;
    expect_end(t)?;
    Ok(Statement::Fetch { name, count, skip })
}

fn parse_copy(t: &mut Tokens<'_>, piece: &Piece) -> Result<Statement, PgError> {
    // The query's first word, where PG's grammar refuses one that is not a query.
    let mut query_start = None;
    let query_text = if matches!(t.peek(), Some(Token::LParen)) {
        let open = t.pos;
        query_start = t.lexemes.get(open + 1).map(|l| &l.token);
        let mut depth = 0;
        let mut close = None;
        for (i, l) in t.lexemes.iter().enumerate().skip(open) {
            match l.token {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let close = close.ok_or_else(|| syntax_error_near(None))?;
        let text = piece.text[t.lexemes[open].end..t.lexemes[close].start].to_string();
        t.pos = close + 1;
        text
    } else {
        let table = t.dotted_name().ok_or_else(|| syntax_error_near(t.peek()))?;
        let columns = if matches!(t.peek(), Some(Token::LParen)) {
            t.next();
            let mut cols = Vec::new();
            loop {
                cols.push(format!(
                    "\"{}\"",
                    t.ident().ok_or_else(|| syntax_error_near(t.peek()))?
                ));
                match t.next() {
                    Some(Token::Comma) => continue,
                    Some(Token::RParen) => break,
                    other => return Err(syntax_error_near(other)),
                }
            }
            cols.join(", ")
        } else {
            "*".to_string()
        };
        let quoted = table
            .split('.')
            .map(|p| format!("\"{p}\""))
            .collect::<Vec<_>>()
            .join(".");
        format!("SELECT {columns} FROM {quoted}")
    };
    if t.eat("FROM") {
        return Ok(Statement::Refused(PgError::read_only("COPY FROM")));
    }
    if !t.eat("TO") {
        return Err(syntax_error_near(t.peek()));
    }
    if !t.eat("STDOUT") {
        return Ok(Statement::Refused(PgError::read_only("COPY TO a file")));
    }
    let format = parse_copy_options(t)?;
    let query_piece = split(&query_text)?
        .into_iter()
        .next()
        .ok_or_else(|| PgError::syntax("COPY needs a query"))?;
    // PG's grammar takes a query or a data-modifying statement only.
    let preparable = query_start.is_none_or(|t| {
        matches!(t, Token::LParen)
            || [
                "SELECT", "WITH", "VALUES", "TABLE", "INSERT", "UPDATE", "DELETE",
            ]
            .iter()
            .any(|kw| is_keyword(t, kw))
    });
    if !preparable {
        return Err(syntax_error_near(query_start));
    }
    match classify(&query_piece)? {
        Statement::Query(query) => Ok(Statement::CopyOut { query, format }),
        // PG's grammar takes a data-modifying statement only with RETURNING.
        Statement::Refused(_) if !returns_rows(&query_piece) => Ok(Statement::Refused(
            PgError::unsupported("COPY query must have a RETURNING clause"),
        )),
        Statement::Refused(e) => Ok(Statement::Refused(e)),
        _ => Err(syntax_error_near(query_start)),
    }
}

/// `[WITH] (FORMAT csv, HEADER true)` or the old `[WITH] CSV HEADER` / `BINARY`.
fn parse_copy_options(t: &mut Tokens<'_>) -> Result<CopyFormat, PgError> {
    t.eat("WITH");
    let mut kind = "text".to_string();
    let mut header = false;
    let mut option = |name: &str, value: Option<String>| -> Result<(), PgError> {
        match name {
            "format" => kind = value.unwrap_or_default().to_ascii_lowercase(),
            "csv" => kind = "csv".into(),
            "binary" => kind = "binary".into(),
            "header" => {
                header = !matches!(
                    value.as_deref().map(str::to_ascii_lowercase).as_deref(),
                    Some("false" | "off" | "0")
                )
            }
            other => {
                return Err(PgError::unsupported(format!(
                    "COPY option \"{other}\" is not supported"
                )));
            }
        }
        Ok(())
    };
    if matches!(t.peek(), Some(Token::LParen)) {
        t.next();
        loop {
            let name = t.ident().ok_or_else(|| syntax_error_near(t.peek()))?;
            let value = match t.peek() {
                Some(Token::Comma | Token::RParen) => None,
                Some(Token::Word(w)) => {
                    let v = w.value.clone();
                    t.next();
                    Some(v)
                }
                Some(Token::SingleQuotedString(s)) | Some(Token::Number(s, _)) => {
                    let v = s.clone();
                    t.next();
                    Some(v)
                }
                other => return Err(syntax_error_near(other)),
            };
            option(&name, value)?;
            match t.next() {
                Some(Token::Comma) => continue,
                Some(Token::RParen) => break,
                other => return Err(syntax_error_near(other)),
            }
        }
    } else {
        while let Some(name) = t.ident() {
            option(&name, None)?;
        }
    }
    expect_end(t)?;
    match kind.as_str() {
        "text" if !header => Ok(CopyFormat::Text),
        "text" => Err(PgError::unsupported(
            "COPY HEADER available only in CSV mode",
        )),
        "csv" => Ok(CopyFormat::Csv { header }),
        "binary" => Ok(CopyFormat::Binary),
        other => Err(PgError::new(
            crate::errors::sqlstate::INVALID_PARAMETER_VALUE,
            format!("COPY format \"{other}\" not recognized"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(sql: &str) -> Statement {
        let pieces = split(sql).unwrap();
        assert_eq!(pieces.len(), 1, "{sql}");
        classify(&pieces[0]).unwrap_or_else(|e| panic!("{sql}: {e:?}"))
    }

    #[test]
    fn splitting_respects_strings_and_comments() {
        let pieces = split("SELECT ';'; -- c;\n SELECT 2;;").unwrap();
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0].text, "SELECT ';'");
        assert!(split("-- ping").unwrap().is_empty());
        assert!(split(" /* c */ ; ").unwrap().is_empty());
    }

    #[test]
    fn writes_are_refused_with_the_command_name() {
        for (sql, name) in [
            ("INSERT INTO t VALUES (1)", "INSERT"),
            ("create table t (a int)", "CREATE TABLE"),
            ("DROP TABLE accidents", "DROP TABLE"),
            (
                "CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '/etc/passwd'",
                "CREATE EXTERNAL TABLE",
            ),
            ("COPY accidents FROM STDIN", "COPY FROM"),
            ("COPY accidents TO '/tmp/x'", "COPY TO a file"),
            ("VACUUM", "VACUUM"),
            ("WITH x AS (SELECT 1) DELETE FROM t", "DELETE"),
            ("SELECT * FROM accidents FOR UPDATE", "SELECT FOR UPDATE"),
            ("SELECT id FROM accidents FOR SHARE", "SELECT FOR SHARE"),
        ] {
            match one(sql) {
                Statement::Refused(e) => {
                    assert_eq!(e.code, "25006", "{sql}");
                    assert_eq!(
                        e.message,
                        format!("cannot execute {name} in a read-only transaction")
                    );
                }
                other => panic!("{sql}: {other:?}"),
            }
        }
    }

    #[test]
    fn copy_takes_the_statements_pg_grammar_takes() {
        let refusal = |sql: &str| match split(sql).unwrap().first().map(classify) {
            Some(Ok(Statement::Refused(e))) | Some(Err(e)) => (e.code, e.message),
            other => panic!("{sql}: {other:?}"),
        };
        assert_eq!(
            refusal("COPY (show TimeZone) TO STDOUT"),
            ("42601", "syntax error at or near \"show\"".into())
        );
        assert_eq!(
            refusal("COPY (CREATE TABLE t (a int)) TO STDOUT"),
            ("42601", "syntax error at or near \"CREATE\"".into())
        );
        assert_eq!(
            refusal("COPY (INSERT INTO t VALUES (1)) TO STDOUT"),
            ("0A000", "COPY query must have a RETURNING clause".into())
        );
        assert_eq!(
            refusal("COPY (DELETE FROM t RETURNING a) TO STDOUT").0,
            "25006"
        );
    }

    #[test]
    fn session_statements_parse() {
        assert!(
            matches!(one("SET search_path TO \"$user\", public"), Statement::Set { value: Some(v), .. } if v == "\"$user\", public")
        );
        assert!(
            matches!(one("set extra_float_digits = 3"), Statement::Set { value: Some(v), .. } if v == "3")
        );
        assert!(
            matches!(one("SET TIME ZONE 'Europe/Paris'"), Statement::Set { name, .. } if name == "TimeZone")
        );
        assert!(
            matches!(one("SHOW TRANSACTION ISOLATION LEVEL"), Statement::Show(n) if n == "transaction_isolation")
        );
        assert!(matches!(
            one("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ UNCOMMITTED"),
            Statement::Set { name, value: Some(v), .. } if name == "default_transaction_isolation" && v == "read uncommitted"
        ));
        assert!(matches!(
            one("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY"),
            Statement::Set { name, value: Some(v), .. } if name == "transaction_isolation" && v == "serializable"
        ));
        assert!(matches!(
            one("set session characteristics as transaction read only"),
            Statement::Set { name, value: Some(v), .. } if name == "default_transaction_read_only" && v == "on"
        ));
        assert!(matches!(
            one("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE"),
            Statement::Refused(_)
        ));
        assert!(
            matches!(one("SET SESSION statement_timeout = 5"), Statement::Set { name, local: false, .. } if name == "statement_timeout")
        );
        assert!(
            matches!(one("SET LOCAL statement_timeout = 5"), Statement::Set { name, local: true, .. } if name == "statement_timeout")
        );
        assert!(matches!(
            one("DISCARD ALL"),
            Statement::Discard(DiscardKind::All)
        ));
        assert!(matches!(
            one("DEALLOCATE PREPARE ALL"),
            Statement::Deallocate(None)
        ));
        assert!(matches!(
            one("UNLISTEN *"),
            Statement::Listen { tag: "UNLISTEN" }
        ));
        assert!(matches!(
            one("BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY"),
            Statement::Transaction(_)
        ));
        assert!(matches!(
            one("FETCH FORWARD 5 FROM c1"),
            Statement::Fetch { count: Some(5), .. }
        ));
        assert!(matches!(
            one("COPY (SELECT 1) TO STDOUT WITH (FORMAT csv, HEADER)"),
            Statement::CopyOut {
                format: CopyFormat::Csv { header: true },
                ..
            }
        ));
        assert!(matches!(one("SELECT 1"), Statement::Query(_)));
    }
}
