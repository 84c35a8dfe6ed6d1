//! Plans: documents asked again, answered without async-graphql's executor.
//!
//! async-graphql resolves every field through a boxed future and builds a
//! tree of values that is then written as JSON; for a page of relations
//! that is most of a request's time. A plan is the document's operation
//! compiled once: its fields collected for each concrete type they can
//! meet (the spec's CollectFields), its arguments parsed when they are
//! literals and kept as names when they are variables. Asked again, with
//! the same variables or others, the plan writes the response's JSON
//! straight from the graph, through the functions the resolvers call
//! ([`parse_id`], [`Node::relation_page`], [`entities_page`],
//! [`search_hits`], [`shortest_path`], [`k_shortest_paths`],
//! [`neighbourhood`], [`Node::linked_page`], the kinds' fields on
//! [`Node`]): only the writing of fields is a plan's own.
//!
//! A plan is made only for an operation async-graphql has already run
//! without an error (so the document is valid), and only of what a plan
//! knows: `entity` and `relation` by id, the page of every entity
//! (`entities`), `search`, `shortestPath`, `paths` and `pathSearch`, the
//! fields every entity has (`neighbourhood` included), the kinds' own
//! fields that are values (`acronym`, `groupKind`, `date`...), their
//! typed lists in edge order (a group's `supporters`, a person's
//! `spokeAt`; not an event's `sessions`, sorted by number), a
//! relation's fields, a page of relations, sources and their documents,
//! `pageInfo`, `__typename`; `@skip` and `@include` with a literal
//! condition. Anything else leaves the document to async-graphql.
//! So does any request a plan could not answer exactly as async-graphql
//! would: a variable that does not parse as its argument, a malformed id,
//! a page size out of bounds, a stale cursor (each an error, which
//! async-graphql words). The tests compare the two byte for byte.

use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::parser::types::{
    Directive, ExecutableDocument, Field, OperationType, Selection, SelectionSet,
};
use async_graphql::resolver_utils::EnumType;
use async_graphql::{InputType, Name, Positioned, Value, Variables, ID};

use super::analytics::{k_shortest_paths, neighbourhood};
use super::connection::{cursor, Page, PageInfo};
use super::enums::{Direction, EntityKind, RelationType};
use super::kinds::{
    DeliverableConnection, EventConnection, GroupConnection, Linked, OrganisationConnection,
    PersonConnection,
};
use super::query::{
    entities_page, parse_id, search_hits, shortest_path, DeliverableFilter, EntityOrder,
    EventFilter, GroupFilter, KindFilter, KindList, OrganisationFilter, PersonFilter,
};
use super::views::{Node, TypedList};
use crate::graph::{self, EdgeRef, Graph, RelationRef};
use crate::model::{self, SourceRef};

/// A compiled query operation (see the module's notes).
#[derive(Debug)]
pub struct Plan {
    fields: Fields<RootField>,
    /// The operation's variables that have a default.
    defaults: Vec<(Name, Value)>,
    /// The length of the last response, to size the next one's buffer.
    last_len: AtomicUsize,
}

/// A selection set's fields for one concrete type, in response order.
type Fields<F> = Vec<(Key, F)>;

/// A response key as it is written: `"key":` (a response key is a GraphQL
/// name: nothing in it needs escaping).
#[derive(Debug)]
struct Key(Box<[u8]>);

impl Key {
    fn new(name: &str) -> Key {
        Key([b"\"", name.as_bytes(), b"\":"].concat().into())
    }
}

/// An argument: parsed once when it is written in the document, or named
/// by a variable and parsed from the request's value each time.
#[derive(Debug)]
enum Arg<T> {
    Fixed(T),
    Variable(Name),
}

#[derive(Debug)]
enum RootField {
    Typename,
    Entity(Arg<ID>, Box<EntityPlan>),
    Relation(Arg<ID>, Box<Fields<RelationField>>),
    Entities(Box<EntitiesArgs>, Fields<EntityConnectionField>),
    /// `organisations`, `people`...: a kind's list.
    KindList(Box<KindListArgs>, Fields<EntityConnectionField>),
    Search(Box<SearchArgs>, Fields<SearchHitField>),
    ShortestPath(Box<PathArgs>, Fields<PathField>),
    Paths(Box<PathArgs>, Fields<PathField>),
    PathSearch(Box<PathArgs>, Fields<PathSearchField>),
}

/// The arguments of `shortestPath`, `paths` and `pathSearch` (`first`,
/// which `shortestPath` does not have, is then `None`).
#[derive(Debug)]
struct PathArgs {
    from: Arg<ID>,
    to: Arg<ID>,
    types: Arg<Option<Vec<RelationType>>>,
    max_depth: Arg<Option<i32>>,
    first: Arg<Option<i32>>,
}

#[derive(Debug)]
enum PathField {
    Typename,
    Length,
    Nodes(Box<EntityPlan>),
    Relations(Fields<RelationField>),
}

#[derive(Debug)]
enum PathSearchField {
    Typename,
    Paths(Fields<PathField>),
    Truncated,
}

#[derive(Debug)]
struct SearchArgs {
    query: Arg<String>,
    kinds: Arg<Option<Vec<EntityKind>>>,
    first: Arg<Option<i32>>,
}

#[derive(Debug)]
enum SearchHitField {
    Typename,
    Score,
    Entity(Box<EntityPlan>),
}

#[derive(Debug)]
struct EntitiesArgs {
    kinds: Arg<Option<Vec<EntityKind>>>,
    first: Arg<Option<i32>>,
    after: Arg<Option<String>>,
}

/// The arguments of a kind's list.
#[derive(Debug)]
struct KindListArgs {
    filter: KindWhere,
    order_by: Arg<Option<EntityOrder>>,
    page: PageArgs,
}

/// A kind's list's `where`, of its kind's filter type (left out: `None`,
/// the empty filter).
#[derive(Debug)]
enum KindWhere {
    Organisation(Arg<Option<OrganisationFilter>>),
    Person(Arg<Option<PersonFilter>>),
    Group(Arg<Option<GroupFilter>>),
    Deliverable(Arg<Option<DeliverableFilter>>),
    Event(Arg<Option<EventFilter>>),
}

/// A page of entities (`EntityConnection`, or a typed list's connection:
/// `GroupConnection`...); `__typename` gives the connection's name.
#[derive(Debug)]
enum EntityConnectionField {
    Typename(&'static str),
    TotalCount,
    PageInfo(Fields<PageInfoField>),
    Edges(Fields<EntityEdgeField>),
}

#[derive(Debug)]
enum EntityEdgeField {
    Typename(&'static str),
    Cursor,
    Node(Box<EntityPlan>),
    Relation(Fields<RelationField>),
    Role,
}

/// An entity's fields, for each of the five kinds (in [`model::EntityKind`]
/// order): fragments on one type apply to that type alone.
#[derive(Debug)]
struct EntityPlan([Fields<EntityField>; 5]);

#[derive(Debug)]
enum EntityField {
    Typename,
    Id,
    Kind,
    Name,
    Aliases,
    Description,
    Note,
    Sources(Fields<SourceField>),
    Relations(Box<RelationsArgs>, Fields<ConnectionField>),
    RelationCount(Arg<Option<Vec<RelationType>>>, Arg<Option<Direction>>),
    Neighbourhood(Box<NeighbourhoodArgs>, Fields<NeighbourhoodField>),
    /// A field of one kind's type.
    Own(OwnField),
    /// A typed list of one kind's type (a group's `supporters`).
    List(TypedList, Box<PageArgs>, Fields<EntityConnectionField>),
}

/// `first` and `after`.
#[derive(Debug)]
struct PageArgs {
    first: Arg<Option<i32>>,
    after: Arg<Option<String>>,
}

/// The kinds' own fields that are values (not lists of other entities).
#[derive(Debug, Clone, Copy)]
enum OwnField {
    Acronym,
    Category,
    Honorific,
    Titles,
    GroupKind,
    GroupNumber,
    GroupStatus,
    DeliverableKind,
    DeliverableStatus,
    Url,
    EventKind,
    Date,
    EventNumber,
}

impl OwnField {
    /// The field `name` of the type `on`, if it is one.
    fn of(on: &str, name: &str) -> Option<OwnField> {
        Some(match (on, name) {
            ("Organisation", "acronym") => OwnField::Acronym,
            ("Organisation", "category") => OwnField::Category,
            ("Person", "honorific") => OwnField::Honorific,
            ("Person", "titles") => OwnField::Titles,
            ("Group", "groupKind") => OwnField::GroupKind,
            ("Group", "number") => OwnField::GroupNumber,
            ("Group", "status") => OwnField::GroupStatus,
            ("Deliverable", "deliverableKind") => OwnField::DeliverableKind,
            ("Deliverable", "status") => OwnField::DeliverableStatus,
            ("Deliverable", "url") => OwnField::Url,
            ("Event", "eventKind") => OwnField::EventKind,
            ("Event", "date") => OwnField::Date,
            ("Event", "number") => OwnField::EventNumber,
            _ => return None,
        })
    }
}

#[derive(Debug)]
struct RelationsArgs {
    types: Arg<Option<Vec<RelationType>>>,
    direction: Arg<Option<Direction>>,
    first: Arg<Option<i32>>,
    after: Arg<Option<String>>,
}

#[derive(Debug)]
struct NeighbourhoodArgs {
    depth: Arg<Option<i32>>,
    types: Arg<Option<Vec<RelationType>>>,
    direction: Arg<Option<Direction>>,
}

#[derive(Debug)]
enum NeighbourhoodField {
    Typename,
    Nodes(Box<EntityPlan>),
    Relations(Fields<RelationField>),
    Truncated,
}

#[derive(Debug)]
enum ConnectionField {
    Typename,
    TotalCount,
    PageInfo(Fields<PageInfoField>),
    Edges(Fields<EdgeField>),
}

#[derive(Debug)]
enum PageInfoField {
    Typename,
    HasNextPage,
    HasPreviousPage,
    StartCursor,
    EndCursor,
}

#[derive(Debug)]
enum EdgeField {
    Typename,
    Cursor,
    Direction,
    Node(Box<EntityPlan>),
    Relation(Fields<RelationField>),
}

#[derive(Debug)]
enum RelationField {
    Typename,
    Id,
    Type,
    From(Box<EntityPlan>),
    To(Box<EntityPlan>),
    Role,
    Note,
    Sources(Fields<SourceField>),
}

#[derive(Debug)]
enum SourceField {
    Typename,
    Document,
    Section,
    Quote,
    DocumentInfo(Fields<DocumentField>),
}

#[derive(Debug)]
enum DocumentField {
    Typename,
    Key,
    Title,
    Publisher,
    Date,
    Url,
}

/// The typed list `name` of the entity type `on` (GraphQL names: `Group`,
/// `memberOf`), if it is one.
fn typed_list(on: &str, name: &str) -> Option<TypedList> {
    use super::kinds::{DeliverableView, EventView, GroupView, OrganisationView, PersonView};
    let lists = match on {
        "Organisation" => OrganisationView::LISTS,
        "Person" => PersonView::LISTS,
        "Group" => GroupView::LISTS,
        "Deliverable" => DeliverableView::LISTS,
        "Event" => EventView::LISTS,
        _ => return None,
    };
    // The resolvers' names are snake case; GraphQL's are camel case.
    let camel = |snake: &str| {
        let mut words = snake.split('_');
        let mut out = words.next().unwrap_or_default().to_owned();
        for word in words {
            let mut chars = word.chars();
            out.extend(chars.next().map(|c| c.to_ascii_uppercase()));
            out.push_str(chars.as_str());
        }
        out
    };
    lists.iter().find(|list| camel(list.field) == name).copied()
}

/// The GraphQL name of each entity kind's type, in [`model::EntityKind`] order.
const ENTITY_TYPES: [&str; 5] = ["Organisation", "Person", "Group", "Deliverable", "Event"];

/// The type a selection set is collected for: its name and the interfaces
/// it implements (which fragments may name as their type condition).
#[derive(Clone, Copy)]
struct On {
    name: &'static str,
    interfaces: &'static [&'static str],
}

impl On {
    const fn object(name: &'static str) -> On {
        On {
            name,
            interfaces: &[],
        }
    }

    fn matches(self, condition: &str) -> bool {
        condition == self.name || self.interfaces.contains(&condition)
    }
}

const ENTITY_INTERFACES: &[&str] = &["Entity", "Node"];
const RELATION: On = On {
    name: "Relation",
    interfaces: &["Node"],
};

/// Compiles one operation of a document.
struct Compiler<'d> {
    doc: &'d ExecutableDocument,
}

/// A response key and the fields the document asks under it.
type Group<'d> = (Name, Vec<&'d Field>);

impl Plan {
    /// The plan of the operation `operation_name` selects in `doc` (a
    /// document async-graphql has validated); `None` when it asks for
    /// anything a plan does not know.
    pub fn compile(doc: &ExecutableDocument, operation_name: Option<&str>) -> Option<Plan> {
        let op = super::selected_operation(doc, operation_name)?;
        if op.ty != OperationType::Query || !op.directives.is_empty() {
            return None;
        }
        let defaults = op
            .variable_definitions
            .iter()
            .filter_map(|v| {
                let v = &v.node;
                Some((v.name.node.clone(), v.default_value()?.clone()))
            })
            .collect();
        let compiler = Compiler { doc };
        let groups = compiler.collect(&op.selection_set.node, On::object("Query"))?;
        let fields = groups
            .into_iter()
            .map(|(key, fields)| {
                let field = single(&fields)?;
                let plan = match field.name.node.as_str() {
                    "__typename" => RootField::Typename,
                    "entity" => RootField::Entity(
                        arg(field, "id")?,
                        Box::new(compiler.entity(&field.selection_set.node)?),
                    ),
                    "relation" => RootField::Relation(
                        arg(field, "id")?,
                        Box::new(compiler.relation(&field.selection_set.node)?),
                    ),
                    "search" => RootField::Search(
                        Box::new(SearchArgs {
                            query: arg(field, "query")?,
                            kinds: arg(field, "kinds")?,
                            first: arg(field, "first")?,
                        }),
                        compiler.fields(
                            &field.selection_set.node,
                            On::object("SearchHit"),
                            |f| {
                                Some(match f.name.node.as_str() {
                                    "__typename" => SearchHitField::Typename,
                                    "score" => SearchHitField::Score,
                                    "entity" => SearchHitField::Entity(Box::new(
                                        compiler.entity(&f.selection_set.node)?,
                                    )),
                                    _ => return None,
                                })
                            },
                        )?,
                    ),
                    "entities" => RootField::Entities(
                        Box::new(EntitiesArgs {
                            kinds: arg(field, "kinds")?,
                            first: arg(field, "first")?,
                            after: arg(field, "after")?,
                        }),
                        compiler.entity_connection(
                            &field.selection_set.node,
                            ("EntityConnection", "EntityEdge"),
                        )?,
                    ),
                    name @ ("organisations" | "people" | "groups" | "deliverables" | "events") => {
                        let (filter, names) = match name {
                            "organisations" => (
                                KindWhere::Organisation(arg(field, "where")?),
                                OrganisationConnection::NAMES,
                            ),
                            "people" => (
                                KindWhere::Person(arg(field, "where")?),
                                PersonConnection::NAMES,
                            ),
                            "groups" => (
                                KindWhere::Group(arg(field, "where")?),
                                GroupConnection::NAMES,
                            ),
                            "deliverables" => (
                                KindWhere::Deliverable(arg(field, "where")?),
                                DeliverableConnection::NAMES,
                            ),
                            _ => (
                                KindWhere::Event(arg(field, "where")?),
                                EventConnection::NAMES,
                            ),
                        };
                        RootField::KindList(
                            Box::new(KindListArgs {
                                filter,
                                order_by: arg(field, "orderBy")?,
                                page: PageArgs {
                                    first: arg(field, "first")?,
                                    after: arg(field, "after")?,
                                },
                            }),
                            compiler.entity_connection(&field.selection_set.node, names)?,
                        )
                    }
                    "shortestPath" => RootField::ShortestPath(
                        Box::new(path_args(field)?),
                        compiler.path(&field.selection_set.node)?,
                    ),
                    "paths" => RootField::Paths(
                        Box::new(path_args(field)?),
                        compiler.path(&field.selection_set.node)?,
                    ),
                    "pathSearch" => RootField::PathSearch(
                        Box::new(path_args(field)?),
                        compiler.fields(
                            &field.selection_set.node,
                            On::object("PathSearch"),
                            |f| {
                                Some(match f.name.node.as_str() {
                                    "__typename" => PathSearchField::Typename,
                                    "paths" => PathSearchField::Paths(
                                        compiler.path(&f.selection_set.node)?,
                                    ),
                                    "truncated" => PathSearchField::Truncated,
                                    _ => return None,
                                })
                            },
                        )?,
                    ),
                    _ => return None,
                };
                Some((Key::new(&key), plan))
            })
            .collect::<Option<_>>()?;
        Some(Plan {
            fields,
            defaults,
            last_len: AtomicUsize::new(0),
        })
    }

    /// The response's JSON (`{"data":...}`) for `variables`, read from `g`;
    /// `None` when async-graphql must answer (its words for an error).
    pub fn run(&self, g: &Graph, variables: &Variables) -> Option<Vec<u8>> {
        let mut run = Run {
            g,
            variables,
            defaults: &self.defaults,
            out: Vec::with_capacity(self.last_len.load(Ordering::Relaxed) + 64),
        };
        if self.fields.is_empty() {
            // Every field skipped (see `Run::object`).
            return Some(b"{\"data\":null}".to_vec());
        }
        run.out.extend_from_slice(b"{\"data\":{");
        for (i, (key, field)) in self.fields.iter().enumerate() {
            run.key(i, key);
            match field {
                RootField::Typename => run.name("Query"),
                RootField::Entity(id, plan) => {
                    let id = parse_id(&run.arg(id)?).ok()?;
                    match g.entity(id.as_str()) {
                        Some(e) => run.entity(Node { e, g }, plan)?,
                        None => run.null(),
                    }
                }
                RootField::Relation(id, fields) => match g.relation(&run.arg(id)?) {
                    Some(r) => run.relation(r, fields)?,
                    None => run.null(),
                },
                RootField::Search(args, fields) => {
                    let query = run.arg(&args.query)?;
                    let hits = search_hits(g, &query, run.arg(&args.kinds)?, run.arg(&args.first)?)
                        .ok()?;
                    run.list(hits, |run, (e, score)| {
                        run.object(fields, |run, field| {
                            match field {
                                SearchHitField::Typename => run.name("SearchHit"),
                                SearchHitField::Score => run.float(score)?,
                                SearchHitField::Entity(plan) => run.entity(Node { e, g }, plan)?,
                            }
                            Some(())
                        })
                    })?;
                }
                RootField::Entities(args, fields) => {
                    let after = run.arg(&args.after)?;
                    let page = entities_page(
                        g,
                        run.arg(&args.kinds)?,
                        run.arg(&args.first)?,
                        after.as_deref(),
                    )
                    .ok()?;
                    run.entity_connection(&page, fields)?;
                }
                RootField::KindList(args, fields) => {
                    let page = match &args.filter {
                        KindWhere::Organisation(filter) => run.kind_page(filter, args)?,
                        KindWhere::Person(filter) => run.kind_page(filter, args)?,
                        KindWhere::Group(filter) => run.kind_page(filter, args)?,
                        KindWhere::Deliverable(filter) => run.kind_page(filter, args)?,
                        KindWhere::Event(filter) => run.kind_page(filter, args)?,
                    };
                    run.entity_connection(&page, fields)?;
                }
                RootField::ShortestPath(args, fields) => {
                    let path = shortest_path(
                        g,
                        &run.arg(&args.from)?,
                        &run.arg(&args.to)?,
                        run.arg(&args.types)?,
                        run.arg(&args.max_depth)?,
                    )
                    .ok()?;
                    match path {
                        Some(path) => run.path(&path, fields)?,
                        None => run.null(),
                    }
                }
                RootField::Paths(args, fields) => {
                    let (paths, _) = run.k_shortest_paths(args)?;
                    run.list(&paths, |run, path| run.path(path, fields))?;
                }
                RootField::PathSearch(args, fields) => {
                    let (paths, truncated) = run.k_shortest_paths(args)?;
                    run.object(fields, |run, field| {
                        match field {
                            PathSearchField::Typename => run.name("PathSearch"),
                            PathSearchField::Paths(fields) => {
                                run.list(&paths, |run, path| run.path(path, fields))?
                            }
                            PathSearchField::Truncated => run.bool(truncated),
                        }
                        Some(())
                    })?;
                }
            }
        }
        run.out.extend_from_slice(b"}}");
        self.last_len.store(run.out.len(), Ordering::Relaxed);
        Some(run.out)
    }
}

/// The one field asked under a response key. The same key may be asked
/// more than once (the document is valid, so always for the same field
/// with the same arguments); for a leaf that answers once, but the spec
/// merges the selections of an object asked twice, which plans leave to
/// async-graphql.
fn single<'d>(fields: &[&'d Field]) -> Option<&'d Field> {
    let first = *fields.first()?;
    (fields.len() == 1 || first.selection_set.node.items.is_empty()).then_some(first)
}

/// A field's argument `name`, as written (parsed now) or as a variable.
fn arg<T: InputType>(field: &Field, name: &str) -> Option<Arg<T>> {
    match field.get_argument(name).map(|v| &v.node) {
        Some(async_graphql_value::Value::Variable(var)) => Some(Arg::Variable(var.clone())),
        Some(value) => Some(Arg::Fixed(
            T::parse(Some(value.clone().into_const()?)).ok()?,
        )),
        None => Some(Arg::Fixed(T::parse(None).ok()?)),
    }
}

/// The arguments of a field that finds paths.
fn path_args(field: &Field) -> Option<PathArgs> {
    Some(PathArgs {
        from: arg(field, "from")?,
        to: arg(field, "to")?,
        types: arg(field, "types")?,
        max_depth: arg(field, "maxDepth")?,
        first: arg(field, "first")?,
    })
}

/// Whether `@skip` and `@include` keep a selection; `None` for any other
/// directive, or a condition a variable gives.
fn kept(directives: &[Positioned<Directive>]) -> Option<bool> {
    let mut keep = true;
    for d in directives {
        let d = &d.node;
        let condition = match d.get_argument("if").map(|v| &v.node) {
            Some(async_graphql_value::Value::Boolean(b)) => *b,
            _ => return None,
        };
        match d.name.node.as_str() {
            "skip" => keep &= !condition,
            "include" => keep &= condition,
            _ => return None,
        }
    }
    Some(keep)
}

impl<'d> Compiler<'d> {
    /// The fields of `set` for an object of type `on`, grouped by response
    /// key in the order they first appear (the spec's CollectFields).
    fn collect(&self, set: &'d SelectionSet, on: On) -> Option<Vec<Group<'d>>> {
        let mut groups = Vec::new();
        let mut visited = Vec::new();
        self.collect_into(set, on, &mut groups, &mut visited)?;
        Some(groups)
    }

    fn collect_into(
        &self,
        set: &'d SelectionSet,
        on: On,
        groups: &mut Vec<Group<'d>>,
        visited: &mut Vec<&'d str>,
    ) -> Option<()> {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    if !kept(&field.directives)? {
                        continue;
                    }
                    let key = field.response_key().node.clone();
                    match groups.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, fields)) => fields.push(field),
                        None => groups.push((key, vec![field])),
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let spread = &spread.node;
                    let name = spread.fragment_name.node.as_str();
                    if !kept(&spread.directives)? || visited.contains(&name) {
                        continue;
                    }
                    visited.push(name);
                    let fragment = &self.doc.fragments.get(name)?.node;
                    if !fragment.directives.is_empty() {
                        return None;
                    }
                    if on.matches(&fragment.type_condition.node.on.node) {
                        self.collect_into(&fragment.selection_set.node, on, groups, visited)?;
                    }
                }
                Selection::InlineFragment(inline) => {
                    let inline = &inline.node;
                    if !kept(&inline.directives)? {
                        continue;
                    }
                    let applies = inline
                        .type_condition
                        .as_ref()
                        .is_none_or(|c| on.matches(&c.node.on.node));
                    if applies {
                        self.collect_into(&inline.selection_set.node, on, groups, visited)?;
                    }
                }
            }
        }
        Some(())
    }

    /// Compiles the fields of `set` for `on`, each by `field`.
    fn fields<F>(
        &self,
        set: &'d SelectionSet,
        on: On,
        field: impl Fn(&'d Field) -> Option<F>,
    ) -> Option<Fields<F>> {
        self.collect(set, on)?
            .into_iter()
            .map(|(key, fields)| Some((Key::new(&key), field(single(&fields)?)?)))
            .collect()
    }

    fn entity(&self, set: &'d SelectionSet) -> Option<EntityPlan> {
        self.entity_of(set, None)
    }

    /// An entity's fields, for the kind whose type is `only` (the nodes of
    /// a `GroupConnection` are groups) or, when `None`, for every kind.
    fn entity_of(&self, set: &'d SelectionSet, only: Option<&str>) -> Option<EntityPlan> {
        let mut kinds = ENTITY_TYPES.iter().map(|&name| {
            if only.is_some_and(|only| only != name) {
                return Some(Vec::new());
            }
            let on = On {
                name,
                interfaces: ENTITY_INTERFACES,
            };
            self.fields(set, on, |f| self.entity_field(f, on))
        });
        let mut next = || kinds.next().flatten();
        Some(EntityPlan([next()?, next()?, next()?, next()?, next()?]))
    }

    fn entity_field(&self, f: &'d Field, on: On) -> Option<EntityField> {
        let set = &f.selection_set.node;
        Some(match f.name.node.as_str() {
            "__typename" => EntityField::Typename,
            "id" => EntityField::Id,
            "kind" => EntityField::Kind,
            "name" => EntityField::Name,
            "aliases" => EntityField::Aliases,
            "description" => EntityField::Description,
            "note" => EntityField::Note,
            "sources" => EntityField::Sources(self.sources(set)?),
            "relations" => EntityField::Relations(
                Box::new(RelationsArgs {
                    types: arg(f, "types")?,
                    direction: arg(f, "direction")?,
                    first: arg(f, "first")?,
                    after: arg(f, "after")?,
                }),
                self.relation_connection(set)?,
            ),
            "relationCount" => EntityField::RelationCount(arg(f, "types")?, arg(f, "direction")?),
            "neighbourhood" => EntityField::Neighbourhood(
                Box::new(NeighbourhoodArgs {
                    depth: arg(f, "depth")?,
                    types: arg(f, "types")?,
                    direction: arg(f, "direction")?,
                }),
                self.fields(set, On::object("Neighbourhood"), |f| {
                    Some(match f.name.node.as_str() {
                        "__typename" => NeighbourhoodField::Typename,
                        "nodes" => {
                            NeighbourhoodField::Nodes(Box::new(self.entity(&f.selection_set.node)?))
                        }
                        "relations" => {
                            NeighbourhoodField::Relations(self.relation(&f.selection_set.node)?)
                        }
                        "truncated" => NeighbourhoodField::Truncated,
                        _ => return None,
                    })
                })?,
            ),
            name => match typed_list(on.name, name) {
                Some(list) if !list.ordered => EntityField::List(
                    list,
                    Box::new(PageArgs {
                        first: arg(f, "first")?,
                        after: arg(f, "after")?,
                    }),
                    self.entity_connection(set, (list.connection, list.edge))?,
                ),
                Some(_) => return None,
                None => EntityField::Own(OwnField::of(on.name, name)?),
            },
        })
    }

    /// A `Path`'s fields.
    fn path(&self, set: &'d SelectionSet) -> Option<Fields<PathField>> {
        self.fields(set, On::object("Path"), |f| {
            let set = &f.selection_set.node;
            Some(match f.name.node.as_str() {
                "__typename" => PathField::Typename,
                "length" => PathField::Length,
                "nodes" => PathField::Nodes(Box::new(self.entity(set)?)),
                "relations" => PathField::Relations(self.relation(set)?),
                _ => return None,
            })
        })
    }

    fn relation_connection(&self, set: &'d SelectionSet) -> Option<Fields<ConnectionField>> {
        self.fields(set, On::object("RelationConnection"), |f| {
            self.connection_field(f)
        })
    }

    fn connection_field(&self, f: &'d Field) -> Option<ConnectionField> {
        let set = &f.selection_set.node;
        Some(match f.name.node.as_str() {
            "__typename" => ConnectionField::Typename,
            "totalCount" => ConnectionField::TotalCount,
            "pageInfo" => ConnectionField::PageInfo(self.page_info(set)?),
            "edges" => {
                ConnectionField::Edges(self.fields(set, On::object("RelationEdge"), |f| {
                    let set = &f.selection_set.node;
                    Some(match f.name.node.as_str() {
                        "__typename" => EdgeField::Typename,
                        "cursor" => EdgeField::Cursor,
                        "direction" => EdgeField::Direction,
                        "node" => EdgeField::Node(Box::new(self.entity(set)?)),
                        "relation" => EdgeField::Relation(self.relation(set)?),
                        _ => return None,
                    })
                })?)
            }
            _ => return None,
        })
    }

    /// A page of entities, of the connection and edge types `names`.
    fn entity_connection(
        &self,
        set: &'d SelectionSet,
        names: (&'static str, &'static str),
    ) -> Option<Fields<EntityConnectionField>> {
        let (connection, edge) = names;
        // The nodes' type: `Group` in a `GroupConnection`; `Entity` (any
        // kind) in an `EntityConnection`.
        let only = connection
            .strip_suffix("Connection")
            .filter(|kind| ENTITY_TYPES.contains(kind));
        self.fields(set, On::object(connection), |f| {
            let set = &f.selection_set.node;
            Some(match f.name.node.as_str() {
                "__typename" => EntityConnectionField::Typename(connection),
                "totalCount" => EntityConnectionField::TotalCount,
                "pageInfo" => EntityConnectionField::PageInfo(self.page_info(set)?),
                "edges" => {
                    EntityConnectionField::Edges(self.fields(set, On::object(edge), |f| {
                        let set = &f.selection_set.node;
                        Some(match f.name.node.as_str() {
                            "__typename" => EntityEdgeField::Typename(edge),
                            "cursor" => EntityEdgeField::Cursor,
                            "node" => EntityEdgeField::Node(Box::new(self.entity_of(set, only)?)),
                            "relation" => EntityEdgeField::Relation(self.relation(set)?),
                            "role" => EntityEdgeField::Role,
                            _ => return None,
                        })
                    })?)
                }
                _ => return None,
            })
        })
    }

    fn page_info(&self, set: &'d SelectionSet) -> Option<Fields<PageInfoField>> {
        self.fields(set, On::object("PageInfo"), |f| {
            Some(match f.name.node.as_str() {
                "__typename" => PageInfoField::Typename,
                "hasNextPage" => PageInfoField::HasNextPage,
                "hasPreviousPage" => PageInfoField::HasPreviousPage,
                "startCursor" => PageInfoField::StartCursor,
                "endCursor" => PageInfoField::EndCursor,
                _ => return None,
            })
        })
    }

    fn relation(&self, set: &'d SelectionSet) -> Option<Fields<RelationField>> {
        self.fields(set, RELATION, |f| {
            let set = &f.selection_set.node;
            Some(match f.name.node.as_str() {
                "__typename" => RelationField::Typename,
                "id" => RelationField::Id,
                "type" => RelationField::Type,
                "from" => RelationField::From(Box::new(self.entity(set)?)),
                "to" => RelationField::To(Box::new(self.entity(set)?)),
                "role" => RelationField::Role,
                "note" => RelationField::Note,
                "sources" => RelationField::Sources(self.sources(set)?),
                _ => return None,
            })
        })
    }

    fn sources(&self, set: &'d SelectionSet) -> Option<Fields<SourceField>> {
        self.fields(set, On::object("Source"), |f| {
            Some(match f.name.node.as_str() {
                "__typename" => SourceField::Typename,
                "document" => SourceField::Document,
                "section" => SourceField::Section,
                "quote" => SourceField::Quote,
                "documentInfo" => SourceField::DocumentInfo(self.fields(
                    &f.selection_set.node,
                    On::object("Document"),
                    |f| {
                        Some(match f.name.node.as_str() {
                            "__typename" => DocumentField::Typename,
                            "key" => DocumentField::Key,
                            "title" => DocumentField::Title,
                            "publisher" => DocumentField::Publisher,
                            "date" => DocumentField::Date,
                            "url" => DocumentField::Url,
                            _ => return None,
                        })
                    },
                )?),
                _ => return None,
            })
        })
    }
}

/// The GraphQL name of an enum value.
fn enum_name<T: EnumType>(value: T) -> &'static str {
    T::items()
        .iter()
        .find(|item| item.value == value)
        .map_or("", |item| item.name)
}

/// Writes `s` as a JSON string, escaped as serde_json escapes
/// async-graphql's values: `"`, `\` and control characters, and nothing
/// else, so a string without them (most) is copied as it is.
fn write_string(out: &mut Vec<u8>, s: &str) {
    // Without an early exit, so that the compiler checks many bytes at once.
    let escapes = s.bytes().fold(false, |any, b| {
        any | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if escapes {
        // Writing to a Vec cannot fail.
        let _ = serde_json::to_writer(out, s);
    } else {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
}

/// One run of a plan: the JSON written so far.
struct Run<'a> {
    g: &'a Graph,
    variables: &'a Variables,
    defaults: &'a [(Name, Value)],
    out: Vec<u8>,
}

impl<'a> Run<'a> {
    /// The value of an argument; `None` when a variable's value does not
    /// parse as the argument (async-graphql words that error), or is not
    /// given and has no default.
    fn arg<T: InputType + Clone>(&self, arg: &Arg<T>) -> Option<T> {
        match arg {
            Arg::Fixed(value) => Some(value.clone()),
            Arg::Variable(name) => {
                let value = self.variables.get(name).or_else(|| {
                    self.defaults
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, v)| v)
                });
                // A variable not given, without a default, leaves the
                // argument out (the spec's CoerceArgumentValues): the
                // argument's own default applies, as when it is not written.
                T::parse(value.cloned()).ok()
            }
        }
    }

    /// Starts the `i`th member of an object: `,"key":`.
    fn key(&mut self, i: usize, key: &Key) {
        if i > 0 {
            self.out.push(b',');
        }
        self.out.extend_from_slice(&key.0);
    }

    fn string(&mut self, s: &str) {
        write_string(&mut self.out, s);
    }

    /// Writes a GraphQL name (a type's, an enum value's) as a string:
    /// nothing in one needs escaping.
    fn name(&mut self, name: &str) {
        self.out.reserve(name.len() + 2);
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(b'"');
    }

    /// Writes a relation's id as a string, without making it first:
    /// nothing in one needs escaping ([`crate::model::RelationId::parts`]).
    fn relation_id(&mut self, id: crate::model::RelationId) {
        let parts = id.parts();
        self.out
            .reserve(parts.iter().map(|p| p.len()).sum::<usize>() + 2);
        self.out.push(b'"');
        for part in parts {
            self.out.extend_from_slice(part.as_bytes());
        }
        self.out.push(b'"');
    }

    fn optional(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.string(s),
            None => self.null(),
        }
    }

    fn null(&mut self) {
        self.out.extend_from_slice(b"null");
    }

    fn bool(&mut self, b: bool) {
        self.out
            .extend_from_slice(if b { b"true" } else { b"false" });
    }

    /// A float as serde_json writes async-graphql's; `None` for one JSON
    /// cannot hold.
    fn float(&mut self, x: f64) -> Option<()> {
        let x = serde_json::Number::from_f64(x)?;
        serde_json::to_writer(&mut self.out, &x).ok()
    }

    fn number(&mut self, n: usize) {
        self.out
            .extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    }

    /// Writes a list, each item by `item`.
    fn list<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        mut item: impl FnMut(&mut Self, T) -> Option<()>,
    ) -> Option<()> {
        self.out.push(b'[');
        for (i, x) in items.into_iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            item(self, x)?;
        }
        self.out.push(b']');
        Some(())
    }

    /// Writes an object, each member by `member`. async-graphql answers
    /// `null` for an object none of whose fields are asked (a fragment on
    /// another type only), where the spec has `{}`: so does a plan, so that
    /// a query answers the same either way.
    fn object<F>(
        &mut self,
        fields: &Fields<F>,
        mut member: impl FnMut(&mut Self, &F) -> Option<()>,
    ) -> Option<()> {
        if fields.is_empty() {
            self.null();
            return Some(());
        }
        self.out.push(b'{');
        for (i, (key, field)) in fields.iter().enumerate() {
            self.key(i, key);
            member(self, field)?;
        }
        self.out.push(b'}');
        Some(())
    }

    fn entity(&mut self, n: Node<'a>, plan: &EntityPlan) -> Option<()> {
        let kind = n.e.kind();
        let at = model::EntityKind::ALL.iter().position(|&k| k == kind)?;
        let fields = &plan.0[at];
        self.object(fields, |run, field| {
            match field {
                EntityField::Typename => run.name(ENTITY_TYPES[at]),
                EntityField::Id => run.string(n.e.id.as_str()),
                EntityField::Kind => run.name(enum_name(EntityKind::from(kind))),
                EntityField::Name => run.string(&n.e.name),
                EntityField::Aliases => {
                    run.list(n.e.aliases(), |run, a| {
                        run.string(a);
                        Some(())
                    })?;
                }
                EntityField::Description => run.optional(n.e.description()),
                EntityField::Note => run.optional(n.e.note()),
                EntityField::Sources(fields) => run.sources(n.g.sources_of(n.e), fields)?,
                EntityField::Relations(args, fields) => {
                    let after = run.arg(&args.after)?;
                    let page = n
                        .relation_page(
                            run.arg(&args.types)?,
                            run.arg(&args.direction)?,
                            run.arg(&args.first)?,
                            after.as_deref(),
                        )
                        .ok()?;
                    run.relation_connection(&page, fields)?;
                }
                EntityField::Own(field) => run.own(n, *field),
                EntityField::List(list, args, fields) => {
                    let after = run.arg(&args.after)?;
                    let first = run.arg(&args.first)?;
                    let page = n
                        .linked_page(list.rel, list.direction, first, after.as_deref())
                        .ok()?;
                    run.entity_connection(&page, fields)?;
                }
                EntityField::RelationCount(types, direction) => {
                    let count = n.relation_count(run.arg(types)?, run.arg(direction)?);
                    run.number(count);
                }
                EntityField::Neighbourhood(args, fields) => {
                    let around = neighbourhood(
                        n.g,
                        &n.e.id,
                        run.arg(&args.depth)?,
                        run.arg(&args.types)?,
                        run.arg(&args.direction)?,
                    )
                    .ok()?;
                    let sub = &around.sub;
                    run.object(fields, |run, field| {
                        match field {
                            NeighbourhoodField::Typename => run.name("Neighbourhood"),
                            NeighbourhoodField::Nodes(plan) => run
                                .list(&sub.entities, |run, &e| {
                                    run.entity(Node { e, g: n.g }, plan)
                                })?,
                            NeighbourhoodField::Relations(fields) => {
                                run.list(&sub.relations, |run, &r| run.relation(r, fields))?
                            }
                            NeighbourhoodField::Truncated => run.bool(sub.truncated),
                        }
                        Some(())
                    })?;
                }
            }
            Some(())
        })
    }

    /// The page a kind's list answers for `filter` and `args`; `None` when
    /// async-graphql must answer: an error, or a list that needs a pass
    /// over a large graph (graph-wide
    /// work waits for its turn off the runtime's threads; see
    /// [`super::work::whole_graph`]).
    fn kind_page<F: KindFilter + InputType + Clone + Default>(
        &self,
        filter: &Arg<Option<F>>,
        args: &KindListArgs,
    ) -> Option<Page<Linked<'a>>> {
        let filter = self.arg(filter)?.unwrap_or_default();
        let (first, after) = (self.arg(&args.page.first)?, self.arg(&args.page.after)?);
        let list = KindList::new(self.g, &filter, self.arg(&args.order_by)?).ok()?;
        match list.quick_page(first, after.as_deref()) {
            Some(page) => page.ok(),
            None if super::work::is_small(self.g) => list.page(first, after.as_deref()).ok(),
            None => None,
        }
    }

    /// The paths `paths` and `pathSearch` answer for `args`, and whether
    /// the budget stopped the search.
    fn k_shortest_paths(&self, args: &PathArgs) -> Option<(Vec<graph::Path<'a>>, bool)> {
        k_shortest_paths(
            self.g,
            &self.arg(&args.from)?,
            &self.arg(&args.to)?,
            self.arg(&args.types)?,
            self.arg(&args.max_depth)?,
            self.arg(&args.first)?,
        )
        .ok()
    }

    fn path(&mut self, path: &graph::Path<'a>, fields: &Fields<PathField>) -> Option<()> {
        let g = self.g;
        self.object(fields, |run, field| {
            match field {
                PathField::Typename => run.name("Path"),
                PathField::Length => run.number(path.len()),
                PathField::Nodes(plan) => {
                    run.list(&path.entities, |run, &e| run.entity(Node { e, g }, plan))?
                }
                PathField::Relations(fields) => {
                    run.list(&path.relations, |run, &r| run.relation(r, fields))?
                }
            }
            Some(())
        })
    }

    /// A page of relations (`RelationConnection`).
    fn relation_connection(
        &mut self,
        page: &Page<EdgeRef<'a>>,
        fields: &Fields<ConnectionField>,
    ) -> Option<()> {
        let g = self.g;
        self.object(fields, |run, field| {
            match field {
                ConnectionField::Typename => run.name("RelationConnection"),
                ConnectionField::TotalCount => run.number(page.total),
                ConnectionField::PageInfo(fields) => run.page_info(&page.page_info(), fields)?,
                ConnectionField::Edges(fields) => {
                    run.list(page.items.iter().enumerate(), |run, (i, edge)| {
                        run.object(fields, |run, field| {
                            match field {
                                EdgeField::Typename => run.name("RelationEdge"),
                                EdgeField::Cursor => {
                                    run.string(&cursor(page.data_id, page.offset + i))
                                }
                                EdgeField::Direction => {
                                    run.name(enum_name(Direction::from(edge.direction)))
                                }
                                EdgeField::Node(plan) => {
                                    run.entity(Node { e: edge.other, g }, plan)?
                                }
                                EdgeField::Relation(fields) => {
                                    run.relation(edge.relation, fields)?
                                }
                            }
                            Some(())
                        })
                    })?;
                }
            }
            Some(())
        })
    }

    /// A page of entities (`EntityConnection`).
    fn entity_connection(
        &mut self,
        page: &Page<Linked<'a>>,
        fields: &Fields<EntityConnectionField>,
    ) -> Option<()> {
        let g = self.g;
        self.object(fields, |run, field| {
            match field {
                EntityConnectionField::Typename(name) => run.name(name),
                EntityConnectionField::TotalCount => run.number(page.total),
                EntityConnectionField::PageInfo(fields) => {
                    run.page_info(&page.page_info(), fields)?
                }
                EntityConnectionField::Edges(fields) => {
                    run.list(page.items.iter().enumerate(), |run, (i, &(e, r))| {
                        run.object(fields, |run, field| {
                            match field {
                                EntityEdgeField::Typename(name) => run.name(name),
                                EntityEdgeField::Cursor => {
                                    run.string(&cursor(page.data_id, page.offset + i))
                                }
                                EntityEdgeField::Node(plan) => run.entity(Node { e, g }, plan)?,
                                EntityEdgeField::Relation(fields) => match r {
                                    Some(r) => run.relation(r, fields)?,
                                    None => run.null(),
                                },
                                EntityEdgeField::Role => run.optional(r.and_then(|r| r.role())),
                            }
                            Some(())
                        })
                    })?;
                }
            }
            Some(())
        })
    }

    fn own(&mut self, n: Node<'a>, field: OwnField) {
        let number = |run: &mut Self, n: Option<u32>| match n {
            Some(n) => run.number(n as usize),
            None => run.null(),
        };
        match field {
            OwnField::Acronym => self.optional(n.acronym()),
            OwnField::Category => self.string(enum_name(n.category())),
            OwnField::Honorific => self.optional(n.honorific()),
            OwnField::Titles => {
                let _ = self.list(n.titles(), |run, title| {
                    run.string(title);
                    Some(())
                });
            }
            OwnField::GroupKind => self.string(enum_name(n.group_kind())),
            OwnField::GroupNumber => number(self, n.group_number()),
            OwnField::GroupStatus => self.string(enum_name(n.group_status())),
            OwnField::DeliverableKind => self.string(enum_name(n.deliverable_kind())),
            OwnField::DeliverableStatus => self.string(enum_name(n.deliverable_status())),
            OwnField::Url => self.optional(n.url()),
            OwnField::EventKind => self.string(enum_name(n.event_kind())),
            OwnField::Date => self.optional(n.date()),
            OwnField::EventNumber => number(self, n.event_number()),
        }
    }

    fn page_info(&mut self, info: &PageInfo, fields: &Fields<PageInfoField>) -> Option<()> {
        self.object(fields, |run, field| {
            match field {
                PageInfoField::Typename => run.name("PageInfo"),
                PageInfoField::HasNextPage => run.bool(info.has_next_page),
                PageInfoField::HasPreviousPage => run.bool(info.has_previous_page),
                PageInfoField::StartCursor => run.optional(info.start_cursor.as_deref()),
                PageInfoField::EndCursor => run.optional(info.end_cursor.as_deref()),
            }
            Some(())
        })
    }

    fn relation(&mut self, r: RelationRef<'a>, fields: &Fields<RelationField>) -> Option<()> {
        let g = self.g;
        self.object(fields, |run, field| {
            match field {
                RelationField::Typename => run.name("Relation"),
                RelationField::Id => run.relation_id(r.display_id()),
                RelationField::Type => run.name(enum_name(RelationType::from(r.rel_type))),
                RelationField::From(plan) => run.entity(Node { e: r.from(), g }, plan)?,
                RelationField::To(plan) => run.entity(Node { e: r.to(), g }, plan)?,
                RelationField::Role => run.optional(r.role()),
                RelationField::Note => run.optional(r.note()),
                RelationField::Sources(fields) => run.sources(r.sources(), fields)?,
            }
            Some(())
        })
    }

    fn sources<'s>(
        &mut self,
        sources: impl IntoIterator<Item = SourceRef<'s>>,
        fields: &Fields<SourceField>,
    ) -> Option<()> {
        self.list(sources, |run, source| {
            run.object(fields, |run, field| {
                match field {
                    SourceField::Typename => run.name("Source"),
                    SourceField::Document => run.string(&source.document.title),
                    SourceField::Section => run.optional(source.section),
                    SourceField::Quote => run.string(&source.quote.text()),
                    SourceField::DocumentInfo(fields) => {
                        let d = source.document;
                        run.object(fields, |run, field| {
                            match field {
                                DocumentField::Typename => run.name("Document"),
                                DocumentField::Key => run.string(&d.key),
                                DocumentField::Title => run.string(&d.title),
                                DocumentField::Publisher => run.string(&d.publisher),
                                DocumentField::Date => run.optional(d.date.as_deref()),
                                DocumentField::Url => run.optional(d.url.as_deref()),
                            }
                            Some(())
                        })?;
                    }
                }
                Some(())
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn strings_are_written_as_serde_json_writes_them(s in "\\PC*|[\\x00-\\x7f]*") {
            let mut out = Vec::new();
            write_string(&mut out, &s);
            prop_assert_eq!(out, serde_json::to_vec(&s).unwrap());
        }
    }
}
