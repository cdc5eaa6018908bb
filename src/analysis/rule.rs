//! What every rule shares: its catalogue entry ([`RuleMeta`]), the [`Rule`]
//! trait each rule family implements over its own normalised document, and the
//! [`Sink`] rules report into.
//!
//! A rule never returns an error: it reports what it finds and stays silent
//! about what it cannot judge. The engine runs each rule behind
//! `catch_unwind`, so a bug in one rule cannot abort an analysis.

use super::model::{Category, Finding, Location, Severity};

/// A rule's catalogue entry. Ids are stable and never reused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RuleMeta {
    /// e.g. `FL-OAS-012`.
    pub id: &'static str,
    /// Short, imperative-free name of the problem, e.g. "Write operation without authentication".
    pub title: &'static str,
    pub category: Category,
    pub severity: Severity,
    /// 0.0–1.0 default confidence.
    pub confidence: f64,
    /// Why it matters in production.
    pub rationale: &'static str,
    /// How to fix it.
    pub remediation: &'static str,
}

/// A rule over a normalised document of type `D` (an OpenAPI model, an
/// architecture model, a Markdown document, ...).
pub trait Rule<D: ?Sized>: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, doc: &D, sink: &mut Sink);
}

/// Collects findings. One rule that fires on many objects becomes one finding
/// with a count and the first few locations, so a large spec is not buried in
/// repeats. Locations are kept in document order whatever order a rule
/// reports them in: the finding's location is the earliest line, and the
/// extra locations are the next earliest ones.
#[derive(Debug, Default)]
pub struct Sink {
    findings: Vec<Finding>,
    /// How many objects each rule examined (rule id → count), for the
    /// ratio-based score: a rule that examined 200 operations and fired on 2
    /// weighs less than one that fired on 2 of 2.
    examined: std::collections::BTreeMap<&'static str, u32>,
}

/// How many extra locations an aggregated finding keeps.
pub const MAX_EXTRA_LOCATIONS: usize = 9;

impl Sink {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reports that `meta` fired at `location`; `detail` says what exactly was
    /// seen there (it becomes the finding's description when this is the
    /// earliest occurrence in the document so far).
    pub fn report(
        &mut self,
        meta: &'static RuleMeta,
        location: Location,
        detail: impl Into<String>,
    ) {
        if let Some(existing) = self.findings.iter_mut().find(|f| f.rule_id == meta.id) {
            existing.occurrences += 1;
            let extra = if document_order(&location) < document_order(&existing.location) {
                existing.description = detail.into();
                std::mem::replace(&mut existing.location, location)
            } else {
                location
            };
            let more = &mut existing.more_locations;
            let at = more.partition_point(|l| document_order(l) <= document_order(&extra));
            if at < MAX_EXTRA_LOCATIONS {
                more.insert(at, extra);
                more.truncate(MAX_EXTRA_LOCATIONS);
            }
            return;
        }
        self.findings
            .push(new_finding(meta, location, detail.into()));
    }

    /// Reports one finding per call, never folded into an earlier one: for
    /// problems that are each their own incident (every leaked secret must
    /// be rotated on its own).
    pub fn report_each(
        &mut self,
        meta: &'static RuleMeta,
        location: Location,
        detail: impl Into<String>,
    ) {
        self.findings
            .push(new_finding(meta, location, detail.into()));
    }

    /// Records that `meta` examined `count` more objects (operations, schemas,
    /// components, sections). Rules that judge the artifact as a whole need
    /// not call it: they count as one object examined.
    pub fn examined(&mut self, meta: &'static RuleMeta, count: u32) {
        *self.examined.entry(meta.id).or_default() += count;
    }

    /// Objects examined by rule id (at least the number of occurrences).
    pub fn examined_counts(&self) -> impl Iterator<Item = (&'static str, u32)> + '_ {
        self.examined.iter().map(|(id, n)| (*id, *n))
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }

    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }
}

/// Sort key of a location: its line; one without a line comes after every
/// located one (ties keep the order they were reported in).
fn document_order(location: &Location) -> u32 {
    location.line.unwrap_or(u32::MAX)
}

fn new_finding(meta: &'static RuleMeta, location: Location, description: String) -> Finding {
    Finding {
        title: meta.title.to_string(),
        description,
        category: meta.category,
        severity: meta.severity,
        rationale: meta.rationale.to_string(),
        remediation: meta.remediation.to_string(),
        rule_id: meta.id.to_string(),
        confidence: meta.confidence,
        location,
        more_locations: Vec::new(),
        occurrences: 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static META: RuleMeta = RuleMeta {
        id: "FL-T-001",
        title: "t",
        category: Category::Maintainability,
        severity: Severity::Low,
        confidence: 1.0,
        rationale: "r",
        remediation: "f",
    };

    fn at(line: Option<u32>) -> Location {
        Location {
            line,
            pointer: Some(format!("{line:?}")),
        }
    }

    fn lines(f: &Finding) -> Vec<Option<u32>> {
        std::iter::once(&f.location)
            .chain(&f.more_locations)
            .map(|l| l.line)
            .collect()
    }

    #[test]
    fn locations_are_kept_in_document_order() {
        let mut sink = Sink::new();
        for line in [Some(30), None, Some(10), Some(20), Some(5), Some(20)] {
            sink.report(&META, at(line), format!("seen at {line:?}"));
        }
        let f = &sink.findings()[0];
        assert_eq!(f.occurrences, 6);
        assert_eq!(
            lines(f),
            [Some(5), Some(10), Some(20), Some(20), Some(30), None]
        );
        assert_eq!(
            f.description, "seen at Some(5)",
            "the description is of the first place"
        );
    }

    #[test]
    fn the_earliest_locations_are_the_ones_kept() {
        // Reported last to first, as a LIFO walk would: the earliest
        // occurrences must not be the ones dropped.
        let mut sink = Sink::new();
        for line in (1..=25).rev() {
            sink.report(&META, at(Some(line)), "d");
        }
        let f = &sink.findings()[0];
        assert_eq!(f.occurrences, 25);
        let want: Vec<Option<u32>> = (1..=1 + MAX_EXTRA_LOCATIONS as u32).map(Some).collect();
        assert_eq!(lines(f), want);
    }
}
