//! Behaviour of the loader: every mistake a curator can make in `graph-data/`
//! is reported with its file, its line and a message that says what is wrong.
//!
//! Each mistake has its own fixture folder in `tests/fixtures/invalid/`, named
//! after it; the line numbers asserted here are those of the fixture files.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use civgraph::loader::{self, LoadError, LoadOptions, Problem};
use civgraph::model::RelationType;

fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    crate_root().join("tests/fixtures/invalid").join(name)
}

/// The problems found in `dir`, which must fail to load with `LoadError::Invalid`.
fn problems_in(dir: &Path, options: &LoadOptions) -> Vec<Problem> {
    match loader::load_dir_with(dir, options) {
        Ok(_) => panic!("{} loaded, but it holds a mistake", dir.display()),
        Err(LoadError::Invalid(problems)) => problems,
        Err(other) => panic!(
            "{}: expected problems in the data, got: {other}",
            dir.display()
        ),
    }
}

/// One problem expected: file (below the data folder), line, and words the
/// message must contain.
type Expected<'a> = (&'a str, usize, &'a [&'a str]);

/// Asserts that `dir` reports exactly the `expected` problems, in any order.
fn assert_problems_in(dir: &Path, options: &LoadOptions, expected: &[Expected<'_>]) {
    let found = problems_in(dir, options);
    let listing = found
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut left: Vec<&Problem> = found.iter().collect();
    for (file, line, words) in expected {
        let file = dir.join(file);
        let at = left.iter().position(|p| {
            p.file == file && p.line == *line && words.iter().all(|w| p.message.contains(w))
        });
        match at {
            Some(i) => {
                left.remove(i);
            }
            None => panic!(
                "expected a problem at {}:{line} mentioning {words:?}; found:\n{listing}",
                file.display()
            ),
        }
    }
    assert!(
        left.is_empty(),
        "unexpected problems in {}:\n{}",
        dir.display(),
        left.iter()
            .map(|p| format!("  {p}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Asserts that the fixture `name` reports exactly the `expected` problems.
fn assert_problems(name: &str, expected: &[Expected<'_>]) {
    assert_problems_in(&fixture(name), &LoadOptions::default(), expected);
}

// ---------------------------------------------------------------------------
// The bundled data, and the shape of a report.

#[test]
fn bundled_graph_data_loads() {
    let graph = loader::load_dir(&crate_root().join("graph-data"))
        .unwrap_or_else(|err| panic!("graph-data does not load:\n{err}"));
    let stats = graph.stats();
    assert!(stats.entities > 0, "no entities loaded");
    assert!(stats.relations > 0, "no relations loaded");
    assert!(!graph.documents().is_empty(), "no documents loaded");
    // The README's worked example; the relation lives in a sub-folder.
    let okan = graph
        .entity("person:okan-geray")
        .expect("person:okan-geray is loaded");
    assert_eq!(&*okan.name, "Okan Geray");
    assert!(graph
        .relation("relation:leads/person:okan-geray/group:u4ssc")
        .is_some());
    for entity in graph.entities() {
        assert!(
            graph.sources_of(entity).len() > 0,
            "{} has no source",
            entity.id
        );
    }
    for relation in graph.relations() {
        assert!(
            relation.sources().len() > 0,
            "{} has no source",
            relation.display_id()
        );
    }
}

#[test]
fn a_problem_displays_as_file_line_message() {
    let problem = Problem {
        file: PathBuf::from("graph-data/people.toml"),
        line: 12,
        message: "missing field `name` in this [[person]]".to_string(),
    };
    assert_eq!(
        problem.to_string(),
        "graph-data/people.toml:12: missing field `name` in this [[person]]"
    );
    let whole_file = Problem { line: 0, ..problem };
    assert_eq!(
        whole_file.to_string(),
        "graph-data/people.toml: missing field `name` in this [[person]]"
    );
}

#[test]
fn load_error_lists_every_problem_as_file_line_message() {
    let dir = fixture("no-source");
    let err = loader::load_dir(&dir).expect_err("no-source must not load");
    let file = dir.join("graph.toml");
    let lines = err.problems();
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(lines[0].starts_with(&format!("{}:7: ", file.display())));
    assert!(lines[1].starts_with(&format!("{}:20: ", file.display())));
    assert_eq!(err.to_string(), lines.join("\n"));
}

// ---------------------------------------------------------------------------
// One mistake per fixture.

#[test]
fn unknown_reference_in_from_and_to() {
    assert_problems(
        "unknown-reference",
        &[
            (
                "relations.toml",
                4,
                &["unknown reference", "from", "person:anne", "no entity"],
            ),
            (
                "relations.toml",
                13,
                &["unknown reference", "to", "group:gg", "no entity"],
            ),
        ],
    );
}

#[test]
fn duplicate_id_across_files_names_the_first_place() {
    let dir = fixture("duplicate-id");
    let first = format!("{}:7", dir.join("a.toml").display());
    assert_problems(
        "duplicate-id",
        &[(
            "b.toml",
            3,
            &["duplicate id", "person:ann", "already declared at", &first],
        )],
    );
}

#[test]
fn missing_name() {
    assert_problems(
        "missing-name",
        &[(
            "graph.toml",
            7,
            &["missing field `name`", "[[organisation]]"],
        )],
    );
}

#[test]
fn missing_category() {
    assert_problems(
        "missing-category",
        &[(
            "graph.toml",
            7,
            &["missing field `category`", "[[organisation]]"],
        )],
    );
}

#[test]
fn missing_relation_type() {
    assert_problems(
        "missing-relation-type",
        &[("graph.toml", 23, &["missing field `type`", "[[relation]]"])],
    );
}

#[test]
fn unknown_relation_type_lists_the_accepted_values() {
    let mut words = vec!["field `type`", "unknown value `LEAD`", "expected one of"];
    words.extend(RelationType::ALL.iter().map(|t| t.as_str()));
    assert_problems("unknown-relation-type", &[("graph.toml", 24, &words)]);
}

#[test]
fn relation_between_kinds_its_type_does_not_allow() {
    assert_problems(
        "relation-kinds-not-allowed",
        &[(
            "graph.toml",
            25,
            &[
                "LEADS cannot go from a deliverable to a group",
                "Person or Organisation -> Group or Organisation",
            ],
        )],
    );
}

#[test]
fn id_kind_not_matching_its_table() {
    assert_problems(
        "id-kind-mismatch",
        &[(
            "graph.toml",
            8,
            &[
                "`group:ann` is a group id",
                "[[person]]",
                "use `person:ann`",
            ],
        )],
    );
}

#[test]
fn malformed_id_with_upper_case_slug() {
    assert_problems(
        "malformed-id",
        &[(
            "graph.toml",
            8,
            &["`person:Ann-Lee`", "invalid slug", "lower-case"],
        )],
    );
}

#[test]
fn unknown_field_typo() {
    assert_problems(
        "unknown-field",
        &[
            // The typo leaves the entity without a name: both are reported.
            ("graph.toml", 7, &["missing field `name`"]),
            (
                "graph.toml",
                9,
                &[
                    "unknown field `nmae`",
                    "did you mean `name`?",
                    "expected one of",
                ],
            ),
        ],
    );
}

#[test]
fn field_that_does_not_apply_to_the_kind() {
    assert_problems(
        "field-not-for-kind",
        &[(
            "graph.toml",
            10,
            &["field `number` does not apply to a person"],
        )],
    );
}

#[test]
fn entity_and_relation_without_source() {
    assert_problems(
        "no-source",
        &[
            (
                "graph.toml",
                7,
                &["`person:ann` has no source", "[[...source]]"],
            ),
            (
                "graph.toml",
                20,
                &["LEADS from `person:ann` to `group:g` has no source"],
            ),
        ],
    );
}

#[test]
fn source_citing_an_unknown_document() {
    assert_problems(
        "unknown-document",
        &[(
            "graph.toml",
            11,
            &["unknown document `doc-b`", "[[document]]"],
        )],
    );
}

#[test]
fn quote_longer_than_300_characters() {
    // Ann's quote (line 12) is exactly 300 characters and passes.
    assert_problems(
        "quote-too-long",
        &[(
            "graph.toml",
            19,
            &["quote is 301 characters long", "at most 300"],
        )],
    );
}

#[test]
fn bad_dates_of_a_document_and_an_event() {
    assert_problems(
        "bad-date",
        &[
            (
                "graph.toml",
                6,
                &["date `31/10/2025` is not a calendar date", "YYYY-MM-DD"],
            ),
            (
                "graph.toml",
                12,
                &["date `2025-13-01` is not a calendar date", "YYYY-MM-DD"],
            ),
        ],
    );
}

#[test]
fn duplicate_relation() {
    let dir = fixture("duplicate-relation");
    let first = format!("{}:2", dir.join("relations.toml").display());
    assert_problems(
        "duplicate-relation",
        &[(
            "relations.toml",
            11,
            &[
                "duplicate relation",
                "LEADS from `person:ann` to `group:g`",
                "already declared at",
                &first,
            ],
        )],
    );
}

#[test]
fn toml_syntax_error() {
    // An unclosed string; the other file of the folder is fine.
    assert_problems(
        "toml-syntax-error",
        &[("people.toml", 5, &["invalid basic string"])],
    );
}

#[test]
fn text_that_is_not_utf8_is_reported_at_its_line() {
    // A Latin-1 "ü" (one byte, 0xFC) in a name on line 4; the other file is fine.
    let dir = tempfile::tempdir().unwrap();
    let fixture = fixture("toml-syntax-error");
    fs::copy(
        fixture.join("documents.toml"),
        dir.path().join("documents.toml"),
    )
    .unwrap();
    let mut people =
        b"[[person]]\nid = \"person:zoe-muller\"\n# Z\xc3\xbc is fine\nname = \"Zoe M".to_vec();
    people.extend_from_slice(b"\xfcller\"\n");
    fs::write(dir.path().join("people.toml"), people).unwrap();
    assert_problems_in(
        dir.path(),
        &LoadOptions::default(),
        &[("people.toml", 4, &["not UTF-8", "byte 63"])],
    );
}

/// A copy of the small fixture, to add mistakes to.
fn copy_of_small_fixture() -> tempfile::TempDir {
    common::temp_copy(&crate_root().join("tests/fixtures/small"))
}

#[test]
fn an_entity_linked_to_itself_is_reported_at_its_to() {
    // The first relation has no other problem; the second also has a blank
    // quote (so both ways through the checks are taken).
    let dir = copy_of_small_fixture();
    let text = r#"[[relation]]
type = "PART_OF"
from = "group:smart-cities"
to = "group:smart-cities"
  [[relation.source]]
  doc = "fixture"
  quote = "the Bureau of Urban Data of the ASU"

[[relation]]
type = "PART_OF"
from = "organisation:acme"
to = "organisation:acme"
  [[relation.source]]
  doc = "fixture"
  quote = " "
"#;
    fs::write(dir.path().join("relations/loops.toml"), text).unwrap();
    assert_problems_in(
        dir.path(),
        &LoadOptions::default(),
        &[
            (
                "relations/loops.toml",
                4,
                &["PART_OF", "links an entity to itself"],
            ),
            ("relations/loops.toml", 12, &["links an entity to itself"]),
            ("relations/loops.toml", 15, &["quote"]),
        ],
    );
}

#[test]
fn problems_far_below_their_entrys_first_line_are_reported_at_their_lines() {
    // Fields 300 lines below their entry's header: past comment lines (a
    // file the plain reader reads) and past a multi-line string (a file
    // toml reads). Each mistake is reported at its own line.
    let dir = copy_of_small_fixture();
    let gap = "# a comment line\n".repeat(300);
    let plain = format!(
        "[[relation]]\ntype = \"AFFILIATED_WITH\"\n{gap}from = \"person:nobody\"\n\
         to = \"organisation:acme\"\n  [[relation.source]]\n  doc = \"fixture\"\n\
         {gap}  quote = \"ASU\"\n"
    );
    fs::write(dir.path().join("relations/far.toml"), plain).unwrap();
    let lines = "line\n".repeat(300);
    let toml = format!(
        "[[organisation]]\nid = \"organisation:far\"\nname = \"Far\"\ncategory = \"UN_ENTITY\"\n\
         description = \"\"\"\n{lines}\"\"\"\n  [[organisation.source]]\n\
         doc = \"doc-nowhere\"\n  quote = \"Far\"\n\n\
         [[relation]]\nnote = \"\"\"\n{lines}\"\"\"\ntype = \"AFFILIATED_WITH\"\n\
         from = \"person:zoe-muller\"\nto = \"organisation:nowhere\"\n\
         \x20 [[relation.source]]\n  doc = \"fixture\"\n  quote = \"ASU\"\n"
    );
    fs::write(dir.path().join("far-toml.toml"), toml).unwrap();
    assert_problems_in(
        dir.path(),
        &LoadOptions::default(),
        &[
            (
                "relations/far.toml",
                303,
                &["unknown reference", "person:nobody"],
            ),
            ("far-toml.toml", 308, &["unknown document `doc-nowhere`"]),
            (
                "far-toml.toml",
                616,
                &["unknown reference", "organisation:nowhere"],
            ),
        ],
    );
}

#[test]
fn empty_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    // Only `*.toml` files count, in sub-folders too.
    fs::write(dir.path().join("notes.txt"), "not data").unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    fs::write(dir.path().join("sub/README.md"), "# not data").unwrap();
    match loader::load_dir(dir.path()) {
        Err(err @ LoadError::Empty(_)) => {
            let LoadError::Empty(path) = &err else {
                unreachable!()
            };
            assert_eq!(path, dir.path());
            assert_eq!(
                err.problems(),
                vec![format!(
                    "{}: no *.toml data files found",
                    dir.path().display()
                )]
            );
        }
        Err(other) => panic!("expected LoadError::Empty, got: {other}"),
        Ok(_) => panic!("an empty folder loaded"),
    }
}

#[test]
fn data_folder_that_does_not_exist() {
    let dir = fixture("no-such-folder");
    assert!(!dir.exists());
    match loader::load_dir(&dir) {
        Err(err @ LoadError::Io { .. }) => {
            let LoadError::Io { path, .. } = &err else {
                unreachable!()
            };
            assert_eq!(path, &dir);
            let problems = err.problems();
            assert_eq!(problems.len(), 1);
            assert!(
                problems[0].starts_with(&format!("cannot read {}", dir.display())),
                "{problems:?}"
            );
        }
        Err(other) => panic!("expected LoadError::Io, got: {other}"),
        Ok(_) => panic!("a folder that does not exist loaded"),
    }
}

#[test]
fn a_file_with_several_problems_reports_all_of_them() {
    assert_problems(
        "several-problems",
        &[
            (
                "graph.toml",
                6,
                &["date `2025-10-32` is not a calendar date"],
            ),
            ("graph.toml", 9, &["`person:Ann`", "invalid slug"]),
            ("graph.toml", 15, &["missing field `name`", "[[person]]"]),
            ("graph.toml", 18, &["unknown document `doc-b`"]),
            (
                "graph.toml",
                24,
                &["field `category`", "unknown value `CORPORATION`", "COMPANY"],
            ),
            ("graph.toml", 29, &["this relation has no source"]),
            ("graph.toml", 30, &["field `type`", "unknown value `LEAD`"]),
            ("graph.toml", 31, &["unknown reference", "person:carol"]),
            ("graph.toml", 32, &["unknown reference", "group:g"]),
        ],
    );
}

// ---------------------------------------------------------------------------
// Loader bugs found while writing these tests: each test states the
// behaviour the README promises.

#[test]
fn several_unknown_fields_in_one_file_are_all_reported() {
    assert_problems(
        "several-unknown-fields",
        &[
            ("graph.toml", 7, &["missing field `name`"]),
            ("graph.toml", 9, &["unknown field `nmae`"]),
            ("graph.toml", 17, &["unknown field `honorfic`"]),
        ],
    );
}

#[test]
fn impossible_calendar_date_is_reported() {
    assert_problems(
        "impossible-date",
        &[("graph.toml", 11, &["2025-02-30", "not a calendar date"])],
    );
}

#[test]
fn blank_document_key_is_reported() {
    let found = problems_in(&fixture("blank-document-key"), &LoadOptions::default());
    let file = fixture("blank-document-key").join("graph.toml");
    assert!(
        found
            .iter()
            .any(|p| p.file == file && p.line == 3 && p.message.contains("key")),
        "{found:#?}"
    );
}

// ---------------------------------------------------------------------------
// Quotes checked against the documents' text (`validate --sources DIR`).

const REPORT_TEXT: &str = "Meeting Report\n\nOpening Remarks\n\nAnn Lee, Chair of the\nWorking   Group,\topened the meeting.\n";

/// Writes a one-document, one-person graph to `dir/data`, the document's text to
/// `dir/sources/report.txt`, and returns (data folder, sources folder).
/// The document is at line 1, the person at line 7, its quote at line 12.
fn graph_citing(dir: &Path, text_file: &str, quote: &str) -> (PathBuf, PathBuf) {
    let data = dir.join("data");
    let sources = dir.join("sources");
    fs::create_dir(&data).unwrap();
    fs::create_dir(&sources).unwrap();
    fs::write(sources.join("report.txt"), REPORT_TEXT).unwrap();
    let toml = format!(
        r#"[[document]]
key = "report"
title = "Meeting Report"
publisher = "Publisher A"
text_file = "{text_file}"

[[person]]
id = "person:ann-lee"
name = "Ann Lee"
  [[person.source]]
  doc = "report"
  quote = "{quote}"
"#
    );
    fs::write(data.join("graph.toml"), toml).unwrap();
    (data, sources)
}

fn with_sources(sources: PathBuf) -> LoadOptions {
    LoadOptions {
        sources_dir: Some(sources),
    }
}

#[test]
fn quote_present_with_different_white_space_passes() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, sources) = graph_citing(
        tmp.path(),
        "report.txt",
        "Ann Lee, Chair of the Working Group, opened the meeting.",
    );
    let graph = loader::load_dir_with(&data, &with_sources(sources))
        .unwrap_or_else(|err| panic!("the quote is in the text:\n{err}"));
    assert_eq!(
        graph
            .sources_of(graph.entity("person:ann-lee").unwrap())
            .next()
            .expect("a source")
            .quote,
        "Ann Lee, Chair of the Working Group, opened the meeting."
    );
}

#[test]
fn quote_absent_from_the_text_is_reported_with_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, sources) = graph_citing(tmp.path(), "report.txt", "Bob Smith closed the meeting.");
    // Without the text, nothing can tell the quote is wrong.
    loader::load_dir(&data).expect("loads without --sources");
    assert_problems_in(
        &data,
        &with_sources(sources),
        &[(
            "graph.toml",
            12,
            &[
                "quote not found in `report.txt`",
                "Bob Smith closed the meeting.",
            ],
        )],
    );
}

#[test]
fn missing_text_file_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, sources) = graph_citing(tmp.path(), "missing.txt", "Ann Lee");
    assert_problems_in(
        &data,
        &with_sources(sources),
        &[("graph.toml", 1, &["cannot read", "missing.txt"])],
    );
}

/// Relations' quotes, which the loader writes one after another into a block
/// a file, read back as written (trimmed), each with its own document and
/// section, from files parsed by different threads and from the toml path
/// (a file in another shape) alike.
#[test]
fn relation_quotes_read_back_trimmed_from_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| fs::write(dir.path().join(name), text).unwrap();
    write(
        "documents.toml",
        "[[document]]\nkey = \"d\"\ntitle = \"D\"\npublisher = \"P\"\n\n[[document]]\nkey = \"e\"\ntitle = \"E\"\npublisher = \"P\"\n",
    );
    let mut people = String::new();
    for i in 0..4 {
        people.push_str(&format!(
            "[[person]]\nid = \"person:p{i}\"\nname = \"P {i}\"\n  [[person.source]]\n  doc = \"d\"\n  quote = \"  P {i} is here \"\n\n"
        ));
    }
    write("people.toml", &people);
    write(
        "groups.toml",
        "[[group]]\nid = \"group:g\"\nname = \"G\"\ngroup_kind = \"WORKING_GROUP\"\nstatus = \"ACTIVE\"\n  [[group.source]]\n  doc = \"d\"\n  quote = \"G\"\n",
    );
    // A plain file: two sources on one relation, the second with a section.
    write(
        "a-relations.toml",
        "[[relation]]\ntype = \"MEMBER_OF\"\nfrom = \"person:p0\"\nto = \"group:g\"\n  [[relation.source]]\n  doc = \"d\"\n  quote = \"  p0 in g, first  \"\n  [[relation.source]]\n  doc = \"e\"\n  section = \"Part 2\"\n  quote = \"p0 in g, second\"\n\n[[relation]]\ntype = \"LEADS\"\nfrom = \"person:p1\"\nto = \"group:g\"\nrole = \"Chair\"\n  [[relation.source]]\n  doc = \"e\"\n  quote = \"p1 chairs g \\u00e9\"\n",
    );
    // Inline tables are not the plain shape: toml reads this file.
    write(
        "b-relations.toml",
        "relation = [{ type = \"MEMBER_OF\", from = \"person:p2\", to = \"group:g\", source = [{ doc = \"d\", quote = \" p2 in g \" }] }]\n",
    );
    let graph = loader::load_dir(dir.path()).expect("valid data");
    let quotes = |id: &str| -> Vec<(String, Option<String>, String)> {
        graph
            .relation(id)
            .unwrap_or_else(|| panic!("{id} loaded"))
            .sources()
            .map(|s| {
                (
                    s.document.key.clone(),
                    s.section.map(str::to_string),
                    s.quote.to_string(),
                )
            })
            .collect()
    };
    let own = |doc: &str, section: Option<&str>, quote: &str| {
        (
            doc.to_string(),
            section.map(str::to_string),
            quote.to_string(),
        )
    };
    assert_eq!(
        quotes("relation:member-of/person:p0/group:g"),
        [
            own("d", None, "p0 in g, first"),
            own("e", Some("Part 2"), "p0 in g, second")
        ]
    );
    assert_eq!(
        quotes("relation:leads/person:p1/group:g"),
        [own("e", None, "p1 chairs g é")]
    );
    assert_eq!(
        quotes("relation:member-of/person:p2/group:g"),
        [own("d", None, "p2 in g")]
    );
    // The entities' sources follow the relations' in the graph's tables.
    for i in 0..4 {
        let p = graph.entity(&format!("person:p{i}")).expect("loaded");
        let sources: Vec<_> = graph.sources_of(p).map(|s| s.quote.to_string()).collect();
        assert_eq!(sources, [format!("P {i} is here")]);
    }
    let g = graph.entity("group:g").expect("loaded");
    let sources: Vec<_> = graph.sources_of(g).map(|s| s.quote).collect();
    assert_eq!(sources, ["G"]);
}
