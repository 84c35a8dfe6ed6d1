//! Reads `graph-data/` into a validated [`Graph`].
//!
//! Every `*.toml` file below the folder is read (in path order), every
//! problem is collected with its file and line, and a graph is only built when
//! there are none: a half-loaded graph never exists.

mod check;
mod intern;
mod parse;
mod plain;
mod raw;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::graph::Graph;

pub use check::quote_is_in;

/// One thing wrong with the data, at a place in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file, as found below the data folder (joined to it).
    pub file: PathBuf,
    /// 1-based line; 0 when the problem is about the file as a whole.
    pub line: usize,
    /// What is wrong, and where possible how to mend it.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
        }
    }
}

/// Why the data could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The data folder (or a file in it) could not be read at all.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The data folder holds no `*.toml` file.
    #[error("{0}: no *.toml data files found")]
    Empty(PathBuf),
    /// The files were read, and hold these problems.
    #[error("{}", Problems(.0))]
    Invalid(Vec<Problem>),
}

impl LoadError {
    /// Every problem found (one for an I/O failure).
    pub fn problems(&self) -> Vec<String> {
        match self {
            LoadError::Invalid(problems) => problems.iter().map(ToString::to_string).collect(),
            other => vec![other.to_string()],
        }
    }
}

struct Problems<'a>(&'a [Problem]);

impl fmt::Display for Problems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// What to check beyond the data's own consistency.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// A folder holding the documents' text files: every quote is looked up
    /// in its document's text.
    pub sources_dir: Option<PathBuf>,
}

/// Loads and validates the graph in `dir`.
pub fn load_dir(dir: &Path) -> Result<Graph, LoadError> {
    load_dir_with(dir, &LoadOptions::default())
}

/// Loads and validates the graph in `dir`, with the extra checks of `options`.
pub fn load_dir_with(dir: &Path, options: &LoadOptions) -> Result<Graph, LoadError> {
    let files = data_files(dir)?;
    if files.is_empty() {
        return Err(LoadError::Empty(dir.to_path_buf()));
    }
    check::build(&files, options)
}

/// `work(state, i)` for every `i` in `0..n`, on every core: each thread
/// takes the next index in turn and keeps one `state` (from `state()`) for
/// all the indices it takes. The results are in index order.
fn on_all_cores<S, T: Send>(
    n: usize,
    state: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, usize) -> T + Sync,
) -> Vec<T> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |c| c.get())
        .clamp(1, n.max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let run = || {
        let mut state = state();
        let mut out = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if i >= n {
                break;
            }
            out.push((i, work(&mut state, i)));
        }
        out
    };
    let mut results: Vec<(usize, T)> = if workers == 1 {
        run()
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..workers).map(|_| s.spawn(run)).collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    };
    results.sort_unstable_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// Every `*.toml` file below `dir`, in path order.
fn data_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|source| LoadError::Io {
            path: folder.clone(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| LoadError::Io {
                path: folder.clone(),
                source,
            })?;
            let path = entry.path();
            let file_type = entry.file_type().map_err(|source| LoadError::Io {
                path: path.clone(),
                source,
            })?;
            if file_type.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}
