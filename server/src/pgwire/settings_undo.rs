//! What the end of a transaction block, or a ROLLBACK TO, restores of the
//! session's settings, as PostgreSQL does: ROLLBACK undoes the block's
//! `SET`s and `RESET`s, COMMIT keeps them but ends its `SET LOCAL`s, and
//! ROLLBACK TO returns to the settings of its savepoint (which must exist:
//! 3B001 otherwise, as for RELEASE).

use crate::errors::{sqlstate, PgError};
use crate::settings::Settings;

/// The settings snapshots of the open transaction block, if one is open.
#[derive(Debug, Default)]
pub struct SettingsUndo {
    block: Option<Block>,
}

#[derive(Debug)]
struct Block {
    /// At BEGIN: what ROLLBACK restores.
    at_begin: Settings,
    /// The settings without the block's SET LOCALs: what COMMIT keeps.
    without_locals: Settings,
    /// Savepoints, oldest first.
    savepoints: Vec<Savepoint>,
}

#[derive(Debug)]
struct Savepoint {
    name: String,
    settings: Settings,
    without_locals: Settings,
}

fn no_such_savepoint(name: &str) -> PgError {
    PgError::new(
        sqlstate::INVALID_SAVEPOINT_SPECIFICATION,
        format!("savepoint \"{name}\" does not exist"),
    )
}

impl SettingsUndo {
    /// A block begins with the settings `now`.
    pub fn begin(&mut self, now: &Settings) {
        self.block.get_or_insert_with(|| Block {
            at_begin: now.clone(),
            without_locals: now.clone(),
            savepoints: Vec::new(),
        });
    }

    /// Applies `change` to `settings`; a `local` change lasts until the
    /// block ends, any other also reaches what COMMIT keeps.
    pub fn apply<T>(
        &mut self,
        settings: &mut Settings,
        local: bool,
        change: impl Fn(&mut Settings) -> Result<T, PgError>,
    ) -> Result<T, PgError> {
        let applied = change(settings)?;
        if let Some(block) = self.block.as_mut().filter(|_| !local) {
            change(&mut block.without_locals)?;
        }
        Ok(applied)
    }

    /// COMMIT: the block's SET LOCALs end.
    pub fn commit(&mut self, settings: &mut Settings) {
        if let Some(block) = self.block.take() {
            *settings = block.without_locals;
        }
    }

    /// ROLLBACK: the settings return to what they were at BEGIN.
    pub fn rollback(&mut self, settings: &mut Settings) {
        if let Some(block) = self.block.take() {
            *settings = block.at_begin;
        }
    }

    /// SAVEPOINT `name` with the settings `now`.
    pub fn savepoint(&mut self, name: &str, now: &Settings) {
        if let Some(block) = self.block.as_mut() {
            let without_locals = block.without_locals.clone();
            block.savepoints.push(Savepoint {
                name: name.to_string(),
                settings: now.clone(),
                without_locals,
            });
        }
    }

    /// The open block and the position of its latest savepoint `name` (3B001 if none).
    fn savepoint_named(&mut self, name: &str) -> Result<(&mut Block, usize), PgError> {
        let block = self.block.as_mut().ok_or_else(|| no_such_savepoint(name))?;
        let at = block
            .savepoints
            .iter()
            .rposition(|s| s.name == name)
            .ok_or_else(|| no_such_savepoint(name))?;
        Ok((block, at))
    }

    /// ROLLBACK TO `name`: its settings come back and it stays.
    pub fn rollback_to(&mut self, name: &str, settings: &mut Settings) -> Result<(), PgError> {
        let (block, at) = self.savepoint_named(name)?;
        block.savepoints.truncate(at + 1);
        let savepoint = &block.savepoints[at];
        *settings = savepoint.settings.clone();
        block.without_locals = savepoint.without_locals.clone();
        Ok(())
    }

    /// RELEASE `name`: it and the savepoints after it go.
    pub fn release(&mut self, name: &str) -> Result<(), PgError> {
        let (block, at) = self.savepoint_named(name)?;
        block.savepoints.truncate(at);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeout(s: &Settings) -> String {
        s.get("statement_timeout").expect("a known setting")
    }

    fn set(value: &'static str) -> impl Fn(&mut Settings) -> Result<(), PgError> {
        move |s: &mut Settings| s.set("statement_timeout", value).map(|_| ())
    }

    #[test]
    fn rollback_undoes_sets_and_commit_ends_set_locals() {
        let mut undo = SettingsUndo::default();
        let mut s = Settings::new("u", &[], Default::default()).expect("settings");
        undo.begin(&s);
        undo.apply(&mut s, false, set("1000")).unwrap();
        undo.rollback(&mut s);
        assert_eq!(timeout(&s), "0");

        undo.begin(&s);
        undo.apply(&mut s, false, set("1000")).unwrap();
        undo.apply(&mut s, true, set("2000")).unwrap();
        assert_eq!(timeout(&s), "2s");
        undo.commit(&mut s);
        assert_eq!(timeout(&s), "1s");
    }

    #[test]
    fn savepoints_restore_and_unknown_ones_are_3b001() {
        let mut undo = SettingsUndo::default();
        let mut s = Settings::new("u", &[], Default::default()).expect("settings");
        undo.begin(&s);
        undo.savepoint("a", &s);
        undo.apply(&mut s, false, set("1000")).unwrap();
        undo.rollback_to("a", &mut s).unwrap();
        assert_eq!(timeout(&s), "0");
        assert_eq!(undo.release("nope").unwrap_err().code, "3B001");
        undo.release("a").unwrap();
        assert_eq!(undo.rollback_to("a", &mut s).unwrap_err().code, "3B001");
    }
}
