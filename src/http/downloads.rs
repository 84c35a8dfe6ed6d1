//! `GET /export/*`: the graph (or a neighbourhood of it) as GraphML,
//! JSON-LD, Cytoscape.js JSON or CSV, for Gephi, networkx and spreadsheets.

use std::io::Write;

use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::{AppState, TRUNCATED_HEADER};
use crate::export::{self, ExportError, Format, LeadershipParams, Scope};

/// The query parameters of `/export/*`: which part of the graph.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExportQuery {
    root: Option<String>,
    depth: Option<String>,
    types: Option<String>,
}

/// The query parameters of `/export/leadership.csv`: the part of the graph,
/// and the leadership table's filters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct LeadershipQuery {
    root: Option<String>,
    depth: Option<String>,
    types: Option<String>,
    group_kind: Option<String>,
    leader_organisation: Option<String>,
    group_organisation: Option<String>,
    under: Option<String>,
    role: Option<String>,
    text: Option<String>,
}

/// `GET` of one export format.
pub(super) fn export_route(format: Format) -> MethodRouter<AppState> {
    get(move |state, query| export_graph(state, query, format))
}

async fn export_graph(
    State(state): State<AppState>,
    query: Result<Query<ExportQuery>, QueryRejection>,
    format: Format,
) -> Response {
    let Query(q) = match query {
        Ok(q) => q,
        Err(rejection) => return bad_query(&rejection),
    };
    let filters = LeadershipParams::default();
    export_response(&state, format, q.root, q.depth, q.types, filters).await
}

pub(super) async fn export_leadership(
    State(state): State<AppState>,
    query: Result<Query<LeadershipQuery>, QueryRejection>,
) -> Response {
    let Query(q) = match query {
        Ok(q) => q,
        Err(rejection) => return bad_query(&rejection),
    };
    let filters = LeadershipParams {
        group_kind: q.group_kind.as_deref(),
        leader_organisation: q.leader_organisation.as_deref(),
        group_organisation: q.group_organisation.as_deref(),
        under: q.under.as_deref(),
        role: q.role.as_deref(),
        text: q.text.as_deref(),
    };
    export_response(
        &state,
        Format::LeadershipCsv,
        q.root,
        q.depth,
        q.types,
        filters,
    )
    .await
}

/// How much of an export is written before it is handed to the socket.
const CHUNK: usize = 64 << 10;

/// How many written chunks may wait for a slow client before the writing
/// waits too: what an export holds in memory, whatever its size.
const CHUNKS_IN_FLIGHT: usize = 8;

/// Answers the export asked for from the current snapshot: the file as an
/// attachment, or a JSON `{"error": ...}` with 400 (malformed) or 404
/// (unknown entity).
///
/// The file is streamed: the part of the graph is selected and written on a
/// blocking thread (it takes seconds at a million entities, which must not
/// hold up the threads that answer other requests), and sent in chunks as
/// it is written, so the server never holds a whole export in memory. A
/// client that goes away stops the writing.
async fn export_response(
    state: &AppState,
    format: Format,
    root: Option<String>,
    depth: Option<String>,
    types: Option<String>,
    filters: LeadershipParams<'_>,
) -> Response {
    let graph = state.graph.load_full();
    let asked = (|| {
        let depth = depth.as_deref().map(export::parse_depth).transpose()?;
        let scope = Scope::new(root.as_deref(), depth, types.as_deref())?;
        let filter = filters.filter(&graph)?;
        Ok::<_, ExportError>((scope, filter))
    })();
    let (scope, filter) = match asked {
        Ok(asked) => asked,
        Err(err) => return export_error(&err),
    };
    let file_name = scope.file_name(format);
    let (head_tx, head_rx) = tokio::sync::oneshot::channel();
    let (chunks_tx, chunks_rx) = tokio::sync::mpsc::channel(CHUNKS_IN_FLIGHT);
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        let sub = match scope.select(&graph) {
            Ok(sub) => sub,
            Err(err) => {
                let _ = head_tx.send(Err(err));
                return;
            }
        };
        if head_tx.send(Ok(sub.truncated)).is_err() {
            return;
        }
        let mut out = Chunks {
            tx: chunks_tx,
            buf: Vec::with_capacity(CHUNK),
        };
        let written = export::write_to(&graph, format, &sub, &filter, &mut out)
            .and_then(|()| out.flush().map_err(|e| ExportError::Write(e.to_string())));
        if let Err(err) = written {
            if out.tx.is_closed() {
                tracing::debug!("the client went away during an export");
            } else {
                // Ends the body with an error: the client sees a broken
                // transfer, never a file cut short that looks whole.
                tracing::error!(error = %err, "an export failed while being written");
                let _ = out
                    .tx
                    .blocking_send(Err(std::io::Error::other(err.to_string())));
            }
        }
    });
    let truncated = match head_rx.await {
        Ok(Ok(truncated)) => truncated,
        Ok(Err(err)) => return export_error(&err),
        Err(_) => {
            return export_error(&ExportError::Write(
                "the export stopped before it began".to_string(),
            ))
        }
    };
    // A stream that may be polled again after its end (the compression
    // layer does): the channel answers `None` each time.
    let mut chunks_rx = chunks_rx;
    let chunks = futures_util::stream::poll_fn(move |cx| chunks_rx.poll_recv(cx));
    let disposition = format!("attachment; filename=\"{file_name}\"");
    let mut response = (
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from_stream(chunks),
    )
        .into_response();
    if truncated {
        response.headers_mut().insert(
            header::HeaderName::from_static(TRUNCATED_HEADER),
            HeaderValue::from_static("true"),
        );
    }
    response
}

/// The export's bytes on their way to the client, a chunk at a time.
struct Chunks {
    tx: tokio::sync::mpsc::Sender<std::io::Result<Bytes>>,
    buf: Vec<u8>,
}

impl Chunks {
    fn send(&mut self) -> std::io::Result<()> {
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx.blocking_send(Ok(Bytes::from(chunk))).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
        })
    }
}

impl Write for Chunks {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.send()
    }
}

fn export_error(err: &ExportError) -> Response {
    let status = if err.is_not_found() {
        StatusCode::NOT_FOUND
    } else if matches!(err, ExportError::Write(_)) {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut body = json!({ "error": err.to_string() });
    if let Some(accepted) = err.accepted() {
        body["accepted"] = json!(accepted);
    }
    (status, Json(body)).into_response()
}

/// A query string that does not fit the route's parameters (an unknown
/// one, or one given twice).
fn bad_query(rejection: &QueryRejection) -> Response {
    let body = json!({ "error": rejection.body_text() });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Once the client has gone (the receiving end dropped), writing fails
    /// and the export stops, instead of being written to the end for no one.
    #[test]
    fn writing_stops_when_the_client_goes_away() {
        let (tx, rx) = tokio::sync::mpsc::channel(CHUNKS_IN_FLIGHT);
        let mut out = Chunks {
            tx,
            buf: Vec::new(),
        };
        out.write_all(&[b'x'; CHUNK]).unwrap();
        drop(rx);
        let err = out.write_all(&[b'x'; CHUNK]).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
        // A small write is held until the next chunk or the flush.
        let (tx, mut rx) = tokio::sync::mpsc::channel(CHUNKS_IN_FLIGHT);
        let mut out = Chunks {
            tx,
            buf: Vec::new(),
        };
        out.write_all(b"abc").unwrap();
        assert!(rx.try_recv().is_err());
        out.flush().unwrap();
        assert_eq!(&rx.try_recv().unwrap().unwrap()[..], b"abc");
    }
}
