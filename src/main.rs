//! The `civgraph` binary: parse the command line, start logging, dispatch.

use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::http::HeaderValue;
use clap::Parser;

use civgraph::api::{self, QueryLimits};
use civgraph::cli::{Cli, Command, ExportArgs, QueryArgs, ServeArgs, ValidateArgs};
use civgraph::export::{self, Scope};
use civgraph::graph::LeadershipFilter;
use civgraph::http::{self, AppState, HttpConfig};
use civgraph::loader::{self, LoadError, LoadOptions};

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.into_command() {
        Command::Serve(args) => serve(args),
        Command::Validate(args) => validate(&args),
        Command::Schema => {
            print!("{}", api::sdl());
            Ok(ExitCode::SUCCESS)
        }
        Command::Export(args) => export(&args),
        Command::Query(args) => query(&args),
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
    let graph = match loader::load_dir_with(&args.data.data, &options) {
        Ok(g) => g,
        Err(err) => return Ok(report(&err)),
    };
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
    Ok(ExitCode::SUCCESS)
}

fn export(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let graph = match loader::load_dir(&args.data.data) {
        Ok(g) => g,
        Err(err) => return Ok(report(&err)),
    };
    let scope = Scope::new(args.root.as_deref(), args.depth, args.types.as_deref())?;
    let made = export::export(&graph, args.format, &scope, &LeadershipFilter::default())?;
    if made.truncated {
        eprintln!(
            "warning: the neighbourhood was cut at {} entities",
            export::EXPORT_BUDGET
        );
    }
    match &args.out {
        Some(path) => std::fs::write(path, &made.bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout()
            .lock()
            .write_all(&made.bytes)
            .context("cannot write to stdout")?,
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
    };
    let schema = api::schema(QueryLimits {
        max_depth: args.max_depth,
        max_complexity: args.max_complexity,
    });
    let stats = graph.stats();
    let state = AppState::new(graph, schema, config);
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
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
