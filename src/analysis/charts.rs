//! Charts derived only from the findings and the artifact: every number is
//! a count of findings, a sub-score from the score breakdown, or a count of
//! objects in the artifact. Nothing is invented or sampled.

use serde::Serialize;

use super::model::{Category, Chart, ChartType, DataPoint, Finding, Severity};
use super::score::ScoreBreakdown;

/// How many of the applicable objects (operations, list endpoints, ...) of an
/// artifact have a property (security, pagination, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoverageRow {
    pub label: String,
    pub covered: u32,
    pub applicable: u32,
}

/// What the charts are drawn from besides the findings.
#[derive(Debug, Clone, Default)]
pub struct ChartInputs<'a> {
    /// Endpoint coverage (OpenAPI only).
    pub coverage: &'a [CoverageRow],
    /// Component kinds and how many components of each (architecture only).
    pub components: &'a [(String, u32)],
}

/// Every chart that has data, in a stable order.
pub fn build(
    findings: &[Finding],
    breakdown: &ScoreBreakdown,
    inputs: &ChartInputs<'_>,
) -> Vec<Chart> {
    let mut charts = vec![by_severity(findings)];
    charts.extend(by_category(findings));
    charts.extend(risk_per_category(breakdown));
    charts.extend(coverage(inputs.coverage));
    charts.extend(component_kinds(inputs.components));
    charts
}

fn point(label: impl Into<String>, value: f64) -> DataPoint {
    DataPoint {
        label: label.into(),
        value,
    }
}

/// Always present (all zeros is a meaningful answer), all five severities.
fn by_severity(findings: &[Finding]) -> Chart {
    let data = Severity::ALL
        .iter()
        .map(|s| {
            point(
                s.as_str(),
                findings.iter().filter(|f| f.severity == *s).count() as f64,
            )
        })
        .collect();
    Chart {
        title: "Findings by severity".into(),
        chart_type: ChartType::Bar,
        description: "Number of findings (one per rule that fired) at each severity.".into(),
        data,
    }
}

/// Only categories that have findings: a pie of zeros says nothing.
fn by_category(findings: &[Finding]) -> Option<Chart> {
    let data: Vec<DataPoint> = Category::ALL
        .iter()
        .map(|c| (c, findings.iter().filter(|f| f.category == *c).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(c, n)| point(c.as_str(), n as f64))
        .collect();
    (!data.is_empty()).then(|| Chart {
        title: "Findings by category".into(),
        chart_type: ChartType::Pie,
        description: "Share of findings in each category.".into(),
        data,
    })
}

fn risk_per_category(breakdown: &ScoreBreakdown) -> Option<Chart> {
    let data: Vec<DataPoint> = breakdown
        .categories
        .iter()
        .map(|c| {
            point(
                c.category.as_str(),
                ((100.0 - c.score) * 10.0).round() / 10.0,
            )
        })
        .collect();
    (!data.is_empty()).then(|| Chart {
        title: "Risk per category".into(),
        chart_type: ChartType::Bar,
        description: "100 minus each category's sub-score from the score breakdown (0 = no \
                      weighted rule failed in that category)."
            .into(),
        data,
    })
}

/// Percent covered per property; the counts are spelled out in the description.
fn coverage(rows: &[CoverageRow]) -> Option<Chart> {
    let rows: Vec<&CoverageRow> = rows.iter().filter(|r| r.applicable > 0).collect();
    if rows.is_empty() {
        return None;
    }
    let data = rows
        .iter()
        .map(|r| {
            point(
                r.label.clone(),
                (1000.0 * f64::from(r.covered) / f64::from(r.applicable)).round() / 10.0,
            )
        })
        .collect();
    let counts: Vec<String> = rows
        .iter()
        .map(|r| format!("{} {}/{}", r.label, r.covered, r.applicable))
        .collect();
    Some(Chart {
        title: "Endpoint coverage".into(),
        chart_type: ChartType::Bar,
        description: format!(
            "Percent of the applicable endpoints that have each property ({}).",
            counts.join(", ")
        ),
        data,
    })
}

fn component_kinds(kinds: &[(String, u32)]) -> Option<Chart> {
    let data: Vec<DataPoint> = kinds
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(kind, n)| point(kind.clone(), f64::from(*n)))
        .collect();
    (!data.is_empty()).then(|| Chart {
        title: "Components by kind".into(),
        chart_type: ChartType::Bar,
        description: "Components the architecture names, by kind.".into(),
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::model::Location;
    use crate::analysis::score::{self, RuleOutcome};

    fn finding(id: &str, category: Category, severity: Severity) -> Finding {
        Finding {
            title: "t".into(),
            description: "d".into(),
            category,
            severity,
            rationale: "r".into(),
            remediation: "m".into(),
            rule_id: id.into(),
            confidence: 1.0,
            location: Location::default(),
            more_locations: vec![],
            occurrences: 1,
        }
    }

    static META: crate::analysis::rule::RuleMeta = crate::analysis::rule::RuleMeta {
        id: "FL-T-001",
        title: "t",
        category: Category::Security,
        severity: Severity::High,
        confidence: 1.0,
        rationale: "r",
        remediation: "m",
    };

    #[test]
    fn charts_count_findings_and_use_the_sub_scores() {
        let findings = [
            finding("FL-T-001", Category::Security, Severity::High),
            finding("FL-T-002", Category::Security, Severity::Low),
            finding("FL-T-003", Category::Documentation, Severity::Low),
        ];
        let outcome = RuleOutcome {
            meta: &META,
            examined: Some(4),
            failing: 1,
            confidence: 1.0,
        };
        let breakdown = score::compute(&[outcome], &findings);
        let rows = [
            CoverageRow {
                label: "security".into(),
                covered: 3,
                applicable: 4,
            },
            CoverageRow {
                label: "pagination".into(),
                covered: 0,
                applicable: 0,
            },
        ];
        let inputs = ChartInputs {
            coverage: &rows,
            components: &[],
        };
        let charts = build(&findings, &breakdown, &inputs);
        let titles: Vec<&str> = charts.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Findings by severity",
                "Findings by category",
                "Risk per category",
                "Endpoint coverage"
            ]
        );
        let values = |i: usize| charts[i].data.iter().map(|d| d.value).collect::<Vec<_>>();
        assert_eq!(values(0), [0.0, 1.0, 0.0, 2.0, 0.0]);
        assert_eq!(values(1), [2.0, 1.0]);
        assert_eq!(values(2), [25.0]);
        assert_eq!(values(3), [75.0]);
        assert_eq!(charts[1].chart_type, ChartType::Pie);
    }

    #[test]
    fn no_findings_gives_only_the_severity_chart() {
        let breakdown = score::compute(&[], &[]);
        let charts = build(&[], &breakdown, &ChartInputs::default());
        assert_eq!(charts.len(), 1);
        let kinds = [("database".to_string(), 2), ("queue".to_string(), 0)];
        let with = build(
            &[],
            &breakdown,
            &ChartInputs {
                coverage: &[],
                components: &kinds,
            },
        );
        assert_eq!(with[1].data, vec![point("database", 2.0)]);
    }
}
