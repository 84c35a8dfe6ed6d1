//! The `civgraph` binary: parse the command line, start logging, dispatch.

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::http::HeaderValue;
use clap::Parser;

use civgraph::api::{self, QueryLimits};
use civgraph::cli::{
    Cli, Command, ExportArgs, GenerateArgs, LogFormat, QueryArgs, ServeArgs, ValidateArgs,
};
use civgraph::export::{self, Format, Scope};
use civgraph::http::{self, AppState, HttpConfig};
use civgraph::loader::{self, LoadError, LoadOptions};

/// mimalloc instead of the system allocator: after loading a large graph
/// the process keeps about 40% less resident memory (glibc keeps the
/// parser's freed memory), and loading is faster (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,tower_http=warn".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colour only on a terminal: logs sent to a file or a collector get
        // no escape codes (and each request's span is formatted plainly).
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
    cli.huge_pages.apply();
    let result = match cli.into_command() {
        Command::Serve(args) => serve(args),
        Command::Validate(args) => validate(&args),
        Command::Schema => {
            print!("{}", api::sdl());
            Ok(ExitCode::SUCCESS)
        }
        Command::Export(args) => export(&args),
        Command::Query(args) => query(&args),
        Command::Generate(args) => generate(&args),
    };
    result.unwrap_or_else(|err| {
        eprintln!("error: {err:#}");
        ExitCode::FAILURE
    })
}

/// Prints every problem of a failed load; the exit code says it failed.
fn report(err: &LoadError) -> ExitCode {
    let problems = err.problems();
    for p in &problems {
        eprintln!("{p}");
    }
    if problems.len() > 1 {
        eprintln!("{} problems found", problems.len());
    }
    ExitCode::FAILURE
}

fn validate(args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let options = LoadOptions {
        sources_dir: args.sources.clone(),
    };
    let started = std::time::Instant::now();
    let graph = match loader::load_dir_with(&args.data.data, &options) {
        Ok(g) => g,
        Err(err) => return Ok(report(&err)),
    };
    let load_time = started.elapsed();
    let memory = args.stats.then(resident_memory);
    let stats = graph.stats();
    let kinds: Vec<String> = stats
        .by_kind
        .iter()
        .map(|(k, n)| format!("{} {n}", k.prefix()))
        .collect();
    let types: Vec<String> = stats
        .by_relation_type
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(t, n)| format!("{t} {n}"))
        .collect();
    let checked = if args.sources.is_some() {
        ", every quote found in its document"
    } else {
        ""
    };
    println!(
        "ok: {} entities ({}), {} relations ({}){checked}",
        stats.entities,
        kinds.join(", "),
        stats.relations,
        types.join(", ")
    );
    if let Some((rss, peak)) = memory {
        let per_relation = rss as f64 / stats.relations.max(1) as f64;
        println!(
            "stats: loaded and validated in {:.3} s; resident {:.1} MiB (peak {:.1} MiB), {per_relation:.0} bytes per relation",
            load_time.as_secs_f64(),
            rss as f64 / 1048576.0,
            peak as f64 / 1048576.0,
        );
        let parts = graph.memory_use();
        let total: usize = parts.iter().map(|(_, bytes)| bytes).sum();
        let per_relation = |bytes: usize| bytes as f64 / stats.relations.max(1) as f64;
        let parts: Vec<String> = parts
            .iter()
            .map(|(part, bytes)| format!("{part} {:.1}", per_relation(*bytes)))
            .collect();
        println!(
            "stats: the graph's parts, bytes per relation, as asked of the allocator: {}; total {:.1} MiB, {:.0} bytes per relation",
            parts.join(", "),
            total as f64 / 1048576.0,
            per_relation(total),
        );
    }
    // The process ends here: freeing millions of records one by one would
    // only delay the exit (seconds on a graph of millions of relations).
    std::mem::forget(graph);
    Ok(ExitCode::SUCCESS)
}

/// The flag of a route's parameter: `groupKind` -> `--group-kind`.
fn flag_of(param: &'static str) -> String {
    let mut flag = String::from("--");
    for c in param.chars() {
        if c.is_ascii_uppercase() {
            flag.push('-');
        }
        flag.push(c.to_ascii_lowercase());
    }
    flag
}

fn export(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let graph = match loader::load_dir(&args.data.data) {
        Ok(g) => g,
        Err(err) => return Ok(report(&err)),
    };
    if args.leadership.any() && args.format != Format::LeadershipCsv {
        anyhow::bail!(
            "the leadership filters (--group-kind, --leader-organisation, --group-organisation, \
             --under, --role, --text) apply to --format leadership-csv only"
        );
    }
    let (sub, filter) = (|| {
        let scope = Scope::new(args.root.as_deref(), args.depth, args.types.as_deref())?;
        let filter = args.leadership.params().filter(&graph)?;
        Ok::<_, export::ExportError>((scope.select(&graph)?, filter))
    })()
    .map_err(|err| anyhow::anyhow!(err.naming(&flag_of)))?;
    if sub.truncated {
        eprintln!(
            "warning: the neighbourhood was cut at {} entities",
            export::EXPORT_BUDGET
        );
    }
    // Written as it is made. A file appears whole or not at all: it is
    // written beside its destination and renamed over it once complete.
    let write = |out: &mut dyn Write| {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
        export::write_to(&graph, args.format, &sub, &filter, &mut out)?;
        out.flush()
            .map_err(|e| export::ExportError::Write(e.to_string()))
    };
    match &args.out {
        Some(path) => {
            let cannot = || format!("cannot write {}", path.display());
            let folder = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => std::path::Path::new("."),
            };
            let mut builder = tempfile::Builder::new();
            #[cfg(unix)]
            {
                // As a file made by `>` would be (a temporary file is 0600).
                use std::os::unix::fs::PermissionsExt;
                builder.permissions(std::fs::Permissions::from_mode(0o644));
            }
            // tempfile's error names the temporary file, which the user
            // never sees: the folder, or the kind of error, instead.
            let mut file = builder.tempfile_in(folder).map_err(|err| {
                let cause = if !folder.exists() {
                    format!("there is no folder {}", folder.display())
                } else if !folder.is_dir() {
                    format!("{} is not a folder", folder.display())
                } else {
                    format!(
                        "cannot create a file in {}: {}",
                        folder.display(),
                        err.kind()
                    )
                };
                anyhow::anyhow!("{}: {cause}", cannot())
            })?;
            write(file.as_file_mut()).with_context(cannot)?;
            file.persist(path).with_context(cannot)?;
        }
        None => write(&mut std::io::stdout().lock()).context("cannot write to stdout")?,
    }
    Ok(ExitCode::SUCCESS)
}

fn query(args: &QueryArgs) -> anyhow::Result<ExitCode> {
    let mut text = args.query.clone();
    if text == "-" {
        text.clear();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the query from stdin")?;
    }
    let mut request = async_graphql::Request::new(text);
    if let Some(json) = &args.variables {
        let value: serde_json::Value =
            serde_json::from_str(json).context("--variables is not valid JSON")?;
        anyhow::ensure!(value.is_object(), "--variables must be a JSON object");
        request = request.variables(async_graphql::Variables::from_json(value));
    }
    let graph = match loader::load_dir(&args.data.data) {
        Ok(g) => Arc::new(g),
        Err(err) => return Ok(report(&err)),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let response = runtime.block_on(api::schema_for(graph).execute(request));
    println!("{}", serde_json::to_string_pretty(&response)?);
    Ok(if response.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let graph = match loader::load_dir(&args.data.data) {
        Ok(g) => Arc::new(g),
        Err(err) => return Ok(report(&err)),
    };
    let cors_origins = if args.cors_origins.iter().any(|o| o.trim() == "*") {
        None
    } else {
        let list = args
            .cors_origins
            .iter()
            .map(|o| {
                HeaderValue::from_str(o.trim()).with_context(|| format!("bad CORS origin `{o}`"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Some(list)
    };
    let config = HttpConfig {
        cors_origins,
        max_body_bytes: args.max_body_bytes,
        timeout: Duration::from_millis(args.timeout_ms),
        response_cache_bytes: args.response_cache_mb << 20,
        plans: !args.no_plans,
    };
    let schema = api::schema(QueryLimits {
        max_depth: args.max_depth,
        max_complexity: args.max_complexity,
        max_aliases: args.max_aliases,
        max_directives: args.max_directives,
        max_tokens: args.max_tokens,
    });
    let stats = graph.stats();
    release_freed_memory_soon();
    let state = AppState::new(graph, schema, config);
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let reloader = state.reloader(args.data.data.clone());
        #[cfg(unix)]
        reloader
            .reload_on_sighup()
            .context("cannot listen for SIGHUP")?;
        let _watcher = if args.watch {
            let watcher = reloader
                .watch()
                .with_context(|| format!("cannot watch {}", args.data.data.display()))?;
            tracing::info!(dir = %args.data.data.display(), "watching graph-data for changes");
            Some(watcher)
        } else {
            None
        };
        let listener = tokio::net::TcpListener::bind(args.bind)
            .await
            .with_context(|| format!("cannot listen on {}", args.bind))?;
        let addr = listener.local_addr()?;
        tracing::info!(
            entities = stats.entities,
            relations = stats.relations,
            "civgraph listening on http://{addr}/"
        );
        axum::serve(listener, http::app(state))
            .with_graceful_shutdown(http::shutdown_signal())
            .await
            .context("server failed")?;
        tracing::info!("civgraph stopped");
        Ok(ExitCode::SUCCESS)
    })
}

/// Has the allocator hand back to the system, soon, what loading freed.
///
/// Loading frees nearly as much memory as the graph then holds (what the
/// files were parsed into). mimalloc hands freed memory back once it has
/// been free for a second (its purge delay), but only when it is next
/// called to free a page or a thread ends: a server idle after loading 1M
/// entities kept it, 1.06-1.32 GB resident for 0.95 GB in use. A thread
/// that ends after that second has it handed back. (`mi_collect` would do
/// it at once, but it is `unsafe`, which this crate forbids.)
fn release_freed_memory_soon() {
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_millis(1500));
        // A thread's end purges only if the thread has a heap of its own:
        // it allocates once.
        drop(std::hint::black_box(vec![0u8; 64]));
    });
}

/// The resident set size and its peak, in bytes, from `/proc/self/status`
/// (zero where it cannot be read).
fn resident_memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn generate(args: &GenerateArgs) -> anyhow::Result<ExitCode> {
    let summary = civgraph::generate::generate(args.entities, args.seed, &args.out)
        .with_context(|| format!("cannot generate into {}", args.out.display()))?;
    println!(
        "wrote {} entities and {} relations in {} files to {}",
        summary.entities,
        summary.relations,
        summary.files,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::flag_of;

    #[test]
    fn a_routes_parameter_is_named_by_its_flag() {
        assert_eq!(flag_of("root"), "--root");
        assert_eq!(flag_of("groupKind"), "--group-kind");
        assert_eq!(flag_of("leaderOrganisation"), "--leader-organisation");
    }
}
