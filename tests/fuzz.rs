//! Property tests (proptest): random and mutated GraphQL documents through
//! the schema and through the HTTP handler, and random and mutated data
//! files through the loader. Nothing panics; every error is clear: a
//! GraphQL error has a message (and a request error an `extensions.code`),
//! a data problem reads `FILE:LINE: message` or `FILE: message`.

mod common;

use std::path::Path;
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{header, Request};
use civgraph::api::{self, CivSchema, QueryLimits};
use civgraph::graph::Graph;
use civgraph::http::{app, AppState, HttpConfig, GRAPHQL_RESPONSE_JSON};
use http_body_util::BodyExt;
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{json, Value};
use tower::ServiceExt;

fn data_dir() -> &'static Path {
    static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();
    DIR.get_or_init(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("graph-data"))
}

fn graph() -> Arc<Graph> {
    static GRAPH: OnceLock<Arc<Graph>> = OnceLock::new();
    GRAPH
        .get_or_init(|| Arc::new(civgraph::loader::load_dir(data_dir()).expect("graph-data loads")))
        .clone()
}

fn schema() -> &'static CivSchema {
    static SCHEMA: OnceLock<CivSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| api::schema(QueryLimits::default()))
}

fn state() -> &'static AppState {
    static STATE: OnceLock<AppState> = OnceLock::new();
    STATE.get_or_init(|| AppState::new(graph(), schema().clone(), HttpConfig::default()))
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    })
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        // No regression files written into the source tree; a failure
        // prints its (shrunk) input.
        failure_persistence: None,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------
// GraphQL documents
// ---------------------------------------------------------------------------

/// Valid queries on the bundled graph, to mutate.
const QUERIES: &[&str] = &[
    "{ stats { entityCount relationCount } }",
    r#"{ entity(id: "person:okan-geray") { id name kind ... on Person { affiliations { organisation { name } } } } }"#,
    r#"{ entity(id: "group:tg-digital-public-infrastructure") { name ... on Group { leaders { role leader { name } } subgroups { edges { node { name } } } } } }"#,
    r#"query Q($id: ID!) { entity(id: $id) { name relations(first: 3) { totalCount edges { cursor node { id } relation { type role } } pageInfo { hasNextPage endCursor } } } }"#,
    "{ entities(first: 5, kinds: [PERSON]) { totalCount edges { cursor node { id name } } } }",
    r#"{ shortestPath(from: "person:okan-geray", to: "person:leyi-zhang") { length nodes { id name } relations { type role from { name } to { name } } } }"#,
    r#"{ search(query: "unece", first: 5) { score entity { id name kind } } }"#,
    r#"{ paths(from: "person:okan-geray", to: "group:u4ssc", maxDepth: 3, first: 3) { length nodes { id } } }"#,
    r#"{ traverse(from: ["group:u4ssc"], steps: [{types: [PART_OF], direction: IN, maxHops: 2}], first: 5) { totalCount truncated edges { depth node { name } } } }"#,
    "fragment F on Entity { id name } { search(query: \"itu\") { entity { ...F } } }",
    "query A { stats { entityCount } documents { key title } }",
    "{ __schema { queryType { name } types { name kind } } }",
    r#"{ __type(name: "Person") { name fields { name type { name kind ofType { name } } } } }"#,
    "{ leadership(first: 3) { totalCount edges { node { role } } } }",
    r#"{ node(id: "relation:leads/person:okan-geray/group:u4ssc") { id } }"#,
    "{ a: stats { entityCount } b: stats { relationCount } __typename }",
    "query ($skip: Boolean = true) { stats @skip(if: $skip) { entityCount } documents @include(if: true) { key } }",
];

/// Characters a mutation writes: GraphQL punctuation, and some that are not.
const PUNCTUATION: &[char] = &[
    '{', '}', '(', ')', '[', ']', ':', '$', '@', '!', '"', '.', '=', '|', '&', '#', ',', '\\',
    '\n', ' ', '\u{0}', '\u{feff}', 'é', '🙂', '\u{202e}',
];

#[derive(Debug, Clone)]
enum Edit {
    Delete(usize),
    DeleteRange(usize, usize),
    Duplicate(usize, usize),
    Replace(usize, char),
    Insert(usize, String),
    /// Wraps the text after a position in `n` levels of `{ a ...`.
    Nest(usize, usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let punct = prop::sample::select(PUNCTUATION);
    prop_oneof![
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), 1..40usize).prop_map(|(a, n)| Edit::DeleteRange(a, n)),
        (any::<usize>(), 1..60usize).prop_map(|(a, n)| Edit::Duplicate(a, n)),
        (any::<usize>(), punct.clone()).prop_map(|(a, c)| Edit::Replace(a, c)),
        (any::<usize>(), any::<char>()).prop_map(|(a, c)| Edit::Replace(a, c)),
        (any::<usize>(), "\\PC{0,12}").prop_map(|(a, s)| Edit::Insert(a, s)),
        (any::<usize>(), prop::collection::vec(punct, 1..8))
            .prop_map(|(a, cs)| Edit::Insert(a, cs.into_iter().collect())),
        (any::<usize>(), 1..400usize).prop_map(|(a, n)| Edit::Nest(a, n)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

/// The char boundary `at` (taken modulo the length) falls on.
fn boundary(s: &str, at: usize) -> usize {
    if s.is_empty() {
        return 0;
    }
    let mut i = at % (s.len() + 1);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(mut s: String, edits: &[Edit]) -> String {
    for e in edits {
        match e {
            Edit::Delete(at) => {
                let i = boundary(&s, *at);
                if i < s.len() {
                    s.remove(i);
                }
            }
            Edit::DeleteRange(at, n) => {
                let i = boundary(&s, *at);
                let j = boundary(&s, (i + n).min(s.len()));
                s.replace_range(i..j.max(i), "");
            }
            Edit::Duplicate(at, n) => {
                let i = boundary(&s, *at);
                let j = boundary(&s, (i + n).min(s.len())).max(i);
                let part = s[i..j].to_string();
                s.insert_str(j, &part);
            }
            Edit::Replace(at, c) => {
                let i = boundary(&s, *at);
                if i < s.len() {
                    s.remove(i);
                }
                s.insert(i, *c);
            }
            Edit::Insert(at, text) => {
                let i = boundary(&s, *at);
                s.insert_str(i, text);
            }
            Edit::Nest(at, n) => {
                let i = boundary(&s, *at);
                let tail = s.split_off(i);
                s.push_str(&"{ a ".repeat(*n));
                s.push_str(&tail);
                s.push_str(&" }".repeat(*n));
            }
            Edit::Truncate(at) => {
                let i = boundary(&s, *at);
                s.truncate(i);
            }
        }
    }
    s
}

/// A document: a mutated valid query, random text, or a soup of tokens.
fn document() -> impl Strategy<Value = String> {
    let tokens = prop::sample::select(vec![
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        ":",
        "$id",
        "@skip(if: true)",
        "...",
        "... on Person",
        "query",
        "mutation",
        "subscription",
        "fragment F on Entity",
        "...F",
        "entity",
        "id: \"person:okan-geray\"",
        "name",
        "relations",
        "edges",
        "node",
        "first: 100",
        "first: -1",
        "after: \"x\"",
        "stats",
        "entityCount",
        "__schema",
        "__type",
        "types",
        "ofType",
        "a:",
        "\"\"\"block\"\"\"",
        "1e999",
        "-0",
        "null",
        "true",
        "ENUM",
        "#c\n",
    ]);
    prop_oneof![
        4 => (prop::sample::select(QUERIES), prop::collection::vec(edit(), 1..6))
            .prop_map(|(q, edits)| apply(q.to_string(), &edits)),
        1 => "\\PC{0,300}",
        1 => any::<String>(),
        2 => prop::collection::vec(tokens, 0..80).prop_map(|t| t.join(" ")),
    ]
}

/// Variables, sometimes odd.
fn variables() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({ "id": "person:okan-geray" })),
        Just(json!({})),
        Just(json!({ "id": null })),
        Just(json!({ "id": 12 })),
        Just(json!({ "id": ["person:okan-geray"] })),
        Just(json!({ "skip": "yes" })),
        "\\PC{0,40}".prop_map(|s| json!({ "id": s, "skip": s })),
    ]
}

fn check_error_messages(errors: &[Value], context: &str) {
    for e in errors {
        let message = e["message"].as_str().unwrap_or("");
        assert!(
            !message.trim().is_empty(),
            "an error without a message: {e}\n{context}"
        );
    }
}

#[test]
fn the_unmutated_queries_answer_without_errors() {
    for q in QUERIES {
        let request = async_graphql::Request::new(*q).variables(
            async_graphql::Variables::from_json(json!({ "id": "person:okan-geray" })),
        );
        let response = runtime().block_on(schema().execute(api::with_graph(request, graph())));
        assert!(response.errors.is_empty(), "{q}: {:?}", response.errors);
    }
}

proptest! {
    #![proptest_config(config(400))]

    /// Through the schema: no panic, every error has a message.
    #[test]
    fn documents_through_the_schema(doc in document(), vars in variables()) {
        let request = async_graphql::Request::new(doc.clone())
            .variables(async_graphql::Variables::from_json(vars));
        let response = runtime().block_on(schema().execute(api::with_graph(request, graph())));
        let errors: Vec<Value> = response
            .errors
            .iter()
            .map(|e| serde_json::to_value(e).unwrap())
            .collect();
        check_error_messages(&errors, &doc);
    }

    /// Through the HTTP handler (POST and GET): never a 5xx, a JSON body,
    /// every error with a message, every request error with a code.
    #[test]
    fn documents_through_http(doc in document(), vars in variables(), get in any::<bool>()) {
        let request = if get {
            let uri = format!(
                "/graphql?query={}&variables={}",
                common::url_encode(&doc),
                common::url_encode(&vars.to_string())
            );
            Request::get(uri)
                .header(header::ACCEPT, GRAPHQL_RESPONSE_JSON)
                .body(Body::empty())
                .unwrap()
        } else {
            Request::post("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ACCEPT, GRAPHQL_RESPONSE_JSON)
                .body(Body::from(json!({ "query": doc, "variables": vars }).to_string()))
                .unwrap()
        };
        let (status, body) = runtime().block_on(async {
            let response = app(state().clone()).oneshot(request).await.unwrap();
            let status = response.status();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            (status, body)
        });
        let text = String::from_utf8_lossy(&body);
        prop_assert!(!status.is_server_error(), "{status}: {text}\n{doc:?}");
        let body: Value = serde_json::from_slice(&body)
            .map_err(|err| TestCaseError::fail(format!("not JSON ({err}): {text}")))?;
        let errors = body["errors"].as_array().cloned().unwrap_or_default();
        check_error_messages(&errors, &doc);
        if body.get("data").is_none() {
            prop_assert!(status.is_client_error(), "{status}: {text}");
            prop_assert!(!errors.is_empty(), "neither data nor errors: {text}");
            for e in &errors {
                prop_assert!(
                    e["extensions"]["code"].as_str().is_some_and(|c| !c.is_empty()),
                    "a request error without extensions.code: {e}\n{doc:?}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Data files
// ---------------------------------------------------------------------------

/// The data files of graph-data, relative to it, with their text.
fn data_files() -> &'static Vec<(String, String)> {
    static FILES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    FILES.get_or_init(|| {
        fn walk(dir: &Path, base: &Path, out: &mut Vec<(String, String)>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, base, out);
                } else if path.extension().is_some_and(|e| e == "toml") {
                    let rel = path
                        .strip_prefix(base)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    out.push((rel, std::fs::read_to_string(&path).unwrap()));
                }
            }
        }
        let mut out = Vec::new();
        walk(data_dir(), data_dir(), &mut out);
        out.sort();
        out
    })
}

#[derive(Debug, Clone)]
enum DataEdit {
    DeleteLine(usize),
    DuplicateLine(usize, usize),
    /// Swaps the values of two `key = value` lines.
    SwapValues(usize, usize),
    /// Replaces a line's value with another text.
    SetValue(usize, String),
    InsertText(usize, String),
    Truncate(usize),
}

fn data_edit() -> impl Strategy<Value = DataEdit> {
    let value = prop_oneof![
        "\\PC{0,20}".prop_map(|s| format!("{s:?}")),
        Just("\"\"".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("12".to_string()),
        Just("2025-13-45".to_string()),
        Just("true".to_string()),
        Just("\"person:okan-geray\"".to_string()),
        Just("\"group:nowhere\"".to_string()),
        Just("\"LEADS\"".to_string()),
        Just("\"NOT_A_TYPE\"".to_string()),
        "\\PC{0,20}",
    ];
    prop_oneof![
        any::<usize>().prop_map(DataEdit::DeleteLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| DataEdit::DuplicateLine(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| DataEdit::SwapValues(a, b)),
        (any::<usize>(), value).prop_map(|(a, v)| DataEdit::SetValue(a, v)),
        (any::<usize>(), "\\PC{0,30}").prop_map(|(a, s)| DataEdit::InsertText(a, s)),
        (any::<usize>(), any::<String>()).prop_map(|(a, s)| DataEdit::InsertText(a, s)),
        any::<usize>().prop_map(DataEdit::Truncate),
    ]
}

fn apply_data(text: &str, edits: &[DataEdit]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for e in edits {
        if lines.is_empty() {
            lines.push(String::new());
        }
        let n = lines.len();
        match e {
            DataEdit::DeleteLine(i) => {
                lines.remove(i % n);
            }
            DataEdit::DuplicateLine(i, j) => {
                let line = lines[i % n].clone();
                lines.insert(j % (n + 1), line);
            }
            DataEdit::SwapValues(i, j) => {
                let split = |l: &str| {
                    l.split_once(" = ")
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                };
                if let (Some((ka, va)), Some((kb, vb))) =
                    (split(&lines[i % n]), split(&lines[j % n]))
                {
                    lines[i % n] = format!("{ka} = {vb}");
                    lines[j % n] = format!("{kb} = {va}");
                }
            }
            DataEdit::SetValue(i, v) => {
                let line = &lines[i % n];
                let key = line
                    .split_once(" = ")
                    .map_or(line.as_str(), |(k, _)| k)
                    .to_string();
                lines[i % n] = format!("{key} = {v}");
            }
            DataEdit::InsertText(i, s) => {
                let line = &mut lines[i % n];
                let at = boundary(line, *i / n.max(1));
                line.insert_str(at, s);
            }
            DataEdit::Truncate(i) => {
                lines.truncate(i % n);
            }
        }
    }
    lines.join("\n")
}

/// `FILE:LINE: message` or `FILE: message`, with FILE in `dir`.
fn is_clear_problem(problem: &str, dir: &Path) -> bool {
    let dir = dir.to_string_lossy();
    let Some(rest) = problem.strip_prefix(&*dir) else {
        return false;
    };
    let Some((file, rest)) = rest.split_once(".toml:") else {
        return false;
    };
    if file.is_empty() {
        return false;
    }
    let message = match rest.split_once(": ") {
        Some((line, message)) if !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) => {
            message
        }
        _ => rest.strip_prefix(' ').unwrap_or(""),
    };
    !message.trim().is_empty()
}

/// Writes graph-data into a temporary folder, with `changed` in place of
/// the file at `index`, and `extra` as one more file when given.
fn write_data(index: usize, changed: &str, extra: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (i, (rel, text)) in data_files().iter().enumerate() {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, if i == index { changed } else { text }).unwrap();
    }
    if let Some(extra) = extra {
        std::fs::write(dir.path().join("extra.toml"), extra).unwrap();
    }
    dir
}

fn check_load(dir: &Path) -> Result<(), TestCaseError> {
    match civgraph::loader::load_dir(dir) {
        Ok(graph) => {
            prop_assert!(!graph.entities().is_empty());
        }
        Err(err) => {
            let problems = err.problems();
            prop_assert!(!problems.is_empty());
            for p in &problems {
                prop_assert!(is_clear_problem(p, dir), "not FILE:LINE: message: {p:?}");
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(200))]

    /// Mutated data files: a graph, or problems each at a file (and line).
    #[test]
    fn mutated_data_files_load_or_say_where(
        index in 0..64usize,
        edits in prop::collection::vec(data_edit(), 1..5),
    ) {
        let index = index % data_files().len();
        let changed = apply_data(&data_files()[index].1, &edits);
        let dir = write_data(index, &changed, None);
        check_load(dir.path())?;
    }

    /// A random extra data file beside the real ones.
    #[test]
    fn random_data_files_load_or_say_where(
        text in prop_oneof![
            any::<String>(),
            "\\PC{0,400}",
            prop::collection::vec(
                prop::sample::select(vec![
                    "[[person]]", "[[relation]]", "[[organisation]]", "[[group]]",
                    "[[person.source]]", "id = \"person:x\"", "name = \"X\"", "type = \"LEADS\"",
                    "from = \"person:x\"", "to = \"group:u4ssc\"", "doc = \"u4ssc-9\"",
                    "quote = \"Okan Geray, Chair, U4SSC\"", "section = \"s\"", "x = 1", "[a]",
                    "= \"v\"", "id = 5", "\"", "[[", "]]",
                ]),
                0..40,
            )
            .prop_map(|lines| lines.join("\n")),
        ],
    ) {
        let dir = write_data(usize::MAX, "", Some(&text));
        check_load(dir.path())?;
    }
}

/// Bytes that are not UTF-8 are a read error naming the file: not a
/// `FILE:LINE` problem, but never a panic and never a half-loaded graph.
#[test]
fn a_data_file_that_is_not_utf8_is_refused_naming_it() {
    let dir = write_data(usize::MAX, "", None);
    let path = dir.path().join("people.toml");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.splice(10..10, [0xff, 0xfe, 0x80]);
    std::fs::write(&path, bytes).unwrap();
    let err = civgraph::loader::load_dir(dir.path()).expect_err("not UTF-8");
    let problems = err.problems();
    assert!(
        problems
            .iter()
            .any(|p| p.contains(&*path.to_string_lossy())),
        "{problems:?}"
    );
}
