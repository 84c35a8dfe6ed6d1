//! The ceiling of the HTTP benchmark (`bench/http.sh`): a minimal axum
//! server that answers each request with the bytes civgraph answers it,
//! with no GraphQL work at all. The answers are read once from two files of
//! as many lines: line N of REQUESTS (a request's body) is answered with
//! line N of RESPONSES; any other body gets a 404.
//!
//! `cargo run --release --example ceiling -- 127.0.0.1:18081 requests responses`

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;

type Answers = Arc<HashMap<Bytes, Bytes>>;

async fn answer(State(answers): State<Answers>, body: Bytes) -> Response {
    match answers.get(&body) {
        Some(response) => ([(CONTENT_TYPE, "application/json")], response.clone()).into_response(),
        None => (StatusCode::NOT_FOUND, "no answer for this request\n").into_response(),
    }
}

/// A file's lines, without their line ends.
fn lines(path: &str) -> std::io::Result<Vec<Bytes>> {
    let text = Bytes::from(std::fs::read(path)?);
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in text.iter().enumerate() {
        if *b == b'\n' {
            out.push(text.slice(start..i));
            start = i + 1;
        }
    }
    if start < text.len() {
        out.push(text.slice(start..));
    }
    Ok(out)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(addr), Some(requests), Some(responses)) = (args.next(), args.next(), args.next())
    else {
        eprintln!("usage: ceiling ADDR REQUESTS RESPONSES");
        std::process::exit(2);
    };
    let invalid = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, e);
    let addr: SocketAddr = addr.parse().map_err(|e| invalid(format!("{addr}: {e}")))?;
    let (requests, responses) = (lines(&requests)?, lines(&responses)?);
    if requests.len() != responses.len() {
        return Err(invalid(format!(
            "{} requests but {} responses",
            requests.len(),
            responses.len()
        )));
    }
    let answers: Answers = Arc::new(requests.into_iter().zip(responses).collect());
    let app = Router::new().fallback(answer).with_state(answers);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    eprintln!("ceiling listening on http://{addr}/");
    axum::serve(listener, app).await
}
