//! Graph-wide computations (those that read every entity or relation: the
//! rankings, components, aggregates, the leadership table, filtered lists):
//! at a million entities they take a tenth of a second to seconds, which
//! must not hold up the runtime's threads while they answer other requests
//! and health checks.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_graphql::Context;
use tokio::runtime::{Handle, RuntimeFlavor};

use super::query::graph;
use crate::graph::Graph;

/// Graphs smaller than this (entities and relations together) are read
/// whole in about a millisecond or less: their computations run in place.
const SMALL_GRAPH: usize = 50_000;

/// Turns to run a graph-wide computation: one per core, shared by every
/// request of a schema. A request waits for its turn (the request timeout
/// still applies), so that many at once share the cores instead of each
/// holding the memory its computation needs meanwhile.
pub(crate) struct Turns(tokio::sync::Semaphore);

impl Turns {
    pub(crate) fn new() -> Arc<Turns> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Arc::new(Turns(tokio::sync::Semaphore::new(cores)))
    }
}

/// Whether `g` is read whole in about a millisecond or less.
pub(crate) fn is_small(g: &Graph) -> bool {
    g.entities().len() + g.relation_count() < SMALL_GRAPH
}

/// Runs `work`, which reads the whole graph of the request. On a large
/// graph it first waits for a turn, then runs on a thread the runtime gives
/// up (`block_in_place`: the runtime's other tasks move to another thread
/// and go on at once). On a small graph, or outside a multi-threaded
/// runtime, it runs in place.
pub(crate) async fn whole_graph<T>(ctx: &Context<'_>, work: impl FnOnce() -> T) -> T {
    if is_small(graph(ctx)) {
        return work();
    }
    let _turn = match ctx.data_opt::<Arc<Turns>>() {
        Some(turns) => Some(turns.0.acquire().await.expect("the turns are never closed")),
        None => None,
    };
    match Handle::try_current() {
        Ok(runtime) if runtime.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

/// Whether the request that carries it has ended (answered, timed out, or
/// its client gone): the longest computations ask it as they go and stop,
/// instead of running to their end for no one. A request without one is
/// never stopped.
#[derive(Clone, Debug, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    /// Says the request has ended.
    pub fn stop(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether the request has ended.
    pub fn stopped(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Stops the request when the guard is dropped: when the code holding
    /// it returns, or its future is dropped unfinished.
    pub fn when_dropped(&self) -> StopWhenDropped {
        StopWhenDropped(self.clone())
    }

    /// The `Stop` a request carries, if any.
    pub(crate) fn of(ctx: &Context<'_>) -> Option<Stop> {
        ctx.data_opt::<Stop>().cloned()
    }
}

/// See [`Stop::when_dropped`].
#[derive(Debug)]
pub struct StopWhenDropped(Stop);

impl Drop for StopWhenDropped {
    fn drop(&mut self) {
        self.0.stop();
    }
}
