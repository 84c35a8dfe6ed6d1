//! The `civgraph` binary, run as a curator or a deployment would run it.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `civgraph` run from the crate root, untouched by the caller's environment.
fn civgraph(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_civgraph"));
    cmd.args(args).current_dir(crate_root());
    for var in [
        "CIVGRAPH_DATA",
        "CIVGRAPH_BIND",
        "CIVGRAPH_CORS_ORIGINS",
        "CIVGRAPH_MAX_BODY_BYTES",
        "CIVGRAPH_MAX_DEPTH",
        "CIVGRAPH_MAX_COMPLEXITY",
        "CIVGRAPH_TIMEOUT_MS",
        "CIVGRAPH_HUGE_PAGES",
        "RUST_LOG",
        "NO_COLOR",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn run(args: &[&str]) -> Output {
    civgraph(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|err| panic!("cannot run civgraph {args:?}: {err}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn validate_bundled_data_prints_an_ok_summary() {
    let out = run(&["validate", "--data", "graph-data"]);
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "validate failed:\n{}",
        text(&out.stderr)
    );
    assert_eq!(stdout.lines().count(), 1, "one summary line: {stdout:?}");
    assert!(stdout.starts_with("ok:"), "{stdout:?}");
    assert!(stdout.contains("entities") && stdout.contains("relations"));
}

#[test]
fn validate_with_sources_checks_every_quote() {
    // CI holds the documents' text next to the crate; a plain clone may not.
    let sources = crate_root().join("../shared/sources");
    if !sources.join("u4ssc-9th-meeting-report.txt").exists() {
        return;
    }
    let out = run(&[
        "validate",
        "--data",
        "graph-data",
        "--sources",
        "../shared/sources",
    ]);
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "validate --sources failed:\n{}",
        text(&out.stderr)
    );
    assert!(stdout.starts_with("ok:"), "{stdout:?}");
    assert!(
        stdout.contains("every quote found in its document"),
        "{stdout:?}"
    );
}

#[test]
fn validate_invalid_data_prints_every_problem_and_fails() {
    let out = run(&[
        "validate",
        "--data",
        "tests/fixtures/invalid/unknown-reference",
    ]);
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "invalid data validated:\n{stderr}");
    assert!(
        !text(&out.stdout).contains("ok:"),
        "no summary for invalid data"
    );
    let file = "tests/fixtures/invalid/unknown-reference/relations.toml";
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("{file}:4: unknown reference"))),
        "{stderr}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("{file}:13: unknown reference"))),
        "{stderr}"
    );
    assert!(lines.contains(&"2 problems found"), "{stderr}");
}

#[test]
fn validate_a_folder_that_does_not_exist_fails() {
    let out = run(&[
        "validate",
        "--data",
        "tests/fixtures/invalid/no-such-folder",
    ]);
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("cannot read tests/fixtures/invalid/no-such-folder"),
        "{stderr}"
    );
}

#[test]
fn schema_matches_the_committed_schema_graphql() {
    let out = run(&["schema"]);
    assert!(
        out.status.success(),
        "schema failed:\n{}",
        text(&out.stderr)
    );
    let committed = std::fs::read(crate_root().join("schema.graphql"))
        .expect("schema.graphql is committed at the crate root");
    if out.stdout != committed {
        let printed = text(&out.stdout);
        let committed = text(&committed);
        let first_difference = printed
            .lines()
            .zip(committed.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map_or_else(
                || {
                    format!(
                        "the files differ in length or line endings ({} lines printed, {} committed)",
                        printed.lines().count(),
                        committed.lines().count()
                    )
                },
                |(i, (a, b))| {
                    format!(
                        "line {}: printed `{a}`, committed `{b}`",
                        i + 1
                    )
                },
            );
        panic!(
            "schema.graphql is out of date ({first_difference}).\n\
             If the schema change is intended, run `cargo run -- schema > schema.graphql` and commit it."
        );
    }
}

#[test]
fn serve_refuses_invalid_data_without_listening() {
    let mut child = civgraph(&[
        "serve",
        "--data",
        "tests/fixtures/invalid/unknown-reference",
        "--bind",
        "127.0.0.1:0",
    ])
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .expect("cannot start civgraph serve");
    // Reads stderr to its end, which comes when the process exits; a server
    // that started listening would never get there.
    let mut stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut buf);
        let _ = tx.send(buf);
    });
    let stderr = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(s) => s,
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve kept running on invalid data");
        }
    };
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "serve exited 0 on invalid data:\n{stderr}"
    );
    assert!(!stderr.contains("listening"), "{stderr}");
    let file = "tests/fixtures/invalid/unknown-reference/relations.toml";
    assert!(
        stderr.contains(&format!("{file}:4: unknown reference")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{file}:13: unknown reference")),
        "{stderr}"
    );
}

/// Whether a running `civgraph serve` (given `extra` flags) may use
/// transparent huge pages, as its `/proc/PID/status` says once it listens.
#[cfg(target_os = "linux")]
fn serving_thp_enabled(extra: &[&str]) -> String {
    let mut args = vec!["serve", "--data", "graph-data", "--bind", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let server = common::spawn_logging(civgraph(&args));
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let line = server
            .lines
            .recv_timeout(left)
            .expect("serve did not start listening");
        if line.contains("listening") {
            break;
        }
    }
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.child.id()))
        .expect("the server's /proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("THP_enabled:"))
        .map(|v| v.trim().to_string())
        .expect("a THP_enabled line (Linux 5.0 or later)")
}

/// Logs written to a pipe (a file, journald, a collector) are plain text:
/// colour codes are for terminals.
#[test]
fn logs_to_a_pipe_carry_no_colour_codes() {
    let server = common::spawn_logging(civgraph(&[
        "serve",
        "--data",
        "graph-data",
        "--bind",
        "127.0.0.1:0",
    ]));
    let line = loop {
        let line = server
            .lines
            .recv_timeout(Duration::from_secs(60))
            .expect("serve did not start listening");
        if line.contains("listening") {
            break line;
        }
    };
    assert!(!line.contains('\x1b'), "{line:?}");
    assert!(line.contains(" INFO "), "{line:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn serve_turns_transparent_huge_pages_off_unless_told_otherwise() {
    assert_eq!(serving_thp_enabled(&[]), "0");
    assert_eq!(serving_thp_enabled(&["--huge-pages", "off"]), "0");
    assert_eq!(serving_thp_enabled(&["--huge-pages", "system"]), "1");
}

#[test]
fn help_mentions_every_command() {
    let out = run(&["--help"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success());
    for command in ["serve", "validate", "schema"] {
        assert!(
            stdout.contains(command),
            "--help lacks `{command}`:\n{stdout}"
        );
    }
}
