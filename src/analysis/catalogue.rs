//! The rule catalogue, `docs/rules.md`, rendered from every family's
//! [`RuleMeta`] so the documentation cannot drift from the code. A test
//! compares the committed file with [`render`]'s output; run it with
//! `UPDATE_RULES_DOC=1` to rewrite the file after changing a rule.

use std::fmt::Write;

use super::rule::RuleMeta;

/// The families in catalogue order: (id prefix, heading).
const FAMILIES: [(&str, &str); 5] = [
    ("FL-OAS-", "OpenAPI documents"),
    ("FL-ARC-", "Architecture descriptions"),
    ("FL-DOC-", "Design documents"),
    ("FL-XA-", "Cross-artifact consistency"),
    ("FL-SEC-", "Secrets (every artifact kind)"),
];

/// Every rule of every family, in catalogue order (family, then id).
pub fn all_rules() -> Vec<&'static RuleMeta> {
    let mut metas: Vec<&'static RuleMeta> = Vec::new();
    metas.extend(super::openapi::rules().iter().map(|r| r.meta()));
    metas.extend(super::architecture::rules().iter().map(|r| r.meta()));
    metas.extend(super::markdown::rules().iter().map(|r| r.meta()));
    metas.extend(super::cross::rules().iter().map(|r| r.meta()));
    metas.extend(super::secrets::rules().iter().map(|r| r.meta()));
    metas.sort_by_key(|m| (family_rank(m.id), m.id));
    metas.dedup_by_key(|m| m.id);
    metas
}

fn family_rank(id: &str) -> usize {
    FAMILIES
        .iter()
        .position(|(prefix, _)| id.starts_with(prefix))
        .unwrap_or(FAMILIES.len())
}

/// The Markdown catalogue of `metas` (already in catalogue order).
pub fn render(metas: &[&RuleMeta]) -> String {
    let mut out = String::from(
        "# Faultline rule catalogue\n\n\
         Generated from the rules' metadata by `src/analysis/catalogue.rs`; do not edit by hand.\n\
         After changing a rule, regenerate with `UPDATE_RULES_DOC=1 cargo test catalogue`.\n\n",
    );
    let counts: Vec<String> = FAMILIES
        .iter()
        .map(|(prefix, name)| {
            format!(
                "{name}: {}",
                metas.iter().filter(|m| m.id.starts_with(prefix)).count()
            )
        })
        .collect();
    let _ = writeln!(out, "{} rules ({}).\n", metas.len(), counts.join(", "));
    for (prefix, name) in FAMILIES {
        let family: Vec<&&RuleMeta> = metas.iter().filter(|m| m.id.starts_with(prefix)).collect();
        if family.is_empty() {
            continue;
        }
        let _ = writeln!(out, "## {name}\n");
        let _ = writeln!(
            out,
            "| Id | Title | Category | Severity | Confidence |\n|---|---|---|---|---:|"
        );
        for m in &family {
            let _ = writeln!(
                out,
                "| [{id}](#{anchor}) | {} | {} | {} | {:.2} |",
                cell(m.title),
                m.category.as_str(),
                m.severity.as_str(),
                m.confidence,
                id = m.id,
                anchor = m.id.to_lowercase()
            );
        }
        out.push('\n');
        for m in family {
            entry(&mut out, m);
        }
    }
    out
}

fn entry(out: &mut String, m: &RuleMeta) {
    let _ = writeln!(out, "### {}\n", m.id);
    let _ = writeln!(out, "**{}**\n", m.title.trim());
    let _ = writeln!(
        out,
        "Category: {} · Severity: {} · Confidence: {:.2}\n",
        m.category.as_str(),
        m.severity.as_str(),
        m.confidence
    );
    let _ = writeln!(out, "*Why it matters.* {}\n", one_line(m.rationale));
    let _ = writeln!(out, "*Fix.* {}\n", one_line(m.remediation));
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn cell(s: &str) -> String {
    one_line(s).replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::model::{Category, Severity};

    static A: RuleMeta = RuleMeta {
        id: "FL-OAS-001",
        title: "No security | at all",
        category: Category::Security,
        severity: Severity::High,
        confidence: 0.9,
        rationale: "Anyone\n  can call it.",
        remediation: "Add one.",
    };

    #[test]
    fn render_lists_each_rule_in_a_table_and_an_entry() {
        let md = render(&[&A]);
        assert!(md.contains("1 rules (OpenAPI documents: 1, Architecture descriptions: 0"));
        assert!(md.contains(
            "| [FL-OAS-001](#fl-oas-001) | No security \\| at all | Security | High | 0.90 |"
        ));
        assert!(md.contains("### FL-OAS-001\n\n**No security | at all**"));
        assert!(md.contains("*Why it matters.* Anyone can call it."));
        assert!(!md.contains("## Design documents"));
    }

    #[test]
    fn rule_ids_are_unique_and_follow_the_family_scheme() {
        let metas = all_rules();
        let mut ids: Vec<&str> = metas.iter().map(|m| m.id).collect();
        let total = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), total, "duplicate rule ids");
        for m in &metas {
            assert!(
                family_rank(m.id) < FAMILIES.len(),
                "{} has no family prefix",
                m.id
            );
            let number = m.id.rsplit('-').next().unwrap_or("");
            assert!(
                number.len() == 3 && number.bytes().all(|b| b.is_ascii_digit()),
                "{}",
                m.id
            );
            assert!((0.0..=1.0).contains(&m.confidence), "{}", m.id);
            assert!(
                !m.title.trim().is_empty()
                    && !m.rationale.trim().is_empty()
                    && !m.remediation.trim().is_empty(),
                "{}",
                m.id
            );
        }
    }

    #[test]
    fn committed_rules_doc_matches_the_code() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
        let expected = render(&all_rules());
        if std::env::var_os("UPDATE_RULES_DOC").is_some_and(|v| v == "1") {
            std::fs::write(&path, &expected).expect("write docs/rules.md");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        let first_difference = committed
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "length differs".to_string(),
                |i| format!("first difference at line {}", i + 1),
            );
        assert!(
            committed == expected,
            "docs/rules.md is out of date ({first_difference}): run \
             `UPDATE_RULES_DOC=1 cargo test catalogue` and commit it"
        );
    }
}
