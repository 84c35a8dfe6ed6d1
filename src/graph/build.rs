//! Building the snapshot: ordering, the id index, the adjacency and the
//! search index, with the invariants checked once.
//!
//! Every step is a sort or a linear pass (no per-entity allocation): the
//! adjacency is one array sliced per entity (compressed sparse rows), ordered
//! by integer keys computed once (each entity's rank by name).

use std::sync::Arc;

use petgraph::graph::{DiGraph, NodeIndex};

use super::{fold, search, Adj, Graph, GraphError};
use crate::model::{Document, Entity, EntityId, Relation};

impl Graph {
    /// Builds a graph, checking its invariants: unique ids, relations between
    /// existing entities of kinds their type allows.
    pub fn new(
        mut documents: Vec<Arc<Document>>,
        mut entities: Vec<Entity>,
        mut relations: Vec<Relation>,
    ) -> Result<Graph, GraphError> {
        documents.sort_by(|a, b| a.key.cmp(&b.key));
        // Relations by id on another core, while this one sorts entities by
        // kind (enum order), then id: a stable sort by kind of the entities
        // sorted by id.
        std::thread::scope(|s| {
            let sorting = s.spawn(|| {
                relations.sort_unstable_by(Relation::cmp_by_id);
                relations.shrink_to_fit();
            });
            entities.sort_unstable_by(|a, b| a.id.cmp(&b.id));
            entities.sort_by_cached_key(Entity::kind);
            entities.shrink_to_fit();
            sorting
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
        });
        if let Some(w) = relations.windows(2).find(|w| w[0].cmp_by_id(&w[1]).is_eq()) {
            return Err(GraphError::DuplicateRelation(w[0].id()));
        }

        assert!(
            relations.len() < Adj::OUTGOING as usize,
            "a graph holds fewer than 2^31 relations"
        );
        // The search index needs only the entities: it is built on another
        // core while this one builds the rest.
        let (search, rest) = std::thread::scope(|s| {
            let search = s.spawn(|| search::SearchIndex::build(&entities));
            let rest = links(&entities, &relations);
            let search = search
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            (search, rest)
        });
        let Links {
            graph,
            by_id,
            adjacency_start,
            adjacency,
        } = rest?;
        Ok(Graph {
            documents,
            entities,
            relations,
            graph,
            by_id,
            adjacency_start,
            adjacency,
            search,
            centrality: Default::default(),
            data_id: BUILT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }
}

/// The [`Graph::data_id`] of the next graph built from records (a loaded
/// graph is given the hash of its files instead).
static BUILT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// What [`links`] builds: the fields of [`Graph`] of the same names.
struct Links {
    graph: DiGraph<(), u32, u32>,
    by_id: foldhash::HashMap<EntityId, NodeIndex<u32>>,
    adjacency_start: Vec<u32>,
    adjacency: Vec<Adj>,
}

/// The petgraph graph, the id index and the sorted adjacency of `entities`
/// (sorted) and `relations` (sorted by id), checking that relations link
/// existing entities of kinds their type allows.
fn links(entities: &[Entity], relations: &[Relation]) -> Result<Links, GraphError> {
    let n = entities.len();
    let mut graph = DiGraph::<(), u32, u32>::with_capacity(n, relations.len());
    let mut by_id = foldhash::HashMap::with_capacity_and_hasher(n, Default::default());
    // The loader gives a relation's ends the very id text of their entity:
    // those are found by address, without hashing or comparing the text.
    let mut by_addr = foldhash::HashMap::with_capacity_and_hasher(n, Default::default());
    for e in entities {
        let idx = graph.add_node(());
        if by_id.insert(e.id.clone(), idx).is_some() {
            return Err(GraphError::DuplicateEntity(e.id.clone()));
        }
        by_addr.insert(e.id.addr(), idx);
    }
    // Each relation's ends, as entity positions.
    let mut ends: Vec<(u32, u32)> = Vec::with_capacity(relations.len());
    let mut degree = vec![0u32; n + 1];
    for (i, r) in relations.iter().enumerate() {
        let lookup = |id: &EntityId| {
            by_addr
                .get(&id.addr())
                .or_else(|| by_id.get(id))
                .copied()
                .ok_or_else(|| GraphError::UnknownEntity {
                    relation: r.id(),
                    entity: id.clone(),
                })
        };
        let (from, to) = (lookup(&r.from)?, lookup(&r.to)?);
        if !r.rel_type.allows(r.from.kind(), r.to.kind()) || from == to {
            return Err(GraphError::KindMismatch(r.id()));
        }
        graph.add_edge(from, to, i as u32);
        let (from, to) = (from.index() as u32, to.index() as u32);
        degree[from as usize] += 1;
        degree[to as usize] += 1;
        ends.push((from, to));
    }

    drop(by_addr);

    // adjacency_start[i] = where entity i's relations begin.
    let mut adjacency_start = Vec::with_capacity(n + 1);
    let mut total = 0u32;
    for d in &degree {
        adjacency_start.push(total);
        total += d;
    }
    let mut fill: Vec<u32> = adjacency_start.clone();
    let mut adjacency = vec![Adj::new(0, 0, false); total as usize];
    for (i, &(from, to)) in ends.iter().enumerate() {
        let relation = i as u32;
        for (at, other, outgoing) in [(from, to, true), (to, from, false)] {
            adjacency[fill[at as usize] as usize] = Adj::new(relation, other, outgoing);
            fill[at as usize] += 1;
        }
    }
    drop((ends, fill, degree));

    // Edge order: relation type, then the other end's name (folded:
    // accents and case ignored, then as written), then the relation id
    // (relations are sorted by id, so their position), then outgoing first.
    let rank = name_ranks(entities);
    for i in 0..n {
        let (start, end) = (adjacency_start[i] as usize, adjacency_start[i + 1] as usize);
        adjacency[start..end].sort_unstable_by_key(|a| {
            let r = &relations[a.relation() as usize];
            (
                r.rel_type,
                rank[a.other as usize],
                a.relation(),
                !a.outgoing(),
            )
        });
    }
    Ok(Links {
        graph,
        by_id,
        adjacency_start,
        adjacency,
    })
}

/// Each entity's dense rank by (folded name, name): equal names share a rank.
fn name_ranks(entities: &[Entity]) -> Vec<u32> {
    let folded: Vec<String> = entities.iter().map(|e| fold(&e.name)).collect();
    let key = |i: u32| (&folded[i as usize], &entities[i as usize].name);
    let mut order: Vec<u32> = (0..entities.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| key(a).cmp(&key(b)));
    let mut rank = vec![0u32; entities.len()];
    let mut current = 0u32;
    for (k, pair) in order.iter().enumerate() {
        if k > 0 && key(order[k - 1]) != key(*pair) {
            current += 1;
        }
        rank[*pair as usize] = current;
    }
    rank
}
