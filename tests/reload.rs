//! Changing the data without downtime, on a temporary copy of `graph-data/`:
//! `Reloader::reload()` swaps in valid data and keeps the old on invalid
//! data, `/health` and `/metrics` say what happened, a request holding the
//! old snapshot finishes on it, `watch()` picks up a file change, and the
//! binary reloads on SIGHUP.

mod common;
use common::metric;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use civgraph::api::{self, QueryLimits};
use civgraph::http::{app, AppState, HttpConfig};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const OKAN: &str = "person:okan-geray";

/// How many entities the bundled graph holds (the valid change adds one).
fn bundled_entities() -> u64 {
    static N: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *N.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("graph-data");
        civgraph::loader::load_dir(&dir).unwrap().entities().len() as u64
    })
}
const RENAMED: &str = "Okan Geray (reloaded)";

/// A copy of the bundled graph-data in a temporary folder.
fn copy_of_graph_data() -> tempfile::TempDir {
    common::temp_copy(&Path::new(env!("CARGO_MANIFEST_DIR")).join("graph-data"))
}

fn people(dir: &Path) -> PathBuf {
    dir.join("people.toml")
}

/// Renames Okan Geray and adds one person: a valid change.
fn make_valid_change(dir: &Path) {
    let text = std::fs::read_to_string(people(dir)).unwrap();
    let text = text.replacen("name = \"Okan Geray\"", &format!("name = \"{RENAMED}\""), 1);
    let added = r#"
[[person]]
id = "person:new-arrival"
name = "New Arrival"
description = "Added by the reload test."
  [[person.source]]
  doc = "u4ssc-9"
  section = "Opening Remarks"
  quote = "Okan Geray, Chair, U4SSC"
"#;
    std::fs::write(people(dir), text + added).unwrap();
}

/// A relation to an entity that does not exist, and a TOML syntax error.
fn make_invalid_change(dir: &Path) {
    let relations = dir.join("relations/leadership.toml");
    let mut text = std::fs::read_to_string(&relations).unwrap();
    text.push_str(
        r#"
[[relation]]
type = "LEADS"
from = "person:nobody-at-all"
to = "group:u4ssc"
  [[relation.source]]
  doc = "u4ssc-9"
  section = "Opening Remarks"
  quote = "Okan Geray, Chair, U4SSC"
"#,
    );
    std::fs::write(&relations, text).unwrap();
    let mut text = std::fs::read_to_string(people(dir)).unwrap();
    text.push_str("\n[[person]\nid = \"person:broken\n");
    std::fs::write(people(dir), text).unwrap();
}

fn state_over(dir: &Path) -> AppState {
    let graph = civgraph::loader::load_dir(dir).expect("the copy loads");
    AppState::new(
        Arc::new(graph),
        api::schema(QueryLimits::default()),
        HttpConfig::default(),
    )
}

async fn get_json(state: &AppState, uri: &str) -> Value {
    let text = get_text(state, uri).await;
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{uri}: {err}: {text}"))
}

async fn get_text(state: &AppState, uri: &str) -> String {
    let response = app(state.clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{uri}");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(body.to_vec()).unwrap()
}

async fn query(state: &AppState, query: &str) -> Value {
    let response = app(state.clone())
        .oneshot(
            Request::post("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json!({ "query": query }).to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&body).unwrap()
}

async fn okan_name(state: &AppState) -> String {
    let body = query(state, &format!("{{ entity(id: \"{OKAN}\") {{ name }} }}")).await;
    body["data"]["entity"]["name"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string()
}

/// `FILE:LINE: message`, the file one of the data folder's.
fn is_file_line(problem: &str, dir: &Path) -> bool {
    let Some(rest) = problem.strip_prefix(&*dir.to_string_lossy()) else {
        return false;
    };
    let mut parts = rest.splitn(3, ':');
    let (file, line, message) = (parts.next(), parts.next(), parts.next());
    file.is_some_and(|f| f.ends_with(".toml"))
        && line.is_some_and(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()))
        && message.is_some_and(|m| m.starts_with(' ') && m.trim().len() > 3)
}

#[tokio::test]
async fn a_valid_change_is_served_by_the_next_request() {
    let dir = copy_of_graph_data();
    let state = state_over(dir.path());
    let reloader = state.reloader(dir.path().to_path_buf());
    let health = get_json(&state, "/health").await;
    assert_eq!(health["generation"], 1);
    assert!(health["lastReload"].is_null());
    assert_eq!(health["entities"], bundled_entities());
    assert_eq!(okan_name(&state).await, "Okan Geray");
    // Asked again, the answer comes from the response cache...
    assert_eq!(okan_name(&state).await, "Okan Geray");
    let metrics = get_text(&state, "/metrics").await;
    let hits = "civgraph_response_cache_lookups_total{result=\"hit\"} ";
    assert_eq!(metric(&metrics, hits), 1);

    make_valid_change(dir.path());
    reloader.reload().await.expect("the valid change reloads");

    // ...but never one computed from the data before the reload.
    assert_eq!(okan_name(&state).await, RENAMED);
    assert_eq!(okan_name(&state).await, RENAMED);
    let metrics = get_text(&state, "/metrics").await;
    assert_eq!(metric(&metrics, hits), 2);
    let health = get_json(&state, "/health").await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["generation"], 2);
    assert_eq!(health["entities"], bundled_entities() + 1);
    assert_eq!(health["lastReload"]["ok"], true, "{health}");
    assert_eq!(health["lastReload"]["problemCount"], 0);
    assert!(health["loadedAt"].as_u64().unwrap() > 0);
    let body = query(&state, "{ entity(id: \"person:new-arrival\") { name } }").await;
    assert_eq!(body["data"]["entity"]["name"], "New Arrival");

    let metrics = get_text(&state, "/metrics").await;
    assert_eq!(
        metric(&metrics, "civgraph_reloads_total{outcome=\"ok\"} "),
        1
    );
    assert_eq!(
        metric(&metrics, "civgraph_graph_entities "),
        bundled_entities() + 1
    );
}

#[tokio::test]
async fn an_invalid_change_keeps_the_old_data_and_health_says_why() {
    let dir = copy_of_graph_data();
    let state = state_over(dir.path());
    let reloader = state.reloader(dir.path().to_path_buf());

    make_invalid_change(dir.path());
    let problems = reloader
        .reload()
        .await
        .expect_err("the invalid change fails");
    assert!(!problems.is_empty());
    for p in &problems {
        assert!(is_file_line(p, dir.path()), "not FILE:LINE: message: {p}");
    }
    assert!(
        problems.iter().any(|p| p.contains("people.toml")),
        "{problems:#?}"
    );

    // The old data is still served, whole.
    assert_eq!(okan_name(&state).await, "Okan Geray");
    let health = get_json(&state, "/health").await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["generation"], 1);
    assert_eq!(health["entities"], bundled_entities());
    assert_eq!(health["lastReload"]["ok"], false, "{health}");
    assert_eq!(health["lastReload"]["problemCount"], problems.len());
    let shown = health["lastReload"]["problems"].as_array().unwrap();
    assert!(!shown.is_empty());
    for p in shown {
        assert!(is_file_line(p.as_str().unwrap(), dir.path()), "{p}");
    }

    // Mended, it reloads: generation 2.
    let fresh = copy_of_graph_data();
    for file in ["people.toml", "relations/leadership.toml"] {
        std::fs::copy(fresh.path().join(file), dir.path().join(file)).unwrap();
    }
    reloader.reload().await.expect("the mended data reloads");
    let health = get_json(&state, "/health").await;
    assert_eq!(health["generation"], 2);
    assert_eq!(health["lastReload"]["ok"], true);

    let metrics = get_text(&state, "/metrics").await;
    assert_eq!(
        metric(&metrics, "civgraph_reloads_total{outcome=\"failed\"} "),
        1
    );
    assert_eq!(
        metric(&metrics, "civgraph_reloads_total{outcome=\"ok\"} "),
        1
    );
}

/// Each request takes the snapshot when it starts and keeps it: a reload
/// in between changes nothing for it.
#[tokio::test]
async fn a_request_holding_the_old_snapshot_finishes_on_it() {
    let dir = copy_of_graph_data();
    let state = state_over(dir.path());
    let reloader = state.reloader(dir.path().to_path_buf());
    // What the HTTP handler does at the start of each request.
    let held = state.graph.load_full();

    make_valid_change(dir.path());
    reloader.reload().await.unwrap();

    let request = async_graphql::Request::new(format!(
        "{{ entity(id: \"{OKAN}\") {{ name }} stats {{ entityCount }} }}"
    ));
    let response = state.schema.execute(api::with_graph(request, held)).await;
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    let data = response.data.into_json().unwrap();
    assert_eq!(data["entity"]["name"], "Okan Geray");
    assert_eq!(data["stats"]["entityCount"], bundled_entities());
    // A new request sees the new data.
    assert_eq!(okan_name(&state).await, RENAMED);
}

/// Requests racing many reloads each see one whole snapshot: never half of
/// one graph and half of another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_during_reloads_each_see_one_whole_snapshot() {
    let dir = copy_of_graph_data();
    let state = state_over(dir.path());
    let reloader = state.reloader(dir.path().to_path_buf());
    let original = std::fs::read_to_string(people(dir.path())).unwrap();
    make_valid_change(dir.path());
    let changed = std::fs::read_to_string(people(dir.path())).unwrap();

    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for _ in 0..4 {
        let state = state.clone();
        let stop = stop.clone();
        clients.push(tokio::spawn(async move {
            let mut seen = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let body = query(
                    &state,
                    &format!(
                        "{{ a: entity(id: \"{OKAN}\") {{ name }} stats {{ entityCount }}
                           b: entity(id: \"{OKAN}\") {{ name }} }}"
                    ),
                )
                .await;
                let data = &body["data"];
                let name = data["a"]["name"].as_str().unwrap();
                assert_eq!(data["a"], data["b"], "{body}");
                let expected = bundled_entities() + u64::from(name == RENAMED);
                assert_eq!(data["stats"]["entityCount"], expected, "{body}");
                seen += 1;
                tokio::task::yield_now().await;
            }
            seen
        }));
    }
    for i in 0..10 {
        let text = if i % 2 == 0 { &changed } else { &original };
        std::fs::write(people(dir.path()), text).unwrap();
        reloader.reload().await.unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for c in clients {
        assert!(c.await.unwrap() > 0);
    }
    let health = get_json(&state, "/health").await;
    assert_eq!(health["generation"], 11);
}

/// Polls `/health` until `done` holds, for at most `limit`.
async fn wait_for_health(
    state: &AppState,
    limit: Duration,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + limit;
    loop {
        let health = get_json(state, "/health").await;
        if done(&health) {
            return health;
        }
        assert!(
            Instant::now() < deadline,
            "not seen within {limit:?}: {health}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_picks_up_a_file_change() {
    let dir = copy_of_graph_data();
    let state = state_over(dir.path());
    let reloader = state.reloader(dir.path().to_path_buf());
    let _watcher = reloader.watch().expect("the folder can be watched");

    make_valid_change(dir.path());
    let health = wait_for_health(&state, Duration::from_secs(20), |h| h["generation"] == 2).await;
    assert_eq!(health["lastReload"]["ok"], true);
    assert_eq!(okan_name(&state).await, RENAMED);

    // An invalid change is seen too, and leaves the data served.
    make_invalid_change(dir.path());
    let health = wait_for_health(&state, Duration::from_secs(20), |h| {
        h["lastReload"]["ok"] == false
    })
    .await;
    assert_eq!(health["generation"], 2);
    assert_eq!(okan_name(&state).await, RENAMED);

    // A change in a sub-folder, mending it.
    let fresh = copy_of_graph_data();
    std::fs::copy(
        fresh.path().join("relations/leadership.toml"),
        dir.path().join("relations/leadership.toml"),
    )
    .unwrap();
    std::fs::copy(fresh.path().join("people.toml"), people(dir.path())).unwrap();
    let health = wait_for_health(&state, Duration::from_secs(20), |h| h["generation"] == 3).await;
    assert_eq!(health["lastReload"]["ok"], true);
    assert_eq!(okan_name(&state).await, "Okan Geray");
}

#[cfg(unix)]
mod sighup {
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpStream};
    use std::process::Command;
    use std::time::{Duration, Instant};

    use serde_json::Value;

    use super::*;

    /// GET `path` over a plain HTTP/1.1 connection; the body as JSON.
    fn get(addr: SocketAddr, path: &str) -> Value {
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        // The body may be chunked: take from the first `{` to the last `}`.
        let body = &body[body.find('{').unwrap()..=body.rfind('}').unwrap()];
        serde_json::from_str(body).unwrap()
    }

    #[test]
    fn the_binary_reloads_on_sighup() {
        let dir = copy_of_graph_data();
        let mut command = Command::new(env!("CARGO_BIN_EXE_civgraph"));
        command
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--log-format",
                "json",
                "--data",
            ])
            .arg(dir.path());
        let server = common::spawn_logging(command);
        let pid = server.child.id();

        // Its log says where it listens.
        let deadline = Instant::now() + Duration::from_secs(30);
        let addr: SocketAddr = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = server
                .lines
                .recv_timeout(left)
                .expect("the listening log line");
            let Ok(event) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            let message = event["fields"]["message"].as_str().unwrap_or("");
            if let Some(at) = message.split("http://").nth(1) {
                break at.trim_end_matches('/').parse().unwrap();
            }
        };
        let health = get(addr, "/health");
        assert_eq!(health["generation"], 1);

        make_valid_change(dir.path());
        let status = Command::new("kill")
            .args(["-HUP", &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());

        let deadline = Instant::now() + Duration::from_secs(20);
        let health = loop {
            let health = get(addr, "/health");
            if health["generation"] == 2 {
                break health;
            }
            assert!(Instant::now() < deadline, "no reload seen: {health}");
            std::thread::sleep(Duration::from_millis(50));
        };
        assert_eq!(health["lastReload"]["ok"], true);
        assert_eq!(health["entities"], bundled_entities() + 1);

        // The process is still serving, and logged the reload.
        let mut logged = false;
        while let Ok(line) = server.lines.recv_timeout(Duration::from_millis(200)) {
            let Ok(event) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            logged |= event["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("reload"));
        }
        assert!(logged, "no reload log line");
        assert_eq!(get(addr, "/health")["status"], "ok");
    }
}

/// The `endCursor` of the first page of people, and the page's ids.
async fn first_people(state: &AppState) -> (String, Vec<Value>) {
    let body = query(
        state,
        "{ people(first: 5) { pageInfo { endCursor } edges { node { id } } } }",
    )
    .await;
    let cursor = body["data"]["people"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();
    let ids = body["data"]["people"]["edges"].as_array().unwrap().clone();
    (cursor, ids)
}

async fn people_after(state: &AppState, cursor: &str) -> Value {
    query(
        state,
        &format!("{{ people(first: 5, after: \"{cursor}\") {{ edges {{ node {{ id }} }} }} }}"),
    )
    .await
}

#[tokio::test]
async fn a_cursor_outlives_a_reload_of_the_same_data_but_not_of_other_data() {
    let dir = copy_of_graph_data();
    let state = state_over(dir.path());
    let reloader = state.reloader(dir.path().to_path_buf());
    let (cursor, first) = first_people(&state).await;
    let next = people_after(&state, &cursor).await;
    assert!(next.get("errors").is_none(), "{next}");

    // Another process over a copy of the same files (a replica) takes the
    // cursor, and so does this one after reloading the same files.
    let replica = state_over(copy_of_graph_data().path());
    assert_eq!(people_after(&replica, &cursor).await, next);
    reloader.reload().await.expect("the same data reloads");
    assert_eq!(people_after(&state, &cursor).await, next);

    // Other data: the position may hold another person, so the cursor is
    // refused with a way on, rather than skipping or repeating people.
    make_valid_change(dir.path());
    reloader.reload().await.expect("the valid change reloads");
    let refused = people_after(&state, &cursor).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{refused}"
    );
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("reloaded"), "{message}");
    let (_, again) = first_people(&state).await;
    assert_eq!(again.len(), first.len());
}
