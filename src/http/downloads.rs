//! `GET /export/*`: the graph (or a neighbourhood of it) as GraphML,
//! JSON-LD, Cytoscape.js JSON or CSV, for Gephi, networkx and spreadsheets.

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
    export_response(&state, format, q.root, q.depth, q.types, filters)
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
}

/// Writes the export asked for from the current snapshot: the file as an
/// attachment, or a JSON `{"error": ...}` with 400 (malformed) or 404
/// (unknown entity).
fn export_response(
    state: &AppState,
    format: Format,
    root: Option<String>,
    depth: Option<String>,
    types: Option<String>,
    filters: LeadershipParams<'_>,
) -> Response {
    let graph = state.graph.load();
    let made = (|| {
        let depth = depth.as_deref().map(export::parse_depth).transpose()?;
        let scope = Scope::new(root.as_deref(), depth, types.as_deref())?;
        let filter = filters.filter(&graph)?;
        let made = export::export(&graph, format, &scope, &filter)?;
        Ok::<_, ExportError>((scope.file_name(format), made))
    })();
    let (file_name, made) = match made {
        Ok(m) => m,
        Err(err) => return export_error(&err),
    };
    let disposition = format!("attachment; filename=\"{file_name}\"");
    let mut response = (
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        made.bytes,
    )
        .into_response();
    if made.truncated {
        response.headers_mut().insert(
            header::HeaderName::from_static(TRUNCATED_HEADER),
            HeaderValue::from_static("true"),
        );
    }
    response
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
