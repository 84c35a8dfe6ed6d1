//! The ceiling of the HTTP benchmark (`bench/http.sh`): a minimal axum
//! server that answers every request with the same bytes civgraph answers,
//! read once from a file, with no GraphQL work at all.
//!
//! `cargo run --release --example ceiling -- 127.0.0.1:18081 response.json`

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::Router;

async fn answer(State(body): State<Bytes>) -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], body)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(addr), Some(file)) = (args.next(), args.next()) else {
        eprintln!("usage: ceiling ADDR BODY_FILE");
        std::process::exit(2);
    };
    let addr: SocketAddr = addr
        .parse()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let body = Bytes::from(std::fs::read(&file)?);
    let app = Router::new().fallback(answer).with_state(body);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    eprintln!("ceiling listening on http://{addr}/");
    axum::serve(listener, app).await
}
