//! Builds the web UI (`web/`, a Vite project) so that `src/web.rs` can embed
//! it in the binary.
//!
//! - `npm ci` runs when `web/node_modules` is missing or `package-lock.json`
//!   changed since the last install;
//! - `npm run build` runs when the web sources changed since the last build
//!   (a hash of them is kept beside the output, in `web/dist/`), so a debug,
//!   a release and a clippy build share one `npm run build`;
//! - the result is copied to `$OUT_DIR/web`, which `src/web.rs` embeds.
//!
//! Cargo reruns this script only when a web source changes (the
//! `rerun-if-changed` lines below), so a `cargo build` of Rust changes
//! does not touch npm at all.

use std::env;
use std::fs;
use std::hash::{DefaultHasher, Hasher};
use std::io;
use std::path::{Path, PathBuf};
use std::process::{exit, Command};
use std::thread;
use std::time::{Duration, SystemTime};

/// What the web build reads, relative to `web/`.
const INPUTS: &[&str] = &[
    "src",
    "public",
    "index.html",
    "explore.html",
    "vite.config.js",
    "package.json",
    "package-lock.json",
];

/// The stamps written after a successful `npm ci` and `npm run build`.
const LOCK_STAMP: &str = "node_modules/.civgraph-lock-hash";
const BUILD_STAMP: &str = "dist/.civgraph-build-hash";

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let web = manifest.join("web");
    for input in INPUTS {
        println!("cargo:rerun-if-changed=web/{input}");
    }
    println!("cargo:rerun-if-env-changed=CIVGRAPH_NPM");

    // Two cargo runs (say `cargo build --release` and `cargo clippy`) may
    // get here at once: one builds web/ at a time.
    let lock = match Lock::take(&web.join(".civgraph-build.lock")) {
        Ok(lock) => lock,
        Err(err) => {
            eprintln!("\nerror: cannot lock web/ for the web UI build: {err}\n");
            exit(1);
        }
    };
    if let Err(message) = build(&web) {
        drop(lock);
        eprintln!("\nerror: civgraph's web UI (web/) did not build.\n{message}\n");
        exit(1);
    }

    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR")).join("web");
    let copied = copy_dir(&web.join("dist"), &out);
    drop(lock);
    if let Err(err) = copied {
        eprintln!(
            "\nerror: cannot copy web/dist to {}: {err}\n",
            out.display()
        );
        exit(1);
    }
}

/// A lock file, created exclusively and removed on drop. A lock older than
/// ten minutes is taken to be left over from a killed build.
struct Lock(PathBuf);

impl Lock {
    fn take(path: &Path) -> io::Result<Lock> {
        let stale = Duration::from_secs(600);
        loop {
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
            {
                Ok(_) => return Ok(Lock(path.to_path_buf())),
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                    let age = fs::metadata(path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| SystemTime::now().duration_since(t).ok());
                    if age.is_some_and(|a| a > stale) {
                        let _ = fs::remove_file(path);
                    } else {
                        thread::sleep(Duration::from_millis(200));
                    }
                }
                Err(err) => return Err(err),
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

fn build(web: &Path) -> Result<(), String> {
    let lock_hash = hash_paths(web, &["package-lock.json"])
        .map_err(|err| format!("cannot read web/package-lock.json: {err}"))?;
    let installed = fs::read_to_string(web.join(LOCK_STAMP)).ok();
    if installed.as_deref() != Some(lock_hash.as_str()) {
        npm(web, &["ci", "--no-audit", "--no-fund"])?;
        fs::write(web.join(LOCK_STAMP), &lock_hash)
            .map_err(|err| format!("cannot write web/{LOCK_STAMP}: {err}"))?;
    }

    let source_hash =
        hash_paths(web, INPUTS).map_err(|err| format!("cannot read the web sources: {err}"))?;
    let built = fs::read_to_string(web.join(BUILD_STAMP)).ok();
    if built.as_deref() != Some(source_hash.as_str()) || !web.join("dist/index.html").is_file() {
        npm(web, &["run", "build"])?;
        fs::write(web.join(BUILD_STAMP), &source_hash)
            .map_err(|err| format!("cannot write web/{BUILD_STAMP}: {err}"))?;
    }
    Ok(())
}

/// Runs npm in `web/`; its output goes to Cargo's build log (shown when
/// the build fails, or with `cargo build -vv`).
fn npm(web: &Path, args: &[&str]) -> Result<(), String> {
    let program = env::var("CIVGRAPH_NPM").unwrap_or_else(|_| {
        if cfg!(windows) {
            "npm.cmd".to_string()
        } else {
            "npm".to_string()
        }
    });
    let shown = format!("{program} {}", args.join(" "));
    println!("building the web UI: {shown} (in {})", web.display());
    let status = Command::new(&program)
        .args(args)
        .current_dir(web)
        .status()
        .map_err(|err| {
            if err.kind() == io::ErrorKind::NotFound {
                format!(
                    "`{program}` was not found. Building civgraph needs Node.js (20.19 or newer) \
                     and npm: install them (https://nodejs.org/ or your system's packages, e.g. \
                     `apt-get install nodejs npm`), or set CIVGRAPH_NPM to the npm to use, then \
                     run cargo again."
                )
            } else {
                format!("cannot run `{shown}`: {err}")
            }
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{shown}` failed ({status}) in {}; its output is above.",
            web.display()
        ))
    }
}

/// A hash of the files under `paths` (relative to `root`): their paths and
/// contents, in a stable order. Missing paths count as empty.
fn hash_paths(root: &Path, paths: &[&str]) -> io::Result<String> {
    let mut files = Vec::new();
    for p in paths {
        collect(&root.join(p), &mut files)?;
    }
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in files {
        let rel = file.strip_prefix(root).unwrap_or(&file);
        hasher.write(rel.to_string_lossy().as_bytes());
        hasher.write_u8(0);
        hasher.write(&fs::read(&file)?);
        hasher.write_u8(0);
    }
    Ok(format!("{:016x}", hasher.finish()))
}

fn collect(path: &Path, files: &mut Vec<PathBuf>) -> io::Result<()> {
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(err),
    };
    if meta.is_dir() {
        for entry in fs::read_dir(path)? {
            collect(&entry?.path(), files)?;
        }
    } else {
        files.push(path.to_path_buf());
    }
    Ok(())
}

/// Replaces `to` with a copy of `from` (without the build stamp).
fn copy_dir(from: &Path, to: &Path) -> io::Result<()> {
    if to.exists() {
        fs::remove_dir_all(to)?;
    }
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&path, &target)?;
        } else if entry.file_name() != ".civgraph-build-hash" {
            fs::copy(&path, &target)?;
        }
    }
    Ok(())
}
