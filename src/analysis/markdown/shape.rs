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

/// Headings only a project README has ("Options", "Example", "Setup" or
/// "Running it" head design sections too).
#[rustfmt::skip]
const README_HEADINGS: &[&str] = &[
    "install", "installation", "installing", "usage", "getting started", "quick start",
    "quickstart", "license", "licence", "contributing", "contributors", "faq", "changelog",
    "authors", "credits", "acknowledgements", "acknowledgments", "screenshots",
    "table of contents", "badges", "development",
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
/// or four words; terse English (tables, lists of components) may have
/// almost none, so a text is taken for another language only on evidence
/// of one (`FOREIGN`, or a script other than Latin).
#[rustfmt::skip]
const ENGLISH: &[&str] = &[
    "the", "a", "and", "or", "of", "to", "is", "are", "for", "on", "with", "by",
    "be", "this", "that", "it", "as", "at", "from", "we", "not", "will", "can", "if", "when",
    "each", "which", "all", "no", "should", "must", "has", "have", "its", "our", "one", "per",
];

/// Function words of the languages designs are most often written in
/// besides English (German, French, Spanish, Portuguese, Italian, Dutch);
/// none is an English word.
#[rustfmt::skip]
const FOREIGN: &[&str] = &[
    "der", "die", "das", "und", "ist", "nicht", "mit", "für", "von", "zu", "den", "dem", "ein",
    "eine", "auf", "wird", "werden", "le", "la", "les", "et", "est", "des", "une", "pour", "dans",
    "sur", "avec", "sont", "el", "los", "las", "y", "para", "con", "por", "una", "del",
    "que", "uma", "não", "il", "di", "che", "per", "sono", "het", "een", "van",
    "niet", "zijn", "wordt", "voor", "met",
];

/// With fewer words the language is not judged.
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
    // A title over the other headings names the document, not a section
    // ("Build cache for CI").
    let titled = doc.sections.len() > 1 && doc.sections[0].level < doc.sections[1].level;
    let sections = usize::from(titled)..doc.sections.len();
    let readme: Vec<String> = sections
        .clone()
        .filter(|&i| named(&titles[i], README_HEADINGS))
        .map(|i| doc.sections[i].title.clone())
        .collect();
    let design = sections
        .filter(|&i| named(&titles[i], DESIGN_HEADINGS))
        .count();
    if readme.len() >= 2 && readme.len() > design {
        return Shape::Readme { headings: readme };
    }
    let language = language_words(&doc.lower);
    if language.words >= MIN_WORDS_TO_TELL && language.is_other() {
        return Shape::NotEnglish {
            english: language.english,
            words: language.words,
        };
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

/// What the words of a text, outside code, say of its language.
#[derive(Debug, Default)]
struct Language {
    words: usize,
    english: usize,
    foreign: usize,
    /// Words with a letter outside ASCII.
    non_ascii: usize,
}

impl Language {
    /// Another language than English: more of another's function words
    /// than of English ones, or mostly words in another script or with
    /// accents, and few English function words either way.
    fn is_other(&self) -> bool {
        let few_english = self.english * 20 < self.words;
        few_english && (self.foreign > self.english || self.non_ascii * 2 > self.words)
    }
}

fn language_words(lower: &str) -> Language {
    let mut count = Language::default();
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
            // `lower` is ASCII-lowercased only: "Für" stays "Für".
            let w = w.to_lowercase();
            count.words += 1;
            count.english += usize::from(ENGLISH.contains(&w.as_str()));
            count.foreign += usize::from(FOREIGN.contains(&w.as_str()));
            count.non_ascii += usize::from(!w.is_ascii());
        }
    }
    count
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
                headings: ["Install", "Usage", "License"].map(String::from).to_vec()
            }
        );
        // A design that keeps a "Usage" and a "License" heading is a design.
        let design = format!("{DESIGN}\n## Usage\n\nCall it.\n\n## License\n\nMIT\n");
        assert_eq!(of(&design), Shape::Design);
    }

    #[test]
    fn a_design_with_a_title_and_common_headings_is_a_design() {
        let design = "# Design: Build cache for CI\n\n## Options considered\n\nA shared \
            volume or a remote cache service.\n\n## Example\n\nA job restores the cache by \
            key.\n\n## Setup\n\nThe cache service runs on Kubernetes.\n\n## Architecture\n\n\
            Runners call the cache API, which stores blobs in S3.\n\n## Running it in \
            production\n\nTwo replicas behind the load balancer.\n";
        assert_eq!(of(design), Shape::Design);
    }

    #[test]
    fn terse_english_is_english() {
        let terse = "# Orders platform\n\n## Components\n\n| component | tech | owner |\n\
            |---|---|---|\n| API gateway | Kong | platform |\n| Orders service | Go | orders |\n\
            | Orders DB | Postgres 15 | orders |\n| Events | Kafka | platform |\n\
            | Cache | Redis 7 | platform |\n\n## Interfaces\n\n- REST, JSON, OAuth2 bearer\n\
            - Kafka topics: orders.created, orders.paid, orders.shipped\n\n## Security\n\n\
            - TLS 1.3 everywhere\n- mTLS between services\n- secrets in Vault\n\n\
            ## Deployment\n\n- Kubernetes, 3 zones\n- Argo CD, blue/green\n- HPA 2-10 pods\n";
        assert_eq!(of(terse), Shape::Design);
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
