//! The who-leads-what table: one row per LEADS relation, with the chain of
//! groups above the one led and the leader's affiliations.

use std::collections::HashSet;

use super::{fold, Graph, RelationRef};
use crate::model::{Details, Direction, Entity, EntityId, GroupKind, RelationType};

/// One leadership.
#[derive(Debug, Clone)]
pub struct LeadershipRow<'g> {
    /// The LEADS relation (its role and sources).
    pub relation: RelationRef<'g>,
    /// The person or organisation that leads.
    pub leader: &'g Entity,
    /// The group or organisation led.
    pub led: &'g Entity,
    /// The entities above `led` along PART_OF, nearest first.
    pub led_parents: Vec<&'g Entity>,
    /// The leader's AFFILIATED_WITH relations and organisations.
    pub leader_affiliations: Vec<(RelationRef<'g>, &'g Entity)>,
}

/// Which leaderships to list.
#[derive(Debug, Clone, Default)]
pub struct LeadershipFilter {
    /// The led entity is a group of one of these kinds.
    pub group_kinds: Option<Vec<GroupKind>>,
    /// The leader is this organisation, one of its units, or a person
    /// affiliated with either.
    pub leader_organisation: Option<EntityId>,
    /// The led entity is this organisation or one of its units, or a group
    /// (or a group below one) that this organisation or a unit of it leads,
    /// coordinates or supports.
    pub group_organisation: Option<EntityId>,
    /// The led entity is this group or one below it.
    pub under: Option<EntityId>,
    /// The role contains this (case-, accent- and punctuation-insensitive).
    pub role: Option<String>,
    /// The leader's name, the led entity's name or the role contains this.
    pub text: Option<String>,
}

impl Graph {
    /// The entities above `id` along PART_OF, nearest first (stops at a cycle).
    pub fn parent_chain(&self, id: &EntityId) -> Vec<&Entity> {
        self.position(id).map_or_else(Vec::new, |start| {
            self.parent_chain_at(start, &mut |at| self.parent_at(at))
        })
    }

    /// The position of the entity the entity at `at` is PART_OF, if any.
    /// A group with many parts has its one parent among them all: this
    /// reads its PART_OF relations up to the outgoing one.
    fn parent_at(&self, at: u32) -> Option<u32> {
        self.adjacency_of_type(at, RelationType::PartOf)
            .iter()
            .find(|a| a.outgoing())
            .map(|a| self.other_end(a))
    }

    /// The entities above the entity at `start` along PART_OF, nearest
    /// first (stops at a cycle), each found by `parent_of`.
    fn parent_chain_at(
        &self,
        start: u32,
        parent_of: &mut dyn FnMut(u32) -> Option<u32>,
    ) -> Vec<&Entity> {
        let mut chain: Vec<u32> = Vec::new();
        let mut at = start;
        // Followed by position: no id look-up per step.
        while let Some(parent) = parent_of(at) {
            if parent == start || chain.contains(&parent) {
                break;
            }
            chain.push(parent);
            at = parent;
        }
        chain
            .into_iter()
            .map(|i| &self.entities[i as usize])
            .collect()
    }

    /// `org` and every organisation below it along PART_OF.
    fn organisation_family(&self, org: &EntityId) -> HashSet<EntityId> {
        let mut family = HashSet::from([org.clone()]);
        let mut stack = vec![org.clone()];
        while let Some(at) = stack.pop() {
            for edge in self.neighbours(&at, RelationType::PartOf, Direction::In) {
                if family.insert(edge.other.id.clone()) {
                    stack.push(edge.other.id.clone());
                }
            }
        }
        family
    }

    /// The leaderships that `filter` keeps, ordered by the led entity's
    /// kind and name, then the leader's name.
    pub fn leaderships(&self, filter: &LeadershipFilter) -> Vec<LeadershipRow<'_>> {
        // Each filter on organisations as one set of entities, found once:
        // the leader must be one of the first, what is led (or a group
        // above it) one of the second.
        let leaders = filter.leader_organisation.as_ref().map(|o| {
            // The family, and whoever is affiliated with one of its members.
            self.family_and(o, &[(RelationType::AffiliatedWith, Direction::In)])
        });
        let led = filter.group_organisation.as_ref().map(|o| {
            // The family, and what one of its members leads, coordinates
            // or supports.
            self.family_and(
                o,
                &[
                    (RelationType::Leads, Direction::Out),
                    (RelationType::Coordinates, Direction::Out),
                    (RelationType::Supports, Direction::Out),
                ],
            )
        });
        let role = filter.role.as_deref().map(fold).filter(|r| !r.is_empty());
        let text = filter.text.as_deref().map(fold).filter(|t| !t.is_empty());
        // What the relation and its two ends tell is checked first; the
        // chain above the led entity, which every row holds, is found once,
        // for the rows that get that far.
        let first_look = |r: RelationRef<'_>, leader: &Entity, led_entity: &Entity| {
            let kind_ok = filter.group_kinds.as_ref().is_none_or(|kinds| {
                matches!(&led_entity.details, Details::Group { group_kind, .. } if kinds.contains(group_kind))
            });
            if !kind_ok
                || leaders
                    .as_ref()
                    .is_some_and(|set| !set.contains(&leader.id))
            {
                return false;
            }
            if role.is_none() && text.is_none() {
                return true;
            }
            let role_text = r.role().map(fold).unwrap_or_default();
            role.as_ref().is_none_or(|r| role_text.contains(r.as_str()))
                && text.as_ref().is_none_or(|t| {
                    role_text.contains(t.as_str())
                        || fold(&leader.name).contains(t.as_str())
                        || fold(&led_entity.name).contains(t.as_str())
                })
        };
        // Ends, chains and affiliations are found by position: no id is
        // looked up. Chains meet in the same few groups near the top, which
        // have the most parts: each entity's parent is found once.
        let mut parents: foldhash::HashMap<u32, Option<u32>> = Default::default();
        let mut parent_of = |at: u32| *parents.entry(at).or_insert_with(|| self.parent_at(at));
        let run = self.run_of_type(RelationType::Leads);
        let mut rows: Vec<LeadershipRow<'_>> = run
            .map(|at| self.relation_at(at))
            .filter_map(|r| {
                let (from, to) = (r.from, r.to);
                let (leader, led_entity) = (r.from(), r.to());
                if !first_look(r, leader, led_entity) {
                    return None;
                }
                let led_parents = self.parent_chain_at(to, &mut parent_of);
                let mut up = std::iter::once(led_entity).chain(led_parents.iter().copied());
                let under_ok = filter
                    .under
                    .as_ref()
                    .is_none_or(|u| up.clone().any(|e| e.id == *u));
                if !under_ok
                    || led
                        .as_ref()
                        .is_some_and(|set| !up.any(|e| set.contains(&e.id)))
                {
                    return None;
                }
                Some(LeadershipRow {
                    relation: r,
                    leader,
                    led: led_entity,
                    led_parents,
                    leader_affiliations: self
                        .neighbours_at(from, RelationType::AffiliatedWith, Direction::Out)
                        .map(|edge| (edge.relation, edge.other))
                        .collect(),
                })
            })
            .collect();
        // Relation ids break every tie: the order is total, so an unstable
        // sort gives the same rows in the same order.
        rows.sort_unstable_by(|a, b| {
            (a.led.kind(), &a.led.name, &a.leader.name)
                .cmp(&(b.led.kind(), &b.led.name, &b.leader.name))
                .then_with(|| a.relation.position().cmp(&b.relation.position()))
        });
        rows
    }

    /// `org`'s family (it and the organisations below it), and the entities
    /// one relation of the given (type, direction) away from a member.
    fn family_and(&self, org: &EntityId, links: &[(RelationType, Direction)]) -> HashSet<EntityId> {
        let family = self.organisation_family(org);
        let mut set = family.clone();
        for member in &family {
            for &(t, d) in links {
                set.extend(self.neighbours(member, t, d).map(|e| e.other.id.clone()));
            }
        }
        set
    }
}
