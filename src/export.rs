//! Graph exports for analysts' tools: GraphML (Gephi, networkx), JSON-LD
//! with schema.org terms, Cytoscape.js JSON, and CSV tables of entities,
//! relations and leaderships.
//!
//! This module reads a [`Subgraph`] (the whole graph or a neighbourhood) or
//! the leadership table and writes bytes; it knows nothing of HTTP or
//! GraphQL. [`Scope`] turns a caller's `root`, `depth` and `types` into that
//! subgraph, with a typed error for each thing that can be wrong with them.
//!
//! The three graph formats and the CSV tables name attributes alike
//! (`kind`, `group_kind`, `source_quote`, ...), so a column means the same
//! thing whichever tool an analyst opens.

mod cytoscape;
mod graphml;
mod jsonld;
mod table;

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::io::Write;
use std::str::FromStr;

use crate::graph::{Graph, LeadershipFilter, RelationRef, Subgraph};
use crate::model::{
    Details, Direction, Entity, EntityId, EntityKind, GroupKind, IdError, RelationType,
    UnknownValue,
};

pub use cytoscape::cytoscape;
pub use graphml::graphml;
pub use jsonld::jsonld;
pub use table::{
    entities_csv, leadership_csv, relations_csv, ENTITY_COLUMNS, LEADERSHIP_COLUMNS,
    RELATION_COLUMNS,
};

/// The deepest neighbourhood an export takes (relations from the root).
pub const MAX_DEPTH: usize = 5;

/// The depth of a neighbourhood export when a root is given without one.
pub const DEFAULT_DEPTH: usize = 1;

/// The most entities a neighbourhood export holds; past it the export is
/// cut and says so ([`Export::truncated`]).
pub const EXPORT_BUDGET: usize = 10_000;

/// What an export is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// GraphML: Gephi, networkx, yEd, Cytoscape desktop.
    GraphMl,
    /// JSON-LD with schema.org terms.
    JsonLd,
    /// Cytoscape.js `elements` JSON.
    Cytoscape,
    /// One row per entity.
    EntitiesCsv,
    /// One row per relation.
    RelationsCsv,
    /// One row per LEADS relation, with the led entity's parents and the
    /// leader's affiliations.
    LeadershipCsv,
}

impl Format {
    /// Every format, in declaration order.
    pub const ALL: [Format; 6] = [
        Format::GraphMl,
        Format::JsonLd,
        Format::Cytoscape,
        Format::EntitiesCsv,
        Format::RelationsCsv,
        Format::LeadershipCsv,
    ];

    /// The names the command line takes, in the order of [`Format::ALL`].
    pub const NAMES: [&'static str; 6] = [
        "graphml",
        "jsonld",
        "cytoscape",
        "entities-csv",
        "relations-csv",
        "leadership-csv",
    ];

    /// The format's name on the command line (`entities-csv`).
    pub fn name(self) -> &'static str {
        let i = Format::ALL
            .iter()
            .position(|f| *f == self)
            .expect("ALL lists every format");
        Format::NAMES[i]
    }

    /// The media type of the written bytes.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::GraphMl => "application/graphml+xml",
            Format::JsonLd => "application/ld+json",
            Format::Cytoscape => "application/json",
            Format::EntitiesCsv | Format::RelationsCsv | Format::LeadershipCsv => {
                "text/csv; charset=utf-8"
            }
        }
    }

    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::GraphMl => "graphml",
            Format::JsonLd => "jsonld",
            Format::Cytoscape => "json",
            Format::EntitiesCsv | Format::RelationsCsv | Format::LeadershipCsv => "csv",
        }
    }

    /// What the file holds, as the middle of its name.
    fn stem(self) -> &'static str {
        match self {
            Format::GraphMl | Format::JsonLd => "graph",
            Format::Cytoscape => "cytoscape",
            Format::EntitiesCsv => "entities",
            Format::RelationsCsv => "relations",
            Format::LeadershipCsv => "leadership",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::NAMES
            .iter()
            .position(|n| *n == s)
            .map(|i| Format::ALL[i])
            .ok_or_else(|| UnknownValue {
                value: s.to_string(),
                expected: &Format::NAMES,
            })
    }
}

/// Why an export cannot be made as asked.
///
/// Its `Display` names parameters as the route does (`groupKind`);
/// [`ExportError::naming`] names them as another caller does (a flag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportError {
    /// A parameter that should hold an entity id does not.
    BadId {
        /// The parameter, as the route spells it.
        param: &'static str,
        /// What is wrong with the id.
        reason: IdError,
    },
    /// A parameter names an entity the graph does not hold.
    UnknownEntity { param: &'static str, id: EntityId },
    /// A parameter names an entity of the wrong kind.
    WrongKind {
        param: &'static str,
        id: EntityId,
        /// What it should be, with its article (`an organisation`).
        expected: &'static str,
    },
    /// The depth is not a whole number from 0 to [`MAX_DEPTH`].
    BadDepth(String),
    /// A depth without a root to count it from.
    DepthWithoutRoot,
    /// A value outside a closed vocabulary (a relation type, a group kind).
    BadValue {
        param: &'static str,
        reason: UnknownValue,
    },
    /// A comma-separated list with nothing in it.
    EmptyList(&'static str),
    /// The writer failed (it writes to memory, so this is a bug).
    Write(String),
}

impl ExportError {
    /// The message, each parameter named by `name` from the route's name
    /// (`groupKind`, `depth`): `--group-kind` on the command line.
    pub fn naming(&self, name: &dyn Fn(&'static str) -> String) -> String {
        match self {
            ExportError::BadId { param, reason } => format!("`{}`: {reason}", name(param)),
            ExportError::UnknownEntity { param, id } => {
                format!("`{}`: no entity `{id}` in the graph", name(param))
            }
            ExportError::WrongKind {
                param,
                id,
                expected,
            } => format!("`{}`: `{id}` is not {expected}", name(param)),
            ExportError::BadDepth(value) => format!(
                "`{}` must be a whole number from 0 to {MAX_DEPTH}, not `{value}`",
                name("depth")
            ),
            ExportError::DepthWithoutRoot => format!(
                "`{depth}` counts relations from `{root}`: give `{root}` too",
                depth = name("depth"),
                root = name("root"),
            ),
            ExportError::BadValue { param, reason } => format!("`{}`: {reason}", name(param)),
            ExportError::EmptyList(param) => format!(
                "`{}` is empty: give at least one value (comma-separated), or leave it out",
                name(param)
            ),
            ExportError::Write(e) => format!("cannot write the export: {e}"),
        }
    }

    /// Whether the request named something that is not there (HTTP 404),
    /// rather than something malformed (400).
    pub fn is_not_found(&self) -> bool {
        matches!(self, ExportError::UnknownEntity { .. })
    }

    /// Every value that would have been accepted, for a closed vocabulary.
    pub fn accepted(&self) -> Option<&'static [&'static str]> {
        match self {
            ExportError::BadValue { reason, .. } => Some(reason.expected),
            _ => None,
        }
    }
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.naming(&|param| param.to_string()))
    }
}

impl std::error::Error for ExportError {}

/// Which part of the graph to export: the whole graph, or the
/// neighbourhood of a root entity (relations followed either way).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The entity the neighbourhood is around; the whole graph when `None`.
    pub root: Option<EntityId>,
    /// How many relations from the root (ignored without a root).
    pub depth: usize,
    /// Only relations of these types (all when `None`).
    pub types: Option<Vec<RelationType>>,
    /// The most entities a neighbourhood takes.
    pub budget: usize,
}

impl Default for Scope {
    fn default() -> Self {
        Scope {
            root: None,
            depth: DEFAULT_DEPTH,
            types: None,
            budget: EXPORT_BUDGET,
        }
    }
}

impl Scope {
    /// The scope a caller asked for: `root` an entity id, `depth` in
    /// `0..=MAX_DEPTH` (default [`DEFAULT_DEPTH`], and only with a root),
    /// `types` comma-separated relation types (`LEADS,PART_OF`, any case).
    pub fn new(
        root: Option<&str>,
        depth: Option<usize>,
        types: Option<&str>,
    ) -> Result<Scope, ExportError> {
        let root = root.map(|r| parse_id("root", r)).transpose()?;
        let depth = match (depth, &root) {
            (Some(_), None) => return Err(ExportError::DepthWithoutRoot),
            (Some(d), Some(_)) if d > MAX_DEPTH => {
                return Err(ExportError::BadDepth(d.to_string()))
            }
            (Some(d), Some(_)) => d,
            (None, _) => DEFAULT_DEPTH,
        };
        let types = types.map(parse_types).transpose()?;
        Ok(Scope {
            root,
            depth,
            types,
            budget: EXPORT_BUDGET,
        })
    }

    /// The part of `graph` this scope covers. The whole graph keeps every
    /// entity and only the relations of `types`; a neighbourhood keeps what
    /// is reachable from the root along them.
    pub fn select<'g>(&self, graph: &'g Graph) -> Result<Subgraph<'g>, ExportError> {
        let Some(root) = &self.root else {
            let mut all = graph.everything();
            if let Some(types) = &self.types {
                all.relations.retain(|r| types.contains(&r.rel_type));
            }
            return Ok(all);
        };
        graph
            .neighbourhood(
                root,
                self.depth,
                self.types.as_deref(),
                Direction::Both,
                self.budget,
            )
            .ok_or_else(|| ExportError::UnknownEntity {
                param: "root",
                id: root.clone(),
            })
    }

    /// The name to save an export of this scope as:
    /// `civgraph-graph.graphml`, `civgraph-entities-person-okan-geray-depth2.csv`.
    pub fn file_name(&self, format: Format) -> String {
        let around = self.root.as_ref().map_or(String::new(), |r| {
            format!("-{}-{}-depth{}", r.kind().prefix(), r.slug(), self.depth)
        });
        format!("civgraph-{}{around}.{}", format.stem(), format.extension())
    }
}

/// Reads a depth as given in a query string.
pub fn parse_depth(text: &str) -> Result<usize, ExportError> {
    match text.trim().parse::<usize>() {
        Ok(d) if d <= MAX_DEPTH => Ok(d),
        _ => Err(ExportError::BadDepth(text.to_string())),
    }
}

/// Reads comma-separated relation types (`LEADS,PART_OF`; any case, blanks
/// around commas ignored).
pub fn parse_types(text: &str) -> Result<Vec<RelationType>, ExportError> {
    parse_list("types", text)
}

fn parse_list<T: FromStr<Err = UnknownValue>>(
    param: &'static str,
    text: &str,
) -> Result<Vec<T>, ExportError> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let value = part
            .to_ascii_uppercase()
            .parse::<T>()
            .map_err(|mut reason| {
                reason.value = part.to_string();
                ExportError::BadValue { param, reason }
            })?;
        out.push(value);
    }
    if out.is_empty() {
        return Err(ExportError::EmptyList(param));
    }
    Ok(out)
}

fn parse_id(param: &'static str, text: &str) -> Result<EntityId, ExportError> {
    EntityId::parse(text.trim()).map_err(|reason| ExportError::BadId { param, reason })
}

/// The leadership table's filters as a caller gives them, each optional.
#[derive(Debug, Clone, Copy, Default)]
pub struct LeadershipParams<'a> {
    /// Comma-separated group kinds (`WORKING_GROUP,THEMATIC_GROUP`).
    pub group_kind: Option<&'a str>,
    /// An organisation id: leaders from it, its units, or affiliated with either.
    pub leader_organisation: Option<&'a str>,
    /// An organisation id: what it (or a unit) is, leads, coordinates or supports.
    pub group_organisation: Option<&'a str>,
    /// An entity id: it and what lies below it along PART_OF.
    pub under: Option<&'a str>,
    /// Text the role contains.
    pub role: Option<&'a str>,
    /// Text the leader's name, the led entity's name or the role contains.
    pub text: Option<&'a str>,
}

impl LeadershipParams<'_> {
    /// The filter these parameters ask for; ids must name entities of
    /// `graph` (organisations where an organisation is meant).
    pub fn filter(&self, graph: &Graph) -> Result<LeadershipFilter, ExportError> {
        let entity = |param: &'static str, text: Option<&str>, kind: Option<EntityKind>| {
            let Some(text) = text else {
                return Ok(None);
            };
            let id = parse_id(param, text)?;
            if graph.entity(id.as_str()).is_none() {
                return Err(ExportError::UnknownEntity { param, id });
            }
            if kind.is_some_and(|k| id.kind() != k) {
                return Err(ExportError::WrongKind {
                    param,
                    id,
                    expected: "an organisation",
                });
            }
            Ok(Some(id))
        };
        let organisation = Some(EntityKind::Organisation);
        Ok(LeadershipFilter {
            group_kinds: self
                .group_kind
                .map(|t| parse_list::<GroupKind>("groupKind", t))
                .transpose()?,
            leader_organisation: entity(
                "leaderOrganisation",
                self.leader_organisation,
                organisation,
            )?,
            group_organisation: entity("groupOrganisation", self.group_organisation, organisation)?,
            under: entity("under", self.under, None)?,
            role: self.role.map(str::to_string),
            text: self.text.map(str::to_string),
        })
    }
}

/// A written export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// The file's content.
    pub bytes: Vec<u8>,
    /// Whether the neighbourhood budget cut the export short.
    pub truncated: bool,
}

/// Writes the part of `graph` that `scope` covers as `format`. The
/// leadership table keeps the rows `leadership` keeps whose LEADS relation
/// lies in the scope; the other formats ignore `leadership`.
pub fn export(
    graph: &Graph,
    format: Format,
    scope: &Scope,
    leadership: &LeadershipFilter,
) -> Result<Export, ExportError> {
    let sub = scope.select(graph)?;
    let mut bytes = Vec::new();
    write_to(graph, format, &sub, leadership, &mut bytes)?;
    Ok(Export {
        bytes,
        truncated: sub.truncated,
    })
}

/// Writes `sub` (a part of `graph`, from [`Scope::select`]) as `format` to
/// `out`, piece by piece as it is made: no more than one entity's or
/// relation's text is held at a time, whatever the size of the export (a
/// `BufWriter` or a socket's buffer is `out`'s business). See [`export`]
/// for `leadership`.
pub fn write_to(
    graph: &Graph,
    format: Format,
    sub: &Subgraph<'_>,
    leadership: &LeadershipFilter,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    match format {
        Format::GraphMl => graphml::write(sub, out).map_err(|e| ExportError::Write(e.to_string())),
        Format::JsonLd => write_json(&jsonld::document(sub), out),
        Format::Cytoscape => write_json(&cytoscape::document(sub), out),
        Format::EntitiesCsv => table::write_entities(sub, out),
        Format::RelationsCsv => table::write_relations(sub, out),
        Format::LeadershipCsv => {
            let kept: HashSet<_> = sub.relations.iter().map(|r| r.display_id().key()).collect();
            let mut rows = graph.leaderships(leadership);
            rows.retain(|row| kept.contains(&row.relation.display_id().key()));
            table::write_leadership(&rows, out)
        }
    }
}

/// `value` as indented JSON and a line feed.
fn write_json(value: &impl serde::Serialize, out: &mut dyn Write) -> Result<(), ExportError> {
    let fail = |e: &dyn fmt::Display| ExportError::Write(e.to_string());
    serde_json::to_writer_pretty(&mut *out, value).map_err(|e| fail(&e))?;
    out.write_all(b"\n").map_err(|e| fail(&e))
}

/// An attribute's value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Attr<'a> {
    Text(Cow<'a, str>),
    Int(u32),
}

impl Attr<'_> {
    fn text(&self) -> Cow<'_, str> {
        match self {
            Attr::Text(t) => Cow::Borrowed(t.as_ref()),
            Attr::Int(n) => Cow::Owned(n.to_string()),
        }
    }

    fn to_json(&self) -> serde_json::Value {
        match self {
            Attr::Text(t) => serde_json::Value::from(t.as_ref()),
            Attr::Int(n) => serde_json::Value::from(*n),
        }
    }
}

/// Whether an attribute holds text or a whole number (GraphML's `attr.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AttrType {
    Text,
    Int,
}

/// Every entity attribute, in the order the exports write them.
const ENTITY_ATTRIBUTES: &[(&str, AttrType)] = &[
    ("kind", AttrType::Text),
    ("name", AttrType::Text),
    ("aliases", AttrType::Text),
    ("description", AttrType::Text),
    ("note", AttrType::Text),
    ("category", AttrType::Text),
    ("acronym", AttrType::Text),
    ("honorific", AttrType::Text),
    ("group_kind", AttrType::Text),
    ("number", AttrType::Int),
    ("status", AttrType::Text),
    ("deliverable_kind", AttrType::Text),
    ("url", AttrType::Text),
    ("event_kind", AttrType::Text),
    ("date", AttrType::Text),
    ("source_document", AttrType::Text),
    ("source_quote", AttrType::Text),
];

/// Every relation attribute, in the order the exports write them.
const RELATION_ATTRIBUTES: &[(&str, AttrType)] = &[
    ("type", AttrType::Text),
    ("role", AttrType::Text),
    ("note", AttrType::Text),
    ("source_quote", AttrType::Text),
    ("source_document", AttrType::Text),
];

fn text(s: &str) -> Attr<'_> {
    Attr::Text(Cow::Borrowed(s))
}

/// The attributes `e` has, in [`ENTITY_ATTRIBUTES`] order; absent ones
/// are left out.
fn entity_attributes<'g>(graph: &'g Graph, e: &'g Entity) -> Vec<(&'static str, Attr<'g>)> {
    let mut out = vec![("kind", text(e.kind().as_str())), ("name", text(&e.name))];
    if !e.aliases().is_empty() {
        out.push(("aliases", Attr::Text(Cow::Owned(e.aliases().join("; ")))));
    }
    out.extend(e.description().map(|d| ("description", text(d))));
    out.extend(e.note().map(|n| ("note", text(n))));
    match &e.details {
        Details::Organisation { acronym, category } => {
            out.push(("category", text(category.as_str())));
            optional(&mut out, "acronym", acronym);
        }
        Details::Person { honorific } => optional(&mut out, "honorific", honorific),
        Details::Group {
            group_kind,
            number,
            status,
        } => {
            out.push(("group_kind", text(group_kind.as_str())));
            out.extend(number.map(|n| ("number", Attr::Int(n))));
            out.push(("status", text(status.as_str())));
        }
        Details::Deliverable {
            deliverable_kind,
            status,
            url,
        } => {
            out.push(("status", text(status.as_str())));
            out.push(("deliverable_kind", text(deliverable_kind.as_str())));
            optional(&mut out, "url", url);
        }
        Details::Event {
            event_kind,
            date,
            number,
        } => {
            out.extend(number.map(|n| ("number", Attr::Int(n))));
            out.push(("event_kind", text(event_kind.as_str())));
            out.extend(date.as_deref().map(|d| ("date", text(d))));
        }
    }
    if let Some(source) = graph.sources_of(e).next() {
        out.push(("source_document", text(&source.document.title)));
        out.push(("source_quote", Attr::Text(source.quote.text())));
    }
    out
}

fn optional<'a>(
    out: &mut Vec<(&'static str, Attr<'a>)>,
    name: &'static str,
    value: &'a Option<Box<str>>,
) {
    if let Some(v) = value {
        out.push((name, text(v)));
    }
}

/// The attributes `r` has, in [`RELATION_ATTRIBUTES`] order; absent ones
/// are left out.
fn relation_attributes(r: RelationRef<'_>) -> Vec<(&'static str, Attr<'_>)> {
    let mut out = vec![("type", text(r.rel_type.as_str()))];
    out.extend(r.role().map(|v| ("role", text(v))));
    out.extend(r.note().map(|v| ("note", text(v))));
    if let Some(source) = r.sources().next() {
        out.push(("source_quote", Attr::Text(source.quote.text())));
        out.push(("source_document", text(&source.document.title)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_every_parameter_as_the_caller_does() {
        let flag = |param: &'static str| format!("--{param}");
        assert_eq!(
            ExportError::DepthWithoutRoot.to_string(),
            "`depth` counts relations from `root`: give `root` too"
        );
        assert_eq!(
            ExportError::DepthWithoutRoot.naming(&flag),
            "`--depth` counts relations from `--root`: give `--root` too"
        );
        assert_eq!(
            ExportError::EmptyList("types").naming(&flag),
            "`--types` is empty: give at least one value (comma-separated), or leave it out"
        );
    }

    #[test]
    fn formats_round_trip_their_names() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>().unwrap(), f);
        }
        let err = "gexf".parse::<Format>().unwrap_err();
        assert!(err.to_string().contains("graphml"), "{err}");
    }

    #[test]
    fn scopes_check_what_they_are_given() {
        let scope = Scope::new(Some("person:okan-geray"), None, Some("leads, part_of")).unwrap();
        assert_eq!(scope.depth, DEFAULT_DEPTH);
        assert_eq!(
            scope.types,
            Some(vec![RelationType::Leads, RelationType::PartOf])
        );
        assert!(matches!(
            Scope::new(Some("okan"), None, None),
            Err(ExportError::BadId { param: "root", .. })
        ));
        assert!(matches!(
            Scope::new(Some("person:x"), Some(6), None),
            Err(ExportError::BadDepth(_))
        ));
        assert_eq!(
            Scope::new(None, Some(2), None),
            Err(ExportError::DepthWithoutRoot)
        );
        let err = Scope::new(None, None, Some("LEADS,CHAIRS")).unwrap_err();
        assert!(err.to_string().contains("`CHAIRS`"), "{err}");
        assert!(err.accepted().unwrap().contains(&"PART_OF"));
        assert_eq!(
            Scope::new(None, None, Some(" , ")),
            Err(ExportError::EmptyList("types"))
        );
        assert!(parse_depth("-1").is_err());
        assert!(parse_depth("6").is_err());
        assert_eq!(parse_depth("5"), Ok(5));
    }

    #[test]
    fn file_names_say_what_they_hold() {
        assert_eq!(
            Scope::default().file_name(Format::GraphMl),
            "civgraph-graph.graphml"
        );
        let scope = Scope::new(Some("person:okan-geray"), Some(2), None).unwrap();
        assert_eq!(
            scope.file_name(Format::EntitiesCsv),
            "civgraph-entities-person-okan-geray-depth2.csv"
        );
    }
}
