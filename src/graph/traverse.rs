//! Walks over the graph: shortest paths.

use foldhash::HashMap;

use super::Graph;
use super::RelationRef;
use crate::model::{Direction, Entity, EntityId, RelationType};

/// A walk through the graph: `entities.len() == relations.len() + 1`.
#[derive(Debug, Clone)]
pub struct Path<'g> {
    /// The entities in walking order, start first.
    pub entities: Vec<&'g Entity>,
    /// The relations in walking order (each may be walked either way).
    pub relations: Vec<RelationRef<'g>>,
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
    /// Bidirectional breadth-first search: each round expands one whole
    /// level of the smaller frontier (the forward one on a tie), visiting each
    /// entity's relations in edge order (type, then the other end's name), and
    /// stops at the first entity reached from both ends, so the same data gives
    /// the same path. Its cost grows with the entities within half the
    /// distance of each end, not with the graph.
    pub fn shortest_path(
        &self,
        from: &EntityId,
        to: &EntityId,
        types: Option<&[RelationType]>,
        max_depth: usize,
    ) -> Option<Path<'_>> {
        let start = self.position_of_id(from.as_str())?;
        let goal = self.position_of_id(to.as_str())?;
        if start == goal {
            return Some(Path {
                entities: vec![&self.entities[start as usize]],
                relations: Vec::new(),
            });
        }
        // Each side: entity -> (the entity it was reached from, relation).
        let mut sides: [HashMap<u32, (u32, u32)>; 2] = Default::default();
        sides[0].insert(start, (start, u32::MAX));
        sides[1].insert(goal, (goal, u32::MAX));
        let mut frontiers = [vec![start], vec![goal]];
        let mut depth = 0;
        let mask = super::analytics::type_mask(types);
        let mut ends = Vec::new();
        while depth < max_depth && !frontiers[0].is_empty() && !frontiers[1].is_empty() {
            let side = usize::from(frontiers[1].len() < frontiers[0].len());
            let mut next = Vec::new();
            for &at in &frontiers[side] {
                self.adj_ends(at, mask, Direction::Both, &mut ends);
                for &(a, other) in &ends {
                    if sides[side].contains_key(&other) {
                        continue;
                    }
                    sides[side].insert(other, (at, a.relation()));
                    if sides[1 - side].contains_key(&other) {
                        return Some(self.join(other, &sides[0], &sides[1]));
                    }
                    next.push(other);
                }
            }
            frontiers[side] = next;
            depth += 1;
        }
        None
    }

    /// The path through `meet`: back along `forward` to the start, then
    /// along `backward` to the goal.
    fn join(
        &self,
        meet: u32,
        forward: &HashMap<u32, (u32, u32)>,
        backward: &HashMap<u32, (u32, u32)>,
    ) -> Path<'_> {
        let mut entities = vec![&self.entities[meet as usize]];
        let mut relations = Vec::new();
        let mut at = meet;
        while let Some(&(prev, rel)) = forward.get(&at).filter(|(_, rel)| *rel != u32::MAX) {
            relations.push(self.relation_at(rel as usize));
            entities.push(&self.entities[prev as usize]);
            at = prev;
        }
        entities.reverse();
        relations.reverse();
        at = meet;
        while let Some(&(next, rel)) = backward.get(&at).filter(|(_, rel)| *rel != u32::MAX) {
            relations.push(self.relation_at(rel as usize));
            entities.push(&self.entities[next as usize]);
            at = next;
        }
        Path {
            entities,
            relations,
        }
    }
}
