//! `pg_proc`: the I/O functions of the built-in types (drivers such as
//! Npgsql 4.0 find a type's binary support and its arrays through them).

use super::builtin_types::type_rows;
use super::pg_catalog::{OWNER_OID, PG_CATALOG_OID};
use super::table::{Cell, Context};

/// OID of the `internal` language.
const INTERNAL_LANGUAGE: u32 = 12;
/// The first OID of the generated function rows.
const FIRST_PROC_OID: u32 = 10_000;

/// One function: (name, return type OID, argument type OIDs).
type Proc = (String, u32, Vec<u32>);

/// The functions, built once.
fn io_functions() -> &'static [Proc] {
    static PROCS: std::sync::OnceLock<Vec<Proc>> = std::sync::OnceLock::new();
    PROCS.get_or_init(build_io_functions)
}

fn build_io_functions() -> Vec<Proc> {
    let mut out: Vec<(String, u32, Vec<u32>)> = Vec::new();
    for row in type_rows() {
        let prefix = row.io_prefix();
        let (ret, arg) = if row.is_array {
            (2277, 2277)
        } else {
            (row.oid, row.oid)
        };
        let functions = [
            (format!("{prefix}in"), ret, vec![2275]),
            (format!("{prefix}out"), 2275, vec![arg]),
            (format!("{prefix}recv"), ret, vec![2281]),
            (format!("{prefix}send"), 17, vec![arg]),
        ];
        for f in functions {
            if !out.iter().any(|(name, _, _)| *name == f.0) {
                out.push(f);
            }
        }
    }
    out
}

/// The OID of the built-in function `name`, if there is one.
pub fn proc_oid(name: &str) -> Option<u32> {
    io_functions()
        .iter()
        .position(|(n, _, _)| n == name)
        .map(|i| FIRST_PROC_OID + i as u32)
}

/// The rows of `pg_proc`.
pub fn pg_proc(_: &Context<'_>) -> Vec<Vec<Cell>> {
    io_functions()
        .iter()
        .enumerate()
        .map(|(i, (name, ret, args))| {
            vec![
                (FIRST_PROC_OID + i as u32).into(),
                name.clone().into(),
                PG_CATALOG_OID.into(),
                OWNER_OID.into(),
                INTERNAL_LANGUAGE.into(),
                1.0f64.into(),
                0.0f64.into(),
                0u32.into(),
                "-".into(),
                "f".into(),
                false.into(),
                false.into(),
                true.into(),
                false.into(),
                "i".into(),
                "s".into(),
                (args.len() as i16).into(),
                0i16.into(),
                (*ret).into(),
                Cell::List(args.iter().copied().map(Cell::from).collect()),
                Cell::Null,
                Cell::Null,
                Cell::Null,
                Cell::Null,
                Cell::Null,
                name.clone().into(),
                Cell::Null,
                Cell::Null,
                Cell::Null,
                Cell::Null,
            ]
        })
        .collect()
}

/// The name of the built-in function with `oid`.
pub fn proc_name(oid: u32) -> Option<String> {
    let index = oid.checked_sub(FIRST_PROC_OID)? as usize;
    io_functions().get(index).map(|(name, _, _)| name.clone())
}
