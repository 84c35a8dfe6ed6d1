//! The who-leads-what table: one row per LEADS relation, with the chain of
//! groups above the one led and the leader's affiliations.

use std::collections::HashSet;

use super::{fold, Graph};
use crate::model::{Details, Direction, Entity, EntityId, GroupKind, Relation, RelationType};

/// One leadership.
#[derive(Debug, Clone)]
pub struct LeadershipRow<'g> {
    /// The LEADS relation (its role and sources).
    pub relation: &'g Relation,
    /// The person or organisation that leads.
    pub leader: &'g Entity,
    /// The group or organisation led.
    pub led: &'g Entity,
    /// The entities above `led` along PART_OF, nearest first.
    pub led_parents: Vec<&'g Entity>,
    /// The leader's AFFILIATED_WITH relations and organisations.
    pub leader_affiliations: Vec<(&'g Relation, &'g Entity)>,
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
        let mut chain: Vec<&Entity> = Vec::new();
        let mut at = id.clone();
        while let Some(edge) = self
            .neighbours(&at, RelationType::PartOf, Direction::Out)
            .next()
        {
            let parent = edge.other;
            if parent.id == *id || chain.iter().any(|e| e.id == parent.id) {
                break;
            }
            chain.push(parent);
            at = parent.id.clone();
        }
        chain
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
        let leader_family = filter
            .leader_organisation
            .as_ref()
            .map(|o| self.organisation_family(o));
        let group_family = filter
            .group_organisation
            .as_ref()
            .map(|o| self.organisation_family(o));
        let role = filter.role.as_deref().map(fold).filter(|r| !r.is_empty());
        let text = filter.text.as_deref().map(fold).filter(|t| !t.is_empty());
        let mut rows: Vec<LeadershipRow<'_>> = self
            .relations
            .iter()
            .filter(|r| r.rel_type == RelationType::Leads)
            .map(|r| self.leadership_row(r))
            .filter(|row| {
                let kind_ok = filter.group_kinds.as_ref().is_none_or(|kinds| {
                    matches!(&row.led.details, Details::Group { group_kind, .. } if kinds.contains(group_kind))
                });
                let role_text = row.relation.role.as_deref().map(fold).unwrap_or_default();
                let role_ok = role.as_ref().is_none_or(|r| role_text.contains(r.as_str()));
                let text_ok = text.as_ref().is_none_or(|t| {
                    role_text.contains(t.as_str())
                        || fold(&row.leader.name).contains(t.as_str())
                        || fold(&row.led.name).contains(t.as_str())
                });
                let leader_ok = leader_family.as_ref().is_none_or(|family| {
                    family.contains(&row.leader.id)
                        || row.leader_affiliations.iter().any(|(_, o)| family.contains(&o.id))
                });
                let group_ok = group_family.as_ref().is_none_or(|family| {
                    std::iter::once(row.led)
                        .chain(row.led_parents.iter().copied())
                        .any(|e| family.contains(&e.id) || self.backed_by(&e.id, family))
                });
                let under_ok = filter.under.as_ref().is_none_or(|u| {
                    row.led.id == *u || row.led_parents.iter().any(|p| p.id == *u)
                });
                kind_ok && role_ok && text_ok && leader_ok && group_ok && under_ok
            })
            .collect();
        rows.sort_by(|a, b| {
            (a.led.kind(), &a.led.name, &a.leader.name)
                .cmp(&(b.led.kind(), &b.led.name, &b.leader.name))
                .then_with(|| a.relation.cmp_by_id(b.relation))
        });
        rows
    }

    /// Whether an organisation of `family` leads, coordinates or supports `id`.
    fn backed_by(&self, id: &EntityId, family: &HashSet<EntityId>) -> bool {
        self.edges(
            id,
            Some(&[
                RelationType::Leads,
                RelationType::Coordinates,
                RelationType::Supports,
            ]),
            Direction::In,
        )
        .iter()
        .any(|edge| family.contains(&edge.other.id))
    }

    fn leadership_row<'g>(&'g self, r: &'g Relation) -> LeadershipRow<'g> {
        LeadershipRow {
            relation: r,
            leader: self.end(&r.from),
            led: self.end(&r.to),
            led_parents: self.parent_chain(&r.to),
            leader_affiliations: self
                .neighbours(&r.from, RelationType::AffiliatedWith, Direction::Out)
                .map(|edge| (edge.relation, edge.other))
                .collect(),
        }
    }
}
