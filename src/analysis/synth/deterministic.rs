//! The offline synthesiser: a summary that says what will break first and
//! why, built only from the findings, the next-step order and the score.

use super::{SynthInput, Synthesis, SynthesisInfo};
use crate::analysis::model::{ArtifactKind, Finding, Severity};

/// How many findings "what will break first" names.
const FIRST_TO_BREAK: usize = 3;

pub fn synthesize(input: &SynthInput<'_>) -> Synthesis {
    Synthesis {
        summary: summary(input),
        steps: input.steps.to_vec(),
        info: SynthesisInfo {
            engine: "deterministic",
            provider: None,
            model: None,
            note: None,
            attempts: 0,
        },
    }
}

/// What the artifact is, in prose.
pub fn kind_label(kind: ArtifactKind) -> &'static str {
    match kind {
        ArtifactKind::OpenapiJson | ArtifactKind::OpenapiYaml => "OpenAPI document",
        ArtifactKind::Architecture => "architecture description",
        ArtifactKind::Markdown | ArtifactKind::Auto => "design document",
    }
}

fn summary(input: &SynthInput<'_>) -> String {
    let b = input.breakdown;
    let kind = kind_label(input.kind);
    // No weighted rule applied (none at all, or only Info ones): a score
    // built from nothing must not read like a verdict.
    if b.categories.is_empty() {
        return nothing_scored(kind, b.score, input.findings);
    }
    if input.findings.is_empty() {
        return format!(
            "This {kind} scores {}/100 ({}): none of the {} applicable rules fired.",
            b.score,
            b.band.label(),
            b.rules_applicable
        );
    }
    let mut parts = vec![format!(
        "This {kind} scores {}/100 ({}) with {}.",
        b.score,
        b.band.label(),
        severity_counts(input.findings)
    )];
    parts.extend(first_to_break(input));
    // Only a gate below the weighted score changed anything worth saying.
    if let Some(cap) = b
        .caps
        .iter()
        .filter(|c| c.limit < b.uncapped)
        .min_by_key(|c| c.limit)
    {
        parts.push(format!(
            "The score is capped at {} by {} ({}); without the cap it would be {}.",
            cap.limit,
            cap.reason.to_lowercase(),
            cap.finding_ids.join(", "),
            b.uncapped
        ));
    }
    let weakest = b
        .categories
        .iter()
        .filter(|c| c.score < 100.0)
        .min_by(|x, y| x.score.total_cmp(&y.score));
    if let Some(c) = weakest {
        parts.push(format!(
            "Weakest area: {} ({}/100).",
            c.category.as_str(),
            c.score
        ));
    }
    parts.join(" ")
}

/// "No rule could be applied …", with the first finding when one says why
/// (e.g. the document is too short to assess).
fn nothing_scored(kind: &str, score: u8, findings: &[Finding]) -> String {
    let mut out = format!(
        "No rule could be applied to this {kind}, so nothing about its readiness can be vouched for (score {score})."
    );
    if let Some(f) = findings.first() {
        out.push_str(&format!(
            " {}: {}.",
            f.title,
            first_sentence(&f.description)
        ));
    }
    out
}

/// "3 findings (1 high, 2 low)".
fn severity_counts(findings: &[Finding]) -> String {
    let counts: Vec<String> = Severity::ALL
        .iter()
        .map(|s| (s, findings.iter().filter(|f| f.severity == *s).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {}", s.as_str().to_lowercase()))
        .collect();
    let plural = if findings.len() == 1 { "" } else { "s" };
    format!("{} finding{plural} ({})", findings.len(), counts.join(", "))
}

/// "What will break first: X (FL-…, 4 places), because …; then Y …".
fn first_to_break(input: &SynthInput<'_>) -> Option<String> {
    let items: Vec<String> = input
        .steps
        .iter()
        .filter(|s| s.severity != Severity::Info)
        .filter_map(|s| {
            input
                .findings
                .iter()
                .find(|f| s.finding_ids.first() == Some(&f.rule_id))
        })
        .take(FIRST_TO_BREAK)
        .map(|f| {
            let places = if f.occurrences > 1 {
                format!(", {} places", f.occurrences)
            } else {
                String::new()
            };
            format!(
                "{} ({}{places}), because {}",
                f.title,
                f.rule_id,
                first_sentence(&f.rationale)
            )
        })
        .collect();
    (!items.is_empty()).then(|| format!("What will break first: {}.", items.join("; then ")))
}

/// The first sentence, without its final period, its first letter
/// lower-cased unless the first word is an acronym ("HTTP", "TLS").
fn first_sentence(text: &str) -> String {
    let text = text.trim();
    let end = text.find(". ").unwrap_or(text.len());
    let sentence = text[..end].trim_end_matches('.');
    let first_word = sentence.split_whitespace().next().unwrap_or("");
    if first_word.chars().skip(1).any(char::is_uppercase) {
        return sentence.to_string();
    }
    let mut chars = sentence.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::synth::tests::sample;

    #[test]
    fn summary_names_what_breaks_first_and_the_cap() {
        let (findings, breakdown, steps) = sample();
        let input = SynthInput {
            kind: ArtifactKind::OpenapiYaml,
            findings: &findings,
            breakdown: &breakdown,
            steps: &steps,
        };
        let s = synthesize(&input).summary;
        assert!(
            s.starts_with(
                "This OpenAPI document scores 69/100 (needs work) with 2 findings (1 high, 1 low)."
            ),
            "{s}"
        );
        assert!(s.contains("What will break first: Write operation without authentication (FL-T-001, 3 places), because anyone can change data"), "{s}");
        assert!(
            s.contains("capped at 69 by high-severity security finding (FL-T-001)"),
            "{s}"
        );
    }

    #[test]
    fn clean_artifacts_say_so() {
        let (_, breakdown, _) = sample();
        let input = SynthInput {
            kind: ArtifactKind::Markdown,
            findings: &[],
            breakdown: &breakdown,
            steps: &[],
        };
        assert!(
            synthesize(&input)
                .summary
                .contains("none of the 2 applicable rules fired")
        );
    }

    #[test]
    fn first_sentences_keep_acronyms() {
        assert_eq!(first_sentence("A design fails. More."), "a design fails");
        assert_eq!(first_sentence("HTTP leaks tokens."), "HTTP leaks tokens");
    }
}
