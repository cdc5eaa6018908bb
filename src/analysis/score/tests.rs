//! The score formula on hand-made rule outcomes and findings.

use super::hotspots::hotspots;
use super::*;
use crate::analysis::model::Location;

fn meta(id: &'static str, category: Category, severity: Severity) -> &'static RuleMeta {
    Box::leak(Box::new(RuleMeta {
        id,
        title: "t",
        category,
        severity,
        confidence: 0.8,
        rationale: "r",
        remediation: "m",
    }))
}

fn outcome(meta: &'static RuleMeta, examined: Option<u32>, failing: u32) -> RuleOutcome {
    RuleOutcome {
        meta,
        examined,
        failing,
        confidence: 1.0,
    }
}

fn finding(id: &str, category: Category, severity: Severity, pointer: &str) -> Finding {
    Finding {
        title: "t".into(),
        description: "d".into(),
        category,
        severity,
        rationale: "r".into(),
        remediation: "m".into(),
        rule_id: id.into(),
        confidence: 0.9,
        location: Location {
            line: Some(3),
            pointer: Some(pointer.into()),
        },
        more_locations: vec![],
        occurrences: 1,
    }
}

#[test]
fn all_passing_rules_score_100_and_ready() {
    let m = meta("FL-T-001", Category::Security, Severity::High);
    let b = compute(&[outcome(m, Some(10), 0)], &[]);
    assert_eq!((b.score, b.uncapped, b.band), (100, 100, Band::Ready));
    assert_eq!(b.categories[0].weight, 1.0);
}

#[test]
fn a_rule_failing_on_a_few_of_many_objects_costs_little() {
    let m = meta("FL-T-002", Category::Reliability, Severity::Medium);
    let b = compute(&[outcome(m, Some(200), 2)], &[]);
    assert_eq!(b.categories[0].score, 99.0);
    let all = compute(&[outcome(m, Some(2), 2)], &[]);
    assert_eq!(all.score, 0);
}

#[test]
fn not_applicable_and_info_rules_are_left_out() {
    let na = meta("FL-T-003", Category::Security, Severity::High);
    let info = meta("FL-T-004", Category::Documentation, Severity::Info);
    let ok = meta("FL-T-005", Category::Reliability, Severity::Low);
    let b = compute(
        &[
            outcome(na, Some(0), 0),
            outcome(info, None, 5),
            outcome(ok, None, 0),
        ],
        &[],
    );
    assert_eq!(b.categories.len(), 1);
    assert_eq!(b.categories[0].category, Category::Reliability);
    assert_eq!(b.rules_applicable, 2);
}

#[test]
fn categories_are_weighted_and_renormalised() {
    let sec = meta("FL-T-006", Category::Security, Severity::High);
    let doc = meta("FL-T-007", Category::Documentation, Severity::Low);
    // Security 100 (weight .30), Documentation 0 (weight .10) → 75.
    let b = compute(&[outcome(sec, None, 0), outcome(doc, None, 1)], &[]);
    assert_eq!(b.uncapped, 75);
    assert_eq!(b.category(Category::Security).map(|c| c.weight), Some(0.75));
}

#[test]
fn gates_cap_the_score_and_keep_the_uncapped_value() {
    let m = meta("FL-T-008", Category::Security, Severity::High);
    let outcomes = [outcome(m, Some(100), 1)];
    let high_sec = [finding(
        "FL-T-008",
        Category::Security,
        Severity::High,
        "/info",
    )];
    let b = compute(&outcomes, &high_sec);
    assert_eq!((b.uncapped, b.score, b.band), (99, 69, Band::NeedsWork));
    assert_eq!(b.caps[0].finding_ids, vec!["FL-T-008".to_string()]);
    let crit = [finding(
        "FL-T-008",
        Category::Reliability,
        Severity::Critical,
        "/info",
    )];
    assert_eq!(compute(&outcomes, &crit).score, 49);
    let two = [
        finding("FL-T-008", Category::Reliability, Severity::High, "/a"),
        finding("FL-T-009", Category::Operability, Severity::High, "/b"),
    ];
    let broad = compute(&outcomes, &two);
    assert_eq!(broad.score, 69);
    assert_eq!(
        broad.caps[0].reason,
        "High-severity findings in several categories"
    );
    assert_eq!(compute(&outcomes, &two[..1]).score, 84);
    let mut weak = crit.clone();
    weak[0].confidence = 0.3;
    assert_eq!(compute(&outcomes, &weak).score, 99);
}

#[test]
fn no_applicable_rule_scores_zero() {
    let b = compute(&[], &[]);
    assert_eq!((b.score, b.band), (0, Band::NotReady));
}

#[test]
fn bands_follow_the_documented_thresholds() {
    let bands: Vec<Band> = [100, 85, 84, 70, 69, 50, 49, 0].map(Band::of).to_vec();
    use Band::*;
    assert_eq!(
        bands,
        vec![
            Ready,
            Ready,
            ReadyWithCaveats,
            ReadyWithCaveats,
            NeedsWork,
            NeedsWork,
            NotReady,
            NotReady
        ]
    );
}

#[test]
fn hotspots_group_findings_by_operation() {
    let a = finding(
        "FL-T-010",
        Category::Security,
        Severity::High,
        "/paths/~1pets/post/requestBody",
    );
    let b = finding(
        "FL-T-011",
        Category::Reliability,
        Severity::Medium,
        "/paths/~1pets/post",
    );
    let c = finding(
        "FL-T-012",
        Category::Reliability,
        Severity::Low,
        "/paths/~1users/get",
    );
    let spots = hotspots(&[a, b, c], 3);
    assert_eq!(spots.len(), 1);
    assert_eq!(spots[0].subject, "POST /pets");
    assert_eq!(spots[0].finding_ids, vec!["FL-T-010", "FL-T-011"]);
}
