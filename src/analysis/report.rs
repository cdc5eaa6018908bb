//! The Markdown report (the seed's `markdown`): summary, how the score was
//! reached, findings grouped by severity with their locations, next steps
//! and notes. Text from the artifact is escaped so it cannot break the
//! report's structure.

use std::fmt::Write;

use super::model::{Finding, Location, Severity};
use super::next_steps::NextStep;
use super::score::{FORMULA_VERSION, ScoreBreakdown};
use super::synth::{SynthesisInfo, deterministic::kind_label};

/// What the report is rendered from.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    pub kind: super::model::ArtifactKind,
    pub summary: &'a str,
    pub findings: &'a [Finding],
    pub breakdown: &'a ScoreBreakdown,
    pub steps: &'a [NextStep],
    pub synthesis: &'a SynthesisInfo,
    /// Internal notes (a rule that failed, checks skipped).
    pub notes: &'a [String],
}

pub fn render(input: &ReportInput<'_>) -> String {
    let mut out = String::new();
    let b = input.breakdown;
    let _ = writeln!(
        out,
        "# Production readiness: {}/100 ({})\n",
        b.score,
        b.band.label()
    );
    let _ = writeln!(out, "Artifact: {}.\n", kind_label(input.kind));
    let _ = writeln!(out, "## Summary\n\n{}\n", text(input.summary));
    score_section(&mut out, b);
    findings_section(&mut out, input.findings);
    steps_section(&mut out, input.steps);
    notes_section(&mut out, input);
    out
}

fn score_section(out: &mut String, b: &ScoreBreakdown) {
    let _ = writeln!(out, "## How the score was reached\n");
    let _ = writeln!(
        out,
        "{} of {} rules applied to this artifact and {} of them fired. Each rule's pass ratio \
         (1 − confidence × failing objects / examined objects) is averaged per category with \
         severity weights (Critical 10, High 5, Medium 2, Low 1, Info 0); the categories are \
         then averaged with the weights below (formula v{FORMULA_VERSION}, documented in \
         `src/analysis/score/mod.rs`).\n",
        b.rules_applicable, b.rules_evaluated, b.rules_failing
    );
    if !b.categories.is_empty() {
        let _ = writeln!(
            out,
            "| Category | Sub-score | Weight | Rules applied | Rules fired |\n|---|---:|---:|---:|---:|"
        );
        for c in &b.categories {
            let _ = writeln!(
                out,
                "| {} | {:.1} | {:.0}% | {} | {} |",
                c.category.as_str(),
                c.score,
                c.weight * 100.0,
                c.rules_applicable,
                c.rules_failing
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "Weighted score: **{}**. Gates (findings with confidence ≥ 0.5): a Critical caps at 49, \
         a High security finding or High findings in several categories at 69, any other High at 84.",
        b.uncapped
    );
    for cap in &b.caps {
        // "The score is capped" agrees with one finding and with several.
        let verb = if cap.limit < b.uncapped {
            "the score is capped at"
        } else {
            "the score would be capped at"
        };
        let _ = writeln!(
            out,
            "{} ({}): {verb} **{}**.",
            cap.reason,
            cap.finding_ids.join(", "),
            cap.limit
        );
    }
    let _ = writeln!(
        out,
        "Final score: **{}/100**, band *{}* (≥ 85 ready, 70–84 ready with caveats, 50–69 needs work, < 50 not ready).\n",
        b.score,
        b.band.label()
    );
    if !b.hotspots.is_empty() {
        let _ = writeln!(out, "Hotspots (where several rules fired):\n");
        for h in &b.hotspots {
            let _ = writeln!(
                out,
                "- {}: {} (weight {:.1})",
                code(&h.subject),
                h.finding_ids.join(", "),
                h.weight
            );
        }
        out.push('\n');
    }
}

fn findings_section(out: &mut String, findings: &[Finding]) {
    let _ = writeln!(out, "## Findings\n");
    if findings.is_empty() {
        let _ = writeln!(out, "No rule fired.\n");
        return;
    }
    for severity in Severity::ALL {
        let group: Vec<&Finding> = findings.iter().filter(|f| f.severity == severity).collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {} ({})\n", severity.as_str(), group.len());
        for f in group {
            finding(out, f);
        }
    }
}

fn finding(out: &mut String, f: &Finding) {
    let _ = writeln!(out, "#### {} {}\n", f.rule_id, prose(&f.title));
    let count = if f.occurrences > 1 {
        format!(" ({} occurrences)", f.occurrences)
    } else {
        String::new()
    };
    let _ = writeln!(out, "- **Where:** {}{count}", location(&f.location));
    if !f.more_locations.is_empty() {
        let more: Vec<String> = f.more_locations.iter().map(location).collect();
        let _ = writeln!(out, "- **Also at:** {}", more.join("; "));
    }
    let _ = writeln!(
        out,
        "- **Category:** {} · **Confidence:** {:.2}",
        f.category.as_str(),
        f.confidence
    );
    let _ = writeln!(out, "- **Seen:** {}", text(&f.description));
    let _ = writeln!(out, "- **Why it matters:** {}", prose(&f.rationale));
    let _ = writeln!(out, "- **Fix:** {}\n", prose(&f.remediation));
}

fn steps_section(out: &mut String, steps: &[NextStep]) {
    if steps.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "## Next steps\n\nOrdered by the risk each step removes.\n"
    );
    for s in steps {
        let _ = writeln!(
            out,
            "{}. {} ({})",
            s.rank,
            text(&s.action),
            s.finding_ids.join(", ")
        );
    }
    out.push('\n');
}

fn notes_section(out: &mut String, input: &ReportInput<'_>) {
    let synth = input.synthesis.note.iter();
    let notes: Vec<&String> = input.notes.iter().chain(synth).collect();
    if notes.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Notes\n");
    for n in notes {
        let _ = writeln!(out, "- {}", text(n));
    }
    out.push('\n');
}

/// "line 12, `/paths/~1pets/get`".
fn location(l: &Location) -> String {
    match (l.line, l.pointer.as_deref().filter(|p| !p.is_empty())) {
        (Some(line), Some(p)) => format!("line {line}, {}", code(p)),
        (Some(line), None) => format!("line {line}"),
        (None, Some(p)) => code(p),
        (None, None) => "the document as a whole".to_string(),
    }
}

/// `s` as one CommonMark code span, shown literally: code spans interpret
/// no HTML and no Markdown, so nothing is escaped inside; the fence is one
/// backtick longer than the longest run in `s`, padded with spaces when `s`
/// starts or ends with a backtick (or the padding would be stripped).
fn code(s: &str) -> String {
    let s = s.replace(['\n', '\r'], " ");
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let spaced = s.starts_with(' ') && s.ends_with(' ') && !s.trim().is_empty();
    if s.starts_with('`') || s.ends_with('`') || spaced {
        format!("{fence} {s} {fence}")
    } else {
        format!("{fence}{s}{fence}")
    }
}

/// One line of the rules' own prose: no line breaks, no raw HTML. Inline
/// Markdown (`code`) written by the rule authors is kept.
fn prose(s: &str) -> String {
    escape(s, false)
}

/// One line of text that may come from the artifact or the model: as
/// [`prose`], and no links or images either (a prompt-injected model or a
/// hostile document must not plant a link in the report).
fn text(s: &str) -> String {
    escape(s, true)
}

/// Escapes per context: the line is split into the code spans its author
/// meant ([`segments`]) and the text around them; spans are re-fenced with
/// [`code`], everything else escaped with [`escape_outside`]. Every span in
/// the output is one this function wrote, so text from the artifact can
/// neither open one nor close one early.
fn escape(s: &str, untrusted: bool) -> String {
    let flat = s.trim().replace(['\n', '\r'], " ");
    let mut out = String::with_capacity(flat.len());
    for (is_code, part) in segments(&flat) {
        if is_code {
            out.push_str(&code(part));
        } else {
            escape_outside(part, untrusted, &mut out);
        }
    }
    out
}

/// Splits a line into (is_code, text) parts. A span opens at a backtick
/// that does not follow a letter or digit and closes at the next backtick
/// that is not followed by one, so a rule's `` `{value}` `` keeps a value
/// with backticks of its own (`` `a`b` ``) in one span.
fn segments(s: &str) -> Vec<(bool, &str)> {
    let b = s.as_bytes();
    let word = |i: usize| {
        b.get(i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'`')
    };
    let mut parts = Vec::new();
    let (mut prose_from, mut i) = (0, 0);
    while i < b.len() {
        let opens = b[i] == b'`' && (i == 0 || !word(i - 1));
        if !opens {
            i += 1;
            continue;
        }
        let Some(close) = (i + 2..b.len()).find(|&j| b[j] == b'`' && !word(j + 1)) else {
            // No closer after this opener means none after a later one
            // either: the rest is text (and the scan stays linear).
            break;
        };
        parts.push((false, &s[prose_from..i]));
        parts.push((true, &s[i + 1..close]));
        i = close + 1;
        prose_from = i;
    }
    parts.push((false, &s[prose_from..]));
    parts
}

/// Text outside code spans: no raw HTML, no stray backtick (it could open a
/// span around escaped text), no backslash that could escape the fence of
/// the span that follows, and for untrusted text no link brackets.
fn escape_outside(s: &str, untrusted: bool, out: &mut String) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '`' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '[' | ']' if untrusted => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::model::ArtifactKind;
    use crate::analysis::synth::tests::sample;

    /// The report of the synthesiser's sample, written deterministically.
    fn sample_report(findings: &[Finding], notes: &[String]) -> String {
        let (_, breakdown, steps) = sample();
        let info = SynthesisInfo {
            engine: "deterministic",
            provider: None,
            model: None,
            note: None,
            attempts: 0,
        };
        render(&ReportInput {
            kind: ArtifactKind::OpenapiYaml,
            summary: "S.",
            findings,
            breakdown: &breakdown,
            steps: &steps,
            synthesis: &info,
            notes,
        })
    }

    #[test]
    fn report_has_summary_breakdown_grouped_findings_and_steps() {
        let (mut findings, _, _) = sample();
        findings[1].description = "Op `x` <script> has [a link](x)\nat all".into();
        let notes = vec!["rule FL-T-009 failed internally".to_string()];
        let md = sample_report(&findings, &notes);
        let order = [
            "# Production readiness: 69/100 (needs work)",
            "## Summary",
            "## How the score was reached",
            "| Security | 73.0 | 75% | 1 | 1 |",
            "Weighted score: **78**.",
            "High-severity security finding (FL-T-001): the score is capped at **69**.",
            "### High (1)",
            "#### FL-T-001 Write operation without authentication",
            "- **Where:** line 4, `/paths/~1pets/post` (3 occurrences)",
            "### Low (1)",
            "- **Seen:** Op `x` &lt;script&gt; has \\[a link\\](x) at all",
            "## Next steps",
            "1. Write operation without authentication (3 places",
            "## Notes",
            "- rule FL-T-009 failed internally",
        ];
        let mut at = 0;
        for needle in order {
            let found = md[at..]
                .find(needle)
                .unwrap_or_else(|| panic!("missing or out of order: {needle}\n{md}"));
            at += found + needle.len();
        }
    }

    #[test]
    fn source_files_the_report_cites_exist() {
        let md = sample_report(&sample().0, &[]);
        let cited: Vec<&str> = md
            .split('`')
            .filter(|s| s.starts_with("src/") && s.ends_with(".rs"))
            .collect();
        assert!(
            !cited.is_empty(),
            "the report cites the score's source\n{md}"
        );
        for path in cited {
            let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
            assert!(
                file.is_file(),
                "the report cites {path}, which does not exist"
            );
        }
    }

    /// The inline events CommonMark reads from one line of the report.
    fn inline_events(md: &str) -> Vec<pulldown_cmark::Event<'_>> {
        pulldown_cmark::Parser::new(md)
            .filter(|e| {
                !matches!(
                    e,
                    pulldown_cmark::Event::Start(_) | pulldown_cmark::Event::End(_)
                )
            })
            .collect()
    }

    #[test]
    fn code_spans_are_fenced_longer_than_their_backticks_and_not_escaped() {
        assert_eq!(code("a<b>[c]"), "`a<b>[c]`");
        assert_eq!(code("x`y"), "``x`y``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("a``b`"), "``` a``b` ```");
        assert_eq!(code(" x "), "`  x  `");
    }

    #[test]
    fn artifact_text_is_escaped_per_context() {
        // h/inject.yaml: the server URL and the parameter name, each inside
        // the rule's code span, with a backtick and HTML of their own.
        assert_eq!(
            text(
                "`http://x`y ## Server heading <img src=x onerror=alert(1)> | a | b |` is not HTTPS"
            ),
            "``http://x`y ## Server heading <img src=x onerror=alert(1)> | a | b |`` is not HTTPS"
        );
        assert_eq!(
            text(
                "`limit # ParamHeading <b>bold</b>` of POST /a|b`c # PathHeading<script>x</script> is undocumented"
            ),
            "`limit # ParamHeading <b>bold</b>` of POST /a|b\\`c # PathHeading&lt;script&gt;x&lt;/script&gt; is undocumented"
        );
        // A backslash before a span cannot escape its fence.
        assert_eq!(text("a\\`<b>`"), "a\\\\`<b>`");
        // Rule prose keeps its spans unescaped too (`security: []`).
        assert_eq!(text("use `security: []` [x]"), "use `security: []` \\[x\\]");
        assert_eq!(
            location(&Location {
                line: Some(3),
                pointer: Some("/a`b".into())
            }),
            "line 3, ``/a`b``"
        );
    }

    proptest::proptest! {
        #[test]
        fn a_code_span_shows_exactly_its_text(s in "[a-z`<> \\\\]{1,20}") {
            let flat = s.replace(['\n', '\r'], " ");
            let md = code(&s);
            let events = inline_events(&md);
            if flat.trim().is_empty() {
                return Ok(());
            }
            proptest::prop_assert_eq!(events, vec![pulldown_cmark::Event::Code(flat.into())]);
        }

        #[test]
        fn no_raw_html_gets_through(s in "(?s)[a-z`<>/\\[\\]\\\\ \n!()=\"']{0,60}") {
            for md in [text(&s), prose(&s)] {
                let html = inline_events(&md).into_iter().find(|e| {
                    matches!(e, pulldown_cmark::Event::Html(_) | pulldown_cmark::Event::InlineHtml(_))
                });
                proptest::prop_assert!(html.is_none(), "{:?} from {:?}", html, md);
            }
        }
    }
}
