//! The ledger's two databases behind one small interface: SQLite (a file,
//! the default) and PostgreSQL (`postgres://…`, for a team of operators).
//!
//! The ledger's SQL is written once, with `?1`-style placeholders and the
//! types both understand (`INTEGER`, `TEXT`); [`Conn`] and [`Tx`] run it on
//! either database, rewriting placeholders to `$1` and the DDL's types to
//! PostgreSQL's (`BIGINT`, `BIGSERIAL`) there. Values cross as [`Value`]s
//! (null, a 64-bit integer, text), and rows come back as [`Row`]s of them.
//! What only one database has (its catalogue, its locks, its triggers) is a
//! method here, written for each.

use std::collections::HashMap;
use std::rc::Rc;

use licman_core::Timestamp;
use postgres::types::{ToSql, Type};

use super::State;
use crate::error::{CliError, Result};

/// The PostgreSQL schema that holds the ledger's tables.
pub const PG_SCHEMA: &str = "licman_ledger";

/// A value crossing into or out of the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
}

/// Conversion of a Rust value into a query argument.
pub trait IntoValue {
    fn into_value(self) -> Value;
}

impl IntoValue for Value {
    fn into_value(self) -> Value {
        self
    }
}
impl IntoValue for i64 {
    fn into_value(self) -> Value {
        Value::Int(self)
    }
}
impl IntoValue for bool {
    fn into_value(self) -> Value {
        Value::Int(i64::from(self))
    }
}
impl IntoValue for &str {
    fn into_value(self) -> Value {
        Value::Text(self.to_string())
    }
}
impl IntoValue for String {
    fn into_value(self) -> Value {
        Value::Text(self)
    }
}
impl IntoValue for &String {
    fn into_value(self) -> Value {
        Value::Text(self.clone())
    }
}
impl IntoValue for State {
    fn into_value(self) -> Value {
        Value::Text(self.as_str().to_string())
    }
}
impl<T: IntoValue> IntoValue for Option<T> {
    fn into_value(self) -> Value {
        self.map_or(Value::Null, IntoValue::into_value)
    }
}

/// Query arguments: `args![a, b, c]`.
macro_rules! args {
    ($($e:expr),* $(,)?) => {
        &[$($crate::ledger::db::IntoValue::into_value($e)),*][..]
    };
}
pub(crate) use args;

/// A row of query arguments, owned: `row![a, b, …]`.
macro_rules! row {
    ($($e:expr),* $(,)?) => {
        vec![$($crate::ledger::db::IntoValue::into_value($e)),*]
    };
}
pub(crate) use row;

/// Conversion of a column's value.
pub trait FromValue: Sized {
    fn from_value(value: &Value) -> Option<Self>;
}

impl FromValue for i64 {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }
}
impl FromValue for u64 {
    fn from_value(value: &Value) -> Option<Self> {
        i64::from_value(value).map(|n| u64::try_from(n).unwrap_or(0))
    }
}
impl FromValue for String {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}
impl FromValue for State {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Text(s) => s.parse().ok(),
            _ => None,
        }
    }
}
impl FromValue for Timestamp {
    fn from_value(value: &Value) -> Option<Self> {
        i64::from_value(value).map(super::ts)
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Null => Some(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// One row of a result.
#[derive(Clone, Debug)]
pub struct Row {
    names: Rc<[String]>,
    values: Vec<Value>,
}

/// A column by position or by name.
pub trait ColumnIndex {
    fn position(&self, names: &[String]) -> Option<usize>;
    fn describe(&self) -> String;
}
impl ColumnIndex for usize {
    fn position(&self, names: &[String]) -> Option<usize> {
        (*self < names.len()).then_some(*self)
    }
    fn describe(&self) -> String {
        format!("column {self}")
    }
}
impl ColumnIndex for &str {
    fn position(&self, names: &[String]) -> Option<usize> {
        names.iter().position(|n| n == self)
    }
    fn describe(&self) -> String {
        format!("column {self}")
    }
}

impl Row {
    /// The value of a column, converted; an error names the column (a
    /// ledger row that is not what the schema says).
    pub fn get<T: FromValue>(&self, column: impl ColumnIndex) -> Result<T> {
        let value = column
            .position(&self.names)
            .and_then(|i| self.values.get(i));
        value.and_then(T::from_value).ok_or_else(|| {
            CliError::failure(
                "corrupt_ledger",
                format!(
                    "the ledger's {} holds {value:?}, not the type the schema gives it",
                    column.describe()
                ),
            )
        })
    }
}

/// Which database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A connection.
pub enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(Box<postgres::Client>),
}

/// A transaction: committed by [`Tx::commit`], rolled back when dropped.
pub enum Tx<'c> {
    Sqlite(rusqlite::Transaction<'c>),
    Postgres(postgres::Transaction<'c>),
}

/// `?N` → `$N`, and for DDL the types PostgreSQL needs for 64-bit values.
fn to_postgres(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c == '?' && !quoted && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY")
        .replace("INTEGER", "BIGINT")
}

fn sqlite_args(args: &[Value]) -> Vec<rusqlite::types::Value> {
    args.iter()
        .map(|v| match v {
            Value::Null => rusqlite::types::Value::Null,
            Value::Int(n) => rusqlite::types::Value::Integer(*n),
            Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
        })
        .collect()
}

fn sqlite_value(v: rusqlite::types::Value) -> Value {
    match v {
        rusqlite::types::Value::Null => Value::Null,
        rusqlite::types::Value::Integer(n) => Value::Int(n),
        rusqlite::types::Value::Text(s) => Value::Text(s),
        rusqlite::types::Value::Real(f) => Value::Text(f.to_string()),
        rusqlite::types::Value::Blob(b) => Value::Text(String::from_utf8_lossy(&b).into_owned()),
    }
}

fn sqlite_rows(conn: &rusqlite::Connection, sql: &str, args: &[Value]) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let names: Rc<[String]> = stmt.column_names().map(str::to_string).collect();
    let count = names.len();
    let rows = stmt
        .query_map(rusqlite::params_from_iter(sqlite_args(args)), |r| {
            (0..count)
                .map(|i| r.get::<_, rusqlite::types::Value>(i).map(sqlite_value))
                .collect::<rusqlite::Result<Vec<Value>>>()
        })?
        .map(|values| {
            values.map(|values| Row {
                names: Rc::clone(&names),
                values,
            })
        })
        .collect::<rusqlite::Result<Vec<Row>>>()?;
    Ok(rows)
}

fn sqlite_execute(conn: &rusqlite::Connection, sql: &str, args: &[Value]) -> Result<u64> {
    let n = conn
        .prepare_cached(sql)?
        .execute(rusqlite::params_from_iter(sqlite_args(args)))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The arguments of a PostgreSQL statement, typed as its parameters are.
fn postgres_args(types: &[Type], args: &[Value]) -> Result<Vec<Box<dyn ToSql + Sync>>> {
    if types.len() != args.len() {
        return Err(CliError::failure(
            "ledger",
            format!(
                "a ledger query takes {} arguments, {} given",
                types.len(),
                args.len()
            ),
        ));
    }
    Ok(types
        .iter()
        .zip(args)
        .map(|(ty, v)| -> Box<dyn ToSql + Sync> {
            match (v, ty) {
                (Value::Int(n), t) if *t == Type::INT4 => {
                    Box::new(i32::try_from(*n).unwrap_or(i32::MAX))
                }
                (Value::Int(n), t) if *t == Type::BOOL => Box::new(*n != 0),
                (Value::Int(n), t) if *t == Type::TEXT || *t == Type::VARCHAR => {
                    Box::new(n.to_string())
                }
                (Value::Int(n), _) => Box::new(*n),
                (Value::Text(s), _) => Box::new(s.clone()),
                (Value::Null, t) if *t == Type::INT8 => Box::new(None::<i64>),
                (Value::Null, t) if *t == Type::INT4 => Box::new(None::<i32>),
                (Value::Null, t) if *t == Type::BOOL => Box::new(None::<bool>),
                (Value::Null, _) => Box::new(None::<String>),
            }
        })
        .collect())
}

fn postgres_row(row: &postgres::Row, names: &Rc<[String]>) -> Result<Row> {
    let mut values = Vec::with_capacity(names.len());
    for (i, column) in row.columns().iter().enumerate() {
        let ty = column.type_();
        let value = if *ty == Type::INT8 {
            row.try_get::<_, Option<i64>>(i)?.map(Value::Int)
        } else if *ty == Type::INT4 {
            row.try_get::<_, Option<i32>>(i)?
                .map(|n| Value::Int(i64::from(n)))
        } else if *ty == Type::INT2 {
            row.try_get::<_, Option<i16>>(i)?
                .map(|n| Value::Int(i64::from(n)))
        } else if *ty == Type::BOOL {
            row.try_get::<_, Option<bool>>(i)?
                .map(|b| Value::Int(i64::from(b)))
        } else if *ty == Type::TEXT
            || *ty == Type::VARCHAR
            || *ty == Type::NAME
            || *ty == Type::BPCHAR
        {
            row.try_get::<_, Option<String>>(i)?.map(Value::Text)
        } else {
            // `void` (a lock function's result) and anything the ledger does not read.
            None
        };
        values.push(value.unwrap_or(Value::Null));
    }
    Ok(Row {
        names: Rc::clone(names),
        values,
    })
}

/// What both a connection and a transaction run.
pub trait Query {
    /// The database.
    fn dialect(&self) -> Dialect;
    /// Runs a statement; the number of rows it changed.
    fn execute(&mut self, sql: &str, args: &[Value]) -> Result<u64>;
    /// Runs a query; its rows.
    fn query(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Row>>;
    /// Runs several statements (DDL), without arguments.
    fn batch(&mut self, sql: &str) -> Result<()>;

    /// The first row, if any.
    fn query_opt(&mut self, sql: &str, args: &[Value]) -> Result<Option<Row>> {
        Ok(self.query(sql, args)?.into_iter().next())
    }

    /// The one value of a query that returns one row.
    fn value<T: FromValue>(&mut self, sql: &str, args: &[Value]) -> Result<T> {
        match self.query_opt(sql, args)? {
            Some(row) => row.get(0),
            None => Err(CliError::failure(
                "ledger",
                "a ledger query that returns a row returned none",
            )),
        }
    }

    /// Whether the ledger has this table (a ledger opened read-only is not
    /// migrated, so an older one may lack later tables).
    fn has_table(&mut self, name: &str) -> bool {
        let sql = match self.dialect() {
            Dialect::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1"
            }
            Dialect::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?1"
            }
        };
        self.value::<i64>(sql, args![name]).is_ok_and(|n| n == 1)
    }

    /// Serialises the transaction with every other one that takes the same
    /// lock (PostgreSQL: a transaction-scoped advisory lock; SQLite already
    /// serialises writers).
    fn lock(&mut self, key: &str) -> Result<()> {
        if self.dialect() == Dialect::Postgres {
            self.query(
                "SELECT pg_advisory_xact_lock(hashtext(?1))",
                args![format!("licman-ledger/{key}")],
            )?;
        }
        Ok(())
    }
}

impl Query for Conn {
    fn dialect(&self) -> Dialect {
        match self {
            Conn::Sqlite(_) => Dialect::Sqlite,
            Conn::Postgres(_) => Dialect::Postgres,
        }
    }

    fn execute(&mut self, sql: &str, args: &[Value]) -> Result<u64> {
        match self {
            Conn::Sqlite(c) => sqlite_execute(c, sql, args),
            Conn::Postgres(c) => {
                let stmt = c.prepare(&to_postgres(sql))?;
                postgres_execute(&mut **c, &stmt, args)
            }
        }
    }

    fn query(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Row>> {
        match self {
            Conn::Sqlite(c) => sqlite_rows(c, sql, args),
            Conn::Postgres(c) => {
                let stmt = c.prepare(&to_postgres(sql))?;
                postgres_query(&mut **c, &stmt, args)
            }
        }
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        match self {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Postgres(c) => Ok(c.batch_execute(&to_postgres(sql))?),
        }
    }
}

impl Conn {
    /// Starts a transaction.
    pub fn transaction(&mut self) -> Result<Tx<'_>> {
        Ok(match self {
            Conn::Sqlite(c) => Tx::Sqlite(c.transaction()?),
            Conn::Postgres(c) => {
                PG_STATEMENTS.with(|s| s.borrow_mut().clear());
                Tx::Postgres(c.transaction()?)
            }
        })
    }
}

// Statements prepared once per PostgreSQL transaction (a batch runs the
// same insert hundreds of times); cleared when a transaction starts or
// commits.
thread_local! {
    static PG_STATEMENTS: std::cell::RefCell<HashMap<String, postgres::Statement>> =
        std::cell::RefCell::new(HashMap::new());
}

impl Tx<'_> {
    /// Commits.
    pub fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => Ok(t.commit()?),
            Tx::Postgres(t) => {
                PG_STATEMENTS.with(|s| s.borrow_mut().clear());
                Ok(t.commit()?)
            }
        }
    }

    fn pg_statement(t: &mut postgres::Transaction<'_>, sql: &str) -> Result<postgres::Statement> {
        if let Some(stmt) = PG_STATEMENTS.with(|s| s.borrow().get(sql).cloned()) {
            return Ok(stmt);
        }
        let stmt = t.prepare(&to_postgres(sql))?;
        PG_STATEMENTS.with(|s| s.borrow_mut().insert(sql.to_string(), stmt.clone()));
        Ok(stmt)
    }
}

impl Query for Tx<'_> {
    fn dialect(&self) -> Dialect {
        match self {
            Tx::Sqlite(_) => Dialect::Sqlite,
            Tx::Postgres(_) => Dialect::Postgres,
        }
    }

    fn execute(&mut self, sql: &str, args: &[Value]) -> Result<u64> {
        match self {
            Tx::Sqlite(t) => sqlite_execute(t, sql, args),
            Tx::Postgres(t) => {
                let stmt = Self::pg_statement(t, sql)?;
                postgres_execute(t, &stmt, args)
            }
        }
    }

    fn query(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Row>> {
        match self {
            Tx::Sqlite(t) => sqlite_rows(t, sql, args),
            Tx::Postgres(t) => {
                let stmt = Self::pg_statement(t, sql)?;
                postgres_query(t, &stmt, args)
            }
        }
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        match self {
            Tx::Sqlite(t) => Ok(t.execute_batch(sql)?),
            Tx::Postgres(t) => Ok(t.batch_execute(&to_postgres(sql))?),
        }
    }
}

/// Runs a prepared statement on a PostgreSQL connection or transaction.
fn postgres_execute(
    client: &mut impl postgres::GenericClient,
    stmt: &postgres::Statement,
    args: &[Value],
) -> Result<u64> {
    let owned = postgres_args(stmt.params(), args)?;
    let refs: Vec<&(dyn ToSql + Sync)> = owned.iter().map(|b| &**b).collect();
    Ok(client.execute(stmt, &refs)?)
}

/// Runs a prepared query on a PostgreSQL connection or transaction; its rows.
fn postgres_query(
    client: &mut impl postgres::GenericClient,
    stmt: &postgres::Statement,
    args: &[Value],
) -> Result<Vec<Row>> {
    let owned = postgres_args(stmt.params(), args)?;
    let refs: Vec<&(dyn ToSql + Sync)> = owned.iter().map(|b| &**b).collect();
    let names: Rc<[String]> = stmt
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    client
        .query(stmt, &refs)?
        .iter()
        .map(|r| postgres_row(r, &names))
        .collect()
}

/// Whether a location names a PostgreSQL database rather than a file.
pub fn is_postgres_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// A PostgreSQL URL with its password hidden, for messages.
pub fn shown_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = rest.split_once('/').map_or((rest, ""), |(a, t)| (a, t));
    let shown = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_string(),
    };
    // A password may come as a parameter too (`?password=…`).
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|param| match param.split_once('=') {
                    Some((key, _)) if key.to_ascii_lowercase().contains("password") => {
                        format!("{key}=***")
                    }
                    _ => param.to_string(),
                })
                .collect();
            format!("{path}?{}", params.join("&"))
        }
        None => tail.to_string(),
    };
    if tail.is_empty() && !rest.contains('/') {
        format!("{scheme}://{shown}")
    } else {
        format!("{scheme}://{shown}/{tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_types_are_rewritten_outside_quotes() {
        assert_eq!(
            to_postgres("SELECT a FROM t WHERE b = ?1 AND c = '?2' AND d = ?10"),
            "SELECT a FROM t WHERE b = $1 AND c = '?2' AND d = $10"
        );
        assert_eq!(
            to_postgres(
                "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER NOT NULL)"
            ),
            "CREATE TABLE t (id BIGSERIAL PRIMARY KEY, n BIGINT NOT NULL)"
        );
    }

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            shown_url("postgres://ops:s3cret@db.example:5432/ledger"),
            "postgres://ops:***@db.example:5432/ledger"
        );
        assert_eq!(shown_url("postgres://db/ledger"), "postgres://db/ledger");
        assert_eq!(shown_url("postgresql://u@h"), "postgresql://u@h");
        assert_eq!(
            shown_url("postgres://u@h:1/l?sslmode=disable&password=SECRETQ&PassWord=x"),
            "postgres://u@h:1/l?sslmode=disable&password=***&PassWord=***"
        );
    }

    #[test]
    fn sqlite_round_trips_values_and_names_columns() {
        let mut conn = Conn::Sqlite(rusqlite::Connection::open_in_memory().unwrap());
        conn.batch("CREATE TABLE t (n INTEGER, s TEXT)").unwrap();
        conn.execute("INSERT INTO t VALUES (?1, ?2)", args![7i64, None::<String>])
            .unwrap();
        let row = conn.query_opt("SELECT n, s FROM t", &[]).unwrap().unwrap();
        assert_eq!(row.get::<i64>("n").unwrap(), 7);
        assert_eq!(row.get::<Option<String>>(1).unwrap(), None);
        assert!(row.get::<String>("n").is_err());
        assert!(conn.has_table("t"));
        assert!(!conn.has_table("u"));
    }
}
