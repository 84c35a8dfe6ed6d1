//! CSV tables for spreadsheets and data frames: entities, relations and the
//! who-leads-what table, written with the `csv` crate (RFC 4180 quoting).
//!
//! Every cell that a spreadsheet would read as a formula (one starting with
//! `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with a single
//! quote, so opening an export never runs anything.

use std::borrow::Cow;
use std::io::Write;

use super::{entity_attributes, Attr, ExportError};
use crate::graph::{LeadershipRow, Subgraph};
use crate::model::Details;

/// The columns of `entities.csv`.
pub const ENTITY_COLUMNS: [&str; 15] = [
    "id",
    "kind",
    "name",
    "aliases",
    "description",
    "category",
    "acronym",
    "group_kind",
    "number",
    "status",
    "deliverable_kind",
    "event_kind",
    "date",
    "source_document",
    "source_quote",
];

/// The columns of `relations.csv`.
pub const RELATION_COLUMNS: [&str; 10] = [
    "id",
    "type",
    "from",
    "from_name",
    "to",
    "to_name",
    "role",
    "note",
    "source_document",
    "source_quote",
];

/// The columns of `leadership.csv`.
pub const LEADERSHIP_COLUMNS: [&str; 11] = [
    "leader_id",
    "leader",
    "leader_kind",
    "role",
    "led_id",
    "led",
    "led_kind",
    "group_kind",
    "parents",
    "leader_affiliations",
    "source_quote",
];

/// `cell`, made safe to open in a spreadsheet: a leading `'` where it would
/// otherwise be read as a formula.
pub(super) fn safe_cell(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Writes a header and rows to `out`, row by row, every cell made safe.
fn write<'a>(
    header: &[&str],
    rows: impl Iterator<Item = Vec<Cow<'a, str>>>,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    let fail = |e: &dyn std::fmt::Display| ExportError::Write(e.to_string());
    let mut w = csv::Writer::from_writer(out);
    w.write_record(header).map_err(|e| fail(&e))?;
    for row in rows {
        w.write_record(row.iter().map(|c| safe_cell(c).into_owned()))
            .map_err(|e| fail(&e))?;
    }
    w.flush().map_err(|e| fail(&e))
}

/// What `write` wrote, in memory.
fn to_vec(
    write: impl FnOnce(&mut dyn Write) -> Result<(), ExportError>,
) -> Result<Vec<u8>, ExportError> {
    let mut bytes = Vec::new();
    write(&mut bytes)?;
    Ok(bytes)
}

/// `entities.csv`: one row per entity of `sub`, [`ENTITY_COLUMNS`].
pub fn entities_csv(sub: &Subgraph<'_>) -> Result<Vec<u8>, ExportError> {
    to_vec(|out| write_entities(sub, out))
}

/// `relations.csv`: one row per relation of `sub`, [`RELATION_COLUMNS`].
pub fn relations_csv(sub: &Subgraph<'_>) -> Result<Vec<u8>, ExportError> {
    to_vec(|out| write_relations(sub, out))
}

/// `leadership.csv`: one row per leadership, [`LEADERSHIP_COLUMNS`].
pub fn leadership_csv(rows: &[LeadershipRow<'_>]) -> Result<Vec<u8>, ExportError> {
    to_vec(|out| write_leadership(rows, out))
}

/// Writes `entities.csv` of `sub` to `out`.
pub(super) fn write_entities(sub: &Subgraph<'_>, out: &mut dyn Write) -> Result<(), ExportError> {
    let rows = sub.entities.iter().map(|e| {
        let attributes = entity_attributes(sub.graph, e);
        ENTITY_COLUMNS
            .iter()
            .map(|column| match *column {
                "id" => Cow::Borrowed(e.id.as_str()),
                column => attributes.iter().find(|(name, _)| *name == column).map_or(
                    Cow::Borrowed(""),
                    |(_, value)| match value {
                        Attr::Text(t) => t.clone(),
                        Attr::Int(n) => Cow::Owned(n.to_string()),
                    },
                ),
            })
            .collect()
    });
    write(&ENTITY_COLUMNS, rows, out)
}

/// Writes `relations.csv` of `sub` to `out`.
pub(super) fn write_relations(sub: &Subgraph<'_>, out: &mut dyn Write) -> Result<(), ExportError> {
    let rows = sub.relations.iter().map(|&relation| {
        let (from, to, r) = (relation.from(), relation.to(), relation.get());
        let source = relation.sources().next();
        vec![
            Cow::Owned(relation.id()),
            Cow::Borrowed(r.rel_type.as_str()),
            Cow::Borrowed(from.id.as_str()),
            Cow::Borrowed(&*from.name),
            Cow::Borrowed(to.id.as_str()),
            Cow::Borrowed(&*to.name),
            Cow::Borrowed(relation.role().unwrap_or("")),
            Cow::Borrowed(relation.note().unwrap_or("")),
            Cow::Borrowed(source.map_or("", |s| s.document.title.as_str())),
            source.map_or(Cow::Borrowed(""), |s| s.quote.text()),
        ]
    });
    write(&RELATION_COLUMNS, rows, out)
}

/// Writes `leadership.csv` of `rows` to `out`. `parents` runs from the top
/// down to the led entity's parent (`U4SSC > Thematic Group ...`);
/// `leader_affiliations` is `title, organisation` for each, joined with `; `.
pub(super) fn write_leadership(
    rows: &[LeadershipRow<'_>],
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    let rows = rows.iter().map(|row| {
        let group_kind = match &row.led.details {
            Details::Group { group_kind, .. } => group_kind.as_str(),
            _ => "",
        };
        let parents: Vec<&str> = row.led_parents.iter().rev().map(|p| &*p.name).collect();
        let affiliations: Vec<String> = row
            .leader_affiliations
            .iter()
            .map(|(relation, organisation)| match relation.role() {
                Some(title) => format!("{title}, {}", organisation.name),
                None => organisation.name.to_string(),
            })
            .collect();
        vec![
            Cow::Borrowed(row.leader.id.as_str()),
            Cow::Borrowed(&*row.leader.name),
            Cow::Borrowed(row.leader.kind().as_str()),
            Cow::Borrowed(row.relation.role().unwrap_or("")),
            Cow::Borrowed(row.led.id.as_str()),
            Cow::Borrowed(&*row.led.name),
            Cow::Borrowed(row.led.kind().as_str()),
            Cow::Borrowed(group_kind),
            Cow::Owned(parents.join(" > ")),
            Cow::Owned(affiliations.join("; ")),
            row.relation
                .sources()
                .next()
                .map_or(Cow::Borrowed(""), |s| s.quote.text()),
        ]
    });
    write(&LEADERSHIP_COLUMNS, rows, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused() {
        assert_eq!(safe_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe_cell("+1"), "'+1");
        assert_eq!(safe_cell("-2"), "'-2");
        assert_eq!(safe_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe_cell("Co-leader"), "Co-leader");
        assert_eq!(safe_cell(""), "");
    }
}
