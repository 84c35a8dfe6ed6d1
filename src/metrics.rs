//! What operators see at `GET /metrics` (Prometheus text format, through
//! the `prometheus-client` crate): requests by operation and outcome,
//! latencies, refusals by limit, response-cache look-ups, graph size,
//! reloads.

use std::sync::{Arc, Mutex};

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// How a GraphQL request ended: the label values `ok`, `field_error`,
/// `request_error`, `timeout`.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub enum Outcome {
    /// Data, no error.
    Ok,
    /// Data with field errors.
    FieldError,
    /// Refused before execution: unreadable, invalid, or over a limit.
    RequestError,
    /// Stopped by the request timeout.
    Timeout,
}

impl Outcome {
    /// The label value, in snake case as Prometheus labels usually are.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::FieldError => "field_error",
            Outcome::RequestError => "request_error",
            Outcome::Timeout => "timeout",
        }
    }
}

impl EncodeLabelValue for Outcome {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        EncodeLabelValue::encode(&self.as_str(), encoder)
    }
}

/// Labels of a GraphQL request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The operation name (`anonymous` without one, `other` past 100 names).
    pub operation: String,
    /// How it ended.
    pub outcome: Outcome,
}

/// Labels of a latency observation.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabels {
    /// The operation name, as in [`RequestLabels`].
    pub operation: String,
}

/// Labels of a refusal.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LimitLabels {
    /// The limit: `depth`, `cost`, `aliases`, `directives`, `tokens`,
    /// `body_size`, `timeout`, `batch`, `page_size`, ...
    pub limit: String,
}

/// Labels of a reload.
/// What a look-up in the response cache found: the label values `hit`
/// and `miss`.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum CacheResult {
    Hit,
    Miss,
}

impl EncodeLabelValue for CacheResult {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        let value = match self {
            CacheResult::Hit => "hit",
            CacheResult::Miss => "miss",
        };
        EncodeLabelValue::encode(&value, encoder)
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CacheLabels {
    pub result: CacheResult,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReloadLabels {
    /// `ok` or `failed`.
    pub outcome: String,
}

/// The most distinct operation names tracked; later ones count as `other`.
const MAX_OPERATIONS: usize = 100;

/// Every metric civgraph exports, and its registry.
pub struct Metrics {
    registry: Registry,
    /// GraphQL requests by operation and outcome.
    pub requests: Family<RequestLabels, Counter>,
    /// GraphQL request latency by operation, in seconds.
    pub latency: Family<OperationLabels, Histogram>,
    /// Requests refused by a limit.
    pub refusals: Family<LimitLabels, Counter>,
    /// Reloads of the data by outcome.
    pub reloads: Family<ReloadLabels, Counter>,
    /// Look-ups in the response cache, by result (hit, miss).
    pub response_cache: Family<CacheLabels, Counter>,
    /// GraphQL requests a compiled plan answered (without async-graphql's
    /// executor).
    pub planned: Counter,
    /// Entities in the graph being served.
    pub entities: Gauge,
    /// Relations in the graph being served.
    pub relations: Gauge,
    operations: Mutex<Vec<String>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A fresh set of metrics in its own registry.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("civgraph");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<OperationLabels, Histogram>::new_with_constructor(|| {
            // 50 µs to ~13 s.
            Histogram::new(exponential_buckets(0.000_05, 2.0, 19))
        });
        let refusals = Family::<LimitLabels, Counter>::default();
        let reloads = Family::<ReloadLabels, Counter>::default();
        let response_cache = Family::<CacheLabels, Counter>::default();
        let planned = Counter::default();
        let entities = Gauge::default();
        let relations = Gauge::default();
        registry.register(
            "graphql_requests",
            "GraphQL requests by operation name and outcome",
            requests.clone(),
        );
        registry.register(
            "graphql_request_duration_seconds",
            "GraphQL request latency by operation name",
            latency.clone(),
        );
        registry.register("refusals", "Requests refused by a limit", refusals.clone());
        registry.register(
            "reloads",
            "Reloads of graph-data by outcome",
            reloads.clone(),
        );
        registry.register(
            "response_cache_lookups",
            "Look-ups of GraphQL responses kept for queries asked again, by result",
            response_cache.clone(),
        );
        registry.register(
            "planned_requests",
            "GraphQL requests answered by the compiled plan of a document run before",
            planned.clone(),
        );
        registry.register(
            "graph_entities",
            "Entities in the graph served",
            entities.clone(),
        );
        registry.register(
            "graph_relations",
            "Relations in the graph served",
            relations.clone(),
        );
        // Both reload outcomes are exported from the start, at 0, and both
        // cache results.
        for outcome in ["ok", "failed"] {
            let _ = reloads.get_or_create(&ReloadLabels {
                outcome: outcome.to_string(),
            });
        }
        for result in [CacheResult::Hit, CacheResult::Miss] {
            let _ = response_cache.get_or_create(&CacheLabels { result });
        }
        Metrics {
            registry,
            requests,
            latency,
            refusals,
            reloads,
            response_cache,
            planned,
            entities,
            relations,
            operations: Mutex::new(Vec::new()),
        }
    }

    /// The label for an operation name: bounded in length, charset and count.
    pub fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name.filter(|n| {
            !n.is_empty()
                && n.len() <= 64
                && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        }) else {
            return "anonymous".to_string();
        };
        let mut known = self.operations.lock().expect("metrics lock");
        if known.iter().any(|k| k == name) {
            return name.to_string();
        }
        if known.len() < MAX_OPERATIONS {
            known.push(name.to_string());
            return name.to_string();
        }
        "other".to_string()
    }

    /// Counts a refusal by `limit`.
    pub fn refused(&self, limit: &str) {
        self.refusals
            .get_or_create(&LimitLabels {
                limit: limit.to_string(),
            })
            .inc();
    }

    /// Records the size of the graph now served.
    pub fn graph_size(&self, entities: usize, relations: usize) {
        self.entities.set(entities as i64);
        self.relations.set(relations as i64);
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// Shared metrics.
pub type SharedMetrics = Arc<Metrics>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_labels_are_bounded() {
        let m = Metrics::new();
        assert_eq!(m.operation_label(None), "anonymous");
        assert_eq!(m.operation_label(Some("Who leads")), "anonymous");
        assert_eq!(m.operation_label(Some("WhoLeads")), "WhoLeads");
        for i in 0..MAX_OPERATIONS {
            m.operation_label(Some(&format!("Op{i}")));
        }
        assert_eq!(m.operation_label(Some("OneTooMany")), "other");
        assert_eq!(m.operation_label(Some("WhoLeads")), "WhoLeads");
    }

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::new();
        m.refused("depth");
        m.graph_size(3, 4);
        m.requests
            .get_or_create(&RequestLabels {
                operation: "Q".to_string(),
                outcome: Outcome::FieldError,
            })
            .inc();
        let text = m.render();
        assert!(
            text.contains("civgraph_refusals_total{limit=\"depth\"} 1"),
            "{text}"
        );
        assert!(
            text.contains(
                "civgraph_graphql_requests_total{operation=\"Q\",outcome=\"field_error\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains("civgraph_reloads_total{outcome=\"failed\"} 0"),
            "{text}"
        );
        assert!(text.contains("civgraph_graph_entities 3"), "{text}");
    }
}
