//! The production-readiness score: a documented, explainable formula over the
//! rule outcomes (analysis-anchors.md §5's recommendation, which combines
//! Polaris's pass ratios, 42Crunch's gates and Redocly's hotspots).
//!
//! # Formula (version 1)
//!
//! 1. **Per rule.** Every rule that ran is evaluated over the objects it
//!    examined (`Sink::examined`; a rule that never calls it judged the
//!    artifact as a whole, i.e. one object). `applicable = max(examined,
//!    failing)`, where `failing` is the rule's occurrence count; a rule with
//!    `examined(meta, 0)` and no finding is *not applicable* and is left out.
//!    Its deficit is `confidence × failing / applicable`, its pass ratio
//!    `1 − deficit`. Ratios keep a 4 MB spec from being doomed by size alone.
//! 2. **Per category.** The sub-score is the severity-weighted mean of the
//!    pass ratios of the applicable rules in that category, × 100. Weights:
//!    Critical 10, High 5, Medium 2, Low 1, Info 0 (Info never moves the
//!    score). A category with no weighted applicable rule is not scored.
//! 3. **Overall.** The weighted mean of the scored categories' sub-scores,
//!    weights renormalised over the categories present: Security 0.30,
//!    Reliability 0.20, Operability 0.15, Performance 0.10, Maintainability
//!    0.10, Documentation 0.10, Compliance 0.05. Problems spread across many
//!    categories lower several budgets at once (breadth).
//! 4. **Gates.** Findings with confidence ≥ 0.5 cap the score: any Critical
//!    at 49; any High Security at 69; High findings in two or more
//!    categories at 69 (breadth: the artifact is weak on several fronts);
//!    any other High at 84 (a High finding never leaves an artifact
//!    "ready"). The uncapped value is reported too.
//! 5. **Bands.** ≥ 85 ready, 70–84 ready with caveats, 50–69 needs work,
//!    < 50 not ready. If no rule applied at all, the score is 0: nothing
//!    could be vouched for.
//!
//! The breakdown (sub-scores, weights, caps, hotspots) is stored in
//! `AnalysisResult.extra["score_breakdown"]` and rendered in the report.

use std::collections::BTreeMap;

use serde::Serialize;

use super::model::{Category, Finding, Severity};
use super::rule::RuleMeta;

mod hotspots;
#[cfg(test)]
mod tests;

/// Bumped whenever the formula changes, so stored scores stay comparable.
pub const FORMULA_VERSION: u32 = 1;

/// Findings below this confidence never trigger a gate.
const GATE_MIN_CONFIDENCE: f64 = 0.5;

/// How one rule fared: the evidence the score is computed from.
#[derive(Debug, Clone)]
pub struct RuleOutcome {
    pub meta: &'static RuleMeta,
    /// `Some(n)` when the rule called `Sink::examined`.
    pub examined: Option<u32>,
    /// Occurrences of its finding (0 when it did not fire).
    pub failing: u32,
    /// Confidence of its finding, or the rule's default.
    pub confidence: f64,
}

impl RuleOutcome {
    /// Objects the rule judged; `None` when it does not apply.
    pub fn applicable(&self) -> Option<u32> {
        let n = self.examined.unwrap_or(1).max(self.failing);
        (n > 0).then_some(n)
    }

    /// `confidence × failing / applicable`, 0 when not applicable.
    pub fn deficit(&self) -> f64 {
        match self.applicable() {
            Some(n) => self.confidence.clamp(0.0, 1.0) * f64::from(self.failing) / f64::from(n),
            None => 0.0,
        }
    }
}

/// The weight of a severity in sub-scores, next steps and hotspots.
pub fn severity_weight(severity: Severity) -> f64 {
    match severity {
        Severity::Critical => 10.0,
        Severity::High => 5.0,
        Severity::Medium => 2.0,
        Severity::Low => 1.0,
        Severity::Info => 0.0,
    }
}

/// The share of the overall score a category gets before renormalisation.
pub fn category_weight(category: Category) -> f64 {
    match category {
        Category::Security => 0.30,
        Category::Reliability => 0.20,
        Category::Operability => 0.15,
        Category::Performance => 0.10,
        Category::Maintainability => 0.10,
        Category::Documentation => 0.10,
        Category::Compliance => 0.05,
    }
}

/// Readiness band of a final score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Ready,
    ReadyWithCaveats,
    NeedsWork,
    NotReady,
}

impl Band {
    pub fn of(score: u8) -> Self {
        match score {
            85.. => Band::Ready,
            70..=84 => Band::ReadyWithCaveats,
            50..=69 => Band::NeedsWork,
            _ => Band::NotReady,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Band::Ready => "ready",
            Band::ReadyWithCaveats => "ready with caveats",
            Band::NeedsWork => "needs work",
            Band::NotReady => "not ready",
        }
    }
}

/// One category's sub-score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryScore {
    pub category: Category,
    /// 0–100, one decimal.
    pub score: f64,
    /// Renormalised share of the overall score (sums to 1 over categories).
    pub weight: f64,
    pub rules_applicable: u32,
    pub rules_failing: u32,
}

/// A gate that lowered the score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cap {
    pub limit: u8,
    pub reason: String,
    pub finding_ids: Vec<String>,
}

/// A place (operation, component, section) with the most weighted failures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hotspot {
    pub subject: String,
    pub weight: f64,
    pub finding_ids: Vec<String>,
}

/// How the score was reached.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreBreakdown {
    pub formula_version: u32,
    pub score: u8,
    /// The weighted score before gates.
    pub uncapped: u8,
    pub band: Band,
    pub categories: Vec<CategoryScore>,
    /// Gates that applied, tightest first.
    pub caps: Vec<Cap>,
    pub hotspots: Vec<Hotspot>,
    pub rules_evaluated: u32,
    pub rules_applicable: u32,
    pub rules_failing: u32,
}

impl ScoreBreakdown {
    /// The sub-score of `category`, if it was scored.
    pub fn category(&self, category: Category) -> Option<&CategoryScore> {
        self.categories.iter().find(|c| c.category == category)
    }
}

/// Computes the score of an artifact from its rule outcomes and findings.
pub fn compute(outcomes: &[RuleOutcome], findings: &[Finding]) -> ScoreBreakdown {
    let categories = category_scores(outcomes);
    let total_weight: f64 = categories.iter().map(|c| c.weight).sum();
    let uncapped = if total_weight > 0.0 {
        let sum: f64 = categories.iter().map(|c| c.weight * c.score).sum();
        to_score(sum / total_weight)
    } else {
        0
    };
    let caps = caps(findings);
    let score = caps.iter().map(|c| c.limit).fold(uncapped, u8::min);
    ScoreBreakdown {
        formula_version: FORMULA_VERSION,
        score,
        uncapped,
        band: Band::of(score),
        categories,
        caps,
        hotspots: hotspots::hotspots(findings, 3),
        rules_evaluated: outcomes.len() as u32,
        rules_applicable: outcomes.iter().filter(|o| o.applicable().is_some()).count() as u32,
        rules_failing: outcomes.iter().filter(|o| o.failing > 0).count() as u32,
    }
}

fn to_score(value: f64) -> u8 {
    value.round().clamp(0.0, 100.0) as u8
}

pub(crate) fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// Sub-scores for the categories that have weighted applicable rules, in
/// `Category::ALL` order, with weights renormalised to sum to 1.
fn category_scores(outcomes: &[RuleOutcome]) -> Vec<CategoryScore> {
    // (weighted pass sum, weight sum, applicable, failing) per category.
    let mut acc: BTreeMap<Category, (f64, f64, u32, u32)> = BTreeMap::new();
    for outcome in outcomes {
        let weight = severity_weight(outcome.meta.severity);
        if outcome.applicable().is_none() || weight == 0.0 {
            continue;
        }
        let entry = acc.entry(outcome.meta.category).or_default();
        entry.0 += weight * (1.0 - outcome.deficit());
        entry.1 += weight;
        entry.2 += 1;
        entry.3 += u32::from(outcome.failing > 0);
    }
    let norm: f64 = acc.keys().map(|c| category_weight(*c)).sum();
    acc.into_iter()
        .map(
            |(category, (pass, weight, applicable, failing))| CategoryScore {
                category,
                score: round1(100.0 * pass / weight),
                weight: (category_weight(category) / norm * 1000.0).round() / 1000.0,
                rules_applicable: applicable,
                rules_failing: failing,
            },
        )
        .collect()
}

/// The gates that apply to these findings, tightest first.
fn caps(findings: &[Finding]) -> Vec<Cap> {
    let gating = |pred: &dyn Fn(&Finding) -> bool| -> Vec<String> {
        findings
            .iter()
            .filter(|f| f.confidence >= GATE_MIN_CONFIDENCE && pred(f))
            .map(|f| f.rule_id.clone())
            .collect()
    };
    let high = |f: &Finding| f.severity == Severity::High;
    let mut high_categories: Vec<Category> = findings
        .iter()
        .filter(|f| f.confidence >= GATE_MIN_CONFIDENCE && high(f))
        .map(|f| f.category)
        .collect();
    high_categories.sort();
    high_categories.dedup();
    let broad = if high_categories.len() >= 2 {
        gating(&|f| high(f))
    } else {
        Vec::new()
    };
    let rules: [(u8, &str, Vec<String>); 4] = [
        (
            49,
            "Critical finding",
            gating(&|f| f.severity == Severity::Critical),
        ),
        (
            69,
            "High-severity security finding",
            gating(&|f| f.severity == Severity::High && f.category == Category::Security),
        ),
        (69, "High-severity findings in several categories", broad),
        (
            84,
            "High-severity finding",
            gating(&|f| f.severity == Severity::High && f.category != Category::Security),
        ),
    ];
    rules
        .into_iter()
        .filter(|(_, _, ids)| !ids.is_empty())
        .map(|(limit, reason, finding_ids)| Cap {
            limit,
            reason: reason.to_string(),
            finding_ids,
        })
        .collect()
}
