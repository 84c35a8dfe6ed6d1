//! Thin GraphQL views over the graph snapshot: each borrows an entity or a
//! relation and the graph, and delegates to the graph module.

use async_graphql::{Interface, Object, SimpleObject, ID};

use super::connection::Page;
use super::enums::{Direction, EntityKind, RelationType};
use super::error::ApiResult;
use crate::graph::{EdgeRef, Graph, RelationRef};
use crate::model::{self, Entity, SourceRef};

/// An entity and the graph it lives in: what every entity view wraps.
#[derive(Clone, Copy)]
pub struct Node<'a> {
    pub e: &'a Entity,
    pub g: &'a Graph,
}

impl<'a> Node<'a> {
    /// The entity's edges of one type in one direction, in edge order.
    pub fn along(
        self,
        rel_type: model::RelationType,
        direction: model::Direction,
    ) -> impl Iterator<Item = EdgeRef<'a>> {
        self.g.neighbours(&self.e.id, rel_type, direction)
    }

    /// The first entity along one type and direction (e.g. a parent).
    pub fn first_along(
        self,
        rel_type: model::RelationType,
        direction: model::Direction,
    ) -> Option<&'a Entity> {
        self.along(rel_type, direction)
            .next()
            .map(|edge| edge.other)
    }

    pub(crate) fn relations(
        self,
        types: Option<Vec<RelationType>>,
        direction: Option<Direction>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<RelationConnection<'a>> {
        let page = self.relation_page(types, direction, first, after.as_deref())?;
        Ok(RelationConnection::from_page(page, self.g))
    }

    /// A page of the entities along one relation type and direction, with
    /// their relations, in edge order (a typed list such as a group's
    /// `supporters`): counted and skipped without being made, so a hub's
    /// first page reads only that page.
    pub(crate) fn linked_page(
        self,
        rel_type: model::RelationType,
        direction: model::Direction,
        first: Option<i32>,
        after: Option<&str>,
    ) -> Result<Page<super::kinds::Linked<'a>>, super::error::ApiError> {
        let types = &[rel_type][..];
        let total = self.g.edge_count_of(self.e, Some(types), direction);
        let items = |skip| {
            self.g
                .edges_of_after(self.e, Some(types), direction, skip)
                .map(|edge| (edge.other, Some(edge.relation)))
        };
        Page::cut_after(total, items, first, after, self.g.data_id())
    }

    /// The page of the entity's relations that `relations` answers.
    pub(crate) fn relation_page(
        self,
        types: Option<Vec<RelationType>>,
        direction: Option<Direction>,
        first: Option<i32>,
        after: Option<&str>,
    ) -> Result<Page<EdgeRef<'a>>, super::error::ApiError> {
        let direction = direction.unwrap_or(Direction::Both);
        let types: Option<Vec<model::RelationType>> = super::query::to_model(&types);
        let (types, direction) = (types.as_deref(), direction.into());
        let total = self.g.edge_count_of(self.e, types, direction);
        let edges = |skip| self.g.edges_of_after(self.e, types, direction, skip);
        Page::cut_after(total, edges, first, after, self.g.data_id())
    }

    pub(crate) fn relation_count(
        self,
        types: Option<Vec<RelationType>>,
        direction: Option<Direction>,
    ) -> usize {
        let direction = direction.unwrap_or(Direction::Both);
        let types: Option<Vec<model::RelationType>> = super::query::to_model(&types);
        self.g
            .edge_count_of(self.e, types.as_deref(), direction.into())
    }

    pub(crate) fn sources(self) -> Vec<SourceView<'a>> {
        self.g.sources_of(self.e).map(SourceView).collect()
    }
}

/// A page of a typed connection: the entities along one relation type and
/// direction, in edge order ([`Node::linked_page`]), or in another order
/// (`$order`), every one made and sorted first.
macro_rules! linked_page {
    ($node:expr, $conn:ident, $rel:ident, $dir:ident, $first:ident, $after:ident) => {{
        let (rel, dir) = (
            $crate::model::RelationType::$rel,
            $crate::model::Direction::$dir,
        );
        let page = $node.linked_page(rel, dir, $first, $after.as_deref())?;
        Ok($conn::from_page(page, $node.g))
    }};
    ($node:expr, $conn:ident, $rel:ident, $dir:ident, $first:ident, $after:ident, $order:path) => {{
        let (rel, dir) = (
            $crate::model::RelationType::$rel,
            $crate::model::Direction::$dir,
        );
        let items = $order($node.linked(rel, dir));
        let page = $crate::api::connection::Page::cut(
            items,
            $first,
            $after.as_deref(),
            $node.g.data_id(),
        )?;
        Ok($conn::from_page(page, $node.g))
    }};
}

/// `true` when a typed list names an order of its own.
macro_rules! is_ordered {
    () => {
        false
    };
    ($order:path) => {
        true
    };
}

/// A typed list of an entity type (a group's `supporters`), as plans
/// read it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TypedList {
    /// The field's name as the resolver spells it (`member_of`).
    pub field: &'static str,
    /// The relations it follows, and which way.
    pub rel: model::RelationType,
    pub direction: model::Direction,
    /// The GraphQL names of its connection and edge types.
    pub connection: &'static str,
    pub edge: &'static str,
    /// Whether it has an order of its own rather than edge order.
    pub ordered: bool,
}

/// Stamps out a GraphQL object type for one entity kind: the fields every
/// entity has, then the kind's own fields.
macro_rules! entity_object {
    (
        $(#[$doc:meta])* $view:ident, $name:literal,
        connections {
            $($(#[$cdoc:meta])* $field:ident: $conn:ident = $rel:ident $dir:ident $(| $order:path)?;)*
        },
        { $($extra:tt)* }
    ) => {
        #[derive(Clone, Copy)]
        pub struct $view<'a>(pub Node<'a>);

        impl $view<'_> {
            /// This type's typed lists, as plans read them.
            pub(crate) const LISTS: &'static [$crate::api::views::TypedList] = &[$(
                $crate::api::views::TypedList {
                    field: stringify!($field),
                    rel: $crate::model::RelationType::$rel,
                    direction: $crate::model::Direction::$dir,
                    connection: <$conn<'static>>::NAMES.0,
                    edge: <$conn<'static>>::NAMES.1,
                    ordered: $crate::api::views::is_ordered!($($order)?),
                },
            )*];
        }

        $(#[$doc])*
        #[Object(name = $name)]
        impl<'a> $view<'a> {
            /// The stable id, `<kind>:<slug>` (e.g. `person:okan-geray`).
            pub async fn id(&self) -> ID {
                ID(self.0.e.id.to_string())
            }

            /// The kind of entity.
            pub async fn kind(&self) -> EntityKind {
                self.0.e.kind().into()
            }

            /// The display name, as the sources write it.
            pub async fn name(&self) -> &'a str {
                &self.0.e.name
            }

            /// Other names and acronyms (all found by `search`).
            pub async fn aliases(&self) -> Vec<&'a str> {
                self.0.e.aliases().iter().map(|a| &**a).collect()
            }

            /// A short description.
            pub async fn description(&self) -> Option<&'a str> {
                self.0.e.description()
            }

            /// A curator's remark, e.g. where the sources disagree.
            pub async fn note(&self) -> Option<&'a str> {
                self.0.e.note()
            }

            /// Where the facts about this entity come from (at least one).
            pub async fn sources(&self) -> Vec<SourceView<'a>> {
                self.0.sources()
            }

            /// The relations touching this entity: `OUT` those it is `from`, `IN` those
            /// it is `to`. Ordered by relation type, then the other end's name.
            #[graphql(complexity = "first.unwrap_or(50).clamp(1, 100) as usize * child_complexity + 1")]
            pub async fn relations(
                &self,
                #[graphql(desc = "Only relations of these types (all when omitted).")]
                types: Option<Vec<RelationType>>,
                #[graphql(desc = "Which way to follow them.", default_with = "Some(Direction::Both)")]
                direction: Option<Direction>,
                #[graphql(desc = "Page size, 0 to 100.", default_with = "Some(50)")]
                first: Option<i32>,
                #[graphql(desc = "The cursor after which the page starts.")]
                after: Option<String>,
            ) -> ApiResult<RelationConnection<'a>> {
                self.0.relations(types, direction, first, after)
            }

            /// How many relations touch this entity (of `types`, in `direction`).
            pub async fn relation_count(
                &self,
                #[graphql(desc = "Only relations of these types (all when omitted).")]
                types: Option<Vec<RelationType>>,
                #[graphql(desc = "Which way to follow them.", default_with = "Some(Direction::Both)")]
                direction: Option<Direction>,
            ) -> usize {
                self.0.relation_count(types, direction)
            }

            /// The entities and relations around this one, for drawing:
            /// breadth-first to `depth` (0 to 5), at most 2000 entities
            /// (`truncated` says when that cut the walk).
            pub async fn neighbourhood(
                &self,
                #[graphql(desc = "How many relations away, 0 to 5.", default_with = "Some(1)")]
                depth: Option<i32>,
                #[graphql(desc = "Only relations of these types (all when omitted).")]
                types: Option<Vec<RelationType>>,
                #[graphql(desc = "Which way to follow them.", default_with = "Some(Direction::Both)")]
                direction: Option<Direction>,
            ) -> ApiResult<super::analytics::Neighbourhood<'a>> {
                super::analytics::neighbourhood(self.0.g, &self.0.e.id, depth, types, direction)
            }

            $(
                $(#[$cdoc])*
                #[graphql(complexity = "first.unwrap_or(50).clamp(1, 100) as usize * child_complexity + 1")]
                pub async fn $field(
                    &self,
                    #[graphql(desc = "Page size, 0 to 100.", default_with = "Some(50)")]
                    first: Option<i32>,
                    #[graphql(desc = "The cursor after which the page starts.")]
                    after: Option<String>,
                ) -> ApiResult<$conn<'a>> {
                    $crate::api::views::linked_page!(self.0, $conn, $rel, $dir, first, after $(, $order)?)
                }
            )*

            $($extra)*
        }
    };
}

pub(crate) use entity_object;
pub(crate) use is_ordered;
pub(crate) use linked_page;

/// Any entity.
// The interface attributes repeat `name`/`ty` per field by design.
#[allow(clippy::duplicated_attributes)]
#[derive(Interface, Clone, Copy)]
#[graphql(
    name = "Entity",
    field(name = "id", ty = "ID", desc = "The stable id, `<kind>:<slug>`."),
    field(name = "kind", ty = "EntityKind", desc = "The kind of entity."),
    field(name = "name", ty = "&'a str", desc = "The display name."),
    field(
        name = "aliases",
        ty = "Vec<&'a str>",
        desc = "Other names and acronyms."
    ),
    field(
        name = "description",
        ty = "Option<&'a str>",
        desc = "A short description."
    ),
    field(name = "note", ty = "Option<&'a str>", desc = "A curator's remark."),
    field(
        name = "sources",
        ty = "Vec<SourceView<'a>>",
        desc = "Where the facts come from."
    ),
    field(
        name = "relations",
        ty = "ApiResult<RelationConnection<'a>>",
        desc = "The relations touching this entity, ordered by type then the other end's name.",
        arg(name = "types", ty = "Option<Vec<RelationType>>"),
        arg(
            name = "direction",
            ty = "Option<Direction>",
            default_with = "Some(Direction::Both)"
        ),
        arg(name = "first", ty = "Option<i32>", default_with = "Some(50)"),
        arg(name = "after", ty = "Option<String>")
    ),
    field(
        name = "neighbourhood",
        ty = "ApiResult<super::analytics::Neighbourhood<'a>>",
        desc = "The entities and relations around this one, for drawing.",
        arg(name = "depth", ty = "Option<i32>", default_with = "Some(1)"),
        arg(name = "types", ty = "Option<Vec<RelationType>>"),
        arg(
            name = "direction",
            ty = "Option<Direction>",
            default_with = "Some(Direction::Both)"
        )
    ),
    field(
        name = "relation_count",
        ty = "usize",
        desc = "How many relations touch this entity.",
        arg(name = "types", ty = "Option<Vec<RelationType>>"),
        arg(
            name = "direction",
            ty = "Option<Direction>",
            default_with = "Some(Direction::Both)"
        )
    )
)]
pub enum EntityView<'a> {
    Organisation(super::kinds::OrganisationView<'a>),
    Person(super::kinds::PersonView<'a>),
    Group(super::kinds::GroupView<'a>),
    Deliverable(super::kinds::DeliverableView<'a>),
    Event(super::kinds::EventView<'a>),
}

impl<'a> EntityView<'a> {
    /// The view of `e`, by its kind.
    pub fn of(e: &'a Entity, g: &'a Graph) -> EntityView<'a> {
        use super::kinds::*;
        let n = Node { e, g };
        match e.kind() {
            model::EntityKind::Organisation => EntityView::Organisation(OrganisationView(n)),
            model::EntityKind::Person => EntityView::Person(PersonView(n)),
            model::EntityKind::Group => EntityView::Group(GroupView(n)),
            model::EntityKind::Deliverable => EntityView::Deliverable(DeliverableView(n)),
            model::EntityKind::Event => EntityView::Event(EventView(n)),
        }
    }
}

/// Relay Global Object Identification: every entity type and Relation implement it.
#[derive(Interface, Clone, Copy)]
#[graphql(
    name = "Node",
    field(name = "id", ty = "ID", desc = "The globally unique, stable id.")
)]
pub enum NodeView<'a> {
    Organisation(super::kinds::OrganisationView<'a>),
    Person(super::kinds::PersonView<'a>),
    Group(super::kinds::GroupView<'a>),
    Deliverable(super::kinds::DeliverableView<'a>),
    Event(super::kinds::EventView<'a>),
    Relation(RelationView<'a>),
}

impl<'a> From<EntityView<'a>> for NodeView<'a> {
    fn from(view: EntityView<'a>) -> Self {
        match view {
            EntityView::Organisation(v) => NodeView::Organisation(v),
            EntityView::Person(v) => NodeView::Person(v),
            EntityView::Group(v) => NodeView::Group(v),
            EntityView::Deliverable(v) => NodeView::Deliverable(v),
            EntityView::Event(v) => NodeView::Event(v),
        }
    }
}

/// Where a fact comes from: the document and the exact sentence that states it.
#[derive(Clone, Copy)]
pub struct SourceView<'a>(pub SourceRef<'a>);

/// Where a fact comes from: the document and the exact sentence that states it.
#[Object(name = "Source")]
impl<'a> SourceView<'a> {
    /// The title of the document.
    async fn document(&self) -> &'a str {
        &self.0.document.title
    }

    /// The heading of the part of the document that states the fact.
    async fn section(&self) -> Option<&'a str> {
        self.0.section
    }

    /// A passage copied verbatim from the document (white space may differ).
    async fn quote(&self) -> std::borrow::Cow<'a, str> {
        self.0.quote.text()
    }

    /// The document's details: publisher, date, address.
    async fn document_info(&self) -> DocumentView<'a> {
        DocumentView(self.0.document)
    }
}

/// A document that facts are drawn from.
#[derive(Clone, Copy)]
pub struct DocumentView<'a>(pub &'a model::Document);

/// A document that facts are drawn from.
#[Object(name = "Document")]
impl<'a> DocumentView<'a> {
    /// The short key data files cite it by.
    async fn key(&self) -> &'a str {
        &self.0.key
    }

    /// Its title.
    async fn title(&self) -> &'a str {
        &self.0.title
    }

    /// Who published it.
    async fn publisher(&self) -> &'a str {
        &self.0.publisher
    }

    /// When it was published, `YYYY-MM-DD`.
    async fn date(&self) -> Option<&'a str> {
        self.0.date.as_deref()
    }

    /// Where it can be read.
    async fn url(&self) -> Option<&'a str> {
        self.0.url.as_deref()
    }
}

/// A typed relation `from -> to`, with the role held and its sources.
#[derive(Clone, Copy)]
pub struct RelationView<'a> {
    pub r: RelationRef<'a>,
    pub g: &'a Graph,
}

impl<'a> RelationView<'a> {
    fn end(&self, e: &'a Entity) -> EntityView<'a> {
        EntityView::of(e, self.g)
    }
}

/// A typed relation `from -> to`, with the role held and its sources.
#[Object(name = "Relation")]
impl<'a> RelationView<'a> {
    /// The stable id, `relation:<type>/<from>/<to>`.
    pub async fn id(&self) -> ID {
        ID(self.r.id())
    }

    /// The relation's type.
    #[graphql(name = "type")]
    async fn rel_type(&self) -> RelationType {
        self.r.rel_type.into()
    }

    /// The entity the relation goes from.
    async fn from(&self) -> EntityView<'a> {
        self.end(self.r.from())
    }

    /// The entity the relation goes to.
    async fn to(&self) -> EntityView<'a> {
        self.end(self.r.to())
    }

    /// The role held (on LEADS, AFFILIATED_WITH, MEMBER_OF, PRESENTED).
    async fn role(&self) -> Option<&'a str> {
        self.r.role()
    }

    /// A curator's remark, e.g. where the sources disagree.
    async fn note(&self) -> Option<&'a str> {
        self.r.note()
    }

    /// Where this fact comes from (at least one).
    async fn sources(&self) -> Vec<SourceView<'a>> {
        self.r.sources().map(SourceView).collect()
    }
}

/// One relation seen from an entity.
#[derive(SimpleObject)]
pub struct RelationEdge<'a> {
    /// Pass as `after` to continue after this edge.
    pub cursor: String,
    /// The entity at the other end of the relation.
    pub node: EntityView<'a>,
    /// The relation itself.
    pub relation: RelationView<'a>,
    /// OUT when the asked entity is the relation's `from`, IN when it is its `to`.
    pub direction: Direction,
}

/// A page of relations.
#[derive(SimpleObject)]
pub struct RelationConnection<'a> {
    /// The relations on this page.
    pub edges: Vec<RelationEdge<'a>>,
    /// Where this page stands.
    pub page_info: super::connection::PageInfo,
    /// How many relations match in all, not just on this page.
    pub total_count: usize,
}

impl<'a> RelationConnection<'a> {
    pub(crate) fn from_page(page: Page<EdgeRef<'a>>, g: &'a Graph) -> Self {
        let page_info = page.page_info();
        let total_count = page.total;
        let edges = page
            .with_cursors()
            .map(|(cursor, edge)| RelationEdge {
                cursor,
                node: EntityView::of(edge.other, g),
                relation: RelationView {
                    r: edge.relation,
                    g,
                },
                direction: edge.direction.into(),
            })
            .collect();
        RelationConnection {
            edges,
            page_info,
            total_count,
        }
    }
}
