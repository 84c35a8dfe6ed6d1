//! civgraph: a GraphQL knowledge-graph server over who leads what across a
//! network of organisations.
//!
//! Dependencies point one way: [`model`] <- [`graph`] <- [`loader`];
//! [`graph`] <- [`api`] <- [`http`]; [`graph`] <- [`export`] <- [`http`];
//! the binary wires them.

pub mod api;
pub mod cli;
pub mod export;
pub mod generate;
pub mod graph;
pub mod http;
pub mod loader;
pub mod metrics;
pub mod model;
pub mod reload;
pub mod web;
