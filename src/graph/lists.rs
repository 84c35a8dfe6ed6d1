//! The orders a kind's list can be read in besides its ids' (by name, by
//! relation count): each made by one sort when first asked, then kept with
//! the snapshot, so that a page of a list in that order is read, not sorted.

use std::sync::OnceLock;

use super::Graph;
use crate::model::{Entity, EntityKind};

/// An order of a kind's entities other than by id; ties go by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListOrder {
    /// By name (folded as [`super::fold`] folds, then as written), then id.
    Name,
    /// By the number of relations touching the entity, then name (as
    /// [`ListOrder::Name`] orders it), then id.
    RelationCount,
}

/// Each kind's entities in each [`ListOrder`], made when first asked.
#[derive(Default)]
pub(super) struct ListOrders([[OnceLock<Box<[u32]>>; 2]; EntityKind::ALL.len()]);

impl ListOrders {
    /// The bytes the orders made so far hold.
    pub(super) fn heap_bytes(&self) -> usize {
        self.0
            .iter()
            .flatten()
            .filter_map(OnceLock::get)
            .map(|order| std::mem::size_of_val(&order[..]))
            .sum()
    }

    fn slot(&self, kind: EntityKind, order: ListOrder) -> &OnceLock<Box<[u32]>> {
        &self.0[kind as usize][order as usize]
    }
}

impl Graph {
    /// The entities of `kind` in `order`: positions in
    /// [`Graph::entities_of`]`(kind)`, ascending. The first call for a kind
    /// and order sorts the kind (about a second for 600,000 people by
    /// name); the order is kept with the snapshot, and other callers wait
    /// for it meanwhile.
    pub fn kind_order(&self, kind: EntityKind, order: ListOrder) -> &[u32] {
        self.orders.slot(kind, order).get_or_init(|| {
            let mut positions: Vec<u32> = (0..self.entities_of(kind).len() as u32).collect();
            self.sort_in_order(kind, order, &mut positions);
            positions.into_boxed_slice()
        })
    }

    /// [`Graph::kind_order`], when it is made already.
    pub fn kind_order_made(&self, kind: EntityKind, order: ListOrder) -> Option<&[u32]> {
        self.orders.slot(kind, order).get().map(|o| &o[..])
    }

    /// The position of `e`, an entity of this graph, in
    /// [`Graph::entities_of`] its kind; `None` for an entity of another.
    pub fn position_in_kind(&self, e: &Entity) -> Option<u32> {
        super::index_in(self.entities_of(e.kind()), e).map(|p| p as u32)
    }

    /// Sorts `positions` (in [`Graph::entities_of`]`(kind)`) in `order`,
    /// ascending: the order [`Graph::kind_order`] reads the whole kind in.
    pub fn sort_in_order(&self, kind: EntityKind, order: ListOrder, positions: &mut [u32]) {
        // The kind's entities are a run of the graph's: position p is entity
        // start + p, whose name rank and relation count are read, not made.
        let start = self.kind_range(kind).start;
        let rank = |p: u32| self.name_rank[start + p as usize];
        // Ties go by position: sorted by it first (a run already sorted, as
        // a whole kind's is, is seen as such), then by the key, stably.
        positions.sort_unstable();
        match order {
            ListOrder::Name => positions.sort_by_key(|&p| rank(p)),
            ListOrder::RelationCount => positions.sort_by_key(|&p| {
                let i = start + p as usize;
                let count = self.adjacency_start[i + 1] - self.adjacency_start[i];
                u64::from(count) << 32 | u64::from(rank(p))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::fold;
    use crate::model::Direction;

    #[test]
    fn each_order_is_the_kinds_entities_sorted_by_its_key() {
        let dir = tempfile::tempdir().unwrap();
        crate::generate::generate(3_000, 5, dir.path()).unwrap();
        let g = crate::loader::load_dir(dir.path()).expect("the generated graph loads");
        for &kind in EntityKind::ALL.iter() {
            let of_kind = g.entities_of(kind);
            assert!(g.kind_order_made(kind, ListOrder::Name).is_none());
            let by_name = g.kind_order(kind, ListOrder::Name);
            assert_eq!(g.kind_order_made(kind, ListOrder::Name), Some(by_name));
            let mut expected: Vec<&crate::model::Entity> = of_kind.iter().collect();
            expected.sort_by_cached_key(|e| (fold(&e.name), e.name.clone(), e.id.clone()));
            let got: Vec<_> = by_name.iter().map(|&p| &of_kind[p as usize]).collect();
            assert_eq!(got.len(), of_kind.len());
            assert!(got.iter().zip(&expected).all(|(a, b)| std::ptr::eq(*a, *b)));

            let by_count = g.kind_order(kind, ListOrder::RelationCount);
            let mut expected: Vec<&crate::model::Entity> = of_kind.iter().collect();
            expected.sort_by_cached_key(|e| {
                (
                    g.edges_of(e, None, Direction::Both).count(),
                    fold(&e.name),
                    e.name.clone(),
                    e.id.clone(),
                )
            });
            let got: Vec<_> = by_count.iter().map(|&p| &of_kind[p as usize]).collect();
            assert!(got.iter().zip(&expected).all(|(a, b)| std::ptr::eq(*a, *b)));
        }
        assert!(g.orders.heap_bytes() == 2 * 4 * g.entities().len());
    }
}
