//! A deterministic synthetic graph in the graph-data format, for benchmarks
//! at scale (`civgraph generate --entities N --seed S --out DIR`).
//!
//! The shape follows the bundled graph: organisations with units, people
//! with affiliations, nested groups (initiative > thematic > working) with
//! leaders, members, coordinators and supporters, deliverables with
//! producers and authors, meetings with sessions, moderators and speakers;
//! about five relations per entity. Every entity and relation cites a
//! generated `[[document]]` with a synthetic quote.
//!
//! Degrees are skewed: every relation's target is drawn with
//! `index = floor(n * u^2)` (`u` uniform), so the first entities of each kind
//! are hubs and the degree tail falls like `k^-3`, the shape of preferential
//! attachment. The same `--entities` and `--seed` give byte-identical files
//! (`fastrand`'s wyrand stream, written in a fixed order).

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

const FIRST: &[&str] = &[
    "Amara", "Ben", "Chiara", "Dmitri", "Elif", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kavya",
    "Luis", "Mei", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma", "Viktor",
    "Wen", "Ximena", "Yusuf", "Zoë", "Aiko", "Bruno", "Chloé", "Diego", "Esra", "Femi", "Gustavo",
    "Hana", "Ivan", "Jana", "Kwame", "Lena", "Mateo", "Nour", "Olga", "Pablo", "Rania", "Sofia",
    "Thabo", "Ulla", "Vera", "Wanjiru", "Yara", "Zeynep", "André", "Björn", "Céline", "Dalia",
];
const LAST: &[&str] = &[
    "Okafor",
    "Schmidt",
    "Rossi",
    "Ivanova",
    "Yilmaz",
    "Haddad",
    "Nakamura",
    "Silva",
    "Berg",
    "Patel",
    "Garcia",
    "Chen",
    "Mansour",
    "Dubois",
    "Kowalski",
    "Mensah",
    "Novak",
    "Moreau",
    "Tanaka",
    "Lindqvist",
    "Rahman",
    "Costa",
    "Müller",
    "Nguyen",
    "Kariuki",
    "Ortega",
    "Sato",
    "Hansen",
    "Abdi",
    "Popescu",
    "Fischer",
    "Kim",
    "Singh",
    "Öztürk",
    "Petrov",
    "Alvarez",
    "Obi",
    "Larsen",
    "Ferreira",
    "Zhang",
    "Horvat",
    "Mwangi",
    "Jansen",
    "Romero",
    "Takahashi",
    "Nieminen",
    "Bakr",
    "Castillo",
    "Eriksen",
    "Wójcik",
    "Adeyemi",
    "Leclerc",
    "Suzuki",
    "Varga",
    "Santos",
    "Kaya",
    "Lehmann",
    "Ibrahim",
    "Moretti",
    "Quispe",
    "Aziz",
    "Dahl",
    "Boateng",
    "Roux",
];
const PLACE: &[&str] = &[
    "Northern",
    "Coastal",
    "Alpine",
    "Central",
    "Riverside",
    "Eastern",
    "Desert",
    "Highland",
    "Metropolitan",
    "Atlantic",
    "Pacific",
    "Lakeside",
    "Southern",
    "Western",
    "Island",
    "Valley",
];
const TOPIC: &[&str] = &[
    "Water",
    "Energy",
    "Mobility",
    "Housing",
    "Health",
    "Data",
    "Climate",
    "Waste",
    "Education",
    "Finance",
    "Safety",
    "Culture",
    "Food",
    "Governance",
    "Resilience",
    "Innovation",
    "Wellbeing",
    "Circularity",
    "Connectivity",
    "Biodiversity",
    "Heritage",
    "Tourism",
    "Logistics",
    "Air",
];
const ORG_TYPE: &[(&str, &str)] = &[
    ("Agency", "UN_ENTITY"),
    ("Company", "COMPANY"),
    ("University", "UNIVERSITY"),
    ("Foundation", "FOUNDATION"),
    ("City Council", "CITY"),
    ("Ministry", "GOVERNMENT_BODY"),
    ("Institute", "OTHER"),
    ("Network", "OTHER"),
];
const UNIT_TYPE: &[&str] = &[
    "Division",
    "Bureau",
    "Academy",
    "Office",
    "Department",
    "Lab",
];
const TITLE: &[&str] = &[
    "Director",
    "Professor",
    "Senior Officer",
    "Researcher",
    "Advisor",
    "Head of Unit",
    "Programme Manager",
    "Chief Technology Officer",
    "Policy Analyst",
    "Counsellor",
    "Engineer",
];
const DELIVERABLE: &[(&str, &str)] = &[
    ("Publication", "PUBLICATION"),
    ("Framework", "FRAMEWORK"),
    ("Guide", "GUIDE"),
    ("Policy Brief", "POLICY"),
    ("Action Plan", "PLAN"),
    ("Report", "REPORT"),
    ("Case Study", "CASE_STUDY"),
    ("Standard", "STANDARD"),
];
const DELIVERABLE_STATUS: &[&str] = &["PUBLISHED", "IN_DEVELOPMENT", "PLANNED", "APPROVED"];
const GROUP_STATUS: &[&str] = &["ACTIVE", "ACTIVE", "ACTIVE", "NEW", "CONCLUDED"];

/// Records per data file, so that no file is huge.
const CHUNK: usize = 20_000;
/// Entities per synthetic document.
const PER_DOCUMENT: usize = 10_000;

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub entities: usize,
    pub relations: usize,
    pub files: usize,
}

/// How many entities of each kind `n` entities hold; the parts sum to `n`.
struct Counts {
    orgs: usize,
    /// The first `top_orgs` organisations are not units.
    top_orgs: usize,
    people: usize,
    groups: usize,
    initiatives: usize,
    thematic: usize,
    deliverables: usize,
    events: usize,
    meetings: usize,
}

impl Counts {
    fn new(n: usize) -> Counts {
        let orgs = (n / 10).max(2);
        let groups = (n / 10).max(3);
        let deliverables = (n * 12 / 100).max(1);
        let events = (n / 10).max(2);
        let people = n - orgs - groups - deliverables - events;
        let initiatives = (groups / 100).max(1);
        Counts {
            orgs,
            top_orgs: (orgs * 7 / 10).max(1),
            people,
            groups,
            initiatives,
            thematic: (groups * 15 / 100).clamp(1, groups - initiatives - 1),
            deliverables,
            events,
            meetings: (events / 10).max(1),
        }
    }
}

/// Writes a synthetic graph of `entities` entities (at least 20) into `out`,
/// which must be missing or empty; the same `seed` gives the same bytes.
pub fn generate(entities: usize, seed: u64, out: &Path) -> io::Result<Summary> {
    if entities < 20 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "--entities must be at least 20",
        ));
    }
    if out.exists() && std::fs::read_dir(out)?.next().is_some() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} is not empty", out.display()),
        ));
    }
    std::fs::create_dir_all(out.join("relations"))?;
    let c = Counts::new(entities);
    let mut g = Gen {
        rng: fastrand::Rng::with_seed(seed),
        out: out.to_path_buf(),
        documents: entities.div_ceil(PER_DOCUMENT),
        names: Vec::new(),
        unit_parents: Vec::new(),
        files: 0,
        relations: 0,
        line: String::new(),
    };
    g.write_documents()?;
    let ids = g.write_entities(&c)?;
    g.write_relations(&c, &ids)?;
    Ok(Summary {
        entities,
        relations: g.relations,
        files: g.files,
    })
}

/// The generator's state: the random stream, every entity's name (for the
/// quotes of relations) and the counts written so far.
struct Gen {
    rng: fastrand::Rng,
    out: PathBuf,
    documents: usize,
    names: Vec<String>,
    /// Each unit's parent organisation (by index), in unit order.
    unit_parents: Vec<usize>,
    files: usize,
    relations: usize,
    /// A buffer reused for each record.
    line: String,
}

/// A data file family split into files of [`CHUNK`] records.
struct Chunked {
    base: PathBuf,
    header: &'static str,
    count: usize,
    file: Option<BufWriter<File>>,
}

impl Chunked {
    fn new(base: PathBuf, header: &'static str) -> Chunked {
        Chunked {
            base,
            header,
            count: 0,
            file: None,
        }
    }

    fn write(&mut self, record: &str, files: &mut usize) -> io::Result<()> {
        if self.count % CHUNK == 0 {
            if let Some(mut f) = self.file.take() {
                f.flush()?;
            }
            let name = format!("{}-{:04}.toml", self.base.display(), self.count / CHUNK + 1);
            let mut f = BufWriter::with_capacity(1 << 16, File::create(name)?);
            writeln!(f, "# {}\n# Generated by `civgraph generate`.", self.header)?;
            self.file = Some(f);
            *files += 1;
        }
        self.count += 1;
        self.file
            .as_mut()
            .expect("a file is open")
            .write_all(record.as_bytes())
    }

    fn finish(mut self) -> io::Result<()> {
        self.file.take().map_or(Ok(()), |mut f| f.flush())
    }
}

/// `s` as a TOML basic string.
fn q(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `name` as an id slug, made unique by `i`.
fn slug(name: &str, i: usize) -> String {
    let ascii = deunicode::deunicode(name).to_ascii_lowercase();
    let words: Vec<&str> = ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    format!("{}-{i}", words.join("-"))
}

impl Gen {
    /// `floor(n * u^2)`: low indices are hubs.
    fn skewed(&mut self, n: usize) -> usize {
        let u = self.rng.f64();
        ((n as f64 * u * u) as usize).min(n - 1)
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.rng.usize(..list.len())]
    }

    /// Appends a `[[<table>.source]]` citing a document, to `self.line`.
    fn source(&mut self, table: &str, quote: &str) {
        let doc = self.rng.usize(..self.documents) + 1;
        let section = self.rng.usize(1..=24);
        let _ = write!(
            self.line,
            "  [[{table}.source]]\n  doc = \"synthetic-{doc}\"\n  section = \"Part {section}\"\n  quote = {}\n\n",
            q(quote)
        );
    }

    fn write_documents(&mut self) -> io::Result<()> {
        let mut f = BufWriter::new(File::create(self.out.join("documents.toml"))?);
        self.files += 1;
        writeln!(
            f,
            "# Synthetic documents.\n# Generated by `civgraph generate`."
        )?;
        for d in 1..=self.documents {
            writeln!(
                f,
                "\n[[document]]\nkey = \"synthetic-{d}\"\ntitle = \"Synthetic meeting report {d}\"\npublisher = \"civgraph generate\"\ndate = \"2025-10-31\""
            )?;
        }
        f.flush()
    }

    /// Writes every entity; returns their ids in order: organisations,
    /// people, groups, deliverables, events.
    fn write_entities(&mut self, c: &Counts) -> io::Result<Vec<String>> {
        let mut ids = Vec::with_capacity(c.orgs + c.people + c.groups + c.deliverables + c.events);
        let mut orgs = Chunked::new(self.out.join("organisations"), "Organisations.");
        for i in 0..c.orgs {
            let (name, extra) = if i < c.top_orgs {
                let (kind, category) = ORG_TYPE[self.rng.usize(..ORG_TYPE.len())];
                let name = format!("{} {} {kind}", self.pick(PLACE), self.pick(TOPIC));
                let acronym: String = name.split(' ').filter_map(|w| w.chars().next()).collect();
                let extra = format!("category = \"{category}\"\nacronym = {}\n", q(&acronym));
                (name, extra)
            } else {
                let parent = self.skewed(c.top_orgs);
                self.unit_parents.push(parent);
                let name = format!(
                    "{} {} of {}",
                    self.pick(TOPIC),
                    self.pick(UNIT_TYPE),
                    self.names[parent]
                );
                (name, "category = \"UNIT\"\n".to_string())
            };
            let id = format!("organisation:{}", slug(&name, i));
            self.entity(
                "organisation",
                &id,
                &name,
                &extra,
                &format!("{name} joined the network"),
            );
            orgs.write(&self.line, &mut self.files)?;
            self.names.push(name);
            ids.push(id);
        }
        orgs.finish()?;

        let mut people = Chunked::new(self.out.join("people"), "People.");
        for i in 0..c.people {
            let name = format!("{} {}", self.pick(FIRST), self.pick(LAST));
            let id = format!("person:{}", slug(&name, i));
            let quote = format!("{name}, {}", self.pick(TITLE));
            self.entity("person", &id, &name, "", &quote);
            people.write(&self.line, &mut self.files)?;
            self.names.push(name);
            ids.push(id);
        }
        people.finish()?;

        let mut groups = Chunked::new(self.out.join("groups"), "Groups.");
        for i in 0..c.groups {
            let topic = self.pick(TOPIC);
            let (name, kind) = if i < c.initiatives {
                (format!("United for {topic} Cities {}", i + 1), "INITIATIVE")
            } else if i < c.initiatives + c.thematic {
                (
                    format!("Thematic Group on {topic} {}", i + 1),
                    "THEMATIC_GROUP",
                )
            } else {
                (
                    format!("Working Group on {topic} {}", i + 1),
                    "WORKING_GROUP",
                )
            };
            let status = self.pick(GROUP_STATUS);
            let extra = format!(
                "group_kind = \"{kind}\"\nstatus = \"{status}\"\ndescription = \"Works on {} and {} in cities.\"\n",
                topic.to_lowercase(),
                self.pick(TOPIC).to_lowercase()
            );
            let id = format!("group:{}", slug(&name, i));
            self.entity(
                "group",
                &id,
                &name,
                &extra,
                &format!("the {name} was established"),
            );
            groups.write(&self.line, &mut self.files)?;
            self.names.push(name);
            ids.push(id);
        }
        groups.finish()?;

        let mut deliverables = Chunked::new(self.out.join("deliverables"), "Deliverables.");
        for i in 0..c.deliverables {
            let (kind, code) = DELIVERABLE[self.rng.usize(..DELIVERABLE.len())];
            let name = format!("{} {} {kind} {}", self.pick(PLACE), self.pick(TOPIC), i + 1);
            let extra = format!(
                "deliverable_kind = \"{code}\"\nstatus = \"{}\"\n",
                self.pick(DELIVERABLE_STATUS)
            );
            let id = format!("deliverable:{}", slug(&name, i));
            self.entity(
                "deliverable",
                &id,
                &name,
                &extra,
                &format!("the {name} was presented"),
            );
            deliverables.write(&self.line, &mut self.files)?;
            self.names.push(name);
            ids.push(id);
        }
        deliverables.finish()?;

        let mut events = Chunked::new(self.out.join("events"), "Meetings and their sessions.");
        for i in 0..c.events {
            let (name, extra) = if i < c.meetings {
                let name = format!("Meeting {} on {}", i + 1, self.pick(TOPIC));
                let day = self.rng.usize(1..=28);
                (
                    name,
                    format!("event_kind = \"MEETING\"\ndate = \"2025-10-{day:02}\"\n"),
                )
            } else {
                let number = i % 9 + 1;
                let name = format!(
                    "Session {number}: {} and {}",
                    self.pick(TOPIC),
                    self.pick(TOPIC)
                );
                (
                    name,
                    format!("event_kind = \"SESSION\"\nnumber = {number}\n"),
                )
            };
            let id = format!("event:{}", slug(&name, i));
            self.entity("event", &id, &name, &extra, &format!("{name} took place"));
            events.write(&self.line, &mut self.files)?;
            self.names.push(name);
            ids.push(id);
        }
        events.finish()?;
        Ok(ids)
    }

    /// Puts one entity record in `self.line`.
    fn entity(&mut self, table: &str, id: &str, name: &str, extra: &str, quote: &str) {
        self.line.clear();
        let _ = write!(
            self.line,
            "[[{table}]]\nid = {}\nname = {}\n{extra}",
            q(id),
            q(name)
        );
        self.source(table, quote);
    }
}

mod relations;

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push((
                        p.strip_prefix(dir).unwrap().to_path_buf(),
                        std::fs::read(&p).unwrap(),
                    ));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn same_seed_same_bytes_and_the_graph_validates() {
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        let summary = generate(2_000, 7, a.path()).unwrap();
        generate(2_000, 7, b.path()).unwrap();
        generate(2_000, 8, c.path()).unwrap();
        assert_eq!(read_all(a.path()), read_all(b.path()));
        assert_ne!(read_all(a.path()), read_all(c.path()));

        let graph = crate::loader::load_dir(a.path()).expect("a generated graph is valid");
        assert_eq!(graph.entities().len(), 2_000);
        assert_eq!(graph.relations().len(), summary.relations);
        let per_entity = summary.relations as f64 / 2_000.0;
        assert!(
            (4.0..6.0).contains(&per_entity),
            "{per_entity} relations per entity"
        );
        assert!(graph.relations().iter().all(|r| !r.sources.is_empty()));
    }

    #[test]
    fn small_graphs_validate_and_a_full_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        generate(20, 1, dir.path()).unwrap();
        crate::loader::load_dir(dir.path()).expect("the smallest graph is valid");
        assert!(generate(20, 1, dir.path()).is_err());
        assert!(generate(19, 1, &dir.path().join("new")).is_err());
    }
}
