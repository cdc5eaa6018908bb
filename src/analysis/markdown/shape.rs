//! What kind of Markdown document this is, before any design-doc rule
//! judges it: a structured design, an ADR, or something those rules cannot
//! vouch for (a note, a project README, a text about something other than
//! software, a text in a language the rules do not read). Asking a recipe
//! or a tool's README for a security section, or a German design for an
//! English "Security" heading, would give a confident "not ready" that
//! means nothing.

use super::MdDoc;
use super::text::find_word;

/// Documents with at least this many headings may be structured designs; a
/// README or a note with one heading is not judged on missing sections.
pub const MIN_HEADINGS: usize = 3;

/// The shape of a Markdown document, as far as the design-doc rules care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// A structured design: the design-doc rules judge it.
    Design,
    /// An architecture decision record (Context / Decision / Consequences).
    Adr,
    /// Fewer than `MIN_HEADINGS` headings.
    TooThin { headings: usize, words: usize },
    /// A project README: these headings are a README's, not a design's.
    Readme { headings: Vec<String> },
    /// No words of software engineering at all.
    NotSoftware,
    /// Too few common English words for the English rules to read it.
    NotEnglish { english: usize, words: usize },
}

impl Shape {
    /// Whether the design-doc family can judge the document at all.
    pub fn is_assessable(&self) -> bool {
        matches!(self, Shape::Design | Shape::Adr)
    }
}

/// Headings of a project README.
#[rustfmt::skip]
const README_HEADINGS: &[&str] = &[
    "install", "installation", "installing", "usage", "getting started", "quick start",
    "quickstart", "license", "licence", "contributing", "contribute", "contributors", "features",
    "prerequisites", "options", "examples", "example", "faq", "changelog", "authors", "credits",
    "acknowledgements", "acknowledgments", "support", "building", "build", "running", "demo",
    "screenshots", "table of contents", "contents", "badges", "setup", "commands", "cli",
];

/// Headings of a design (a README with more of these than of its own is a
/// design written as one). Not "API": READMEs have "API docs" sections.
#[rustfmt::skip]
const DESIGN_HEADINGS: &[&str] = &[
    "architecture", "design", "security", "scaling", "scalability", "deployment", "monitoring",
    "observability", "data model", "goals", "non-goals", "alternatives", "failure", "failure modes",
    "rollback", "rollout", "risks", "components", "capacity", "reliability", "availability",
    "decision", "proposal", "requirements", "threat model", "slo", "slos", "operations",
    "storage", "migration", "interfaces", "dependencies",
];

/// Words of software engineering; a design names several of them.
#[rustfmt::skip]
const SOFTWARE: &[&str] = &[
    "service", "api", "database", "server", "deploy*", "security", "scal*", "latency",
    "endpoint*", "system*", "architecture", "component*", "queue*", "cache*", "request*",
    "storage", "cluster*", "infrastructure", "kubernetes", "cloud", "backend", "frontend",
    "client*", "protocol*", "http*", "sql", "schema*", "interface*", "module*", "pipeline*",
    "monitor*", "authentication", "performance", "network*", "software", "code", "release*",
    "integration*", "container*", "microservice*", "event*", "message*", "traffic", "load",
    "throughput", "availability", "replica*", "backup*", "encrypt*", "token*", "session*",
    "rollout*", "rollback*", "migration*", "user*", "login", "oauth*", "postgres*", "mysql",
    "redis", "kafka", "aws", "gcp", "azure", "docker", "json", "yaml", "github", "ci/cd",
];

/// How many distinct words of `SOFTWARE` a text about software names at
/// least (a terse design names a handful; a recipe none).
const MIN_SOFTWARE_WORDS: usize = 2;

/// Common English function words: English prose has one in every three
/// or four words, terse technical English one in ten or more.
#[rustfmt::skip]
const ENGLISH: &[&str] = &[
    "the", "a", "an", "and", "or", "of", "to", "in", "is", "are", "for", "on", "with", "by",
    "be", "this", "that", "it", "as", "at", "from", "we", "not", "will", "can", "if", "when",
    "each", "which", "all", "no", "should", "must", "has", "have", "its", "our", "one", "per",
];

/// Below this share of English function words (with enough words to tell)
/// the text is taken for another language.
const MIN_ENGLISH_SHARE: f64 = 0.05;
const MIN_WORDS_TO_TELL: usize = 60;

/// The shape of `doc`.
pub fn shape(doc: &MdDoc) -> Shape {
    if is_adr(doc) {
        return Shape::Adr;
    }
    let headings = doc.sections.len();
    if headings < MIN_HEADINGS {
        let words = doc.text.split_whitespace().count();
        return Shape::TooThin { headings, words };
    }
    let titles: Vec<String> = doc
        .sections
        .iter()
        .map(|s| s.title.to_lowercase())
        .collect();
    let named = |t: &str, words: &[&str]| words.iter().any(|w| find_word(t, w).is_some());
    let readme: Vec<String> = doc
        .sections
        .iter()
        .zip(&titles)
        .filter(|(_, t)| named(t, README_HEADINGS))
        .map(|(s, _)| s.title.clone())
        .collect();
    let design = titles.iter().filter(|t| named(t, DESIGN_HEADINGS)).count();
    if readme.len() >= 2 && readme.len() > design {
        return Shape::Readme { headings: readme };
    }
    let (english, words) = english_words(&doc.lower);
    if words >= MIN_WORDS_TO_TELL && (english as f64) < MIN_ENGLISH_SHARE * words as f64 {
        return Shape::NotEnglish { english, words };
    }
    let software = SOFTWARE
        .iter()
        .filter(|w| find_word(&doc.lower, w).is_some())
        .take(MIN_SOFTWARE_WORDS)
        .count();
    // A design's headings say what it is, however terse its text.
    if software < MIN_SOFTWARE_WORDS && design < 2 {
        return Shape::NotSoftware;
    }
    Shape::Design
}

/// An ADR in Nygard or MADR shape: Context, Decision and Consequences
/// (or "Decision Outcome") headings.
pub fn is_adr(doc: &MdDoc) -> bool {
    let has = |words: &[&str]| doc.section_titled(words).is_some();
    has(&["context", "context and problem statement"])
        && has(&["decision", "decision outcome"])
        && has(&["consequences", "status"])
}

/// (English function words, all words) of a lowercase text, outside code.
fn english_words(lower: &str) -> (usize, usize) {
    let mut english = 0;
    let mut words = 0;
    let mut in_fence = false;
    for line in lower.lines() {
        if line.trim_start().starts_with("```") || line.trim_start().starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        for w in line
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
        {
            words += 1;
            english += usize::from(ENGLISH.contains(&w));
        }
    }
    (english, words)
}

#[cfg(test)]
mod tests {
    use super::{Shape, shape};
    use crate::analysis::markdown::parse;
    use crate::analysis::request::Limits;

    fn of(text: &str) -> Shape {
        shape(&parse(text, &Limits::default()).expect("parses"))
    }

    const DESIGN: &str = "# Design: Payments\n\n## Goals\n\nThe payments service takes card \
        payments for the shop and must stay available when the provider is slow.\n\n\
        ## Architecture\n\nThe API calls the payments service, which writes to a Postgres \
        database and publishes events to a queue.\n\n## Security\n\nOAuth2 tokens are checked \
        at the gateway; card data never reaches our servers.\n";

    #[test]
    fn a_structured_design_is_a_design() {
        assert_eq!(of(DESIGN), Shape::Design);
    }

    #[test]
    fn a_project_readme_is_not_a_design() {
        let readme = "# tinyfmt\n\nA small command-line tool that formats TOML files.\n\n\
            ## Install\n\n```sh\ncargo install tinyfmt\n```\n\n## Usage\n\n```sh\ntinyfmt \
            file.toml\n```\n\n## Options\n\n| flag | meaning |\n|---|---|\n| `--check` | exit 1 \
            |\n\n## License\n\nMIT\n";
        assert_eq!(
            of(readme),
            Shape::Readme {
                headings: ["Install", "Usage", "Options", "License"]
                    .map(String::from)
                    .to_vec()
            }
        );
        // A design that keeps a "Usage" and a "License" heading is a design.
        let design = format!("{DESIGN}\n## Usage\n\nCall it.\n\n## License\n\nMIT\n");
        assert_eq!(of(&design), Shape::Design);
    }

    #[test]
    fn a_recipe_is_not_about_software() {
        let recipe = "# Banana bread\n\n## Ingredients\n\nThree ripe bananas, flour, sugar, \
            butter and two eggs.\n\n## Method\n\nMash the bananas, stir in the rest and bake for \
            an hour.\n\n## Notes\n\nIt keeps for three days wrapped in foil.\n";
        assert_eq!(of(recipe), Shape::NotSoftware);
    }

    #[test]
    fn a_design_in_another_language_is_told_apart() {
        let german = "# Entwurf: Zahlungsdienst\n\n## Architektur\n\nDer Zahlungsdienst nimmt \
            Kartenzahlungen entgegen und schreibt sie in eine Postgres-Datenbank. Die API ruft \
            den Dienst synchron auf, Ereignisse gehen über Kafka an die Buchhaltung.\n\n\
            ## Sicherheit\n\nTokens werden am Gateway geprüft, Kartendaten erreichen unsere \
            Server nie. Alle Verbindungen sind mit TLS verschlüsselt.\n\n## Skalierung\n\nDer \
            Dienst ist zustandslos und läuft mit drei Replikaten hinter einem Lastverteiler; \
            die Datenbank hat eine Lesereplik.\n";
        assert!(
            matches!(of(german), Shape::NotEnglish { .. }),
            "{:?}",
            of(german)
        );
    }

    #[test]
    fn notes_and_adrs_keep_their_shapes() {
        assert!(matches!(of("hello\n"), Shape::TooThin { headings: 0, .. }));
        let adr = "# 3. Use Kafka\n\n## Status\n\nAccepted\n\n## Context\n\nWe need events.\n\n\
            ## Decision\n\nKafka.\n\n## Consequences\n\nOps work.\n";
        assert_eq!(of(adr), Shape::Adr);
    }
}
