//! The GraphQL API: a schema of thin views over a [`Graph`] snapshot.
//!
//! Each request carries the snapshot it reads (`Arc<Graph>` in its data), so
//! a reload never shows a request half of one graph and half of another.

mod analytics;
mod connection;
mod enums;
mod error;
mod guard;
mod kinds;
mod plan;
mod query;
mod views;
mod work;

use std::sync::Arc;

use async_graphql::{EmptyMutation, EmptySubscription, Response, Schema};

use crate::graph::Graph;

pub use connection::MAX_PAGE;
pub use error::ApiError;
pub use query::{Query, MAX_PATH_DEPTH};
pub use work::{Stop, StopWhenDropped};

/// The civgraph schema: async-graphql's, with civgraph's limits checked
/// before it runs and spec nulls put where fields failed after
/// (the `guard` module). Cloning it is cheap (it is shared).
#[derive(Clone)]
pub struct CivSchema {
    inner: Schema<Query, EmptyMutation, EmptySubscription>,
    guard: Arc<guard::Guard>,
}

impl CivSchema {
    /// Runs `request`: the limits first, then async-graphql's validation and
    /// execution, then the spec's nulls for failed fields.
    pub async fn execute(&self, request: impl Into<async_graphql::Request>) -> Response {
        let mut request = request.into();
        let checked = match self.guard.prepare(&mut request) {
            Ok(checked) => checked,
            Err(refused) => return Response::from_errors(vec![refused]),
        };
        let operation = request.operation_name.clone();
        let mut response = self.inner.execute(request).await;
        self.guard.finish(&mut response);
        if response.errors.is_empty() {
            // Valid, then: the operation's plan, asked again, runs it
            // without async-graphql.
            checked.plan.get_or_init(|| {
                let plan = plan::Plan::compile(&checked.doc, operation.as_deref());
                (operation, plan)
            });
        }
        response
    }

    /// The response's JSON (`{"data":...}`) when the plan of a document
    /// [`CivSchema::execute`] has run before answers `request` from `graph`
    /// (see the `plan` module); `None` when `execute` must answer it.
    pub fn run_planned(&self, request: &async_graphql::Request, graph: &Graph) -> Option<Vec<u8>> {
        let checked = self.guard.planned(request)?;
        let plan = checked.plan_for(request.operation_name.as_deref())?;
        plan.run(graph, &request.variables)
    }

    /// `read` applied to `request`'s parsed document: the document cache's
    /// parse when it holds the document (a request sent before), else a
    /// parse of its own. `None` when the document does not parse (which
    /// [`CivSchema::execute`] then reports).
    pub fn with_document<R>(
        &self,
        request: &async_graphql::Request,
        read: impl FnOnce(&async_graphql::parser::types::ExecutableDocument) -> R,
    ) -> Option<R> {
        match self.guard.cached(&request.query) {
            Some(checked) => Some(read(&checked.doc)),
            None => async_graphql::parser::parse_query(&request.query)
                .ok()
                .map(|doc| read(&doc)),
        }
    }

    /// The schema in SDL.
    pub fn sdl(&self) -> String {
        self.inner.sdl()
    }
}

/// The operation of `doc` that `name` selects: the named one, or the only
/// one when no name is given.
pub fn selected_operation<'d>(
    doc: &'d async_graphql::parser::types::ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d async_graphql::parser::types::OperationDefinition> {
    use async_graphql::parser::types::DocumentOperations;
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| &op.node)
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// Limits on what one query may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    /// The deepest selection-set nesting allowed.
    pub max_depth: usize,
    /// The largest cost allowed: each field costs 1, a page of `first: N`
    /// costs N times its selection.
    pub max_complexity: usize,
    /// The most aliases in one document.
    pub max_aliases: usize,
    /// The most directives in one document.
    pub max_directives: usize,
    /// The most lexical tokens in one document (checked before parsing).
    pub max_tokens: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        QueryLimits {
            max_depth: 16,
            max_complexity: 20_000,
            max_aliases: 30,
            max_directives: 50,
            max_tokens: 5_000,
        }
    }
}

fn builder() -> async_graphql::SchemaBuilder<Query, EmptyMutation, EmptySubscription> {
    Schema::build(Query::default(), EmptyMutation, EmptySubscription)
}

/// The schema with `limits`, serving no graph of its own: each request must
/// carry an `Arc<Graph>` (see [`with_graph`]).
pub fn schema(limits: QueryLimits) -> CivSchema {
    limited(builder(), limits)
}

/// The schema with default limits, serving `graph` to every request that
/// carries none of its own.
pub fn schema_for(graph: Arc<Graph>) -> CivSchema {
    limited(builder().data(graph), QueryLimits::default())
}

/// Adds the depth limit, the cost limit (weighted by page sizes, through
/// interfaces and fragments) and spec-conformant nulls for failed fields.
fn limited(
    builder: async_graphql::SchemaBuilder<Query, EmptyMutation, EmptySubscription>,
    limits: QueryLimits,
) -> CivSchema {
    // The cost limit is the guard's (async-graphql's own complexity
    // visitor does not weigh fields reached through interfaces).
    let inner = builder
        .data(work::Turns::new())
        .limit_depth(limits.max_depth)
        .finish();
    let facts = guard::SchemaFacts::from_sdl(&inner.sdl());
    CivSchema {
        inner,
        guard: Arc::new(guard::Guard::new(facts, limits)),
    }
}

/// `request`, reading `graph`.
pub fn with_graph(request: async_graphql::Request, graph: Arc<Graph>) -> async_graphql::Request {
    request.data(graph)
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
