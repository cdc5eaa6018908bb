//! The last line of defence: every string of a report (findings, summary,
//! charts, next steps, extras, the Markdown) and every error message goes
//! through a [`Redactor`] holding the secrets the scan found, which replaces
//! each occurrence with its mask. Rules build masked evidence themselves;
//! this makes it structural, so a rule that quotes artifact text (a path, a
//! component name, an example) cannot leak a secret into the result, the
//! events or the logs that carry it.

use aho_corasick::{AhoCorasick, MatchKind};
use memchr::memmem::Finder;
use serde_json::Value;

use super::SecretKind;
use super::mask::mask;
use super::scan::SecretHit;
use crate::analysis::model::{Finding, Location, Report};
use crate::analysis::request::AnalysisError;

/// Shortest fragment of a private key body that is scrubbed on its own.
const MIN_KEY_FRAGMENT: usize = 16;

/// Longest secret given to the automaton. Building a leftmost-longest
/// automaton costs up to the square of a pattern's length when it repeats
/// itself (a 10 KB run of one character took 10 s); longer secrets (key
/// blocks, pasted blobs: few per artifact) are replaced one by one.
const AUTOMATON_MAX: usize = 128;

/// Replaces known secrets with their masks.
#[derive(Debug, Default)]
pub struct Redactor {
    /// `None` when no short secret was found.
    matcher: Option<AhoCorasick>,
    masks: Vec<String>,
    /// Secrets over `AUTOMATON_MAX` bytes and their masks, longest first.
    long: Vec<(Finder<'static>, String)>,
}

impl Redactor {
    /// A redactor for the secrets `hits` found in `text`.
    pub fn new<'t>(found: impl IntoIterator<Item = (&'t str, &'t SecretHit)>) -> Self {
        let mut secrets: Vec<String> = Vec::new();
        for (text, hit) in found {
            let value = hit.value(text);
            secrets.push(value.to_string());
            if hit.kind == SecretKind::PrivateKey {
                // The body's lines too, should a rule quote just one of them.
                secrets.extend(
                    value
                        .split(|c: char| c.is_whitespace() || c == '\\' || c == '"')
                        .filter(|s| s.len() >= MIN_KEY_FRAGMENT && !s.contains("-----"))
                        .map(str::to_string),
                );
            }
        }
        secrets.retain(|s| !s.is_empty());
        secrets.sort();
        secrets.dedup();
        let (mut long, short): (Vec<String>, Vec<String>) =
            secrets.into_iter().partition(|s| s.len() > AUTOMATON_MAX);
        long.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let long = long
            .iter()
            .map(|s| (Finder::new(s).into_owned(), mask(s)))
            .collect();
        if short.is_empty() {
            return Self {
                long,
                ..Self::default()
            };
        }
        let masks = short.iter().map(|s| mask(s)).collect();
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&short)
            .ok();
        Self {
            matcher,
            masks,
            long,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.matcher.is_none() && self.long.is_empty()
    }

    /// `text` with every known secret replaced by its mask.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        self.scrub_in_place(&mut out);
        out
    }

    fn scrub_in_place(&self, text: &mut String) {
        // Long secrets first, longest first: a shorter secret inside one is
        // then gone with it.
        for (finder, mask) in &self.long {
            if finder.find(text.as_bytes()).is_some() {
                *text = replace_all(text, finder, mask);
            }
        }
        if let Some(m) = &self.matcher
            && m.is_match(text.as_str())
        {
            *text = m.replace_all(text, &self.masks);
        }
    }

    /// Scrubs every text field of the findings.
    pub fn scrub_findings(&self, findings: &mut [Finding]) {
        if self.is_empty() {
            return;
        }
        for f in findings {
            for s in [
                &mut f.title,
                &mut f.description,
                &mut f.rationale,
                &mut f.remediation,
                &mut f.rule_id,
            ] {
                self.scrub_in_place(s);
            }
            self.scrub_location(&mut f.location);
            for l in &mut f.more_locations {
                self.scrub_location(l);
            }
        }
    }

    fn scrub_location(&self, l: &mut Location) {
        if let Some(p) = &mut l.pointer {
            self.scrub_in_place(p);
        }
    }

    /// Scrubs every string of the result and the Markdown.
    pub fn scrub_report(&self, report: &mut Report) {
        if self.is_empty() {
            return;
        }
        let r = &mut report.result;
        self.scrub_in_place(&mut r.summary);
        self.scrub_findings(&mut r.findings);
        for c in &mut r.charts {
            self.scrub_in_place(&mut c.title);
            self.scrub_in_place(&mut c.description);
            for d in &mut c.data {
                self.scrub_in_place(&mut d.label);
            }
        }
        for s in &mut r.suggested_next_steps {
            self.scrub_in_place(s);
        }
        let extra = std::mem::take(&mut r.extra);
        r.extra = extra
            .into_iter()
            .map(|(k, mut v)| {
                self.scrub_value(&mut v);
                (self.scrub(&k), v)
            })
            .collect();
        self.scrub_in_place(&mut report.markdown);
    }

    /// Scrubs every string (and object key) of a JSON value.
    pub fn scrub_value(&self, value: &mut Value) {
        match value {
            Value::String(s) => self.scrub_in_place(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_value(v)),
            Value::Object(map) => {
                let entries = std::mem::take(map);
                *map = entries
                    .into_iter()
                    .map(|(k, mut v)| {
                        self.scrub_value(&mut v);
                        (self.scrub(&k), v)
                    })
                    .collect();
            }
            _ => {}
        }
    }

    /// The error with any secret in its message masked (a parser may quote
    /// the text it choked on).
    pub fn scrub_error(&self, error: AnalysisError) -> AnalysisError {
        match error {
            AnalysisError::InvalidInput(m) => AnalysisError::InvalidInput(self.scrub(&m)),
            AnalysisError::Transient(m) => AnalysisError::Transient(self.scrub(&m)),
            AnalysisError::TimedOut(m) => AnalysisError::TimedOut(self.scrub(&m)),
        }
    }
}

/// `text` with every occurrence of the finder's needle replaced by `mask`.
/// The needle is UTF-8, so its matches start and end on char boundaries.
fn replace_all(text: &str, finder: &Finder<'_>, mask: &str) -> String {
    let needle = finder.needle().len();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for at in finder.find_iter(text.as_bytes()) {
        out.push_str(&text[last..at]);
        out.push_str(mask);
        last = at + needle;
    }
    out.push_str(&text[last..]);
    out
}
