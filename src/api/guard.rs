//! Two schema extensions that make async-graphql behave as the GraphQL spec
//! and civgraph's limits require:
//!
//! - [`CostLimit`] checks that variables are used where their types allow,
//!   and weighs every selection by the page sizes above it (a
//!   field with `first: N` multiplies its selection by N), through
//!   interfaces and fragments alike, and refuses a query over the limit
//!   before it runs (`QUERY_TOO_COMPLEX`).
//! - [`FieldErrorNulls`] puts `null` where a field failed and propagates it
//!   to the nearest nullable parent ("Handling Field Errors"); async-graphql
//!   7 drops a failed field from `data` instead.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery,
};
use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, Selection, SelectionSet, Type, TypeKind,
    TypeSystemDefinition,
};
use async_graphql::{
    ErrorExtensions, PathSegment, Positioned, Response, ServerResult, Value, Variables,
};

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

/// Refuses queries whose estimated cost exceeds a limit.
pub struct CostLimit {
    pub facts: Arc<SchemaFacts>,
    pub max_cost: usize,
}

impl ExtensionFactory for CostLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(CostLimitExtension {
            facts: self.facts.clone(),
            max_cost: self.max_cost,
        })
    }
}

struct CostLimitExtension {
    facts: Arc<SchemaFacts>,
    max_cost: usize,
}

/// How deep the cost walk follows fragments (cycles are a validation
/// error, reported after this check).
const MAX_WALK_DEPTH: usize = 64;

struct CostWalk<'a> {
    doc: &'a ExecutableDocument,
    variables: &'a Variables,
    facts: &'a SchemaFacts,
}

impl CostWalk<'_> {
    fn page(&self, field: &async_graphql::parser::types::Field) -> u64 {
        let name = field.name.node.as_str();
        let given = field
            .arguments
            .iter()
            .find(|(n, _)| n.node == "first")
            .and_then(|(_, v)| match &v.node {
                async_graphql_value::Value::Variable(var) => match self.variables.get(var) {
                    Some(async_graphql::Value::Number(n)) => n.as_i64(),
                    _ => None,
                },
                async_graphql_value::Value::Number(n) => n.as_i64(),
                _ => None,
            });
        match (given, self.facts.first_default.get(name)) {
            (Some(n), _) => n.clamp(1, 100) as u64,
            (None, Some(d)) => (*d).clamp(1, 100) as u64,
            (None, None) => 1,
        }
    }

    fn cost(&self, set: &SelectionSet, depth: usize) -> u64 {
        if depth > MAX_WALK_DEPTH {
            return 0;
        }
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    let children = self.cost(&f.selection_set.node, depth + 1);
                    1u64.saturating_add(self.page(f).saturating_mul(children))
                }
                Selection::InlineFragment(frag) => {
                    self.cost(&frag.node.selection_set.node, depth + 1)
                }
                Selection::FragmentSpread(spread) => self
                    .doc
                    .fragments
                    .get(&spread.node.fragment_name.node)
                    .map_or(0, |frag| {
                        self.cost(&frag.node.selection_set.node, depth + 1)
                    }),
            })
            .fold(0u64, u64::saturating_add)
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
                        if let Some(frag) = doc.fragments.get(&spread.node.fragment_name.node) {
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

/// The estimated cost of the costliest operation of `doc`.
pub fn query_cost(doc: &ExecutableDocument, variables: &Variables, facts: &SchemaFacts) -> u64 {
    let walk = CostWalk {
        doc,
        variables,
        facts,
    };
    let op_cost = |op: &Positioned<async_graphql::parser::types::OperationDefinition>| {
        walk.cost(&op.node.selection_set.node, 0)
    };
    match &doc.operations {
        DocumentOperations::Single(op) => op_cost(op),
        DocumentOperations::Multiple(ops) => ops.values().map(op_cost).max().unwrap_or(0),
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for CostLimitExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        if let Some(message) = variable_position_errors(&doc, &self.facts)
            .into_iter()
            .next()
        {
            return Err(async_graphql::Error::new(message)
                .extend_with(|_, e| e.set("code", "GRAPHQL_VALIDATION_FAILED"))
                .into_server_error(async_graphql::Pos::default()));
        }
        let cost = query_cost(&doc, variables, &self.facts);
        if cost > self.max_cost as u64 {
            let message = format!(
                "Query is too complex: its estimated cost is {cost}, the limit is {} (each field costs 1; a field with `first: N` multiplies its selection by N)",
                self.max_cost
            );
            return Err(async_graphql::Error::new(message)
                .extend_with(|_, e| e.set("code", "QUERY_TOO_COMPLEX"))
                .into_server_error(async_graphql::Pos::default()));
        }
        Ok(doc)
    }
}

/// Puts `null` where a field failed, propagated as the spec says.
pub struct FieldErrorNulls {
    pub facts: Arc<SchemaFacts>,
}

impl ExtensionFactory for FieldErrorNulls {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(FieldErrorNullsExtension {
            facts: self.facts.clone(),
        })
    }
}

struct FieldErrorNullsExtension {
    facts: Arc<SchemaFacts>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for FieldErrorNullsExtension {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        let errors = std::mem::take(&mut response.errors);
        for e in &errors {
            null_out(&mut response.data, &e.path, &self.facts);
        }
        response.errors = errors;
        response
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
