//! The web UI, built from `web/` by `build.rs` and embedded in the binary
//! (rust-embed): the GraphQL IDE at `/` and `/graphiql`, the graph explorer
//! at `/explore` and every `/explore/...` view (the page routes itself), and
//! their assets under `/assets/`.
//!
//! Every file the pages use is served from here: no CDN, no web font from
//! the internet. Asset names carry a content hash, so they are cached for a
//! year; the HTML is revalidated on every load (`no-cache`, with an ETag),
//! so a new binary's UI shows at the next reload. A Content-Security-Policy
//! holds the pages to this origin.

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rust_embed::Embed;

/// `web/dist`, as `build.rs` left it in `$OUT_DIR/web`.
#[derive(Embed)]
#[folder = "$OUT_DIR/web"]
struct Dist;

/// The IDE page (GraphiQL).
const IDE_PAGE: &str = "index.html";
/// The explorer page (one page for every `/explore` view).
const EXPLORE_PAGE: &str = "explore.html";

/// Content-Security-Policy of the pages: scripts, styles, workers and data
/// from this origin only. (Inline styles are Monaco's and cytoscape's; the
/// fonts and a few icons are `data:` URLs inside the bundled CSS.)
const CSP: &str = "default-src 'self'; script-src 'self'; worker-src 'self'; \
    connect-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; \
    img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; \
    frame-ancestors 'self'";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// The web UI's routes; merge them into the app's router.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(ide))
        .route("/graphiql", get(ide))
        .route("/explore", get(explore))
        .route("/explore/", get(explore))
        .route("/explore/{*view}", get(explore))
        .route("/assets/{*file}", get(asset))
        .route("/favicon.svg", get(favicon))
}

async fn ide(headers: HeaderMap) -> Response {
    page(IDE_PAGE, &headers)
}

async fn explore(headers: HeaderMap) -> Response {
    page(EXPLORE_PAGE, &headers)
}

async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let name = format!("assets/{file}");
    // The build wrote brotli and gzip copies of the big files beside them.
    for (encoding, suffix) in [("br", ".br"), ("gzip", ".gz")] {
        if accepts(&headers, encoding) {
            let variant = format!("{name}{suffix}");
            if Dist::get(&variant).is_some() {
                return serve_as(&variant, &name, Some(encoding), IMMUTABLE, &headers);
            }
        }
    }
    serve(&name, IMMUTABLE, &headers)
}

/// Whether `Accept-Encoding` takes `encoding` (listed without `q=0`).
fn accepts(headers: &HeaderMap, encoding: &str) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            name.eq_ignore_ascii_case(encoding) && !refused
        })
}

async fn favicon(headers: HeaderMap) -> Response {
    serve("favicon.svg", "public, max-age=86400", &headers)
}

fn page(name: &str, headers: &HeaderMap) -> Response {
    let mut response = serve(name, REVALIDATE, headers);
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        let h = response.headers_mut();
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
    }
    response
}

/// One embedded file with its media type and cache policy; 304 when the
/// client holds this version (ETag), 404 when there is no such file.
fn serve(name: &str, cache: &'static str, headers: &HeaderMap) -> Response {
    serve_as(name, name, None, cache, headers)
}

/// Serves the embedded file `stored` as `name` (whose extension gives the
/// media type), compressed with `encoding` when that is what it holds.
fn serve_as(
    stored: &str,
    name: &str,
    encoding: Option<&'static str>,
    cache: &'static str,
    headers: &HeaderMap,
) -> Response {
    let Some(file) = Dist::get(stored) else {
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("no such file: /{name}\n"),
        )
            .into_response();
    };
    let etag = etag(&file.metadata.sha256_hash());
    let common = [
        (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ];
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let etag = HeaderValue::from_str(&etag).expect("a hex ETag is a valid header value");
    let mut response = if fresh {
        (StatusCode::NOT_MODIFIED, common, [(header::ETAG, etag)]).into_response()
    } else {
        // The media type of what the file holds once decoded.
        let guessed = match Dist::get(name) {
            Some(original) => original.metadata.mimetype().to_string(),
            None => file.metadata.mimetype().to_string(),
        };
        let content_type = content_type(name, &guessed);
        (
            common,
            [(header::CONTENT_TYPE, content_type), (header::ETAG, etag)],
            file.data,
        )
            .into_response()
    };
    if let Some(encoding) = encoding {
        let h = response.headers_mut();
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

fn etag(hash: &[u8; 32]) -> String {
    let hex: String = hash[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// The media type: mime_guess's, with `charset=utf-8` on text, and
/// JavaScript as `text/javascript` (RFC 9239) whatever the guess.
fn content_type(name: &str, guessed: &str) -> HeaderValue {
    let ext = name.rsplit('.').next().unwrap_or("");
    let media = match ext {
        "js" | "mjs" => "text/javascript; charset=utf-8".to_string(),
        "html" | "css" | "svg" | "json" | "txt" | "map" if !guessed.contains("charset") => {
            format!("{guessed}; charset=utf-8")
        }
        _ => guessed.to_string(),
    };
    HeaderValue::from_str(&media).unwrap_or(HeaderValue::from_static("application/octet-stream"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    async fn get(uri: &str) -> Response {
        let app: Router = routes();
        app.oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    async fn text(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    fn header(r: &Response, name: header::HeaderName) -> &str {
        r.headers().get(name).unwrap().to_str().unwrap()
    }

    #[tokio::test]
    async fn the_ide_is_at_the_root_and_at_graphiql() {
        for uri in ["/", "/graphiql"] {
            let r = get(uri).await;
            assert_eq!(r.status(), StatusCode::OK, "{uri}");
            assert_eq!(header(&r, header::CACHE_CONTROL), "no-cache");
            assert!(header(&r, header::CONTENT_TYPE).starts_with("text/html"));
            assert!(header(&r, header::CONTENT_SECURITY_POLICY).contains("default-src 'self'"));
            let body = text(r).await;
            assert!(body.contains("GraphQL IDE"), "{uri}");
            assert!(
                body.contains("href=\"/explore\""),
                "{uri} links to the explorer"
            );
        }
    }

    #[tokio::test]
    async fn every_explorer_view_is_the_explorer_page() {
        for uri in [
            "/explore",
            "/explore/",
            "/explore/person:okan-geray",
            "/explore/relation:leads/person:okan-geray/group:u4ssc",
            "/explore/path?from=person:okan-geray&to=person:leyi-zhang",
            "/explore/leaders?q=chair",
        ] {
            let r = get(uri).await;
            assert_eq!(r.status(), StatusCode::OK, "{uri}");
            assert_eq!(header(&r, header::CACHE_CONTROL), "no-cache");
            assert!(text(r).await.contains("Graph explorer"), "{uri}");
        }
    }

    #[tokio::test]
    async fn the_pages_assets_are_served_with_long_cache_lives() {
        let html = text(get("/").await).await + &text(get("/explore").await).await;
        let mut assets: Vec<&str> = html
            .split('"')
            .filter(|s| s.starts_with("/assets/"))
            .collect();
        assets.sort_unstable();
        assets.dedup();
        assert!(assets.iter().any(|a| a.ends_with(".js")), "{assets:?}");
        assert!(assets.iter().any(|a| a.ends_with(".css")), "{assets:?}");
        for a in assets {
            let r = get(a).await;
            assert_eq!(r.status(), StatusCode::OK, "{a}");
            assert_eq!(header(&r, header::CACHE_CONTROL), IMMUTABLE, "{a}");
            let ct = header(&r, header::CONTENT_TYPE);
            if a.ends_with(".js") {
                assert_eq!(ct, "text/javascript; charset=utf-8", "{a}");
            } else if a.ends_with(".css") {
                assert_eq!(ct, "text/css; charset=utf-8", "{a}");
            }
        }
    }

    #[tokio::test]
    async fn monacos_workers_are_bundled_files() {
        let workers: Vec<_> = Dist::iter()
            .filter(|f| f.starts_with("assets/") && f.contains(".worker"))
            .collect();
        for name in ["editor.worker", "json.worker", "graphql.worker"] {
            assert!(
                workers.iter().any(|w| w.contains(name)),
                "{name} in {workers:?}"
            );
        }
    }

    #[tokio::test]
    async fn an_unchanged_page_is_not_sent_again() {
        let etag = get("/").await.headers()[header::ETAG].clone();
        let app: Router = routes();
        let r = app
            .oneshot(
                Request::get("/")
                    .header(header::IF_NONE_MATCH, etag)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    }

    #[tokio::test]
    async fn big_assets_go_out_precompressed() {
        let html = text(get("/explore").await).await;
        let script = html
            .split('"')
            .find(|s| s.starts_with("/assets/explore-") && s.ends_with(".js"))
            .expect("the explorer's script");
        let plain = get(script).await;
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        let plain = axum::body::to_bytes(plain.into_body(), usize::MAX)
            .await
            .unwrap();
        for (accept, encoding) in [("gzip, deflate, br, zstd", "br"), ("gzip", "gzip")] {
            let app: Router = routes();
            let r = app
                .oneshot(
                    Request::get(script)
                        .header(header::ACCEPT_ENCODING, accept)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            assert_eq!(header(&r, header::CONTENT_ENCODING), encoding);
            assert_eq!(
                header(&r, header::CONTENT_TYPE),
                "text/javascript; charset=utf-8"
            );
            assert_eq!(header(&r, header::VARY), "accept-encoding");
            let body = axum::body::to_bytes(r.into_body(), usize::MAX)
                .await
                .unwrap();
            assert!(body.len() * 2 < plain.len(), "{encoding} is smaller");
        }
    }

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        let h = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            h
        };
        assert!(accepts(&h("gzip, br"), "br"));
        assert!(accepts(&h("BR;q=0.5"), "br"));
        assert!(!accepts(&h("br;q=0, gzip"), "br"));
        assert!(!accepts(&h("gzip"), "br"));
        assert!(!accepts(&HeaderMap::new(), "gzip"));
    }

    #[tokio::test]
    async fn an_unknown_asset_is_404() {
        let r = get("/assets/nothing-here.js").await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn the_favicon_is_svg() {
        let r = get("/favicon.svg").await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(header(&r, header::CONTENT_TYPE).starts_with("image/svg+xml"));
    }
}
