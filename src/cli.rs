//! The command line: `civgraph [serve] | validate | schema | export | query`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};

use crate::export::Format;

/// civgraph: a GraphQL knowledge-graph server over who leads what across a
/// network of organisations. With no command, it serves.
#[derive(Debug, Parser)]
#[command(name = "civgraph", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub serve: ServeArgs,

    /// How log lines are written to stderr.
    #[arg(
        long,
        global = true,
        env = "CIVGRAPH_LOG_FORMAT",
        default_value = "text",
        value_name = "FORMAT"
    )]
    pub log_format: LogFormat,

    /// Transparent huge pages for the process's memory (Linux): `off` turns
    /// them off, as in-memory stores commonly do (loading 1M entities took 16%
    /// less time, queries the same; BENCHMARKS.md); `system` leaves the
    /// system's and the allocator's choice.
    #[arg(
        long,
        global = true,
        env = "CIVGRAPH_HUGE_PAGES",
        default_value = "off",
        value_name = "off|system"
    )]
    pub huge_pages: HugePages,
}

/// Whether the process's memory may use transparent huge pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HugePages {
    /// Never: every page is 4 KiB.
    Off,
    /// As the system and the allocator set it.
    System,
}

impl HugePages {
    /// Applies the choice to this process, best before it allocates much
    /// (why `off` is the default: the flag's help, and BENCHMARKS.md). A
    /// refusal (a sandbox's seccomp policy, say) leaves them as they were.
    pub fn apply(self) {
        #[cfg(target_os = "linux")]
        if self == HugePages::Off {
            if let Err(err) = rustix::thread::disable_transparent_huge_pages(true) {
                tracing::debug!(%err, "transparent huge pages left as they were");
            }
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

impl Cli {
    /// The command to run: `serve` when none was named.
    pub fn into_command(self) -> Command {
        self.command.unwrap_or(Command::Serve(self.serve))
    }
}

/// What civgraph can do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the graph over HTTP: GraphQL at /graphql, an IDE at /, /health.
    Serve(ServeArgs),
    /// Load and check the data only: a one-line summary, or every problem as FILE:LINE: message.
    Validate(ValidateArgs),
    /// Print the GraphQL schema (SDL); the committed schema.graphql is exactly this output.
    Schema,
    /// Write the graph, or the neighbourhood of one entity, as GraphML, JSON-LD,
    /// Cytoscape.js JSON or CSV (to stdout, or to --out FILE).
    Export(ExportArgs),
    /// Run one GraphQL query on the data and print the JSON response (exit 1 if it has errors).
    Query(QueryArgs),
    /// Write a deterministic synthetic graph in the graph-data format (for benchmarks at scale).
    Generate(GenerateArgs),
}

/// Where the data is.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// The folder the graph is loaded from.
    #[arg(
        long,
        env = "CIVGRAPH_DATA",
        default_value = "graph-data",
        value_name = "DIR"
    )]
    pub data: PathBuf,
}

/// Options of `serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub data: DataArgs,

    /// The address to listen on.
    #[arg(
        long,
        env = "CIVGRAPH_BIND",
        default_value = "127.0.0.1:8000",
        value_name = "ADDR"
    )]
    pub bind: SocketAddr,

    /// Origins browsers may call the API from (comma-separated), or `*` for any.
    #[arg(
        long = "cors-origin",
        env = "CIVGRAPH_CORS_ORIGINS",
        default_value = "*",
        value_delimiter = ',',
        value_name = "ORIGIN"
    )]
    pub cors_origins: Vec<String>,

    /// The largest request body accepted, in bytes (413 beyond it).
    #[arg(long, env = "CIVGRAPH_MAX_BODY_BYTES", default_value_t = 64 * 1024, value_name = "BYTES")]
    pub max_body_bytes: usize,

    /// The deepest selection-set nesting a query may have.
    #[arg(
        long,
        env = "CIVGRAPH_MAX_DEPTH",
        default_value_t = 16,
        value_name = "N"
    )]
    pub max_depth: usize,

    /// The largest cost a query may have (each field costs 1; a page of
    /// `first: N` costs N times its selection).
    #[arg(
        long,
        env = "CIVGRAPH_MAX_COMPLEXITY",
        default_value_t = 20_000,
        value_name = "N"
    )]
    pub max_complexity: usize,

    /// The longest a request may run, in milliseconds (503 beyond it).
    #[arg(
        long,
        env = "CIVGRAPH_TIMEOUT_MS",
        default_value_t = 10_000,
        value_name = "MS"
    )]
    pub timeout_ms: u64,

    /// The most memory kept for responses to queries asked again, in MiB
    /// (0 turns the cache off). A response is kept only if it has no error,
    /// and only for the snapshot it was computed from.
    #[arg(
        long,
        env = "CIVGRAPH_RESPONSE_CACHE_MB",
        default_value_t = 64,
        value_name = "MIB"
    )]
    pub response_cache_mb: usize,

    /// The most aliases one query may use.
    #[arg(
        long,
        env = "CIVGRAPH_MAX_ALIASES",
        default_value_t = 30,
        value_name = "N"
    )]
    pub max_aliases: usize,

    /// The most directives one query may use.
    #[arg(
        long,
        env = "CIVGRAPH_MAX_DIRECTIVES",
        default_value_t = 50,
        value_name = "N"
    )]
    pub max_directives: usize,

    /// The most lexical tokens one query may have (checked before parsing).
    #[arg(
        long,
        env = "CIVGRAPH_MAX_TOKENS",
        default_value_t = 5_000,
        value_name = "N"
    )]
    pub max_tokens: usize,

    /// Reload the data when its files change (SIGHUP always reloads).
    #[arg(long, env = "CIVGRAPH_WATCH")]
    pub watch: bool,

    /// Run every query through async-graphql's executor: no query runs as
    /// the compiled plan of a document asked before (plans answer the same
    /// bytes, faster; this is for comparing the two).
    #[arg(long, env = "CIVGRAPH_NO_PLANS")]
    pub no_plans: bool,
}

/// Options of `validate`.
#[derive(Debug, Clone, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub data: DataArgs,

    /// Also check every quote against the documents' text files in this folder.
    #[arg(long, value_name = "DIR")]
    pub sources: Option<PathBuf>,

    /// Also print the load and validation time, the resident memory after
    /// loading, and what each part of the graph holds.
    #[arg(long)]
    pub stats: bool,
}

/// Options of `export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub data: DataArgs,

    /// What to write.
    #[arg(long, value_name = "FORMAT", value_parser = format_parser())]
    pub format: Format,

    /// Export only the neighbourhood of this entity (`person:okan-geray`).
    #[arg(long, value_name = "ID")]
    pub root: Option<String>,

    /// How many relations from --root the neighbourhood reaches, 0 to 5 [default: 1].
    #[arg(long, value_name = "N", requires = "root")]
    pub depth: Option<usize>,

    /// Only relations of these types, comma-separated (`LEADS,PART_OF`).
    #[arg(long, value_name = "TYPES")]
    pub types: Option<String>,

    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    #[command(flatten)]
    pub leadership: LeadershipArgs,
}

/// The filters of `export --format leadership-csv`: the rows the
/// `leadership` query and `/export/leadership.csv` keep with them.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Leadership filters (with --format leadership-csv)")]
pub struct LeadershipArgs {
    /// Only groups of these kinds, comma-separated (`WORKING_GROUP,THEMATIC_GROUP`).
    #[arg(long, value_name = "KINDS")]
    pub group_kind: Option<String>,

    /// Only leaders from this organisation, its units, or affiliated with either.
    #[arg(long, value_name = "ID")]
    pub leader_organisation: Option<String>,

    /// Only what this organisation (or a unit) is, leads, coordinates or supports.
    #[arg(long, value_name = "ID")]
    pub group_organisation: Option<String>,

    /// Only this entity and what lies below it along PART_OF.
    #[arg(long, value_name = "ID")]
    pub under: Option<String>,

    /// Only roles containing this text (case and accents ignored).
    #[arg(long, value_name = "TEXT")]
    pub role: Option<String>,

    /// Only rows whose leader, led entity or role contains this text.
    #[arg(long, value_name = "TEXT")]
    pub text: Option<String>,
}

impl LeadershipArgs {
    /// The filters as the export takes them.
    pub fn params(&self) -> crate::export::LeadershipParams<'_> {
        crate::export::LeadershipParams {
            group_kind: self.group_kind.as_deref(),
            leader_organisation: self.leader_organisation.as_deref(),
            group_organisation: self.group_organisation.as_deref(),
            under: self.under.as_deref(),
            role: self.role.as_deref(),
            text: self.text.as_deref(),
        }
    }

    /// Whether any filter is given.
    pub fn any(&self) -> bool {
        let p = self.params();
        [
            p.group_kind,
            p.leader_organisation,
            p.group_organisation,
            p.under,
            p.role,
            p.text,
        ]
        .iter()
        .any(Option::is_some)
    }
}

/// Options of `query`.
#[derive(Debug, Clone, Args)]
pub struct QueryArgs {
    #[command(flatten)]
    pub data: DataArgs,

    /// The query's variables, as a JSON object.
    #[arg(long, value_name = "JSON")]
    pub variables: Option<String>,

    /// The GraphQL document, or `-` to read it from stdin.
    #[arg(value_name = "QUERY")]
    pub query: String,
}

/// Parses `--format`, listing the formats in `--help` and in errors.
fn format_parser() -> impl TypedValueParser<Value = Format> {
    PossibleValuesParser::new(Format::NAMES)
        .map(|name| name.parse::<Format>().expect("a listed format name parses"))
}

/// Options of `generate`.
#[derive(Debug, Clone, Args)]
pub struct GenerateArgs {
    /// How many entities to generate (at least 20); about five relations each.
    #[arg(long, value_name = "N")]
    pub entities: usize,

    /// The random seed: the same seed and count give byte-identical files.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,

    /// The folder to write to (created; it must be missing or empty).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}
