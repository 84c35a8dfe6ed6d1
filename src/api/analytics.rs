//! The analyst's queries: k shortest paths, path patterns, neighbourhoods,
//! the leadership table, centrality, common connections, components and
//! aggregations. Each is bounded; the bounds are in the descriptions.

use std::collections::BTreeMap;

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};

use super::connection::{check_first, Page, PageInfo};
use super::enums::{Direction, EntityKind, GroupKind, RelationType};
use super::error::{ApiError, ApiResult};
use super::kinds::{EntityConnection, Leadership};
use super::query::{graph, parse_id, to_model, Path, MAX_PATH_DEPTH};
use super::views::{EntityView, RelationView};
use super::work::{whole_graph, Stop};
use crate::graph::{self, Graph, RelationRef, Subgraph};
use crate::model::{self, Details};

/// The most edge visits `paths` makes before it stops.
pub const PATHS_BUDGET: usize = 200_000;
/// The most edge visits `traverse` makes before it stops.
pub const TRAVERSAL_BUDGET: usize = 100_000;
/// The most entities a neighbourhood holds.
pub const NEIGHBOURHOOD_BUDGET: usize = 2_000;
/// The deepest neighbourhood.
pub const MAX_NEIGHBOURHOOD_DEPTH: i32 = 5;
/// The most hops one traversal step may take.
pub const MAX_STEP_HOPS: i32 = 5;
/// The most steps a traversal may have.
pub const MAX_STEPS: usize = 8;

fn bad(message: String) -> async_graphql::Error {
    ApiError::bad_input(message).into()
}

/// The entities and relations around an entity, for drawing.
pub struct Neighbourhood<'a> {
    pub sub: Subgraph<'a>,
    pub g: &'a Graph,
}

/// The entities and relations around an entity, for drawing.
#[Object]
impl<'a> Neighbourhood<'a> {
    /// The entities, the root first, then in breadth-first order.
    async fn nodes(&self) -> Vec<EntityView<'a>> {
        self.sub
            .entities
            .iter()
            .map(|e| EntityView::of(e, self.g))
            .collect()
    }

    /// Every relation (of the types asked for) between two of `nodes`.
    async fn relations(&self) -> Vec<RelationView<'a>> {
        self.sub
            .relations
            .iter()
            .map(|&r| RelationView { r, g: self.g })
            .collect()
    }

    /// Whether the budget of 2000 entities stopped the walk before the depth asked for.
    async fn truncated(&self) -> bool {
        self.sub.truncated
    }
}

/// The neighbourhood of `id`, checked and bounded.
pub fn neighbourhood<'a>(
    g: &'a Graph,
    id: &model::EntityId,
    depth: Option<i32>,
    types: Option<Vec<RelationType>>,
    direction: Option<Direction>,
) -> ApiResult<Neighbourhood<'a>> {
    let depth = depth.unwrap_or(1);
    if !(0..=MAX_NEIGHBOURHOOD_DEPTH).contains(&depth) {
        return Err(bad(format!(
            "`depth` must be between 0 and {MAX_NEIGHBOURHOOD_DEPTH}, got {depth}"
        )));
    }
    let types: Option<Vec<model::RelationType>> = to_model(&types);
    let direction = direction.unwrap_or(Direction::Both).into();
    let sub = g
        .neighbourhood(
            id,
            depth as usize,
            types.as_deref(),
            direction,
            NEIGHBOURHOOD_BUDGET,
        )
        .expect("the entity asked about exists");
    Ok(Neighbourhood { sub, g })
}

/// One step of a path pattern.
#[derive(InputObject, Clone)]
pub struct TraversalStep {
    /// Only relations of these types (any when omitted).
    pub types: Option<Vec<RelationType>>,
    /// Which way to follow them.
    #[graphql(default_with = "Direction::Both")]
    pub direction: Direction,
    /// The fewest hops this step takes (1 or more).
    #[graphql(default = 1)]
    pub min_hops: i32,
    /// The most hops this step takes (at most 5).
    #[graphql(default = 1)]
    pub max_hops: i32,
    /// The kinds the step may end on (any when omitted).
    pub kinds: Option<Vec<EntityKind>>,
}

/// An entity reached by a path pattern.
#[derive(SimpleObject)]
pub struct TraversalEdge<'a> {
    /// Pass as `after` to continue after this edge.
    pub cursor: String,
    /// The entity reached.
    pub node: EntityView<'a>,
    /// Hops from the start.
    pub depth: usize,
    /// The (shortest) walk that reached it.
    pub path: Path<'a>,
}

/// The entities a path pattern reaches.
#[derive(SimpleObject)]
pub struct TraversalConnection<'a> {
    /// The entities on this page, by depth, then name.
    pub edges: Vec<TraversalEdge<'a>>,
    /// Where this page stands.
    pub page_info: PageInfo,
    /// How many entities were reached in all.
    pub total_count: usize,
    /// Whether the budget of 100000 edge visits stopped the walk early.
    pub truncated: bool,
}

/// A centrality measure.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::graph::Metric")]
pub enum CentralityMetric {
    /// The number of distinct neighbours.
    Degree,
    /// Brandes' betweenness, normalised by 2/((n-1)(n-2)) as networkx does.
    Betweenness,
    /// PageRank (damping 0.85) with relations taken both ways, as networkx computes it.
    #[graphql(name = "PAGERANK")]
    PageRank,
    /// Closeness with the Wasserman-Faust correction for disconnected graphs (as networkx).
    Closeness,
}

/// An entity's centrality score.
#[derive(SimpleObject)]
pub struct CentralityScore<'a> {
    /// 1 for the highest score.
    pub rank: usize,
    /// The score.
    pub score: f64,
    /// The entity.
    pub entity: EntityView<'a>,
}

/// An entity linked to both entities asked about.
#[derive(SimpleObject)]
pub struct CommonConnection<'a> {
    /// The shared neighbour.
    pub entity: EntityView<'a>,
    /// The relations linking it to `a`.
    pub via_a: Vec<RelationView<'a>>,
    /// The relations linking it to `b`.
    pub via_b: Vec<RelationView<'a>>,
}

/// A connected component.
pub struct Component<'a> {
    members: Vec<&'a model::Entity>,
    g: &'a Graph,
}

/// A connected component: entities linked to each other by some walk.
#[Object]
impl<'a> Component<'a> {
    /// How many entities it holds.
    async fn size(&self) -> usize {
        self.members.len()
    }

    /// Its entities, by kind then id.
    #[graphql(complexity = "first.unwrap_or(50).clamp(1, 100) as usize * child_complexity + 1")]
    async fn entities(
        &self,
        #[graphql(desc = "Page size, 0 to 100.", default_with = "Some(50)")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
    ) -> ApiResult<EntityConnection<'a>> {
        let members = self.members.iter().map(|&e| (e, None));
        let page = Page::cut_from(
            self.members.len(),
            members,
            first,
            after.as_deref(),
            self.g.data_id(),
        )?;
        Ok(EntityConnection::from_page(page, self.g))
    }
}

/// One bucket of an aggregation.
#[derive(SimpleObject)]
pub struct Bucket {
    /// The value grouped by (an enum value's name).
    pub key: String,
    /// How many.
    pub count: usize,
}

/// Counts of the selected entities (and of the relations touching them).
#[derive(SimpleObject)]
pub struct Aggregation {
    /// How many entities were selected.
    pub entity_count: usize,
    /// By kind.
    pub by_kind: Vec<Bucket>,
    /// Relations touching a selected entity, by type.
    pub by_relation_type: Vec<Bucket>,
    /// Groups by kind.
    pub by_group_kind: Vec<Bucket>,
    /// Groups by status.
    pub by_group_status: Vec<Bucket>,
    /// Deliverables by kind.
    pub by_deliverable_kind: Vec<Bucket>,
    /// Deliverables by status.
    pub by_deliverable_status: Vec<Bucket>,
    /// Organisations by category.
    pub by_organisation_category: Vec<Bucket>,
}

/// Which leaderships to list.
#[derive(InputObject, Default)]
pub struct LeadershipWhere {
    /// The group led is of one of these kinds.
    pub group_kind: Option<Vec<GroupKind>>,
    /// The leader is this organisation or a unit of it, or a person affiliated with either.
    pub leader_organisation: Option<ID>,
    /// What is led is this organisation or a unit of it, or a group (or one below a group) that it leads, coordinates or supports.
    pub group_organisation: Option<ID>,
    /// What is led is this group or one below it.
    pub under: Option<ID>,
    /// The role contains this ("chair", "co-leader"...), case- and accent-insensitive.
    pub role: Option<String>,
    /// The leader's name, the name of what is led, or the role contains this.
    pub text: Option<String>,
}

impl LeadershipWhere {
    /// The graph module's filter; malformed ids are BAD_USER_INPUT.
    pub fn to_filter(&self) -> ApiResult<graph::LeadershipFilter> {
        let id = |v: &Option<ID>| v.as_ref().map(|i| parse_id(i)).transpose();
        Ok(graph::LeadershipFilter {
            group_kinds: to_model(&self.group_kind),
            leader_organisation: id(&self.leader_organisation)?,
            group_organisation: id(&self.group_organisation)?,
            under: id(&self.under)?,
            role: self.role.clone(),
            text: self.text.clone(),
        })
    }
}

/// One row of the leadership table.
#[derive(SimpleObject)]
pub struct LeadershipEdge<'a> {
    /// Pass as `after` to continue after this row.
    pub cursor: String,
    /// The leadership.
    pub node: Leadership<'a>,
}

/// The who-leads-what table.
#[derive(SimpleObject)]
pub struct LeadershipConnection<'a> {
    /// The rows on this page, by what is led (kind, name), then leader.
    pub edges: Vec<LeadershipEdge<'a>>,
    /// Where this page stands.
    pub page_info: PageInfo,
    /// How many rows match in all.
    pub total_count: usize,
}

fn buckets<K: Ord + ToString>(counts: BTreeMap<K, usize>) -> Vec<Bucket> {
    counts
        .into_iter()
        .map(|(k, count)| Bucket {
            key: k.to_string(),
            count,
        })
        .collect()
}

/// The shortest paths between two entities, and whether the search was cut.
#[derive(SimpleObject)]
pub struct PathSearch<'a> {
    /// Shortest first, as `paths` answers them.
    pub paths: Vec<Path<'a>>,
    /// Whether the budget of 200000 edge visits stopped the search before
    /// `first` paths were found.
    pub truncated: bool,
}

/// `paths` and `pathSearch`: their arguments checked, then Yen's algorithm.
fn k_paths<'c>(
    ctx: &Context<'c>,
    from: ID,
    to: ID,
    types: Option<Vec<RelationType>>,
    max_depth: Option<i32>,
    first: Option<i32>,
) -> ApiResult<PathSearch<'c>> {
    let g = graph(ctx);
    let (paths, truncated) = k_shortest_paths(g, &from, &to, types, max_depth, first)?;
    Ok(PathSearch {
        paths: paths.into_iter().map(|p| Path::of(p, g)).collect(),
        truncated,
    })
}

/// The paths `paths` and `pathSearch` answer, and whether the budget
/// stopped the search: the arguments checked, then Yen's algorithm.
pub(crate) fn k_shortest_paths<'g>(
    g: &'g Graph,
    from: &ID,
    to: &ID,
    types: Option<Vec<RelationType>>,
    max_depth: Option<i32>,
    first: Option<i32>,
) -> ApiResult<(Vec<graph::Path<'g>>, bool)> {
    let (from, to) = (parse_id(from)?, parse_id(to)?);
    let max_depth = max_depth.unwrap_or(4);
    if !(1..=MAX_PATH_DEPTH).contains(&max_depth) {
        return Err(bad(format!(
            "`maxDepth` must be between 1 and {MAX_PATH_DEPTH}, got {max_depth}"
        )));
    }
    let k = check_first(first.unwrap_or(10))?;
    let types: Option<Vec<model::RelationType>> = to_model(&types);
    Ok(g.k_shortest_paths(
        &from,
        &to,
        types.as_deref(),
        max_depth as usize,
        k,
        PATHS_BUDGET,
    ))
}

/// The analyst's entry points, merged into the root query.
#[derive(Default)]
pub struct AnalyticsQuery;

/// The analyst's entry points.
#[Object]
impl AnalyticsQuery {
    /// The `first` shortest simple paths (no entity twice) between two
    /// entities, relations followed either way (only of `types` when given),
    /// each of at most `maxDepth` relations (1 to 10). Shortest first, in a
    /// fixed order for the same data. Yen's algorithm; stops early, with
    /// fewer paths, after 200000 edge visits (`pathSearch` says when).
    async fn paths<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(desc = "Where the paths start.")] from: ID,
        #[graphql(desc = "Where they end.")] to: ID,
        #[graphql(desc = "Only relations of these types (any when omitted).")] types: Option<
            Vec<RelationType>,
        >,
        #[graphql(desc = "The longest path, 1 to 10.", default_with = "Some(4)")] max_depth: Option<
            i32,
        >,
        #[graphql(desc = "How many paths at most, 0 to 100.", default_with = "Some(10)")]
        first: Option<i32>,
    ) -> ApiResult<Vec<Path<'c>>> {
        k_paths(ctx, from, to, types, max_depth, first).map(|found| found.paths)
    }

    /// The paths `paths` answers, with whether its budget of 200000 edge
    /// visits stopped the search before `first` paths were found (there may
    /// then be more paths within `maxDepth`).
    async fn path_search<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(desc = "Where the paths start.")] from: ID,
        #[graphql(desc = "Where they end.")] to: ID,
        #[graphql(desc = "Only relations of these types (any when omitted).")] types: Option<
            Vec<RelationType>,
        >,
        #[graphql(desc = "The longest path, 1 to 10.", default_with = "Some(4)")] max_depth: Option<
            i32,
        >,
        #[graphql(desc = "How many paths at most, 0 to 100.", default_with = "Some(10)")]
        first: Option<i32>,
    ) -> ApiResult<PathSearch<'c>> {
        k_paths(ctx, from, to, types, max_depth, first)
    }

    /// A path pattern: from the `from` entities, each step follows 1 or
    /// more relations (`minHops` to `maxHops`, at most 5) of its types and
    /// direction and ends on one of its kinds. Answers each entity the last
    /// step reaches once, with its depth and the shortest walk found. At most
    /// 8 steps; stops after 100000 edge visits (`truncated`).
    async fn traverse<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(desc = "Where to start (at most 100 ids).")] from: Vec<ID>,
        #[graphql(desc = "The steps, in order (1 to 8).")] steps: Vec<TraversalStep>,
        #[graphql(desc = "Page size, 0 to 100.", default_with = "Some(50)")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
    ) -> ApiResult<TraversalConnection<'c>> {
        let g = graph(ctx);
        if from.len() > 100 {
            return Err(bad(format!("`from` holds {} ids; at most 100", from.len())));
        }
        if steps.is_empty() || steps.len() > MAX_STEPS {
            return Err(bad(format!(
                "`steps` must hold 1 to {MAX_STEPS} steps, got {}",
                steps.len()
            )));
        }
        let starts = from
            .iter()
            .map(|id| parse_id(id))
            .collect::<Result<Vec<_>, _>>()?;
        let mut plan = Vec::with_capacity(steps.len());
        for (i, s) in steps.iter().enumerate() {
            if s.min_hops < 1 || s.max_hops < s.min_hops || s.max_hops > MAX_STEP_HOPS {
                return Err(bad(format!(
                    "step {i}: need 1 <= minHops <= maxHops <= {MAX_STEP_HOPS}, got minHops {} and maxHops {}",
                    s.min_hops, s.max_hops
                )));
            }
            plan.push(graph::Step {
                types: to_model(&s.types),
                direction: s.direction.into(),
                min_hops: s.min_hops as usize,
                max_hops: s.max_hops as usize,
                kinds: to_model(&s.kinds),
            });
        }
        let result = g.traverse(&starts, &plan, TRAVERSAL_BUDGET);
        let page = Page::cut(result.reached, first, after.as_deref(), g.data_id())?;
        let page_info = page.page_info();
        let total_count = page.total;
        let edges = page
            .with_cursors()
            .map(|(cursor, r)| TraversalEdge {
                cursor,
                node: EntityView::of(r.entity, g),
                depth: r.depth,
                path: Path::of(r.path, g),
            })
            .collect();
        Ok(TraversalConnection {
            edges,
            page_info,
            total_count,
            truncated: result.truncated,
        })
    }

    /// The who-leads-what table: one row per leadership (a LEADS relation),
    /// with the leader, the role, what is led, the chain above it and the
    /// leader's affiliations. Also at `GET /export/leadership.csv`.
    #[graphql(complexity = "first.unwrap_or(50).clamp(1, 100) as usize * child_complexity + 1")]
    async fn leadership<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(name = "where", desc = "Which rows (all when omitted or null).")] filter: Option<
            LeadershipWhere,
        >,
        #[graphql(desc = "Page size, 0 to 100.", default_with = "Some(50)")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
    ) -> ApiResult<LeadershipConnection<'c>> {
        let g = graph(ctx);
        let filter = filter.unwrap_or_default().to_filter()?;
        let rows = whole_graph(ctx, || g.leaderships(&filter)).await;
        let page = Page::cut(rows, first, after.as_deref(), g.data_id())?;
        let page_info = page.page_info();
        let total_count = page.total;
        let edges = page
            .with_cursors()
            .map(|(cursor, row)| LeadershipEdge {
                cursor,
                node: Leadership { r: row.relation, g },
            })
            .collect();
        Ok(LeadershipConnection {
            edges,
            page_info,
            total_count,
        })
    }

    /// Entities ranked by a centrality measure over relations of `types`
    /// (taken either way), highest first (ties by id). Scores are computed
    /// once per graph snapshot and type filter. Betweenness and closeness are
    /// refused on graphs of more than 50000 entities.
    async fn centrality<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(desc = "The measure.")] metric: CentralityMetric,
        #[graphql(
            desc = "Only rank these kinds (all when omitted); the measure still uses the whole graph."
        )]
        kinds: Option<Vec<EntityKind>>,
        #[graphql(desc = "Only relations of these types (all when omitted).")] types: Option<
            Vec<RelationType>,
        >,
        #[graphql(desc = "How many at most, 0 to 100.", default_with = "Some(10)")] first: Option<
            i32,
        >,
    ) -> ApiResult<Vec<CentralityScore<'c>>> {
        let g = graph(ctx);
        let limit = check_first(first.unwrap_or(10))?;
        let types: Option<Vec<model::RelationType>> = to_model(&types);
        let kinds: Option<Vec<model::EntityKind>> = to_model(&kinds);
        let stop = Stop::of(ctx);
        let stopped = || stop.as_ref().is_some_and(Stop::stopped);
        let scores = whole_graph(ctx, || {
            g.centrality_until(metric.into(), types.as_deref(), &stopped)
        })
        .await
        .map_err(|err| bad(err.to_string()))?;
        let mut ranked: Vec<(usize, f64)> = scores
            .iter()
            .copied()
            .enumerate()
            .filter(|(i, _)| {
                kinds
                    .as_ref()
                    .is_none_or(|k| k.contains(&g.entities()[*i].kind()))
            })
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(ranked
            .into_iter()
            .take(limit)
            .enumerate()
            .map(|(rank, (i, score))| CentralityScore {
                rank: rank + 1,
                score,
                entity: EntityView::of(&g.entities()[i], g),
            })
            .collect())
    }

    /// Entities linked to both `a` and `b` by relations of `types` (either
    /// way), by name: "what do these two have in common?".
    async fn common_connections<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(desc = "One entity.")] a: ID,
        #[graphql(desc = "The other.")] b: ID,
        #[graphql(desc = "Only relations of these types (all when omitted).")] types: Option<
            Vec<RelationType>,
        >,
        #[graphql(desc = "How many at most, 0 to 100.", default_with = "Some(10)")] first: Option<
            i32,
        >,
    ) -> ApiResult<Vec<CommonConnection<'c>>> {
        let g = graph(ctx);
        let (a, b) = (parse_id(&a)?, parse_id(&b)?);
        let limit = check_first(first.unwrap_or(10))?;
        let types: Option<Vec<model::RelationType>> = to_model(&types);
        let rel = |r: RelationRef<'c>| RelationView { r, g };
        Ok(g.common_connections(&a, &b, types.as_deref())
            .into_iter()
            .take(limit)
            .map(|(e, via_a, via_b)| CommonConnection {
                entity: EntityView::of(e, g),
                via_a: via_a.into_iter().map(rel).collect(),
                via_b: via_b.into_iter().map(rel).collect(),
            })
            .collect())
    }

    /// The connected components over relations of `types` (either way),
    /// largest first. `stats.componentCount` counts them all.
    async fn components<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(desc = "Only relations of these types (all when omitted).")] types: Option<
            Vec<RelationType>,
        >,
        #[graphql(
            desc = "How many components at most, 0 to 100.",
            default_with = "Some(10)"
        )]
        first: Option<i32>,
    ) -> ApiResult<Vec<Component<'c>>> {
        let g = graph(ctx);
        let limit = check_first(first.unwrap_or(10))?;
        let types: Option<Vec<model::RelationType>> = to_model(&types);
        Ok(whole_graph(ctx, || g.components(types.as_deref()))
            .await
            .into_iter()
            .take(limit)
            .map(|members| Component { members, g })
            .collect())
    }

    /// Counts of entities grouped by kind, group kind and status,
    /// deliverable kind and status, organisation category, and of the
    /// relations touching them by type; over the entities that match.
    async fn aggregate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only these kinds (all when omitted).")] kinds: Option<Vec<EntityKind>>,
        #[graphql(
            name = "where",
            desc = "Which entities (the lists' filters; all when omitted or null)."
        )]
        filter: Option<super::query::EntityFilter>,
    ) -> ApiResult<Aggregation> {
        let g = graph(ctx);
        let common = super::query::Common::new(g, &filter.unwrap_or_default())?;
        let kinds: Option<Vec<model::EntityKind>> = to_model(&kinds);
        Ok(whole_graph(ctx, || aggregation(g, kinds.as_deref(), &common)).await)
    }
}

/// `aggregate`'s counts over the entities of `kinds` that `common` keeps.
fn aggregation(
    g: &Graph,
    kinds: Option<&[model::EntityKind]>,
    common: &super::query::Common<'_>,
) -> Aggregation {
    let selected: Vec<&model::Entity> = g
        .entities()
        .iter()
        .filter(|e| kinds.is_none_or(|k| k.contains(&e.kind())))
        .filter(|e| common.keeps(e))
        .collect();
    let mut by_kind = BTreeMap::new();
    let mut by_group_kind = BTreeMap::new();
    let mut by_group_status = BTreeMap::new();
    let mut by_deliverable_kind = BTreeMap::new();
    let mut by_deliverable_status = BTreeMap::new();
    let mut by_category = BTreeMap::new();
    for e in &selected {
        *by_kind.entry(e.kind()).or_insert(0) += 1;
        match &e.details {
            Details::Group {
                group_kind, status, ..
            } => {
                *by_group_kind.entry(*group_kind).or_insert(0) += 1;
                *by_group_status.entry(*status).or_insert(0) += 1;
            }
            Details::Deliverable {
                deliverable_kind,
                status,
                ..
            } => {
                *by_deliverable_kind.entry(*deliverable_kind).or_insert(0) += 1;
                *by_deliverable_status.entry(*status).or_insert(0) += 1;
            }
            Details::Organisation { category, .. } => {
                *by_category.entry(*category).or_insert(0) += 1;
            }
            _ => {}
        }
    }
    let by_relation_type = g
        .relations_touching(selected.iter().copied())
        .into_iter()
        .filter(|&(_, n)| n > 0)
        .collect();
    Aggregation {
        entity_count: selected.len(),
        by_kind: buckets(by_kind),
        by_relation_type: buckets(by_relation_type),
        by_group_kind: buckets(by_group_kind),
        by_group_status: buckets(by_group_status),
        by_deliverable_kind: buckets(by_deliverable_kind),
        by_deliverable_status: buckets(by_deliverable_status),
        by_organisation_category: buckets(by_category),
    }
}
