//! A cache of whole GraphQL responses, for queries asked again.
//!
//! A snapshot of the graph never changes, so the answer to a query is a
//! function of the query, its operation name, its variables and the
//! snapshot. A response is kept only when it ran without any error; it is
//! served again only while the snapshot it was computed from is the one
//! being served (a reload makes every earlier entry stale). The cache is
//! bounded by the bytes it holds, and evicts what is least used first
//! (`quick_cache`'s CLOCK-Pro).

use std::sync::{Arc, Weak};

use axum::body::Bytes;

use crate::graph::Graph;

/// What a response depends on, besides the snapshot.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) struct Key {
    query: Box<str>,
    operation_name: Option<Box<str>>,
    /// The variables as JSON, in the order the client sent them.
    variables: Box<str>,
}

impl Key {
    /// The key of `request`; `None` for a request the cache must not
    /// answer (one that carries protocol extensions).
    fn of(request: &async_graphql::Request) -> Option<Key> {
        if !request.extensions.is_empty() {
            return None;
        }
        let variables = if request.variables.is_empty() {
            String::new()
        } else {
            serde_json::to_string(&request.variables).ok()?
        };
        Some(Key {
            query: request.query.as_str().into(),
            operation_name: request.operation_name.as_deref().map(Into::into),
            variables: variables.into(),
        })
    }

    fn bytes(&self) -> usize {
        self.query.len()
            + self.operation_name.as_ref().map_or(0, |n| n.len())
            + self.variables.len()
    }
}

/// A response body, and the snapshot it was computed from.
#[derive(Clone)]
struct Entry {
    graph: Weak<Graph>,
    body: Bytes,
}

#[derive(Clone)]
struct EntryBytes;

impl quick_cache::Weighter<Key, Entry> for EntryBytes {
    fn weight(&self, key: &Key, entry: &Entry) -> u64 {
        // With the bookkeeping of an entry.
        (key.bytes() + entry.body.len() + 128) as u64
    }
}

/// Whole responses by request, for the snapshot they were computed from.
pub struct ResponseCache {
    entries: Option<quick_cache::sync::Cache<Key, Entry, EntryBytes>>,
}

impl ResponseCache {
    /// A cache holding at most `bytes` of responses; 0 turns it off.
    pub fn new(bytes: usize) -> ResponseCache {
        let entries = (bytes > 0).then(|| {
            // quick_cache sizes its tables for an expected count of items.
            let items = (bytes / 4096).clamp(16, 1 << 20);
            quick_cache::sync::Cache::with_weighter(items, bytes as u64, EntryBytes)
        });
        ResponseCache { entries }
    }

    /// The key of `request`; `None` when the cache is off or must not
    /// answer it.
    pub(super) fn key(&self, request: &async_graphql::Request) -> Option<Key> {
        self.entries.as_ref().and_then(|_| Key::of(request))
    }

    /// The body kept for `key` computed from `graph`, if any.
    pub(super) fn get(&self, key: &Key, graph: &Arc<Graph>) -> Option<Bytes> {
        let entry = self.entries.as_ref()?.get(key)?;
        std::ptr::eq(entry.graph.as_ptr(), Arc::as_ptr(graph)).then_some(entry.body)
    }

    /// Keeps `body`, the error-free response to `key` computed from `graph`.
    pub(super) fn insert(&self, key: Key, graph: &Arc<Graph>, body: Bytes) {
        if let Some(entries) = &self.entries {
            let entry = Entry {
                graph: Arc::downgrade(graph),
                body,
            };
            entries.insert(key, entry);
        }
    }
}

impl std::fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("ResponseCache");
        if let Some(entries) = &self.entries {
            d.field("entries", &entries.len())
                .field("bytes", &entries.weight())
                .field("capacity", &entries.capacity());
        }
        d.finish()
    }
}
