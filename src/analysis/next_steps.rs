//! Suggested next steps, most severe first, then by the risk each one
//! removes.
//!
//! One step per finding (a finding already aggregates every occurrence of
//! its rule). Risk reduction = severity weight × confidence × (1 + ln
//! occurrences). Steps are ordered by severity first: the damped count
//! still lets 60 missing operationIds (Medium, 2 × 0.9 × (1 + ln 60) ≈ 9.2)
//! outweigh one API key in the URL (High, 5 × 0.9 = 4.5), yet while a High
//! or Critical finding caps the score no fix of a milder one lifts it.
//! Within a severity the risk reduction orders the steps, so a problem
//! repeated across many operations moves up among its peers. Ties break on
//! rule id, so the order is deterministic.

use serde::{Deserialize, Serialize};

use super::model::{Finding, Location, Severity};
use super::score::severity_weight;
use super::wording::readable_pointer;

/// How many steps `suggested_next_steps` lists; the detailed list in
/// `extra["next_steps"]` keeps them all.
pub const MAX_LISTED: usize = 10;

/// One suggested action and the findings it resolves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextStep {
    /// 1-based position in the ordered list.
    pub rank: u32,
    pub action: String,
    /// Rule ids of the findings this step resolves.
    pub finding_ids: Vec<String>,
    /// The worst severity among those findings.
    pub severity: Severity,
    /// Summed risk reduction of those findings (see the module doc).
    pub risk_reduction: f64,
}

/// The risk a finding carries, i.e. what fixing it removes.
pub fn risk(finding: &Finding) -> f64 {
    let occurrences = f64::from(finding.occurrences.max(1));
    severity_weight(finding.severity)
        * finding.confidence.clamp(0.0, 1.0)
        * (1.0 + occurrences.ln())
}

/// The ordered next steps for these findings.
pub fn plan(findings: &[Finding]) -> Vec<NextStep> {
    let mut ranked: Vec<(&Finding, f64)> = findings.iter().map(|f| (f, risk(f))).collect();
    ranked.sort_by(|(a, ra), (b, rb)| {
        a.severity
            .cmp(&b.severity)
            .then(rb.total_cmp(ra))
            .then(a.rule_id.cmp(&b.rule_id))
    });
    ranked
        .into_iter()
        .enumerate()
        .map(|(i, (finding, risk))| NextStep {
            rank: i as u32 + 1,
            action: action(finding),
            finding_ids: vec![finding.rule_id.clone()],
            severity: finding.severity,
            risk_reduction: round2(risk),
        })
        .collect()
}

/// The plain-text list for `suggested_next_steps`: the first
/// [`MAX_LISTED`] actions, each naming its finding ids.
pub fn listed(steps: &[NextStep]) -> Vec<String> {
    steps
        .iter()
        .take(MAX_LISTED)
        .map(|s| format!("{} [{}]", s.action, s.finding_ids.join(", ")))
        .collect()
}

/// "Fix <what> (<where>): <how>".
fn action(finding: &Finding) -> String {
    let mut place = describe(&finding.location);
    if finding.occurrences > 1 {
        place = format!("{} places, first {place}", finding.occurrences);
    }
    let remediation = finding.remediation.trim().trim_end_matches('.');
    format!("{} ({place}): {remediation}.", finding.title)
}

/// "at line 12, /paths/~1pets/get" or "in the document as a whole".
pub fn describe(location: &Location) -> String {
    match (location.line, location.pointer.as_deref()) {
        (Some(line), Some(p)) if !p.is_empty() => {
            format!("at line {line}, {}", readable_pointer(p))
        }
        (Some(line), _) => format!("at line {line}"),
        (None, Some(p)) if !p.is_empty() => format!("at {}", readable_pointer(p)),
        _ => "in the document as a whole".to_string(),
    }
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::model::Category;

    fn finding(id: &str, severity: Severity, occurrences: u32) -> Finding {
        Finding {
            title: format!("Problem {id}"),
            description: "d".into(),
            category: Category::Security,
            severity,
            rationale: "r".into(),
            remediation: "Do the thing.".into(),
            rule_id: id.into(),
            confidence: 1.0,
            location: Location {
                line: Some(7),
                pointer: Some("/paths/~1a".into()),
            },
            more_locations: vec![],
            occurrences,
        }
    }

    #[test]
    fn steps_are_ordered_by_severity_then_risk_reduction() {
        let steps = plan(&[
            finding("FL-T-001", Severity::Low, 500),
            finding("FL-T-002", Severity::Critical, 1),
            finding("FL-T-003", Severity::Medium, 1),
            finding("FL-T-004", Severity::Medium, 20),
        ]);
        let ids: Vec<&str> = steps.iter().map(|s| s.finding_ids[0].as_str()).collect();
        assert_eq!(ids, ["FL-T-002", "FL-T-004", "FL-T-003", "FL-T-001"]);
        assert_eq!(steps[0].rank, 1);
        assert_eq!(steps[0].risk_reduction, 10.0);
    }

    #[test]
    fn many_medium_occurrences_do_not_outrank_one_high() {
        // FL-OAS-047 (missing operationId, Medium) on 60 operations against
        // FL-OAS-008 (API key in the URL, High, which caps the score).
        let mut many = finding("FL-OAS-047", Severity::Medium, 60);
        many.confidence = 0.9;
        let mut one = finding("FL-OAS-008", Severity::High, 1);
        one.confidence = 0.9;
        assert!(
            risk(&many) > risk(&one),
            "the damped count alone would rank 047 first"
        );
        let steps = plan(&[many, one]);
        let ids: Vec<&str> = steps.iter().map(|s| s.finding_ids[0].as_str()).collect();
        assert_eq!(ids, ["FL-OAS-008", "FL-OAS-047"]);
    }

    #[test]
    fn ties_break_on_severity_then_id() {
        let steps = plan(&[
            finding("FL-T-009", Severity::Info, 1),
            finding("FL-T-008", Severity::Info, 1),
        ]);
        assert_eq!(steps[0].finding_ids, vec!["FL-T-008"]);
    }

    #[test]
    fn listed_steps_name_their_findings_and_locations() {
        let steps = plan(&[finding("FL-T-005", Severity::High, 3)]);
        assert_eq!(
            listed(&steps),
            vec!["Problem FL-T-005 (3 places, first at line 7, /a): Do the thing. [FL-T-005]"]
        );
    }
}
