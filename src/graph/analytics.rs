//! The analyst's toolkit on the graph: neighbourhoods, k shortest paths,
//! path patterns, centrality, components, common connections.
//!
//! Every walk is bounded: a depth bound from the caller and a visit budget;
//! what stops at the budget says so (`truncated`).

use std::collections::{BTreeSet, VecDeque};

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::sync::Arc;

use super::RelationRef;
use super::{direction_matches, Adj, Graph, Path};
use crate::model::{Direction, Entity, EntityId, EntityKind, RelationType};

/// A part of the graph: entities and the relations among them.
#[derive(Debug, Clone)]
pub struct Subgraph<'g> {
    /// The graph it is part of (which holds, e.g., its entities' sources).
    pub graph: &'g Graph,
    /// In the order they were reached (the root first).
    pub entities: Vec<&'g Entity>,
    /// Every relation (of the types asked for) between two of `entities`, by id.
    pub relations: Vec<RelationRef<'g>>,
    /// Whether the visit budget stopped the walk before `depth` was reached.
    pub truncated: bool,
}

/// One step of a path pattern.
#[derive(Debug, Clone)]
pub struct Step {
    /// Only relations of these types (any when `None`).
    pub types: Option<Vec<RelationType>>,
    /// Which way to follow them.
    pub direction: Direction,
    /// The fewest hops this step takes (at least 1).
    pub min_hops: usize,
    /// The most hops this step takes.
    pub max_hops: usize,
    /// The kinds the step may end on (any when `None`).
    pub kinds: Option<Vec<EntityKind>>,
}

/// An entity reached by a path pattern.
#[derive(Debug, Clone)]
pub struct Reached<'g> {
    pub entity: &'g Entity,
    /// Hops from the start, over all steps.
    pub depth: usize,
    /// The walk that reached it (the shortest one found, in edge order).
    pub path: Path<'g>,
}

/// The result of a path pattern.
#[derive(Debug, Clone)]
pub struct Traversal<'g> {
    /// Each entity once, by depth, then name, then id.
    pub reached: Vec<Reached<'g>>,
    /// Whether the visit budget stopped the walk early.
    pub truncated: bool,
}

/// A centrality measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// The number of distinct neighbours (relations taken either way).
    Degree,
    /// Brandes' betweenness, normalised as networkx does for undirected graphs.
    Betweenness,
    /// PageRank (damping 0.85) on the relations taken both ways, with
    /// networkx's conventions (a dangling entity's rank spread over all).
    PageRank,
    /// Closeness, scaled by the reachable share (Wasserman-Faust), as networkx does.
    Closeness,
}

/// Why an analysis could not be run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnalyticsError {
    /// An all-pairs measure on a graph too large to answer in a request.
    #[error("{metric:?} over {entities} entities exceeds the budget of {budget} entities")]
    TooLarge {
        metric: Metric,
        entities: usize,
        budget: usize,
    },
    /// The caller stopped the computation (its request ended) before it
    /// finished.
    #[error("{0:?} was stopped before it finished")]
    Stopped(Metric),
}

/// The most entities an all-pairs measure (betweenness, closeness) is run on.
pub const ALL_PAIRS_BUDGET: usize = 50_000;

/// A key for one type filter: a bit per relation type.
pub(super) fn type_mask(types: Option<&[RelationType]>) -> u16 {
    match types {
        None => u16::MAX,
        Some(list) => list.iter().fold(0, |m, t| m | (1 << (*t as u16))),
    }
}

/// Scores by entity position.
type Scores = Arc<Vec<f64>>;

/// Cached centrality scores of one snapshot, by metric and type filter.
#[derive(Default)]
pub(super) struct CentralityCache(std::sync::Mutex<HashMap<(Metric, u16), Scores>>);

impl Graph {
    /// The relations at `at` of `mask`, followed in `direction`. With every
    /// type in `mask`, no relation's type is looked up.
    pub(super) fn adj(
        &self,
        at: u32,
        mask: u16,
        direction: Direction,
    ) -> impl Iterator<Item = &Adj> + '_ {
        let (list, every_type) = self.adj_list(at, mask);
        list.iter()
            .filter(move |a| self.adj_keeps(a, every_type, mask, direction))
    }

    /// Whether [`Graph::adj`] keeps `a`, an entry of the part of an
    /// adjacency that [`Graph::adj_list`] gave with `every_type`.
    pub(super) fn adj_keeps(
        &self,
        a: &Adj,
        every_type: bool,
        mask: u16,
        direction: Direction,
    ) -> bool {
        direction_matches(direction, a.outgoing())
            && (every_type || mask & (1 << (self.type_of(a) as u16)) != 0)
    }

    /// The part of the adjacency of the entity at `at` that holds its
    /// relations of `mask`, and whether every relation in it is of `mask`.
    /// With one type asked for, that type's run, found by binary search: a
    /// hub's relations of other types are not read.
    pub(super) fn adj_list(&self, at: u32, mask: u16) -> (&[Adj], bool) {
        if mask == type_mask(None) {
            return (self.adjacency(at), true);
        }
        match RelationType::ALL.iter().find(|&&t| mask == 1 << (t as u16)) {
            Some(&t) => (self.adjacency_of_type(at, t), true),
            None => (self.adjacency(at), false),
        }
    }

    /// [`Graph::adj`] into `out`, each with the entity at its other end.
    /// The ends are read from the relations all at once: the reads do not
    /// wait for each other, where read one at a time, between a walk's
    /// look-ups, each waited for its cache miss.
    pub(super) fn adj_ends(
        &self,
        at: u32,
        mask: u16,
        direction: Direction,
        out: &mut Vec<(Adj, u32)>,
    ) {
        out.clear();
        out.extend(
            self.adj(at, mask, direction)
                .map(|a| (*a, self.other_end(a))),
        );
    }

    pub(super) fn position(&self, id: &EntityId) -> Option<u32> {
        self.position_of_id(id.as_str())
    }

    /// The entities within `depth` relations of `root` (of `types`, in
    /// `direction`), breadth-first, at most `budget` entities.
    pub fn neighbourhood(
        &self,
        root: &EntityId,
        depth: usize,
        types: Option<&[RelationType]>,
        direction: Direction,
        budget: usize,
    ) -> Option<Subgraph<'_>> {
        let start = self.position(root)?;
        let mask = type_mask(types);
        let mut seen: HashMap<u32, usize> = [(start, 0)].into_iter().collect();
        let mut order = vec![start];
        let mut queue = VecDeque::from([start]);
        let mut truncated = false;
        let mut ends = Vec::new();
        'walk: while let Some(at) = queue.pop_front() {
            let d = seen[&at];
            if d >= depth {
                continue;
            }
            self.adj_ends(at, mask, direction, &mut ends);
            for &(_, other) in &ends {
                if seen.contains_key(&other) {
                    continue;
                }
                if order.len() >= budget {
                    truncated = true;
                    break 'walk;
                }
                seen.insert(other, d + 1);
                order.push(other);
                queue.push_back(other);
            }
        }
        let members: HashSet<u32> = order.iter().copied().collect();
        Some(self.induced(&order, &members, mask, truncated))
    }

    /// The whole graph as a subgraph.
    pub fn everything(&self) -> Subgraph<'_> {
        Subgraph {
            graph: self,
            entities: self.entities.iter().collect(),
            relations: self.relations().collect(),
            truncated: false,
        }
    }

    fn induced(
        &self,
        order: &[u32],
        members: &HashSet<u32>,
        mask: u16,
        truncated: bool,
    ) -> Subgraph<'_> {
        let mut rels: BTreeSet<u32> = BTreeSet::new();
        let mut ends = Vec::new();
        for &at in order {
            self.adj_ends(at, mask, Direction::Out, &mut ends);
            for &(a, other) in &ends {
                if members.contains(&other) {
                    rels.insert(a.relation());
                }
            }
        }
        Subgraph {
            graph: self,
            entities: order.iter().map(|&i| &self.entities[i as usize]).collect(),
            relations: rels.iter().map(|&r| self.relation_at(r as usize)).collect(),
            truncated,
        }
    }

    /// BFS from `start` to `goal` avoiding `banned_nodes` and
    /// `banned_relations`, at most `max_depth` hops; counts visits into
    /// `visits`. The walk as (entities, relations) positions.
    #[allow(clippy::too_many_arguments)]
    fn bfs_path(
        &self,
        start: u32,
        goal: u32,
        mask: u16,
        max_depth: usize,
        banned_nodes: &HashSet<u32>,
        banned_relations: &HashSet<u32>,
        visits: &mut usize,
    ) -> Option<(Vec<u32>, Vec<u32>)> {
        if start == goal {
            return Some((vec![start], Vec::new()));
        }
        let mut parent: HashMap<u32, (u32, u32)> = HashMap::new();
        let mut depth: HashMap<u32, usize> = [(start, 0)].into_iter().collect();
        let mut queue = VecDeque::from([start]);
        let mut ends = Vec::new();
        while let Some(at) = queue.pop_front() {
            let d = depth[&at];
            if d >= max_depth {
                continue;
            }
            self.adj_ends(at, mask, Direction::Both, &mut ends);
            for &(a, other) in &ends {
                *visits += 1;
                if banned_nodes.contains(&other)
                    || banned_relations.contains(&a.relation())
                    || depth.contains_key(&other)
                {
                    continue;
                }
                depth.insert(other, d + 1);
                parent.insert(other, (at, a.relation()));
                if other == goal {
                    let (mut nodes, mut rels) = (vec![goal], Vec::new());
                    let mut cur = goal;
                    while cur != start {
                        let (prev, rel) = parent[&cur];
                        rels.push(rel);
                        nodes.push(prev);
                        cur = prev;
                    }
                    nodes.reverse();
                    rels.reverse();
                    return Some((nodes, rels));
                }
                queue.push_back(other);
            }
        }
        None
    }

    /// The `k` shortest simple paths (no entity twice) from `from` to `to`,
    /// relations followed either way, of at most `max_depth` relations:
    /// Yen's algorithm over breadth-first searches. Shortest first; equal
    /// lengths in a fixed order (by the positions of their entities and
    /// relations), so the same data gives the same answer. Stops early
    /// (fewer paths, each still correct and in order) after `budget` edge
    /// visits; the flag says so.
    pub fn k_shortest_paths(
        &self,
        from: &EntityId,
        to: &EntityId,
        types: Option<&[RelationType]>,
        max_depth: usize,
        k: usize,
        budget: usize,
    ) -> (Vec<Path<'_>>, bool) {
        let (Some(start), Some(goal)) = (self.position(from), self.position(to)) else {
            return (Vec::new(), false);
        };
        if k == 0 {
            return (Vec::new(), false);
        }
        let mask = type_mask(types);
        let mut visits = 0usize;
        let none = HashSet::new();
        let Some(first) = self.bfs_path(start, goal, mask, max_depth, &none, &none, &mut visits)
        else {
            return (Vec::new(), false);
        };
        let mut found: Vec<(Vec<u32>, Vec<u32>)> = vec![first];
        // Candidates ordered by (length, relations, entities): deterministic.
        let mut candidates: BTreeSet<(usize, Vec<u32>, Vec<u32>)> = BTreeSet::new();
        let mut truncated = false;
        while found.len() < k {
            let (last_nodes, last_rels) = found.last().expect("at least one path").clone();
            for i in 0..last_rels.len() {
                if visits > budget {
                    truncated = true;
                    break;
                }
                let spur = last_nodes[i];
                let root_nodes = &last_nodes[..=i];
                let root_rels = &last_rels[..i];
                let mut banned_rels: HashSet<u32> = HashSet::new();
                // Paths already found that share this root (by relations:
                // two entities may be linked by more than one relation)
                // may not leave the spur the way they did.
                for (_, rels) in &found {
                    if rels.len() > i && rels[..i] == *root_rels {
                        banned_rels.insert(rels[i]);
                    }
                }
                let banned_nodes: HashSet<u32> = root_nodes[..i].iter().copied().collect();
                let remaining = max_depth.saturating_sub(i);
                if let Some((spur_nodes, spur_rels)) = self.bfs_path(
                    spur,
                    goal,
                    mask,
                    remaining,
                    &banned_nodes,
                    &banned_rels,
                    &mut visits,
                ) {
                    let mut nodes = root_nodes.to_vec();
                    nodes.extend_from_slice(&spur_nodes[1..]);
                    let mut rels = root_rels.to_vec();
                    rels.extend_from_slice(&spur_rels);
                    if !found.iter().any(|(_, r)| *r == rels) {
                        candidates.insert((rels.len(), rels, nodes));
                    }
                }
            }
            if truncated {
                break;
            }
            let Some((_, rels, nodes)) = candidates.pop_first() else {
                break;
            };
            found.push((nodes, rels));
        }
        let paths = found
            .into_iter()
            .map(|(nodes, rels)| Path {
                entities: nodes.iter().map(|&n| &self.entities[n as usize]).collect(),
                relations: rels.iter().map(|&r| self.relation_at(r as usize)).collect(),
            })
            .collect();
        (paths, truncated)
    }

    /// Follows a path pattern from `from`: each step walks `min_hops` to
    /// `max_hops` relations of its types and direction and ends on one of its
    /// kinds; the entities reached by the last step are the answer, each once,
    /// with its shortest walk. At most `budget` edge visits.
    pub fn traverse(&self, from: &[EntityId], steps: &[Step], budget: usize) -> Traversal<'_> {
        // frontier: entity -> (total depth, walk as entity and relation positions)
        let mut frontier: Vec<(u32, usize, Vec<u32>, Vec<u32>)> = Vec::new();
        let mut seen_start = HashSet::new();
        for id in from {
            if let Some(p) = self.position(id) {
                if seen_start.insert(p) {
                    frontier.push((p, 0, vec![p], Vec::new()));
                }
            }
        }
        let mut visits = 0usize;
        let mut truncated = false;
        let mut ends = Vec::new();
        for step in steps {
            let mask = type_mask(step.types.as_deref());
            let mut next: HashMap<u32, (usize, Vec<u32>, Vec<u32>)> = HashMap::new();
            let mut next_order: Vec<u32> = Vec::new();
            for (start, base_depth, base_nodes, base_rels) in &frontier {
                // BFS from this start, at most max_hops, simple within the walk.
                let mut parent: HashMap<u32, (u32, u32)> = HashMap::new();
                let mut hops: HashMap<u32, usize> = [(*start, 0)].into_iter().collect();
                let mut queue = VecDeque::from([*start]);
                while let Some(at) = queue.pop_front() {
                    let h = hops[&at];
                    if h >= step.max_hops {
                        continue;
                    }
                    self.adj_ends(at, mask, step.direction, &mut ends);
                    for &(a, other) in &ends {
                        visits += 1;
                        if visits > budget {
                            truncated = true;
                            break;
                        }
                        if hops.contains_key(&other) || base_nodes.contains(&other) {
                            continue;
                        }
                        hops.insert(other, h + 1);
                        parent.insert(other, (at, a.relation()));
                        queue.push_back(other);
                        let kind_ok = step
                            .kinds
                            .as_ref()
                            .is_none_or(|k| k.contains(&self.entities[other as usize].kind()));
                        if h + 1 < step.min_hops || !kind_ok {
                            continue;
                        }
                        let depth = base_depth + h + 1;
                        if next.get(&other).is_some_and(|(d, _, _)| *d <= depth) {
                            continue;
                        }
                        let (mut nodes, mut rels) = (vec![other], Vec::new());
                        let mut cur = other;
                        while cur != *start {
                            let (prev, rel) = parent[&cur];
                            rels.push(rel);
                            nodes.push(prev);
                            cur = prev;
                        }
                        nodes.pop();
                        nodes.reverse();
                        rels.reverse();
                        let mut all_nodes = base_nodes.clone();
                        all_nodes.extend(nodes);
                        let mut all_rels = base_rels.clone();
                        all_rels.extend(rels);
                        if !next.contains_key(&other) {
                            next_order.push(other);
                        }
                        next.insert(other, (depth, all_nodes, all_rels));
                    }
                    if truncated {
                        break;
                    }
                }
                if truncated {
                    break;
                }
            }
            frontier = next_order
                .into_iter()
                .map(|p| {
                    let (d, n, r) = next.remove(&p).expect("listed entities are in the map");
                    (p, d, n, r)
                })
                .collect();
            if truncated {
                break;
            }
        }
        let mut reached: Vec<Reached<'_>> = frontier
            .into_iter()
            .map(|(p, depth, nodes, rels)| Reached {
                entity: &self.entities[p as usize],
                depth,
                path: Path {
                    entities: nodes.iter().map(|&n| &self.entities[n as usize]).collect(),
                    relations: rels.iter().map(|&r| self.relation_at(r as usize)).collect(),
                },
            })
            .collect();
        reached.sort_by(|a, b| {
            (a.depth, &a.entity.name, &a.entity.id).cmp(&(b.depth, &b.entity.name, &b.entity.id))
        });
        Traversal { reached, truncated }
    }

    /// Entities linked to both `a` and `b` (relations of `types`, either
    /// way), by name; with the relations that link each to `a` and to `b`.
    pub fn common_connections(
        &self,
        a: &EntityId,
        b: &EntityId,
        types: Option<&[RelationType]>,
    ) -> Vec<(&Entity, Vec<RelationRef<'_>>, Vec<RelationRef<'_>>)> {
        let (Some(pa), Some(pb)) = (self.position(a), self.position(b)) else {
            return Vec::new();
        };
        let mask = type_mask(types);
        let mut via_a: HashMap<u32, Vec<RelationRef<'_>>> = HashMap::new();
        let mut ends = Vec::new();
        self.adj_ends(pa, mask, Direction::Both, &mut ends);
        for &(adj, other) in &ends {
            via_a
                .entry(other)
                .or_default()
                .push(self.relation_at(adj.relation() as usize));
        }
        let mut out: HashMap<u32, (Vec<RelationRef<'_>>, Vec<RelationRef<'_>>)> = HashMap::new();
        self.adj_ends(pb, mask, Direction::Both, &mut ends);
        for &(adj, other) in &ends {
            if other == pa || other == pb {
                continue;
            }
            if let Some(ra) = via_a.get(&other) {
                let slot = out.entry(other).or_insert_with(|| (ra.clone(), Vec::new()));
                slot.1.push(self.relation_at(adj.relation() as usize));
            }
        }
        let mut list: Vec<_> = out
            .into_iter()
            .map(|(p, (ra, rb))| (&self.entities[p as usize], ra, rb))
            .collect();
        list.sort_by(|x, y| (&x.0.name, &x.0.id).cmp(&(&y.0.name, &y.0.id)));
        list
    }

    /// The connected components over relations of `types` (either way):
    /// largest first, then by their first entity in (kind, id) order; each
    /// component's entities in (kind, id) order.
    pub fn components(&self, types: Option<&[RelationType]>) -> Vec<Vec<&Entity>> {
        let mask = type_mask(types);
        let n = self.entities.len();
        // One pass over the relations of those types, in order (each type's
        // lie together), joining their ends: a walk from entity to entity
        // read each relation once for each end, from anywhere in memory.
        let mut joined = petgraph::unionfind::UnionFind::<u32>::new(n);
        let mut join = |relations: &[super::StoredRelation]| {
            for r in relations {
                joined.union(r.from, r.to);
            }
        };
        if mask == type_mask(None) {
            join(&self.relations);
        } else {
            for &t in RelationType::ALL {
                if mask & (1 << t as u16) != 0 {
                    join(&self.relations[self.type_runs.run(t)]);
                }
            }
        }
        // Members in position order, each component where its first is.
        let label = joined.into_labeling();
        let mut group_of = vec![u32::MAX; n];
        let mut groups: Vec<Vec<u32>> = Vec::new();
        for (at, &root) in label.iter().enumerate() {
            let g = &mut group_of[root as usize];
            if *g == u32::MAX {
                *g = groups.len() as u32;
                groups.push(Vec::new());
            }
            groups[*g as usize].push(at as u32);
        }
        groups.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
        groups
            .into_iter()
            .map(|g| g.into_iter().map(|i| &self.entities[i as usize]).collect())
            .collect()
    }

    /// Every entity's score for `metric` over relations of `types` (either
    /// way), by position. Computed once per snapshot and type filter.
    pub fn centrality(
        &self,
        metric: Metric,
        types: Option<&[RelationType]>,
    ) -> Result<Scores, AnalyticsError> {
        self.centrality_until(metric, types, &|| false)
    }

    /// [`Graph::centrality`], stopped (with [`AnalyticsError::Stopped`],
    /// and nothing cached) as soon as `stopped` says so: it is asked once per
    /// round of PageRank and once per source entity of betweenness and
    /// closeness, which take minutes on the largest graphs they accept.
    pub fn centrality_until(
        &self,
        metric: Metric,
        types: Option<&[RelationType]>,
        stopped: &dyn Fn() -> bool,
    ) -> Result<Scores, AnalyticsError> {
        let mask = type_mask(types);
        if let Some(hit) = self
            .centrality
            .0
            .lock()
            .expect("cache lock")
            .get(&(metric, mask))
        {
            return Ok(hit.clone());
        }
        let n = self.entities.len();
        if matches!(metric, Metric::Betweenness | Metric::Closeness) && n > ALL_PAIRS_BUDGET {
            return Err(AnalyticsError::TooLarge {
                metric,
                entities: n,
                budget: ALL_PAIRS_BUDGET,
            });
        }
        // Undirected simple adjacency (parallel relations count once, as in networkx's Graph).
        let neigh: Vec<Vec<u32>> = (0..n as u32)
            .map(|i| {
                let mut v: Vec<u32> = self
                    .adj(i, mask, Direction::Both)
                    .map(|a| self.other_end(a))
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            })
            .collect();
        let scores = match metric {
            Metric::Degree => Some(neigh.iter().map(|v| v.len() as f64).collect()),
            Metric::PageRank => page_rank(&neigh, stopped),
            Metric::Betweenness => betweenness(&neigh, stopped),
            Metric::Closeness => closeness(&neigh, stopped),
        };
        let scores = Arc::new(scores.ok_or(AnalyticsError::Stopped(metric))?);
        self.centrality
            .0
            .lock()
            .expect("cache lock")
            .insert((metric, mask), scores.clone());
        Ok(scores)
    }
}

/// PageRank by power iteration, as networkx's `pagerank` computes it:
/// damping 0.85, uniform teleport, the rank of entities without neighbours
/// spread over every entity; iterated until the L1 change is under
/// `n * 1e-12` (networkx stops at `n * 1e-6`) or for 1000 rounds. (petgraph's `page_rank` treats the
/// random jump and dangling entities differently, so its scores differ from
/// networkx's by up to 1e-2 on small graphs.)
fn page_rank(neigh: &[Vec<u32>], stopped: &dyn Fn() -> bool) -> Option<Vec<f64>> {
    let n = neigh.len();
    if n == 0 {
        return Some(Vec::new());
    }
    let d = 0.85;
    let nf = n as f64;
    let mut x = vec![1.0 / nf; n];
    let mut next = vec![0.0; n];
    for _ in 0..1000 {
        if stopped() {
            return None;
        }
        let dangling: f64 = (0..n).filter(|&i| neigh[i].is_empty()).map(|i| x[i]).sum();
        let base = (1.0 - d) / nf + d * dangling / nf;
        next.iter_mut().for_each(|v| *v = base);
        for (i, list) in neigh.iter().enumerate() {
            if list.is_empty() {
                continue;
            }
            let share = d * x[i] / list.len() as f64;
            for &j in list {
                next[j as usize] += share;
            }
        }
        let change: f64 = x.iter().zip(&next).map(|(a, b)| (a - b).abs()).sum();
        std::mem::swap(&mut x, &mut next);
        if change < nf * 1e-12 {
            break;
        }
    }
    Some(x)
}

/// Brandes' algorithm on an undirected graph, normalised by
/// `2 / ((n - 1)(n - 2))` as networkx does.
fn betweenness(neigh: &[Vec<u32>], stopped: &dyn Fn() -> bool) -> Option<Vec<f64>> {
    let n = neigh.len();
    let mut cb = vec![0.0f64; n];
    let mut sigma = vec![0.0f64; n];
    let mut dist = vec![-1i64; n];
    let mut delta = vec![0.0f64; n];
    let mut preds: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut stack: Vec<u32> = Vec::with_capacity(n);
    let mut queue: VecDeque<u32> = VecDeque::with_capacity(n);
    for s in 0..n {
        if stopped() {
            return None;
        }
        for v in 0..n {
            preds[v].clear();
            sigma[v] = 0.0;
            dist[v] = -1;
            delta[v] = 0.0;
        }
        sigma[s] = 1.0;
        dist[s] = 0;
        queue.push_back(s as u32);
        while let Some(v) = queue.pop_front() {
            stack.push(v);
            for &w in &neigh[v as usize] {
                if dist[w as usize] < 0 {
                    dist[w as usize] = dist[v as usize] + 1;
                    queue.push_back(w);
                }
                if dist[w as usize] == dist[v as usize] + 1 {
                    sigma[w as usize] += sigma[v as usize];
                    preds[w as usize].push(v);
                }
            }
        }
        while let Some(w) = stack.pop() {
            for &v in &preds[w as usize] {
                delta[v as usize] +=
                    sigma[v as usize] / sigma[w as usize] * (1.0 + delta[w as usize]);
            }
            if w as usize != s {
                cb[w as usize] += delta[w as usize];
            }
        }
    }
    // Each pair was counted from both ends; networkx's normalised undirected
    // betweenness is 2 * raw/2 / ((n-1)(n-2)).
    let scale = if n > 2 {
        1.0 / ((n - 1) as f64 * (n - 2) as f64)
    } else {
        0.0
    };
    Some(cb.iter().map(|c| c * scale).collect())
}

/// Closeness with the Wasserman-Faust correction for disconnected graphs, as
/// networkx computes it: `(r / (n - 1)) * (r / total distance)`, r the number
/// of other entities reachable.
fn closeness(neigh: &[Vec<u32>], stopped: &dyn Fn() -> bool) -> Option<Vec<f64>> {
    let n = neigh.len();
    let mut dist = vec![u32::MAX; n];
    let mut queue = VecDeque::new();
    (0..n)
        .map(|s| {
            if stopped() {
                return None;
            }
            dist.iter_mut().for_each(|d| *d = u32::MAX);
            dist[s] = 0;
            queue.push_back(s as u32);
            let (mut total, mut reached) = (0u64, 0u64);
            while let Some(v) = queue.pop_front() {
                for &w in &neigh[v as usize] {
                    if dist[w as usize] == u32::MAX {
                        dist[w as usize] = dist[v as usize] + 1;
                        total += u64::from(dist[w as usize]);
                        reached += 1;
                        queue.push_back(w);
                    }
                }
            }
            Some(if total == 0 || n < 2 {
                0.0
            } else {
                let r = reached as f64;
                (r / (n - 1) as f64) * (r / total as f64)
            })
        })
        .collect()
}
