//! `server.data_roots`: the directories a dataset registered over the HTTP API
//! may read. A path is checked after resolving symlinks and `..`, so neither
//! can lead outside a root.

use std::path::{Path, PathBuf};

/// Why a path is refused.
#[derive(Debug, thiserror::Error)]
#[error("{path} is outside the data roots ({roots})")]
pub struct OutsideRoots {
    /// The path as given.
    pub path: String,
    /// The roots, comma-separated.
    pub roots: String,
}

/// Whether `path` (a file, directory or glob) lies inside one of `roots`.
/// A glob's fixed prefix is resolved; its pattern part may not hold `..`.
pub fn check(path: &Path, roots: &[PathBuf]) -> Result<(), OutsideRoots> {
    let refuse = || OutsideRoots {
        path: path.display().to_string(),
        roots: roots
            .iter()
            .map(|r| r.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
    };
    let (fixed, pattern) = split_glob(path);
    if pattern.iter().any(|c| c == "..") {
        return Err(refuse());
    }
    let resolved = resolve_existing(&fixed).ok_or_else(refuse)?;
    let inside = roots
        .iter()
        .any(|root| std::fs::canonicalize(root).is_ok_and(|root| resolved.starts_with(&root)));
    if inside {
        Ok(())
    } else {
        Err(refuse())
    }
}

/// The components before the first one holding a glob character, and the rest.
fn split_glob(path: &Path) -> (PathBuf, Vec<String>) {
    let mut fixed = PathBuf::new();
    let mut pattern = Vec::new();
    for component in path.components() {
        let text = component.as_os_str().to_string_lossy().to_string();
        if !pattern.is_empty() || text.contains(['*', '?', '[']) {
            pattern.push(text);
        } else {
            fixed.push(component);
        }
    }
    (fixed, pattern)
}

/// `path` with symlinks and `..` resolved; a path that does not exist yet is
/// resolved through its nearest existing ancestor.
fn resolve_existing(path: &Path) -> Option<PathBuf> {
    if let Ok(resolved) = std::fs::canonicalize(path) {
        return Some(resolved);
    }
    // `file_name` is None for a path ending in `..`: such a tail is refused.
    let name = path.file_name()?;
    Some(resolve_existing(path.parent()?)?.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_inside_a_root_pass_and_escapes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/a.csv"), "x\n1\n").unwrap();
        std::fs::write(dir.path().join("secret.csv"), "x\n1\n").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.csv"), root.join("link.csv")).unwrap();
        let roots = vec![root.clone()];
        assert!(check(&root.join("sub/a.csv"), &roots).is_ok());
        assert!(check(&root.join("sub"), &roots).is_ok());
        assert!(check(&root.join("sub/*.csv"), &roots).is_ok());
        assert!(check(&root.join("missing.csv"), &roots).is_ok());
        assert!(check(&root.join("../secret.csv"), &roots).is_err());
        assert!(check(&root.join("sub/../../secret.csv"), &roots).is_err());
        assert!(
            check(&root.join("link.csv"), &roots).is_err(),
            "a symlink out"
        );
        assert!(check(&root.join("*/../../*.csv"), &roots).is_err());
        assert!(check(Path::new("/etc/passwd"), &roots).is_err());
    }
}
