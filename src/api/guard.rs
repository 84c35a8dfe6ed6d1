//! The checks and repairs that make async-graphql behave as the GraphQL
//! spec and civgraph's limits require. They run around the schema's
//! execution ([`super::CivSchema::execute`]), not as an async-graphql
//! extension: async-graphql runs every extension's hooks around every field
//! it resolves, and with none it takes a shorter path.
//!
//! - before execution, [`Guard::prepare`] refuses documents over the size
//!   limits, checks that variables are used where their types allow, and
//!   weighs every selection by the page sizes above it (a field with
//!   `first: N` multiplies its selection by N), through interfaces and
//!   fragments alike (`QUERY_TOO_COMPLEX`). Documents that pass are kept,
//!   parsed, in a cache keyed by their text, so a query sent again is
//!   neither counted nor parsed again (its cost, which depends on the
//!   variables, is weighed every time, unless no variable gives a page
//!   size); beside each, once it has run without error, its plan (the
//!   `plan` module);
//! - after execution, [`Guard::finish`] puts `null` where a field failed and
//!   propagates it to the nearest nullable parent ("Handling Field Errors");
//!   async-graphql 7 drops a failed field from `data` instead.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, Selection, SelectionSet, Type, TypeKind,
    TypeSystemDefinition,
};
use async_graphql::{
    ErrorExtensions, PathSegment, Positioned, Request, Response, ServerResult, Value, Variables,
};

use super::plan::Plan;

/// What the schema says about each field: its type, and its `first` default.
#[derive(Debug, Default)]
pub struct SchemaFacts {
    /// (parent type, field) -> the field's type.
    fields: HashMap<(String, String), Type>,
    /// Interface -> the object types that implement it.
    implementors: HashMap<String, Vec<String>>,
    /// Field name -> the largest default of its `first` argument in any type.
    first_default: HashMap<String, i64>,
    /// (parent type, field, argument) -> (its type, whether it has a default).
    args: HashMap<(String, String, String), (Type, bool)>,
}

impl SchemaFacts {
    /// Reads the facts from the schema's SDL.
    pub fn from_sdl(sdl: &str) -> SchemaFacts {
        let mut facts = SchemaFacts::default();
        let Ok(doc) = async_graphql::parser::parse_schema(sdl) else {
            return facts;
        };
        for def in doc.definitions {
            let TypeSystemDefinition::Type(t) = def else {
                continue;
            };
            let t = t.node;
            let name = t.name.node.to_string();
            let (fields, implements) = match t.kind {
                TypeKind::Object(o) => (o.fields, o.implements),
                TypeKind::Interface(i) => (i.fields, i.implements),
                _ => continue,
            };
            for i in implements {
                facts
                    .implementors
                    .entry(i.node.to_string())
                    .or_default()
                    .push(name.clone());
            }
            for f in fields {
                let f = f.node;
                let field = f.name.node.to_string();
                for arg in &f.arguments {
                    facts.args.insert(
                        (name.clone(), field.clone(), arg.node.name.node.to_string()),
                        (arg.node.ty.node.clone(), arg.node.default_value.is_some()),
                    );
                    if arg.node.name.node == "first" {
                        let default = arg
                            .node
                            .default_value
                            .as_ref()
                            .and_then(|v| match &v.node {
                                async_graphql::Value::Number(n) => n.as_i64(),
                                _ => None,
                            })
                            .unwrap_or(50);
                        let slot = facts.first_default.entry(field.clone()).or_insert(default);
                        *slot = (*slot).max(default);
                    }
                }
                facts.fields.insert((name.clone(), field), f.ty.node);
            }
        }
        facts
    }

    /// The type of argument `arg` of `field` on `parent` (or on one of its
    /// implementors), and whether it has a default.
    fn arg_type(&self, parent: &str, field: &str, arg: &str) -> Option<&(Type, bool)> {
        let key = |p: &str| (p.to_string(), field.to_string(), arg.to_string());
        if let Some(t) = self.args.get(&key(parent)) {
            return Some(t);
        }
        self.implementors
            .get(parent)?
            .iter()
            .find_map(|object| self.args.get(&key(object)))
    }

    /// The type of `field` on `parent` (an object or an interface; for an
    /// interface, a field of one of its implementors).
    fn field_type(&self, parent: &str, field: &str) -> Option<&Type> {
        if let Some(t) = self.fields.get(&(parent.to_string(), field.to_string())) {
            return Some(t);
        }
        self.implementors
            .get(parent)?
            .iter()
            .find_map(|object| self.fields.get(&(object.clone(), field.to_string())))
    }
}

fn named(t: &Type) -> &str {
    match &t.base {
        BaseType::Named(n) => n.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

/// Refuses documents over the size limits (tokens, aliases, directives),
/// with variables used where their types do not allow, or whose estimated
/// cost exceeds the limit; puts spec nulls where fields failed.
pub struct Guard {
    facts: SchemaFacts,
    limits: super::QueryLimits,
    /// Documents that passed the checks that do not depend on variables,
    /// parsed, by their text.
    documents: quick_cache::sync::Cache<Box<str>, Arc<Checked>, QueryBytes>,
}

/// A document that passed the checks that do not depend on variables, and
/// the plan of its operation once async-graphql has run it without error.
#[derive(Debug)]
pub struct Checked {
    pub doc: ExecutableDocument,
    /// Its cost, when no variable gives a page size.
    fixed_cost: Option<u64>,
    /// The name of the operation run, and its plan (`None` when the
    /// operation asks for what plans do not know).
    pub plan: OnceLock<(Option<String>, Option<Plan>)>,
}

impl Checked {
    /// The plan of the operation `operation` names, if it has one.
    pub fn plan_for(&self, operation: Option<&str>) -> Option<&Plan> {
        let (run, plan) = self.plan.get()?;
        (run.as_deref() == operation).then_some(plan.as_ref()?)
    }
}

/// How much of the document cache an entry takes: its query text's length
/// (the parsed document grows with it).
#[derive(Clone)]
struct QueryBytes;

impl quick_cache::Weighter<Box<str>, Arc<Checked>> for QueryBytes {
    fn weight(&self, key: &Box<str>, _: &Arc<Checked>) -> u64 {
        key.len() as u64 + 64
    }
}

/// The most query text the document cache holds (the parsed documents take
/// a few times as much).
const DOCUMENT_CACHE_BYTES: u64 = 4 << 20;

/// A request error with `extensions.code` (and `extensions.limit` for a
/// limit that refused it).
fn refusal(message: String, code: &str, limit: Option<&str>) -> async_graphql::ServerError {
    async_graphql::Error::new(message)
        .extend_with(|_, e| {
            e.set("code", code);
            if let Some(limit) = limit {
                e.set("limit", limit);
            }
        })
        .into_server_error(async_graphql::Pos::default())
}

/// Counts the lexical tokens of a GraphQL document (names, numbers,
/// strings, punctuators; comments, commas and white space are ignored),
/// stopping past `max`.
pub fn count_tokens(query: &str, max: usize) -> usize {
    let b = query.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < b.len() && n <= max {
        let c = b[i];
        if c.is_ascii_whitespace() || c == b',' {
            i += 1;
        } else if c == b'#' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'"' {
            n += 1;
            i = skip_string(b, i);
        } else if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' {
            n += 1;
            while i < b.len()
                && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'.' | b'-' | b'+'))
            {
                i += 1;
            }
        } else if b[i..].starts_with(b"...") {
            n += 1;
            i += 3;
        } else {
            n += 1;
            i += 1;
        }
    }
    n
}

/// The index just past the string (or block string) that starts at `b[i]`.
fn skip_string(b: &[u8], mut i: usize) -> usize {
    let block = b[i..].starts_with(b"\"\"\"");
    i += if block { 3 } else { 1 };
    while i < b.len() {
        if b[i] == b'\\' {
            i += 2;
        } else if block && b[i..].starts_with(b"\"\"\"") {
            return i + 3;
        } else if !block && (b[i] == b'"' || b[i] == b'\n') {
            return i + 1;
        } else {
            i += 1;
        }
    }
    i
}

/// The deepest bracket nesting (`{`, `[`, `(`) a document may have. It is
/// checked before parsing, so the parser never recurses deeper (a document
/// within the depth limit nests far less: async-graphql itself refuses
/// selections nested more than 32 deep).
pub const MAX_NESTING: usize = 64;

/// The deepest nesting of brackets in `query`, outside strings and
/// comments, stopping past `max`.
pub fn nesting_depth(query: &str, max: usize) -> usize {
    let b = query.as_bytes();
    let (mut i, mut depth, mut deepest) = (0, 0usize, 0usize);
    while i < b.len() && deepest <= max {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i = skip_string(b, i);
                continue;
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    deepest
}

/// How many aliases and directives the document holds.
fn count_aliases_and_directives(doc: &ExecutableDocument) -> (usize, usize) {
    fn walk(set: &SelectionSet, counts: &mut (usize, usize)) {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    counts.0 += usize::from(f.node.alias.is_some());
                    counts.1 += f.node.directives.len();
                    walk(&f.node.selection_set.node, counts);
                }
                Selection::InlineFragment(frag) => {
                    counts.1 += frag.node.directives.len();
                    walk(&frag.node.selection_set.node, counts);
                }
                Selection::FragmentSpread(spread) => counts.1 += spread.node.directives.len(),
            }
        }
    }
    let mut counts = (0, 0);
    let mut ops = Vec::new();
    match &doc.operations {
        DocumentOperations::Single(op) => ops.push(&op.node),
        DocumentOperations::Multiple(map) => ops.extend(map.values().map(|op| &op.node)),
    }
    for op in ops {
        counts.1 += op.directives.len();
        walk(&op.selection_set.node, &mut counts);
    }
    for frag in doc.fragments.values() {
        counts.1 += frag.node.directives.len();
        walk(&frag.node.selection_set.node, &mut counts);
    }
    counts
}

/// How deep the cost walk follows selections and fragments; deeper is
/// refused (async-graphql refuses past 32 anyway).
const MAX_WALK_DEPTH: usize = 64;

/// The cost walk went past [`MAX_WALK_DEPTH`].
struct TooDeep;

/// Weighs selections. Each fragment is weighed once and its cost reused, so
/// fragments that spread others many times (a "fragment bomb", 2^n fields
/// in a few hundred bytes) cost a walk linear in the document, not in its
/// expansion.
struct CostWalk<'a> {
    doc: &'a ExecutableDocument,
    variables: &'a Variables,
    facts: &'a SchemaFacts,
    /// Fragment name -> its cost; `None` while it is being weighed (a
    /// spread met then is a cycle, which validation reports).
    fragments: RefCell<HashMap<&'a str, Option<u64>>>,
    /// Whether a page size was read from a variable.
    read_variables: Cell<bool>,
}

impl<'a> CostWalk<'a> {
    /// The cost of the document's costliest operation.
    fn costliest(&self) -> Result<u64, TooDeep> {
        let ops: Vec<&'a Positioned<async_graphql::parser::types::OperationDefinition>> =
            match &self.doc.operations {
                DocumentOperations::Single(op) => vec![op],
                DocumentOperations::Multiple(ops) => ops.values().collect(),
            };
        let mut costliest = 0;
        for op in ops {
            costliest = costliest.max(self.cost(&op.node.selection_set.node, 0)?);
        }
        Ok(costliest)
    }

    fn page(&self, field: &async_graphql::parser::types::Field) -> u64 {
        let name = field.name.node.as_str();
        let given = field
            .arguments
            .iter()
            .find(|(n, _)| n.node == "first")
            .and_then(|(_, v)| match &v.node {
                async_graphql_value::Value::Variable(var) => {
                    self.read_variables.set(true);
                    match self.variables.get(var) {
                        Some(async_graphql::Value::Number(n)) => n.as_i64(),
                        _ => None,
                    }
                }
                async_graphql_value::Value::Number(n) => n.as_i64(),
                _ => None,
            });
        match (given, self.facts.first_default.get(name)) {
            (Some(n), _) => n.clamp(1, 100) as u64,
            (None, Some(d)) => (*d).clamp(1, 100) as u64,
            (None, None) => 1,
        }
    }

    fn cost(&self, set: &'a SelectionSet, depth: usize) -> Result<u64, TooDeep> {
        if depth > MAX_WALK_DEPTH {
            return Err(TooDeep);
        }
        let mut total = 0u64;
        for item in &set.items {
            let cost = match &item.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    let children = self.cost(&f.selection_set.node, depth + 1)?;
                    1u64.saturating_add(self.page(f).saturating_mul(children))
                }
                Selection::InlineFragment(frag) => {
                    self.cost(&frag.node.selection_set.node, depth + 1)?
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment_cost(spread.node.fragment_name.node.as_str(), depth + 1)?
                }
            };
            total = total.saturating_add(cost);
        }
        Ok(total)
    }

    fn fragment_cost(&self, name: &'a str, depth: usize) -> Result<u64, TooDeep> {
        if let Some(known) = self.fragments.borrow().get(name) {
            return Ok(known.unwrap_or(0));
        }
        let Some(fragment) = self.doc.fragments.get(name) else {
            return Ok(0);
        };
        self.fragments.borrow_mut().insert(name, None);
        let cost = self.cost(&fragment.node.selection_set.node, depth)?;
        self.fragments.borrow_mut().insert(name, Some(cost));
        Ok(cost)
    }
}

/// "All variable usages allowed" (GraphQL spec 5.8.5): a nullable variable
/// without a default may not feed a non-null argument without a default.
/// async-graphql 7 does not check this and fails the field at run time.
pub fn variable_position_errors(doc: &ExecutableDocument, facts: &SchemaFacts) -> Vec<String> {
    use async_graphql::parser::types::OperationDefinition;
    let mut errors = Vec::new();
    let mut check_op = |op: &OperationDefinition| {
        let vars: HashMap<&str, (&Type, bool)> = op
            .variable_definitions
            .iter()
            .map(|v| {
                (
                    v.node.name.node.as_str(),
                    (&v.node.var_type.node, v.node.default_value.is_some()),
                )
            })
            .collect();
        let root = match op.ty {
            async_graphql::parser::types::OperationType::Query => "Query",
            async_graphql::parser::types::OperationType::Mutation => "Mutation",
            async_graphql::parser::types::OperationType::Subscription => "Subscription",
        };
        let mut stack: Vec<(&SelectionSet, String, usize)> =
            vec![(&op.selection_set.node, root.to_string(), 0)];
        // Each fragment is checked once per operation (its type condition
        // fixes its parent type), however often it is spread.
        let mut seen: HashSet<&str> = HashSet::new();
        while let Some((set, parent, depth)) = stack.pop() {
            if depth > MAX_WALK_DEPTH {
                continue;
            }
            for item in &set.items {
                match &item.node {
                    Selection::Field(f) => {
                        let f = &f.node;
                        let name = f.name.node.as_str();
                        for (arg, value) in &f.arguments {
                            let async_graphql_value::Value::Variable(var) = &value.node else {
                                continue;
                            };
                            let (Some((var_ty, var_default)), Some((arg_ty, arg_default))) = (
                                vars.get(var.as_str()),
                                facts.arg_type(&parent, name, arg.node.as_str()),
                            ) else {
                                continue;
                            };
                            if var_ty.nullable && !var_default && !arg_ty.nullable && !arg_default {
                                errors.push(format!(
                                    "Variable \"${var}\" of type \"{var_ty}\" is used in position expecting type \"{arg_ty}\""
                                ));
                            }
                        }
                        if let Some(t) = facts.field_type(&parent, name) {
                            stack.push((&f.selection_set.node, named(t).to_string(), depth + 1));
                        }
                    }
                    Selection::InlineFragment(frag) => {
                        let on = frag
                            .node
                            .type_condition
                            .as_ref()
                            .map_or(parent.clone(), |c| c.node.on.node.to_string());
                        stack.push((&frag.node.selection_set.node, on, depth + 1));
                    }
                    Selection::FragmentSpread(spread) => {
                        let name = spread.node.fragment_name.node.as_str();
                        if !seen.insert(name) {
                            continue;
                        }
                        if let Some(frag) = doc.fragments.get(name) {
                            let on = frag.node.type_condition.node.on.node.to_string();
                            stack.push((&frag.node.selection_set.node, on, depth + 1));
                        }
                    }
                }
            }
        }
    };
    match &doc.operations {
        DocumentOperations::Single(op) => check_op(&op.node),
        DocumentOperations::Multiple(ops) => ops.values().for_each(|op| check_op(&op.node)),
    }
    errors
}

/// The estimated cost of the costliest operation of `doc`; `Err` for a
/// document nested past what the walk follows.
/// The estimated cost of the costliest operation of `doc`, and whether it
/// depends on `variables` (a page size given by one).
fn cost_walk(
    doc: &ExecutableDocument,
    variables: &Variables,
    facts: &SchemaFacts,
) -> (Result<u64, TooDeep>, bool) {
    let walk = CostWalk {
        doc,
        variables,
        facts,
        fragments: RefCell::new(HashMap::new()),
        read_variables: Cell::new(false),
    };
    let cost = walk.costliest();
    (cost, walk.read_variables.get())
}

impl Guard {
    /// A guard for the schema `facts` describe, with `limits`.
    pub fn new(facts: SchemaFacts, limits: super::QueryLimits) -> Guard {
        Guard {
            facts,
            limits,
            documents: quick_cache::sync::Cache::with_weighter(
                1024,
                DOCUMENT_CACHE_BYTES,
                QueryBytes,
            ),
        }
    }

    /// Checks `request` before async-graphql validates and runs it: its
    /// size and nesting (before parsing), then its aliases, directives,
    /// variable positions and cost (on a parse of our own, handed on, so
    /// the document is parsed once, and once only while it stays in the
    /// cache). async-graphql's own checks expand every fragment spread, so
    /// a document they would take exponential time over is refused here
    /// first.
    pub fn prepare(&self, request: &mut Request) -> ServerResult<Arc<Checked>> {
        let checked = match self.documents.get(request.query.as_str()) {
            Some(checked) => checked,
            None => {
                let doc = self.static_checks(&request.query)?;
                let (cost, read_variables) = cost_walk(&doc, &Variables::default(), &self.facts);
                let checked = Arc::new(Checked {
                    fixed_cost: cost.ok().filter(|_| !read_variables),
                    doc,
                    plan: OnceLock::new(),
                });
                self.documents
                    .insert(request.query.as_str().into(), checked.clone());
                checked
            }
        };
        self.check_cost(&checked, &request.variables)?;
        request.set_parsed_query(ExecutableDocument::clone(&checked.doc));
        Ok(checked)
    }

    /// The checked document `query` when the document cache holds it.
    pub fn cached(&self, query: &str) -> Option<Arc<Checked>> {
        self.documents.get(query)
    }

    /// The checked document of `request` when it has a plan for the
    /// operation asked and its cost with these variables is within the
    /// limit. `None` otherwise: [`Guard::prepare`] then checks it again,
    /// and refuses it if it must.
    pub fn planned(&self, request: &Request) -> Option<Arc<Checked>> {
        let checked = self.documents.get(request.query.as_str())?;
        checked.plan_for(request.operation_name.as_deref())?;
        self.check_cost(&checked, &request.variables).ok()?;
        Some(checked)
    }

    /// Refuses `doc` when, with `variables`, it nests past what the cost
    /// walk follows or costs more than the limit.
    fn check_cost(&self, checked: &Checked, variables: &Variables) -> ServerResult<()> {
        let limits = &self.limits;
        let cost = match checked.fixed_cost {
            Some(cost) => Ok(cost),
            None => cost_walk(&checked.doc, variables, &self.facts).0,
        };
        let Ok(cost) = cost else {
            return Err(refusal(
                format!(
                    "Query is nested too deep: its selections and fragments nest more than {MAX_WALK_DEPTH} levels"
                ),
                "QUERY_TOO_DEEP",
                Some("depth"),
            ));
        };
        if cost > limits.max_complexity as u64 {
            let message = format!(
                "Query is too complex: its estimated cost is {cost}, the limit is {} (each field costs 1; a field with `first: N` multiplies its selection by N)",
                limits.max_complexity
            );
            return Err(refusal(message, "QUERY_TOO_COMPLEX", Some("cost")));
        }
        Ok(())
    }

    /// The checks that depend on the document alone: its size, nesting,
    /// aliases, directives and variable positions. The parsed document, if
    /// it passes.
    fn static_checks(&self, query: &str) -> ServerResult<ExecutableDocument> {
        let limits = &self.limits;
        let tokens = count_tokens(query, limits.max_tokens);
        if tokens > limits.max_tokens {
            return Err(refusal(
                format!("Query is too large: more than {} tokens", limits.max_tokens),
                "QUERY_TOO_LARGE",
                Some("tokens"),
            ));
        }
        if nesting_depth(query, MAX_NESTING) > MAX_NESTING {
            return Err(refusal(
                format!("Query is nested too deep: more than {MAX_NESTING} levels of brackets"),
                "QUERY_TOO_DEEP",
                Some("depth"),
            ));
        }
        let doc = async_graphql::parser::parse_query(query)?;
        let (aliases, directives) = count_aliases_and_directives(&doc);
        if aliases > limits.max_aliases {
            return Err(refusal(
                format!(
                    "Query has {aliases} aliases; at most {} are allowed",
                    limits.max_aliases
                ),
                "QUERY_TOO_LARGE",
                Some("aliases"),
            ));
        }
        if directives > limits.max_directives {
            return Err(refusal(
                format!(
                    "Query has {directives} directives; at most {} are allowed",
                    limits.max_directives
                ),
                "QUERY_TOO_LARGE",
                Some("directives"),
            ));
        }
        if let Some(message) = variable_position_errors(&doc, &self.facts)
            .into_iter()
            .next()
        {
            return Err(refusal(message, "GRAPHQL_VALIDATION_FAILED", None));
        }
        Ok(doc)
    }

    /// Repairs `response` after execution: spec nulls where fields failed,
    /// and `extensions.limit` on errors a bound raised.
    pub fn finish(&self, response: &mut Response) {
        let mut errors = std::mem::take(&mut response.errors);
        for e in &mut errors {
            null_out(&mut response.data, &e.path, &self.facts);
            tag_bound(e);
        }
        response.errors = errors;
    }
}

/// The bound an argument broke, from a `BAD_USER_INPUT` error's message:
/// page sizes (`first` outside 0..100), path depths, traversal and
/// neighbourhood bounds.
fn bound_of(message: &str) -> Option<&'static str> {
    if message.starts_with("`first` must be between") {
        Some("page_size")
    } else if message.starts_with("`maxDepth` must be between") {
        Some("path_depth")
    } else if message.starts_with("`depth` must be between") {
        Some("neighbourhood_depth")
    } else if message.starts_with("`from` holds")
        || message.starts_with("`steps` must hold")
        || (message.starts_with("step ") && message.contains("maxHops"))
    {
        Some("traverse")
    } else {
        None
    }
}

/// Sets `extensions.limit` on a `BAD_USER_INPUT` error that a bound raised,
/// so that clients and `/metrics` see which limit refused.
fn tag_bound(e: &mut async_graphql::ServerError) {
    let Some(ext) = e.extensions.as_mut() else {
        return;
    };
    let bad_input = matches!(ext.get("code"), Some(Value::String(c)) if c == "BAD_USER_INPUT");
    if !bad_input || ext.get("limit").is_some() {
        return;
    }
    if let Some(limit) = bound_of(&e.message) {
        ext.set("limit", limit);
    }
}

/// Whether each position along `path` may hold null: position 0 is `data`
/// itself (nullable), position i the value reached by `path[..i]`. `None`
/// when the path leaves the schema.
fn nullability(path: &[PathSegment], facts: &SchemaFacts) -> Option<Vec<bool>> {
    let mut out = vec![true];
    let mut parent = "Query".to_string();
    let mut current: Option<Type> = None;
    for seg in path {
        match seg {
            PathSegment::Field(name) => {
                let t = facts.field_type(&parent, name)?.clone();
                out.push(t.nullable);
                parent = named(&t).to_string();
                current = Some(t);
            }
            PathSegment::Index(_) => {
                let BaseType::List(inner) = current?.base else {
                    return None;
                };
                out.push(inner.nullable);
                current = Some(*inner);
            }
        }
    }
    Some(out)
}

/// If the failed field at `path` is missing from `data`, writes `null` at
/// the nearest nullable position at or above it.
fn null_out(data: &mut Value, path: &[PathSegment], facts: &SchemaFacts) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    // Only act where async-graphql dropped the field.
    let Some(Value::Object(parent)) = get(data, parents) else {
        return;
    };
    let PathSegment::Field(name) = last else {
        return;
    };
    if parent.contains_key(name.as_str()) {
        return;
    }
    let Some(nullable) = nullability(path, facts) else {
        return;
    };
    let Some(at) = (0..nullable.len()).rev().find(|&i| nullable[i]) else {
        return;
    };
    if at == path.len() {
        if let Some(Value::Object(parent)) = get_mut(data, parents) {
            parent.insert(async_graphql::Name::new(name), Value::Null);
        }
    } else if let Some(slot) = get_mut(data, &path[..at]) {
        *slot = Value::Null;
    }
}

fn get<'v>(mut v: &'v Value, path: &[PathSegment]) -> Option<&'v Value> {
    for seg in path {
        v = match (seg, v) {
            (PathSegment::Field(name), Value::Object(map)) => map.get(name.as_str())?,
            (PathSegment::Index(i), Value::List(list)) => list.get(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

fn get_mut<'v>(mut v: &'v mut Value, path: &[PathSegment]) -> Option<&'v mut Value> {
    for seg in path {
        v = match (seg, v) {
            (PathSegment::Field(name), Value::Object(map)) => map.get_mut(name.as_str())?,
            (PathSegment::Index(i), Value::List(list)) => list.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_counted_like_a_lexer() {
        assert_eq!(count_tokens("{ a }", 100), 3);
        // query Q ( $ x : Int = 5 ) { a ( x : $ x ) @ skip ( if : true ) }
        assert_eq!(
            count_tokens("query Q($x: Int = 5) { a(x: $x) @skip(if: true) }", 100),
            26
        );
        assert_eq!(count_tokens("# comment\n{ a, b }", 100), 4);
        // { s ( q : "a \" b" ) ... F }
        assert_eq!(count_tokens(r#"{ s(q: "a \" b") ...F }"#, 100), 10);
        assert!(count_tokens(&"{ a ".repeat(1000), 50) > 50);
    }

    #[test]
    fn nesting_is_measured_outside_strings_and_comments() {
        assert_eq!(nesting_depth("{ a { b(x: [1, {y: 2}]) } }", 100), 5);
        assert_eq!(nesting_depth(r#"{ a(s: "{{{{[[[") }"#, 100), 2);
        assert_eq!(nesting_depth("{ a # {{{{{\n }", 100), 1);
        assert_eq!(nesting_depth(r#"{ a(s: """ {{{ \""" {{ """) }"#, 100), 2);
        assert!(nesting_depth(&"{a".repeat(10_000), 64) > 64);
    }

    #[test]
    fn fragments_are_weighed_once() {
        let mut q = String::from("{ ...F60 } fragment F0 on Query { a }");
        for i in 1..=60 {
            q.push_str(&format!(
                " fragment F{i} on Query {{ ...F{} ...F{} }}",
                i - 1,
                i - 1
            ));
        }
        let doc = async_graphql::parser::parse_query(&q).unwrap();
        let facts = SchemaFacts::default();
        // 2^60 fields once expanded: weighed without expanding.
        assert_eq!(
            cost_walk(&doc, &Variables::default(), &facts).0.ok(),
            Some(1u64 << 60)
        );
        assert!(variable_position_errors(&doc, &facts).is_empty());
    }
}
