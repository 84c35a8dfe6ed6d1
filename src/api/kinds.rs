//! The five entity types, their typed traversal fields, and the typed
//! connections those fields return.

use async_graphql::{Object, SimpleObject};

use super::connection::{Page, PageInfo};
use super::enums::{
    DeliverableKind, DeliverableStatus, Direction, EntityKind, EventKind, GroupKind, GroupStatus,
    OrganisationCategory, RelationType,
};
use super::error::ApiResult;
use super::views::{entity_object, EntityView, Node, RelationConnection, RelationView, SourceView};
use crate::graph::{EdgeRef, Graph, RelationRef};
use crate::model::{self, Details, Entity};
use async_graphql::ID;

use model::Direction::{In, Out};
use model::RelationType as R;

/// An entity in a list, with the relation that put it there (if any).
pub type Linked<'a> = (&'a Entity, Option<RelationRef<'a>>);

impl<'a> Node<'a> {
    /// The entities along one relation type and direction, with their relations.
    pub fn linked(self, rel_type: R, direction: model::Direction) -> Vec<Linked<'a>> {
        self.along(rel_type, direction)
            .map(|edge: EdgeRef<'a>| (edge.other, Some(edge.relation)))
            .collect()
    }

    /// The leaderships along LEADS in `direction`.
    fn leaderships(self, direction: model::Direction) -> Vec<Leadership<'a>> {
        self.along(R::Leads, direction)
            .map(|edge| Leadership {
                r: edge.relation,
                g: self.g,
            })
            .collect()
    }

    fn details(self) -> &'a Details {
        &self.e.details
    }
}

/// The kinds' own fields, read by the resolvers and by plans (an entity of
/// another kind reads each field's default).
impl<'a> Node<'a> {
    /// An organisation's acronym.
    pub(crate) fn acronym(self) -> Option<&'a str> {
        match self.details() {
            Details::Organisation { acronym, .. } => acronym.as_deref(),
            _ => None,
        }
    }

    /// An organisation's category.
    pub(crate) fn category(self) -> OrganisationCategory {
        match self.details() {
            Details::Organisation { category, .. } => (*category).into(),
            _ => OrganisationCategory::Other,
        }
    }

    /// A person's honorific.
    pub(crate) fn honorific(self) -> Option<&'a str> {
        match self.details() {
            Details::Person { honorific } => honorific.as_deref(),
            _ => None,
        }
    }

    /// A person's job titles: the roles of their affiliations.
    pub(crate) fn titles(self) -> Vec<&'a str> {
        self.along(R::AffiliatedWith, Out)
            .filter_map(|edge| edge.relation.role())
            .collect()
    }

    /// A group's kind.
    pub(crate) fn group_kind(self) -> GroupKind {
        match self.details() {
            Details::Group { group_kind, .. } => (*group_kind).into(),
            _ => GroupKind::Initiative,
        }
    }

    /// A deliverable's kind.
    pub(crate) fn deliverable_kind(self) -> DeliverableKind {
        match self.details() {
            Details::Deliverable {
                deliverable_kind, ..
            } => (*deliverable_kind).into(),
            _ => DeliverableKind::Publication,
        }
    }

    /// Where a deliverable can be read.
    pub(crate) fn url(self) -> Option<&'a str> {
        match self.details() {
            Details::Deliverable { url, .. } => url.as_deref(),
            _ => None,
        }
    }

    /// An event's kind.
    pub(crate) fn event_kind(self) -> EventKind {
        match self.details() {
            Details::Event { event_kind, .. } => (*event_kind).into(),
            _ => EventKind::Meeting,
        }
    }

    /// An event's date.
    pub(crate) fn date(self) -> Option<&'a str> {
        match self.details() {
            Details::Event { date, .. } => date.as_deref(),
            _ => None,
        }
    }

    /// A group's number.
    pub(crate) fn group_number(self) -> Option<u32> {
        match self.details() {
            Details::Group { number, .. } => *number,
            _ => None,
        }
    }

    /// A group's status.
    pub(crate) fn group_status(self) -> GroupStatus {
        match self.details() {
            Details::Group { status, .. } => (*status).into(),
            _ => GroupStatus::Active,
        }
    }

    /// A deliverable's status.
    pub(crate) fn deliverable_status(self) -> DeliverableStatus {
        match self.details() {
            Details::Deliverable { status, .. } => (*status).into(),
            _ => DeliverableStatus::Published,
        }
    }

    /// An event's number.
    pub(crate) fn event_number(self) -> Option<u32> {
        match self.details() {
            Details::Event { number, .. } => *number,
            _ => None,
        }
    }
}

/// Stamps out a typed connection: its edge type and the constructor from a
/// list of linked entities.
macro_rules! typed_connection {
    ($conn:ident, $edge:ident, $view:ident, $conn_name:literal, $edge_name:literal) => {
        /// One entity in a list, with the relation that put it there.
        #[derive(SimpleObject)]
        #[graphql(name = $edge_name)]
        pub struct $edge<'a> {
            /// Pass as `after` to continue after this edge.
            pub cursor: String,
            /// The entity.
            pub node: $view<'a>,
            /// The relation that links it to the entity asked about (null in top-level lists).
            pub relation: Option<RelationView<'a>>,
            /// The role on that relation, if any (a shortcut for `relation.role`).
            pub role: Option<&'a str>,
        }

        /// A page of entities.
        #[derive(SimpleObject)]
        #[graphql(name = $conn_name)]
        pub struct $conn<'a> {
            /// The entities on this page.
            pub edges: Vec<$edge<'a>>,
            /// Where this page stands.
            pub page_info: PageInfo,
            /// How many entities match in all, not just on this page.
            pub total_count: usize,
        }

        impl<'a> $conn<'a> {
            /// The GraphQL names of the connection and its edges.
            pub(crate) const NAMES: (&'static str, &'static str) = ($conn_name, $edge_name);

            /// The connection of a page cut already.
            pub fn from_page(page: Page<Linked<'a>>, g: &'a Graph) -> Self {
                let page_info = page.page_info();
                let total_count = page.total;
                let edges = page
                    .with_cursors()
                    .map(|(cursor, (e, r))| $edge {
                        cursor,
                        node: $view::from(Node { e, g }),
                        relation: r.map(|r| RelationView { r, g }),
                        role: r.and_then(|r| r.role()),
                    })
                    .collect();
                $conn {
                    edges,
                    page_info,
                    total_count,
                }
            }
        }
    };
}

impl<'a> From<Node<'a>> for EntityView<'a> {
    fn from(n: Node<'a>) -> Self {
        EntityView::of(n.e, n.g)
    }
}

macro_rules! view_from_node {
    ($($view:ident),+) => {
        $(impl<'a> From<Node<'a>> for $view<'a> {
            fn from(n: Node<'a>) -> Self {
                $view(n)
            }
        })+
    };
}
view_from_node!(
    OrganisationView,
    PersonView,
    GroupView,
    DeliverableView,
    EventView
);

typed_connection!(
    EntityConnection,
    EntityEdge,
    EntityView,
    "EntityConnection",
    "EntityEdge"
);
typed_connection!(
    OrganisationConnection,
    OrganisationEdge,
    OrganisationView,
    "OrganisationConnection",
    "OrganisationEdge"
);
typed_connection!(
    PersonConnection,
    PersonEdge,
    PersonView,
    "PersonConnection",
    "PersonEdge"
);
typed_connection!(
    GroupConnection,
    GroupEdge,
    GroupView,
    "GroupConnection",
    "GroupEdge"
);
typed_connection!(
    DeliverableConnection,
    DeliverableEdge,
    DeliverableView,
    "DeliverableConnection",
    "DeliverableEdge"
);
typed_connection!(
    EventConnection,
    EventEdge,
    EventView,
    "EventConnection",
    "EventEdge"
);

entity_object!(
    /// An organisation: a UN entity, one of its units, a company, a university, a city...
    OrganisationView,
    "Organisation",
    connections {
        /// Its units: bureaux, divisions, academies (PART_OF in).
        units: OrganisationConnection = PartOf In;
        /// The people affiliated with it; each edge's `role` is the job title (AFFILIATED_WITH in).
        people: PersonConnection = AffiliatedWith In;
        /// The groups it coordinates (COORDINATES out).
        coordinates: GroupConnection = Coordinates Out;
        /// The groups it supports (SUPPORTS out).
        supports: GroupConnection = Supports Out;
        /// The groups it is a member of (MEMBER_OF out).
        member_of: GroupConnection = MemberOf Out;
        /// The deliverables it developed (DEVELOPED out).
        developed: DeliverableConnection = Developed Out;
        /// The deliverables that feature it, e.g. as a case study (FEATURES in).
        featured_in: DeliverableConnection = Features In;
    },
    {
        /// Its acronym, e.g. "ITU".
        async fn acronym(&self) -> Option<&'a str> {
            self.0.acronym()
        }

        /// What sort of organisation it is.
        async fn category(&self) -> OrganisationCategory {
            self.0.category()
        }

        /// The organisation it is a unit of (PART_OF out).
        async fn parent(&self) -> Option<OrganisationView<'a>> {
            let g = self.0.g;
            self.0.first_along(R::PartOf, Out).map(|e| OrganisationView(Node { e, g }))
        }

        /// Who leads this organisation, with their role (LEADS in).
        async fn leaders(&self) -> Vec<Leadership<'a>> {
            self.0.leaderships(In)
        }

        /// The groups and organisations this organisation leads, with its role (LEADS out).
        async fn leads(&self) -> Vec<Leadership<'a>> {
            self.0.leaderships(Out)
        }

    }
);

entity_object!(
    /// A person named in the sources.
    PersonView,
    "Person",
    connections {
        /// The groups they are a member of; `role` e.g. "Secretariat" (MEMBER_OF out).
        member_of: GroupConnection = MemberOf Out;
        /// The deliverables they authored (AUTHORED out).
        authored: DeliverableConnection = Authored Out;
        /// What they presented: groups, deliverables, events; `role` says what (PRESENTED out).
        presented: EntityConnection = Presented Out;
        /// The events they moderated (MODERATED out).
        moderated: EventConnection = Moderated Out;
        /// The events they spoke at (SPOKE_AT out).
        spoke_at: EventConnection = SpokeAt Out;
    },
    {
        /// How the sources address them, e.g. "Dr".
        async fn honorific(&self) -> Option<&'a str> {
            self.0.honorific()
        }

        /// Their job titles: the roles of their affiliations, e.g. "Director".
        async fn titles(&self) -> Vec<&'a str> {
            self.0.titles()
        }

        /// The organisations they work for, with their job title (AFFILIATED_WITH out).
        async fn affiliations(&self) -> Vec<Affiliation<'a>> {
            let g = self.0.g;
            self.0
                .along(R::AffiliatedWith, Out)
                .map(|edge| Affiliation { r: edge.relation, g })
                .collect()
        }

        /// The groups and organisations they lead, with their role (LEADS out).
        async fn leads(&self) -> Vec<Leadership<'a>> {
            self.0.leaderships(Out)
        }

    }
);

entity_object!(
    /// An initiative, thematic group, working group, secretariat or study group.
    GroupView,
    "Group",
    connections {
        /// The groups that are part of it (PART_OF in).
        subgroups: GroupConnection = PartOf In;
        /// Its members, people and organisations; `role` e.g. "Secretariat" (MEMBER_OF in).
        members: EntityConnection = MemberOf In;
        /// The organisations that coordinate it (COORDINATES in).
        coordinators: OrganisationConnection = Coordinates In;
        /// The organisations that support it (SUPPORTS in).
        supporters: OrganisationConnection = Supports In;
        /// The deliverables it produced (PRODUCED out).
        deliverables: DeliverableConnection = Produced Out;
        /// Who presented its work; `role` says what (PRESENTED in).
        presenters: PersonConnection = Presented In;
    },
    {
        /// What sort of group it is.
        async fn group_kind(&self) -> GroupKind {
            self.0.group_kind()
        }

        /// Its number, for numbered working groups and study groups.
        async fn number(&self) -> Option<u32> {
            self.0.group_number()
        }

        /// Where it stands.
        async fn status(&self) -> GroupStatus {
            self.0.group_status()
        }

        /// The group it is part of (PART_OF out).
        async fn parent(&self) -> Option<GroupView<'a>> {
            let g = self.0.g;
            self.0.first_along(R::PartOf, Out).map(|e| GroupView(Node { e, g }))
        }

        /// Every group above it, nearest first (PART_OF out, repeatedly).
        async fn ancestors(&self) -> Vec<GroupView<'a>> {
            let g = self.0.g;
            g.parent_chain(&self.0.e.id).into_iter().map(|e| GroupView(Node { e, g })).collect()
        }

        /// Who leads it, people and organisations, with their role (LEADS in).
        async fn leaders(&self) -> Vec<Leadership<'a>> {
            self.0.leaderships(In)
        }

    }
);

entity_object!(
    /// A publication, framework, guide, policy, plan or report.
    DeliverableView,
    "Deliverable",
    connections {
        /// The groups that produced it (PRODUCED in).
        produced_by: GroupConnection = Produced In;
        /// The organisations that developed it (DEVELOPED in).
        developed_by: OrganisationConnection = Developed In;
        /// The people who authored it (AUTHORED in).
        authors: PersonConnection = Authored In;
        /// What it presents as a case study or subject (FEATURES out).
        features: EntityConnection = Features Out;
        /// Who presented it (PRESENTED in).
        presenters: PersonConnection = Presented In;
    },
    {
        /// What sort of deliverable it is.
        async fn deliverable_kind(&self) -> DeliverableKind {
            self.0.deliverable_kind()
        }

        /// Where it stands.
        async fn status(&self) -> DeliverableStatus {
            self.0.deliverable_status()
        }

        /// Where it can be read.
        async fn url(&self) -> Option<&'a str> {
            self.0.url()
        }

    }
);

entity_object!(
    /// A meeting or one of its parts.
    EventView,
    "Event",
    connections {
        /// Its parts, by number then name (PART_OF in).
        sessions: EventConnection = PartOf In | by_number;
        /// Who moderated it (MODERATED in).
        moderators: PersonConnection = Moderated In;
        /// Who spoke at it (SPOKE_AT in).
        speakers: PersonConnection = SpokeAt In;
        /// Who presented at it; `role` says what (PRESENTED in).
        presenters: PersonConnection = Presented In;
    },
    {
        /// A whole meeting, or a part of one.
        async fn event_kind(&self) -> EventKind {
            self.0.event_kind()
        }

        /// When it took place, `YYYY-MM-DD`.
        async fn date(&self) -> Option<&'a str> {
            self.0.date()
        }

        /// A session's number.
        async fn number(&self) -> Option<u32> {
            self.0.event_number()
        }

        /// The meeting it is part of (PART_OF out).
        async fn parent(&self) -> Option<EventView<'a>> {
            let g = self.0.g;
            self.0.first_along(R::PartOf, Out).map(|e| EventView(Node { e, g }))
        }


    }
);

/// One leadership: who leads what, in which role.
#[derive(Clone, Copy)]
pub struct Leadership<'a> {
    pub r: RelationRef<'a>,
    pub g: &'a Graph,
}

impl<'a> Leadership<'a> {
    fn view(&self, e: &'a Entity) -> EntityView<'a> {
        EntityView::of(e, self.g)
    }
}

/// One leadership: who (a person or an organisation) leads what (a group or
/// an organisation), in which role.
#[Object]
impl<'a> Leadership<'a> {
    /// The person or organisation that leads.
    async fn leader(&self) -> EntityView<'a> {
        self.view(self.r.from())
    }

    /// The role: "Chair", "Vice-Chair", "Leader", "Co-leader", "Director"...
    async fn role(&self) -> Option<&'a str> {
        self.r.role()
    }

    /// The group or organisation led.
    async fn led(&self) -> EntityView<'a> {
        self.view(self.r.to())
    }

    /// The groups (or organisations) above the one led, nearest first.
    async fn led_parent_chain(&self) -> Vec<EntityView<'a>> {
        self.g
            .parent_chain(&self.r.to().id)
            .into_iter()
            .map(|e| EntityView::of(e, self.g))
            .collect()
    }

    /// The leader's affiliations (empty for an organisation).
    async fn leader_affiliations(&self) -> Vec<Affiliation<'a>> {
        let g = self.g;
        g.neighbours(&self.r.from().id, R::AffiliatedWith, Out)
            .map(|edge| Affiliation {
                r: edge.relation,
                g,
            })
            .collect()
    }

    /// The LEADS relation itself, with its sources.
    async fn relation(&self) -> RelationView<'a> {
        RelationView {
            r: self.r,
            g: self.g,
        }
    }
}

/// A person's affiliation with an organisation, with their job title.
#[derive(Clone, Copy)]
pub struct Affiliation<'a> {
    pub r: RelationRef<'a>,
    pub g: &'a Graph,
}

/// A person's affiliation with an organisation, with their job title.
#[Object]
impl<'a> Affiliation<'a> {
    /// The person.
    async fn person(&self) -> PersonView<'a> {
        PersonView(Node {
            e: self.r.from(),
            g: self.g,
        })
    }

    /// The organisation.
    async fn organisation(&self) -> OrganisationView<'a> {
        OrganisationView(Node {
            e: self.r.to(),
            g: self.g,
        })
    }

    /// The job title, e.g. "Director".
    async fn role(&self) -> Option<&'a str> {
        self.r.role()
    }

    /// The AFFILIATED_WITH relation itself, with its sources.
    async fn relation(&self) -> RelationView<'a> {
        RelationView {
            r: self.r,
            g: self.g,
        }
    }
}

/// Orders events by their number (unnumbered last), keeping edge order
/// among equals.
fn by_number(mut parts: Vec<Linked<'_>>) -> Vec<Linked<'_>> {
    parts.sort_by_key(|(e, _)| match e.details {
        Details::Event { number, .. } => (number.is_none(), number),
        _ => (true, None),
    });
    parts
}
