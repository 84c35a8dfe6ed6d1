//! Walks over the graph: shortest paths.

use std::collections::VecDeque;

use super::Graph;
use crate::model::{Entity, EntityId, Relation, RelationType};

/// A walk through the graph: `entities.len() == relations.len() + 1`.
#[derive(Debug, Clone)]
pub struct Path<'g> {
    /// The entities in walking order, start first.
    pub entities: Vec<&'g Entity>,
    /// The relations in walking order (each may be walked either way).
    pub relations: Vec<&'g Relation>,
}

impl Path<'_> {
    /// The number of relations on the path.
    pub fn len(&self) -> usize {
        self.relations.len()
    }

    /// Whether the path has no relation (it starts where it ends).
    pub fn is_empty(&self) -> bool {
        self.relations.is_empty()
    }
}

impl Graph {
    /// A shortest path from `from` to `to` following relations in either
    /// direction, of `types` only when given, of at most `max_depth`
    /// relations. `None` when either id is unknown or there is no such path.
    ///
    /// Breadth-first, visiting each entity's relations in edge order (type,
    /// then the other end's name), so the same data gives the same path.
    pub fn shortest_path(
        &self,
        from: &EntityId,
        to: &EntityId,
        types: Option<&[RelationType]>,
        max_depth: usize,
    ) -> Option<Path<'_>> {
        let start = self.by_id.get(from)?.index() as u32;
        let goal = self.by_id.get(to)?.index() as u32;
        if start == goal {
            return Some(Path {
                entities: vec![&self.entities[start as usize]],
                relations: Vec::new(),
            });
        }
        // parent[i] = (previous entity, relation) on the first walk found to i.
        let mut parent: Vec<Option<(u32, u32)>> = vec![None; self.entities.len()];
        let mut depth: Vec<u32> = vec![u32::MAX; self.entities.len()];
        depth[start as usize] = 0;
        let mut queue = VecDeque::from([start]);
        while let Some(at) = queue.pop_front() {
            let d = depth[at as usize];
            if d as usize >= max_depth {
                continue;
            }
            for a in &self.adjacency[at as usize] {
                if let Some(t) = types {
                    if !t.contains(&self.relations[a.relation as usize].rel_type) {
                        continue;
                    }
                }
                if depth[a.other as usize] != u32::MAX {
                    continue;
                }
                depth[a.other as usize] = d + 1;
                parent[a.other as usize] = Some((at, a.relation));
                if a.other == goal {
                    return Some(self.walk_back(start, goal, &parent));
                }
                queue.push_back(a.other);
            }
        }
        None
    }

    fn walk_back(&self, start: u32, goal: u32, parent: &[Option<(u32, u32)>]) -> Path<'_> {
        let mut entities = vec![&self.entities[goal as usize]];
        let mut relations = Vec::new();
        let mut at = goal;
        while at != start {
            let (prev, rel) = parent[at as usize].expect("every reached entity has a parent");
            relations.push(&self.relations[rel as usize]);
            entities.push(&self.entities[prev as usize]);
            at = prev;
        }
        entities.reverse();
        relations.reverse();
        Path {
            entities,
            relations,
        }
    }
}
