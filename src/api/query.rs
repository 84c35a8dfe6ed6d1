//! The root query type: lookups, lists with filters, search, paths, stats.

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::{Context, InputObject, MergedObject, Object, SimpleObject, ID};

use super::connection::{check_first, Page};
use super::enums::{
    DeliverableKind, DeliverableStatus, Direction, EntityKind, EntityOrderField, EventKind,
    GroupKind, GroupStatus, OrganisationCategory, RelationType, SortDirection,
};
use super::error::{ApiError, ApiResult};
use super::kinds::{
    DeliverableConnection, EntityConnection, EventConnection, GroupConnection, Linked,
    OrganisationConnection, PersonConnection,
};
use super::views::{DocumentView, EntityView, NodeView, RelationView};
use crate::graph::{fold, Graph, ListOrder};
use crate::model::{self, Details, Entity, EntityId};

/// The root query: every entry point of the API.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct Query(QueryRoot, super::analytics::AnalyticsQuery);

/// The longest search query, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;
/// The most words (after folding) a search query may have.
pub const MAX_SEARCH_WORDS: usize = 12;

/// The longest path `shortestPath` looks for.
pub const MAX_PATH_DEPTH: i32 = 10;

/// The graph snapshot this request reads, start to end.
pub fn graph<'c>(ctx: &Context<'c>) -> &'c Graph {
    ctx.data_unchecked::<Arc<Graph>>()
}

/// Answers a nullable field with null and `err` beside it in `errors`, as
/// the GraphQL spec has it (async-graphql would drop the field from `data`).
pub(crate) fn null_with<T>(ctx: &Context<'_>, err: ApiError) -> Option<T> {
    let err: async_graphql::Error = err.into();
    ctx.add_error(ctx.set_error_path(err.into_server_error(ctx.item.pos)));
    None
}

/// Parses an entity id argument: a malformed one is BAD_USER_INPUT.
pub fn parse_id(id: &str) -> Result<EntityId, ApiError> {
    EntityId::parse(id).map_err(|err| ApiError::bad_input(err.to_string()))
}

/// The page of every entity (of `kinds`) that `entities` answers.
pub(crate) fn entities_page<'g>(
    g: &'g Graph,
    kinds: Option<Vec<EntityKind>>,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<Page<Linked<'g>>, ApiError> {
    // Entities are ordered by kind, then id: the page is read from the
    // slices of the kinds asked for, in that order, without a pass over
    // the rest.
    let mut kinds: Vec<model::EntityKind> =
        to_model(&kinds).unwrap_or_else(|| model::EntityKind::ALL.to_vec());
    kinds.sort_unstable();
    kinds.dedup();
    let slices: Vec<&[Entity]> = kinds.iter().map(|&k| g.entities_of(k)).collect();
    let total = slices.iter().map(|s| s.len()).sum();
    let items = slices.into_iter().flatten().map(|e| (e, None));
    Page::cut_from(total, items, first, after, g.data_id())
}

/// The hits `search` answers: the query checked, then searched.
pub(crate) fn search_hits<'g>(
    g: &'g Graph,
    query: &str,
    kinds: Option<Vec<EntityKind>>,
    first: Option<i32>,
) -> Result<Vec<(&'g Entity, f64)>, ApiError> {
    let limit = check_first(first.unwrap_or(10))?;
    if query.trim().is_empty() {
        return Err(ApiError::bad_input(
            "`query` is blank: type a name, an acronym or a word",
        ));
    }
    if query.chars().count() > MAX_SEARCH_CHARS {
        return Err(ApiError::bad_input(format!(
            "`query` is {} characters long; at most {MAX_SEARCH_CHARS} are searched",
            query.chars().count()
        )));
    }
    let words = fold(query).split(' ').filter(|w| !w.is_empty()).count();
    if words > MAX_SEARCH_WORDS {
        return Err(ApiError::bad_input(format!(
            "`query` has {words} words; at most {MAX_SEARCH_WORDS} are searched"
        )));
    }
    if fold(query).is_empty() {
        return Err(ApiError::bad_input(format!(
            "`query: {query:?}` has no letter or digit to search for"
        )));
    }
    let kinds: Option<Vec<model::EntityKind>> = to_model(&kinds);
    Ok(g.search(query, kinds.as_deref(), limit))
}

pub(crate) fn to_model<T: Copy + Into<M>, M>(list: &Option<Vec<T>>) -> Option<Vec<M>> {
    list.as_ref().map(|l| l.iter().map(|&t| t.into()).collect())
}

/// Entities linked to a given entity.
#[derive(InputObject, Clone, Debug)]
pub struct RelatedTo {
    /// The entity they must be linked to.
    pub id: ID,
    /// Only through relations of these types (any when omitted).
    pub types: Option<Vec<RelationType>>,
    /// Which way, seen from the listed entity: OUT when it is the relation's `from`.
    #[graphql(default_with = "Direction::Both")]
    pub direction: Direction,
}

/// How to order a list of entities.
#[derive(InputObject, Clone, Copy, Debug)]
pub struct EntityOrder {
    /// What to sort by.
    pub field: EntityOrderField,
    /// Ascending or descending.
    #[graphql(default)]
    pub direction: SortDirection,
}

/// A condition on an entity's relations, for `some` and `none` filters.
#[derive(InputObject, Clone, Debug)]
pub struct RelationCondition {
    /// Of one of these types (any when omitted).
    pub types: Option<Vec<RelationType>>,
    /// Which way, seen from the listed entity: OUT when it is the relation's `from`.
    #[graphql(default_with = "Direction::Both")]
    pub direction: Direction,
    /// Whose role contains this (case-, accent- and punctuation-insensitive).
    pub role_contains: Option<String>,
    /// Whose other end is this entity.
    pub other: Option<ID>,
    /// Whose other end is of one of these kinds.
    pub other_kinds: Option<Vec<EntityKind>>,
}

/// A [`RelationCondition`], checked and in the model's terms.
struct Condition {
    types: Option<Vec<model::RelationType>>,
    direction: model::Direction,
    role: Option<String>,
    other: Option<EntityId>,
    other_kinds: Option<Vec<model::EntityKind>>,
}

impl Condition {
    fn new(c: &RelationCondition) -> ApiResult<Condition> {
        Ok(Condition {
            types: to_model(&c.types),
            direction: c.direction.into(),
            role: c
                .role_contains
                .as_deref()
                .map(fold)
                .filter(|r| !r.is_empty()),
            other: c.other.as_ref().map(|id| parse_id(id)).transpose()?,
            other_kinds: to_model(&c.other_kinds),
        })
    }

    /// Whether `e` has a relation meeting this condition.
    fn holds(&self, g: &Graph, e: &Entity) -> bool {
        g.edges_of(e, self.types.as_deref(), self.direction)
            .any(|edge| {
                self.role.as_ref().is_none_or(|r| {
                    edge.relation
                        .role()
                        .is_some_and(|role| fold(role).contains(r.as_str()))
                }) && self.other.as_ref().is_none_or(|o| edge.other.id == *o)
                    && self
                        .other_kinds
                        .as_ref()
                        .is_none_or(|k| k.contains(&edge.other.kind()))
            })
    }
}

/// Filters every list has.
pub(crate) struct Common<'g> {
    g: &'g Graph,
    name: Option<String>,
    related: Option<HashSet<&'g EntityId>>,
    /// The entities `related` holds, as found (some more than once).
    related_entities: Vec<&'g Entity>,
    some: Vec<Condition>,
    none: Vec<Condition>,
}

impl<'g> Common<'g> {
    pub(crate) fn new(g: &'g Graph, filter: &EntityFilter) -> ApiResult<Self> {
        let conditions = |list: &Option<Vec<RelationCondition>>| -> ApiResult<Vec<Condition>> {
            list.iter().flatten().map(Condition::new).collect()
        };
        let (some, none) = (conditions(&filter.some)?, conditions(&filter.none)?);
        let name = filter
            .name_contains
            .as_deref()
            .map(fold)
            .filter(|n| !n.is_empty());
        let mut related_entities = Vec::new();
        let related = match &filter.related_to {
            None => None,
            Some(r) => {
                let id = parse_id(&r.id)?;
                let types = to_model(&r.types);
                // Seen from the other end, the direction flips.
                let dir = match model::Direction::from(r.direction) {
                    model::Direction::Out => model::Direction::In,
                    model::Direction::In => model::Direction::Out,
                    model::Direction::Both => model::Direction::Both,
                };
                related_entities = g
                    .edges(&id, types.as_deref(), dir)
                    .into_iter()
                    .map(|edge| edge.other)
                    .collect();
                Some(related_entities.iter().map(|e| &e.id).collect())
            }
        };
        Ok(Common {
            g,
            name,
            related,
            related_entities,
            some,
            none,
        })
    }

    /// Whether it keeps every entity.
    fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.related.is_none()
            && self.some.is_empty()
            && self.none.is_empty()
    }

    /// With `relatedTo`, the positions in [`Graph::entities_of`]`(kind)`
    /// of the entities of `kind` it names (some perhaps more than once).
    fn related_of(&self, kind: model::EntityKind) -> Option<Vec<u32>> {
        self.related.as_ref()?;
        Some(
            self.related_entities
                .iter()
                .filter(|e| e.kind() == kind)
                .filter_map(|e| self.g.position_in_kind(e))
                .collect(),
        )
    }

    pub(crate) fn keeps(&self, e: &Entity) -> bool {
        let name_ok = self
            .name
            .as_ref()
            .is_none_or(|needle| self.g.names_contain(e, needle));
        name_ok
            && self.related.as_ref().is_none_or(|set| set.contains(&e.id))
            && self.some.iter().all(|c| c.holds(self.g, e))
            && !self.none.iter().any(|c| c.holds(self.g, e))
    }
}

/// What every list can filter on: name, links, relations.
#[derive(InputObject, Default, Clone, Debug)]
pub struct EntityFilter {
    /// Name or alias contains this (case-, accent- and punctuation-insensitive).
    pub name_contains: Option<String>,
    /// Linked to this entity.
    pub related_to: Option<RelatedTo>,
    /// Has, for each of these conditions, a relation meeting it.
    pub some: Option<Vec<RelationCondition>>,
    /// Has no relation meeting any of these conditions.
    pub none: Option<Vec<RelationCondition>>,
}

/// Filters for `organisations`.
#[derive(InputObject, Default, Clone, Debug)]
pub struct OrganisationFilter {
    /// What every list can filter on.
    #[graphql(flatten)]
    pub entity: EntityFilter,
    /// Of one of these categories.
    pub category: Option<Vec<OrganisationCategory>>,
}

/// Filters for `people`.
#[derive(InputObject, Default, Clone, Debug)]
pub struct PersonFilter {
    /// What every list can filter on.
    #[graphql(flatten)]
    pub entity: EntityFilter,
}

/// Filters for `groups`.
#[derive(InputObject, Default, Clone, Debug)]
pub struct GroupFilter {
    /// What every list can filter on.
    #[graphql(flatten)]
    pub entity: EntityFilter,
    /// Of one of these kinds.
    pub group_kind: Option<Vec<GroupKind>>,
    /// With one of these statuses.
    pub status: Option<Vec<GroupStatus>>,
}

/// Filters for `deliverables`.
#[derive(InputObject, Default, Clone, Debug)]
pub struct DeliverableFilter {
    /// What every list can filter on.
    #[graphql(flatten)]
    pub entity: EntityFilter,
    /// Of one of these kinds.
    pub deliverable_kind: Option<Vec<DeliverableKind>>,
    /// With one of these statuses.
    pub status: Option<Vec<DeliverableStatus>>,
}

/// Filters for `events`.
#[derive(InputObject, Default, Clone, Debug)]
pub struct EventFilter {
    /// What every list can filter on.
    #[graphql(flatten)]
    pub entity: EntityFilter,
    /// Of one of these kinds.
    pub event_kind: Option<Vec<EventKind>>,
}

fn one_of<T: PartialEq + Copy, M: Into<T> + Copy>(allowed: &Option<Vec<T>>, value: M) -> bool {
    allowed.as_ref().is_none_or(|a| a.contains(&value.into()))
}

/// The filter of a kind's list (`organisations(where:)`...): what every
/// list filters on, and the kind's own fields.
pub(crate) trait KindFilter {
    /// The kind listed.
    const KIND: model::EntityKind;
    /// What every list can filter on.
    fn entity(&self) -> &EntityFilter;
    /// Whether it asks anything of the kind's own fields.
    fn asks_own(&self) -> bool;
    /// Whether an entity's own fields are as it asks.
    fn keeps(&self, d: &Details) -> bool;
}

impl KindFilter for OrganisationFilter {
    const KIND: model::EntityKind = model::EntityKind::Organisation;
    fn entity(&self) -> &EntityFilter {
        &self.entity
    }
    fn asks_own(&self) -> bool {
        self.category.is_some()
    }
    fn keeps(&self, d: &Details) -> bool {
        match d {
            Details::Organisation { category, .. } => one_of(&self.category, *category),
            _ => false,
        }
    }
}

impl KindFilter for PersonFilter {
    const KIND: model::EntityKind = model::EntityKind::Person;
    fn entity(&self) -> &EntityFilter {
        &self.entity
    }
    fn asks_own(&self) -> bool {
        false
    }
    fn keeps(&self, _: &Details) -> bool {
        true
    }
}

impl KindFilter for GroupFilter {
    const KIND: model::EntityKind = model::EntityKind::Group;
    fn entity(&self) -> &EntityFilter {
        &self.entity
    }
    fn asks_own(&self) -> bool {
        self.group_kind.is_some() || self.status.is_some()
    }
    fn keeps(&self, d: &Details) -> bool {
        match d {
            Details::Group {
                group_kind, status, ..
            } => one_of(&self.group_kind, *group_kind) && one_of(&self.status, *status),
            _ => false,
        }
    }
}

impl KindFilter for DeliverableFilter {
    const KIND: model::EntityKind = model::EntityKind::Deliverable;
    fn entity(&self) -> &EntityFilter {
        &self.entity
    }
    fn asks_own(&self) -> bool {
        self.deliverable_kind.is_some() || self.status.is_some()
    }
    fn keeps(&self, d: &Details) -> bool {
        match d {
            Details::Deliverable {
                deliverable_kind,
                status,
                ..
            } => one_of(&self.deliverable_kind, *deliverable_kind) && one_of(&self.status, *status),
            _ => false,
        }
    }
}

impl KindFilter for EventFilter {
    const KIND: model::EntityKind = model::EntityKind::Event;
    fn entity(&self) -> &EntityFilter {
        &self.entity
    }
    fn asks_own(&self) -> bool {
        self.event_kind.is_some()
    }
    fn keeps(&self, d: &Details) -> bool {
        match d {
            Details::Event { event_kind, .. } => one_of(&self.event_kind, *event_kind),
            _ => false,
        }
    }
}

/// A kind's list as `organisations`, `people`... answer it: the entities
/// of the kind that a filter keeps, in an order.
pub(crate) struct KindList<'g, 'f, F> {
    g: &'g Graph,
    filter: &'f F,
    common: Common<'g>,
    /// The kind's entities, in id order.
    of_kind: &'g [Entity],
    /// The order other than by id, if any.
    order: Option<ListOrder>,
    descending: bool,
}

impl<'g, 'f, F: KindFilter> KindList<'g, 'f, F> {
    /// The list `filter` and `order` ask for (its filter checked).
    pub(crate) fn new(g: &'g Graph, filter: &'f F, order: Option<EntityOrder>) -> ApiResult<Self> {
        Ok(KindList {
            g,
            filter,
            common: Common::new(g, filter.entity())?,
            of_kind: g.entities_of(F::KIND),
            order: order.and_then(|o| match o.field {
                EntityOrderField::Id => None,
                EntityOrderField::Name => Some(ListOrder::Name),
                EntityOrderField::RelationCount => Some(ListOrder::RelationCount),
            }),
            descending: order.is_some_and(|o| o.direction == SortDirection::Desc),
        })
    }

    /// The page, when it is read without a pass over the kind: nothing
    /// filters the list, and its order is by id or made already. `None`
    /// when [`KindList::page`] must make it.
    pub(crate) fn quick_page(
        &self,
        first: Option<i32>,
        after: Option<&str>,
    ) -> Option<Result<Page<Linked<'g>>, ApiError>> {
        if !self.common.is_empty() || self.filter.asks_own() {
            return None;
        }
        let order = match self.order {
            None => None,
            Some(order) => Some(self.g.kind_order_made(F::KIND, order)?),
        };
        let len = self.of_kind.len();
        let at = move |i: usize| {
            let i = if self.descending { len - 1 - i } else { i };
            let p = order.map_or(i, |order| order[i] as usize);
            (&self.of_kind[p], None)
        };
        Some(Page::cut_after(
            len,
            |offset| (offset..len).map(at),
            first,
            after,
            self.g.data_id(),
        ))
    }

    /// The page: the entities the filter keeps, found by a pass over the
    /// kind, or over the entities `relatedTo` names when they are fewer;
    /// the first list in an order other than by id makes that order.
    pub(crate) fn page(
        &self,
        first: Option<i32>,
        after: Option<&str>,
    ) -> Result<Page<Linked<'g>>, ApiError> {
        let keeps = |e: &Entity| self.filter.keeps(&e.details) && self.common.keeps(e);
        let kept: Vec<&'g Entity> = match self.common.related_of(F::KIND) {
            Some(mut positions) if positions.len() < self.of_kind.len() / 8 => {
                // Few: sorted as the whole kind would be (the same keys).
                match self.order {
                    None => positions.sort_unstable(),
                    Some(order) => self.g.sort_in_order(F::KIND, order, &mut positions),
                }
                positions.dedup();
                if self.descending {
                    positions.reverse();
                }
                positions
                    .into_iter()
                    .map(|p| &self.of_kind[p as usize])
                    .filter(|e| keeps(e))
                    .collect()
            }
            _ => {
                let order = self.order.map(|o| self.g.kind_order(F::KIND, o));
                let len = self.of_kind.len();
                (0..len)
                    .map(|i| {
                        let i = if self.descending { len - 1 - i } else { i };
                        &self.of_kind[order.map_or(i, |order| order[i] as usize)]
                    })
                    .filter(|e| keeps(e))
                    .collect()
            }
        };
        let total = kept.len();
        Page::cut_from(
            total,
            kept.into_iter().map(|e| (e, None)),
            first,
            after,
            self.g.data_id(),
        )
    }
}

/// The page of a kind's list that `filter`, `order`, `first` and `after`
/// ask for: read at once when nothing filters it, otherwise made as
/// graph-wide work ([`super::work::whole_graph`]).
async fn kind_page<'g, F: KindFilter + Default>(
    ctx: &Context<'g>,
    filter: Option<F>,
    order: Option<EntityOrder>,
    first: Option<i32>,
    after: Option<&str>,
) -> ApiResult<Page<Linked<'g>>> {
    let filter = filter.unwrap_or_default();
    let list = KindList::new(graph(ctx), &filter, order)?;
    Ok(match list.quick_page(first, after) {
        Some(page) => page?,
        None => super::work::whole_graph(ctx, || list.page(first, after)).await?,
    })
}

/// The path `shortestPath` answers: its arguments checked, then a
/// bidirectional breadth-first search.
pub(crate) fn shortest_path<'g>(
    g: &'g Graph,
    from: &ID,
    to: &ID,
    types: Option<Vec<RelationType>>,
    max_depth: Option<i32>,
) -> Result<Option<crate::graph::Path<'g>>, ApiError> {
    let (from, to) = (parse_id(from)?, parse_id(to)?);
    let max_depth = max_depth.unwrap_or(6);
    if !(1..=MAX_PATH_DEPTH).contains(&max_depth) {
        return Err(ApiError::bad_input(format!(
            "`maxDepth` must be between 1 and {MAX_PATH_DEPTH}, got {max_depth}"
        )));
    }
    let types: Option<Vec<model::RelationType>> = to_model(&types);
    Ok(g.shortest_path(&from, &to, types.as_deref(), max_depth as usize))
}

/// A search result.
#[derive(SimpleObject)]
pub struct SearchHit<'a> {
    /// Relevance in (0, 1]: 1 for an exact name match.
    pub score: f64,
    /// The entity found.
    pub entity: EntityView<'a>,
}

/// A walk through the graph.
#[derive(SimpleObject)]
pub struct Path<'a> {
    /// Number of relations on the path.
    pub length: usize,
    /// length + 1 entities, start first.
    pub nodes: Vec<EntityView<'a>>,
    /// length relations, in walking order.
    pub relations: Vec<RelationView<'a>>,
}

impl<'a> Path<'a> {
    pub(crate) fn of(p: crate::graph::Path<'a>, g: &'a Graph) -> Self {
        Path {
            length: p.len(),
            nodes: p.entities.iter().map(|e| EntityView::of(e, g)).collect(),
            relations: p.relations.iter().map(|&r| RelationView { r, g }).collect(),
        }
    }
}

/// How many entities there are of one kind.
#[derive(SimpleObject)]
pub struct KindCount {
    /// The kind.
    pub kind: EntityKind,
    /// How many.
    pub count: usize,
}

/// How many relations there are of one type.
#[derive(SimpleObject)]
pub struct RelationTypeCount {
    /// The type.
    #[graphql(name = "type")]
    pub rel_type: RelationType,
    /// How many.
    pub count: usize,
}

/// The size of the graph.
#[derive(SimpleObject)]
pub struct GraphStats {
    /// How many entities.
    pub entity_count: usize,
    /// How many relations.
    pub relation_count: usize,
    /// Entities by kind, every kind listed (enum order).
    pub by_kind: Vec<KindCount>,
    /// Relations by type, every type listed (enum order).
    pub by_relation_type: Vec<RelationTypeCount>,
    /// How many connected components the graph has (relations taken either way).
    pub component_count: usize,
}

/// The look-ups, lists, search and paths, merged into the root query.
#[derive(Default)]
pub struct QueryRoot;

/// The look-ups, lists, search and paths.
#[Object]
impl QueryRoot {
    /// Any entity or relation by id; null when there is none. A malformed id is BAD_USER_INPUT.
    async fn node<'c>(&self, ctx: &Context<'c>, id: ID) -> Option<NodeView<'c>> {
        let g = graph(ctx);
        if id.starts_with("relation:") {
            if let Err(err) = model::check_relation_id(&id) {
                return null_with(ctx, ApiError::bad_input(err.to_string()));
            }
            return g
                .relation(&id)
                .map(|r| NodeView::Relation(RelationView { r, g }));
        }
        let id = match parse_id(&id) {
            Ok(id) => id,
            Err(err) => return null_with(ctx, err),
        };
        g.entity(id.as_str()).map(|e| EntityView::of(e, g).into())
    }

    /// An entity by id (`person:okan-geray`); null when there is none. A malformed id is BAD_USER_INPUT.
    async fn entity<'c>(&self, ctx: &Context<'c>, id: ID) -> Option<EntityView<'c>> {
        let g = graph(ctx);
        let id = match parse_id(&id) {
            Ok(id) => id,
            Err(err) => return null_with(ctx, err),
        };
        g.entity(id.as_str()).map(|e| EntityView::of(e, g))
    }

    /// A relation by id (`relation:leads/person:okan-geray/group:u4ssc`); null when there is none.
    async fn relation<'c>(&self, ctx: &Context<'c>, id: ID) -> Option<RelationView<'c>> {
        let g = graph(ctx);
        g.relation(&id).map(|r| RelationView { r, g })
    }

    /// Every entity, ordered by kind (enum order) then id.
    #[graphql(complexity = "first.unwrap_or(50).clamp(1, 100) as usize * child_complexity + 1")]
    async fn entities<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(desc = "Only these kinds (all when omitted).")] kinds: Option<Vec<EntityKind>>,
        #[graphql(desc = "Page size, 0 to 100.", default_with = "Some(50)")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
    ) -> ApiResult<EntityConnection<'c>> {
        let g = graph(ctx);
        let page = entities_page(g, kinds, first, after.as_deref())?;
        Ok(EntityConnection::from_page(page, g))
    }

    /// Organisations, filtered and ordered (by id unless `orderBy` says otherwise).
    #[graphql(complexity = "first.unwrap_or(50).clamp(1, 100) as usize * child_complexity + 1")]
    async fn organisations<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(
            desc = "Which organisations (all when omitted or null).",
            name = "where"
        )]
        filter: Option<OrganisationFilter>,
        #[graphql(desc = "How to order them.")] order_by: Option<EntityOrder>,
        #[graphql(desc = "Page size, 0 to 100.", default_with = "Some(50)")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
    ) -> ApiResult<OrganisationConnection<'c>> {
        let page = kind_page(ctx, filter, order_by, first, after.as_deref()).await?;
        Ok(OrganisationConnection::from_page(page, graph(ctx)))
    }

    /// People, filtered and ordered (by id unless `orderBy` says otherwise).
    #[graphql(complexity = "first.unwrap_or(50).clamp(1, 100) as usize * child_complexity + 1")]
    async fn people<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(desc = "Which people (all when omitted or null).", name = "where")]
        filter: Option<PersonFilter>,
        #[graphql(desc = "How to order them.")] order_by: Option<EntityOrder>,
        #[graphql(desc = "Page size, 0 to 100.", default_with = "Some(50)")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
    ) -> ApiResult<PersonConnection<'c>> {
        let page = kind_page(ctx, filter, order_by, first, after.as_deref()).await?;
        Ok(PersonConnection::from_page(page, graph(ctx)))
    }

    /// Groups, filtered and ordered (by id unless `orderBy` says otherwise).
    #[graphql(complexity = "first.unwrap_or(50).clamp(1, 100) as usize * child_complexity + 1")]
    async fn groups<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(desc = "Which groups (all when omitted or null).", name = "where")]
        filter: Option<GroupFilter>,
        #[graphql(desc = "How to order them.")] order_by: Option<EntityOrder>,
        #[graphql(desc = "Page size, 0 to 100.", default_with = "Some(50)")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
    ) -> ApiResult<GroupConnection<'c>> {
        let page = kind_page(ctx, filter, order_by, first, after.as_deref()).await?;
        Ok(GroupConnection::from_page(page, graph(ctx)))
    }

    /// Deliverables, filtered and ordered (by id unless `orderBy` says otherwise).
    #[graphql(complexity = "first.unwrap_or(50).clamp(1, 100) as usize * child_complexity + 1")]
    async fn deliverables<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(
            desc = "Which deliverables (all when omitted or null).",
            name = "where"
        )]
        filter: Option<DeliverableFilter>,
        #[graphql(desc = "How to order them.")] order_by: Option<EntityOrder>,
        #[graphql(desc = "Page size, 0 to 100.", default_with = "Some(50)")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
    ) -> ApiResult<DeliverableConnection<'c>> {
        let page = kind_page(ctx, filter, order_by, first, after.as_deref()).await?;
        Ok(DeliverableConnection::from_page(page, graph(ctx)))
    }

    /// Events, filtered and ordered (by id unless `orderBy` says otherwise).
    #[graphql(complexity = "first.unwrap_or(50).clamp(1, 100) as usize * child_complexity + 1")]
    async fn events<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(desc = "Which events (all when omitted or null).", name = "where")]
        filter: Option<EventFilter>,
        #[graphql(desc = "How to order them.")] order_by: Option<EntityOrder>,
        #[graphql(desc = "Page size, 0 to 100.", default_with = "Some(50)")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
    ) -> ApiResult<EventConnection<'c>> {
        let page = kind_page(ctx, filter, order_by, first, after.as_deref()).await?;
        Ok(EventConnection::from_page(page, graph(ctx)))
    }

    /// Ranked search over names, aliases and acronyms (and, ranked lower,
    /// descriptions): case-, accent- and punctuation-insensitive, word
    /// prefixes match, a typo in a longer word is tolerated, exact name or
    /// alias matches come first. A blank query, or one over 200 characters or
    /// 12 words, is BAD_USER_INPUT.
    #[graphql(complexity = "first.unwrap_or(10).clamp(1, 100) as usize * child_complexity + 1")]
    async fn search<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(desc = "What to look for, e.g. `ITU`, `geray`, `digital public infra`.")]
        query: String,
        #[graphql(desc = "Only these kinds (all when omitted).")] kinds: Option<Vec<EntityKind>>,
        #[graphql(desc = "How many hits at most, 0 to 100.", default_with = "Some(10)")]
        first: Option<i32>,
    ) -> ApiResult<Vec<SearchHit<'c>>> {
        let g = graph(ctx);
        Ok(search_hits(g, &query, kinds, first)?
            .into_iter()
            .map(|(e, score)| SearchHit {
                score,
                entity: EntityView::of(e, g),
            })
            .collect())
    }

    /// A shortest path between two entities, following relations in either
    /// direction (only of `types` when given), of at most `maxDepth`
    /// relations (1 to 10). Null when there is none or an id is unknown; a
    /// path of length 0 when `from` = `to`. Deterministic for the same data.
    async fn shortest_path<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(desc = "Where the path starts.")] from: ID,
        #[graphql(desc = "Where it ends.")] to: ID,
        #[graphql(desc = "Only relations of these types (any when omitted).")] types: Option<
            Vec<RelationType>,
        >,
        #[graphql(
            desc = "The longest path to look for, 1 to 10.",
            default_with = "Some(6)"
        )]
        max_depth: Option<i32>,
    ) -> Option<Path<'c>> {
        let g = graph(ctx);
        match shortest_path(g, &from, &to, types, max_depth) {
            Ok(path) => path.map(|p| Path::of(p, g)),
            Err(err) => null_with(ctx, err),
        }
    }

    /// The size of the graph, by kind and relation type.
    async fn stats(&self, ctx: &Context<'_>) -> GraphStats {
        let (s, components) = super::work::whole_graph(ctx, || {
            let g = graph(ctx);
            (g.stats(), g.component_count())
        })
        .await;
        GraphStats {
            component_count: components,
            entity_count: s.entities,
            relation_count: s.relations,
            by_kind: s
                .by_kind
                .into_iter()
                .map(|(k, count)| KindCount {
                    kind: k.into(),
                    count,
                })
                .collect(),
            by_relation_type: s
                .by_relation_type
                .into_iter()
                .map(|(t, count)| RelationTypeCount {
                    rel_type: t.into(),
                    count,
                })
                .collect(),
        }
    }

    /// The documents the graph's facts are drawn from.
    async fn documents<'c>(&self, ctx: &Context<'c>) -> Vec<DocumentView<'c>> {
        graph(ctx)
            .documents()
            .iter()
            .map(|d| DocumentView(d))
            .collect()
    }
}
