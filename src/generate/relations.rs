//! The relations of a generated graph, one file family per concern, as in
//! the bundled `graph-data/relations/`.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io;

use super::words::TITLE;
use super::{q, Chunked, Counts, Gen};

/// Where each kind starts among the entity indices.
struct Offsets {
    people: usize,
    groups: usize,
    deliverables: usize,
    events: usize,
}

impl Gen {
    /// Up to `k` distinct indices below `n`, drawn skewed.
    fn distinct(&mut self, k: usize, n: usize) -> Vec<usize> {
        let k = k.min(n);
        let mut out = Vec::with_capacity(k);
        for _ in 0..4 * k {
            if out.len() == k {
                break;
            }
            let i = self.skewed(n);
            if !out.contains(&i) {
                out.push(i);
            }
        }
        out
    }

    /// Writes one relation between entity indices `from` and `to`.
    #[allow(clippy::too_many_arguments)]
    fn relation(
        &mut self,
        file: &mut Chunked,
        ids: &[String],
        rel_type: &str,
        from: usize,
        to: usize,
        role: Option<&str>,
        quote: &str,
    ) -> io::Result<()> {
        self.line.clear();
        let _ = write!(
            self.line,
            "[[relation]]\ntype = \"{rel_type}\"\nfrom = {}\nto = {}\n",
            q(&ids[from]),
            q(&ids[to])
        );
        if let Some(role) = role {
            let _ = writeln!(self.line, "role = {}", q(role));
        }
        self.source("relation", quote);
        self.relations += 1;
        file.write(&self.line, &mut self.files)
    }

    pub(super) fn write_relations(&mut self, c: &Counts, ids: &[String]) -> io::Result<()> {
        let o = Offsets {
            people: c.orgs,
            groups: c.orgs + c.people,
            deliverables: c.orgs + c.people + c.groups,
            events: c.orgs + c.people + c.groups + c.deliverables,
        };
        self.structure(c, &o, ids)?;
        self.people(c, &o, ids)?;
        self.groups(c, &o, ids)?;
        self.outputs(c, &o, ids)?;
        self.meetings(c, &o, ids)
    }

    /// PART_OF: units in organisations, groups in groups, sessions in meetings.
    fn structure(&mut self, c: &Counts, o: &Offsets, ids: &[String]) -> io::Result<()> {
        let mut f = Chunked::new(self.out.join("relations/structure"), "PART_OF.");
        for unit in c.top_orgs..c.orgs {
            let parent = self.unit_parents[unit - c.top_orgs];
            let quote = format!("the {} of the {}", self.names[unit], self.names[parent]);
            self.relation(&mut f, ids, "PART_OF", unit, parent, None, &quote)?;
        }
        for g in c.initiatives..c.groups {
            let parent = if g < c.initiatives + c.thematic {
                self.skewed(c.initiatives)
            } else {
                c.initiatives + self.skewed(c.thematic)
            };
            let (child, parent) = (o.groups + g, o.groups + parent);
            let quote = format!("{}, under the {}", self.names[child], self.names[parent]);
            self.relation(&mut f, ids, "PART_OF", child, parent, None, &quote)?;
        }
        for s in c.meetings..c.events {
            let meeting = o.events + self.rng.usize(..c.meetings);
            let session = o.events + s;
            let quote = format!("{} of the {}", self.names[session], self.names[meeting]);
            self.relation(&mut f, ids, "PART_OF", session, meeting, None, &quote)?;
        }
        f.finish()
    }

    /// AFFILIATED_WITH and MEMBER_OF of people; MEMBER_OF of organisations.
    fn people(&mut self, c: &Counts, o: &Offsets, ids: &[String]) -> io::Result<()> {
        let mut aff = Chunked::new(self.out.join("relations/affiliations"), "AFFILIATED_WITH.");
        let mut mem = Chunked::new(self.out.join("relations/membership"), "MEMBER_OF.");
        for p in o.people..o.groups {
            let k =
                [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3][self.rng.usize(..20)];
            for org in self.distinct(k, c.orgs) {
                let title = self.pick(TITLE);
                let quote = format!("{}, {title}, {}", self.names[p], self.names[org]);
                self.relation(
                    &mut aff,
                    ids,
                    "AFFILIATED_WITH",
                    p,
                    org,
                    Some(title),
                    &quote,
                )?;
            }
            let k = self.rng.usize(1..=8);
            for g in self.distinct(k, c.groups) {
                let g = o.groups + g;
                let quote = format!("{} is a member of the {}", self.names[p], self.names[g]);
                self.relation(&mut mem, ids, "MEMBER_OF", p, g, None, &quote)?;
            }
        }
        for org in 0..c.top_orgs {
            let k = self.rng.usize(..=2);
            for g in self.distinct(k, c.groups) {
                let g = o.groups + g;
                let quote = format!("{} is a member of the {}", self.names[org], self.names[g]);
                self.relation(&mut mem, ids, "MEMBER_OF", org, g, None, &quote)?;
            }
        }
        aff.finish()?;
        mem.finish()
    }

    /// LEADS of groups and units; COORDINATES and SUPPORTS of groups.
    fn groups(&mut self, c: &Counts, o: &Offsets, ids: &[String]) -> io::Result<()> {
        let mut leads = Chunked::new(self.out.join("relations/leadership"), "LEADS.");
        let mut coord = Chunked::new(
            self.out.join("relations/coordination"),
            "COORDINATES and SUPPORTS.",
        );
        for g in 0..c.groups {
            let group = o.groups + g;
            let initiative = g < c.initiatives;
            let k = if self.rng.usize(..10) < 4 { 2 } else { 1 };
            let leaders = self.distinct(k, c.people);
            for (n, p) in leaders.into_iter().enumerate() {
                let role = match (initiative, n) {
                    (true, 0) => "Chair",
                    (true, _) => "Vice-Chair",
                    (false, 0) if k == 1 => "Leader",
                    (false, _) => "Co-leader",
                };
                let p = o.people + p;
                let quote = format!("{}, led by {} ({role})", self.names[group], self.names[p]);
                self.relation(&mut leads, ids, "LEADS", p, group, Some(role), &quote)?;
            }
            let (rel_type, k) = if initiative {
                ("COORDINATES", self.rng.usize(1..=3))
            } else if g < c.initiatives + c.thematic || self.rng.usize(..10) < 3 {
                ("SUPPORTS", 1)
            } else {
                ("SUPPORTS", 0)
            };
            for org in self.distinct(k, c.top_orgs) {
                let verb = if initiative {
                    "coordinated"
                } else {
                    "supported"
                };
                let quote = format!(
                    "the {} is {verb} by the {}",
                    self.names[group], self.names[org]
                );
                self.relation(&mut coord, ids, rel_type, org, group, None, &quote)?;
            }
        }
        for unit in c.top_orgs..c.orgs {
            if self.rng.bool() {
                let p = o.people + self.skewed(c.people);
                let quote = format!("{}, Director, {}", self.names[p], self.names[unit]);
                self.relation(&mut leads, ids, "LEADS", p, unit, Some("Director"), &quote)?;
            }
        }
        leads.finish()?;
        coord.finish()
    }

    /// PRODUCED, DEVELOPED, AUTHORED and FEATURES of deliverables.
    fn outputs(&mut self, c: &Counts, o: &Offsets, ids: &[String]) -> io::Result<()> {
        let mut f = Chunked::new(
            self.out.join("relations/outputs"),
            "What groups, organisations and people produce.",
        );
        for d in o.deliverables..o.events {
            let g = o.groups + self.skewed(c.groups);
            let quote = format!("the {} produced the {}", self.names[g], self.names[d]);
            self.relation(&mut f, ids, "PRODUCED", g, d, None, &quote)?;
            if self.rng.bool() {
                let org = self.skewed(c.orgs);
                let quote = format!(
                    "the {} was developed by the {}",
                    self.names[d], self.names[org]
                );
                self.relation(&mut f, ids, "DEVELOPED", org, d, None, &quote)?;
            }
            let k = self.rng.usize(1..=4);
            for p in self.distinct(k, c.people) {
                let p = o.people + p;
                let quote = format!("{} is an author of the {}", self.names[p], self.names[d]);
                self.relation(&mut f, ids, "AUTHORED", p, d, None, &quote)?;
            }
            if self.rng.usize(..5) == 0 {
                let org = self.skewed(c.top_orgs);
                let quote = format!(
                    "the {} presents the {} as a case",
                    self.names[d], self.names[org]
                );
                self.relation(&mut f, ids, "FEATURES", d, org, None, &quote)?;
            }
        }
        f.finish()
    }

    /// MODERATED, SPOKE_AT and PRESENTED at sessions.
    fn meetings(&mut self, c: &Counts, o: &Offsets, ids: &[String]) -> io::Result<()> {
        let mut f = Chunked::new(
            self.out.join("relations/meeting"),
            "Who moderated, spoke and presented.",
        );
        let mut presented: HashSet<(usize, usize)> = HashSet::new();
        for s in o.events + c.meetings..o.events + c.events {
            let m = o.people + self.skewed(c.people);
            let quote = format!("{} was moderated by {}", self.names[s], self.names[m]);
            self.relation(&mut f, ids, "MODERATED", m, s, None, &quote)?;
            let k = self.rng.usize(2..=6);
            for (n, p) in self.distinct(k, c.people).into_iter().enumerate() {
                let p = o.people + p;
                let quote = format!("{} spoke at {}", self.names[p], self.names[s]);
                self.relation(&mut f, ids, "SPOKE_AT", p, s, None, &quote)?;
                let d = o.deliverables + self.skewed(c.deliverables);
                if n < 2 && presented.insert((p, d)) {
                    let quote = format!("{} presented the {}", self.names[p], self.names[d]);
                    let role = Some("Presentation");
                    self.relation(&mut f, ids, "PRESENTED", p, d, role, &quote)?;
                }
            }
        }
        f.finish()
    }
}
