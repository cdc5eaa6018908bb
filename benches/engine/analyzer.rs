//! The bench analyser: the BullMQ processor's work, as a Faultline `Analyzer`.

use faultline::analysis::model::{AnalysisResult, ArtifactKind, Report};
use faultline::analysis::{AnalysisError, AnalysisRequest, Analyzer, Stage};

/// Same work as the BullMQ processor: three progress reports, then a
/// ~200-byte result (plus a one-line Markdown report, which every Faultline
/// result carries).
pub struct BenchAnalyzer {
    report: Report,
}

impl BenchAnalyzer {
    pub fn new() -> Self {
        let mut result = AnalysisResult {
            production_readiness_score: 72,
            summary: String::new(),
            findings: Vec::new(),
            charts: Vec::new(),
            suggested_next_steps: vec!["Add a rollback plan".to_string()],
            artifact_type: ArtifactKind::Markdown,
            extra: serde_json::Map::new(),
        };
        let base = serde_json::to_string(&result).expect("serialises").len();
        result.summary = "s".repeat(200usize.saturating_sub(base));
        BenchAnalyzer {
            report: Report {
                result,
                markdown: "# Report\n\nScore 72/100.\n".to_string(),
            },
        }
    }

    pub fn result_bytes(&self) -> usize {
        serde_json::to_string(&self.report.result)
            .expect("serialises")
            .len()
    }
}

impl Analyzer for BenchAnalyzer {
    fn analyze(
        &self,
        _request: &AnalysisRequest<'_>,
        progress: &mut dyn FnMut(Stage),
    ) -> Result<Report, AnalysisError> {
        progress(Stage::Normalizing);
        progress(Stage::RunningHeuristics);
        progress(Stage::Synthesizing);
        Ok(self.report.clone())
    }
}
