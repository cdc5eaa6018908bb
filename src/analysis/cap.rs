//! The cap on findings per report (`MAX_FINDINGS`): a hostile or huge
//! artifact (thousands of leaked secrets, one per line) must not produce a
//! result too big to store or read. The score, charts and next steps are
//! computed on every finding first; only the listed findings are cut, the
//! worst kept (the list is sorted by severity), and the result says how many
//! were left out.

use serde_json::{Map, Value, json};

use super::model::Finding;

/// What the cap left out, for the result's `extra` and the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Omitted {
    pub total: usize,
    pub omitted: usize,
}

/// Keeps the first `max` findings (callers sort worst first); `None` when
/// nothing was cut.
pub fn apply(findings: &mut Vec<Finding>, max: usize) -> Option<Omitted> {
    let max = max.max(1);
    let total = findings.len();
    if total <= max {
        return None;
    }
    findings.truncate(max);
    Some(Omitted {
        total,
        omitted: total - max,
    })
}

impl Omitted {
    /// `findings_total` and `findings_omitted` in `AnalysisResult.extra`.
    pub fn record(&self, extra: &mut Map<String, Value>) {
        extra.insert("findings_total".into(), json!(self.total));
        extra.insert("findings_omitted".into(), json!(self.omitted));
    }

    /// The sentence the report and the notes carry.
    pub fn note(&self) -> String {
        format!(
            "{} of {} findings are listed (the most severe first; MAX_FINDINGS); {} were left out. The score counts all of them.",
            self.total - self.omitted,
            self.total,
            self.omitted
        )
    }
}
